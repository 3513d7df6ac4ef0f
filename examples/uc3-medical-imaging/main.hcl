# UC3: a virtual infrastructure for medical imaging. Images must stay in
# Spain, processing needs GPUs, and only the radiology group may read the
# image archive.

indigo {
  required_providers {
    openstack = {
      source = "terraform-provider-openstack/openstack"
    }
  }
}

variable "auth_url" {
  description = "the Identity (Keystone v3) endpoint of the clouds; the default is a local Keystone or the test double"
  type        = string
  default     = "http://127.0.0.1:5000/v3"
}

variable "user_name" {
  type    = string
  default = "demo"
}

variable "password" {
  type      = string
  default   = "secret"
  sensitive = true
}

variable "tenant_name" {
  description = "the project servers are created in"
  type        = string
  default     = "demo"
}

variable "network_id" {
  description = "the id of the project network servers are attached to"
  type        = string
  default     = "private-network-id"
}

provider "openstack" {
  alias       = "upv"
  auth_url    = var.auth_url
  user_name   = var.user_name
  password    = var.password
  tenant_name = var.tenant_name
  region      = "RegionOne"
}

provider "openstack" {
  alias       = "cesga"
  auth_url    = var.auth_url
  user_name   = var.user_name
  password    = var.password
  tenant_name = var.tenant_name
  region      = "RegionOne"
}

site "upv" {
  provider     = openstack.upv
  kind         = "openstack"
  location     = "ES"
  capabilities = ["gpu", "encrypted-volumes"]
  # The site's catalogue: each server gets the smallest flavor that has what
  # its template asks and an image of the operating system it names.
  settings {
    network_id = var.network_id
    images = [
      { name = "ubuntu-22.04", type = "linux", distribution = "ubuntu", version = "22.04", id = "9e4a2c71-3b58-4d06-a1f9-7c2e5d8b0f63" },
    ]
    flavors = [
      { name = "m1.small", cpus = 1, memory = "2GiB", disk = "20GiB", gpus = 0 },
      { name = "m1.medium", cpus = 2, memory = "4GiB", disk = "40GiB", gpus = 0 },
      { name = "m1.large", cpus = 4, memory = "8GiB", disk = "80GiB", gpus = 0 },
      { name = "m1.xlarge", cpus = 8, memory = "16GiB", disk = "160GiB", gpus = 0 },
      { name = "g1.large", cpus = 8, memory = "32GiB", disk = "100GiB", gpus = 1 },
      { name = "g2.xlarge", cpus = 16, memory = "64GiB", disk = "200GiB", gpus = 2 },
    ]
  }
  sla {
    id           = "sla-imaging-upv"
    cpus         = 128
    memory       = "512GiB"
    gpus         = 8
    availability = 0.99
  }
}

site "cesga" {
  provider     = openstack.cesga
  kind         = "openstack"
  location     = "ES"
  capabilities = ["encrypted-volumes"]
  # The site's catalogue: each server gets the smallest flavor that has what
  # its template asks and an image of the operating system it names.
  settings {
    network_id = var.network_id
    images = [
      { name = "ubuntu-22.04", type = "linux", distribution = "ubuntu", version = "22.04", id = "c15f8b3e-6a92-4e7d-8b04-2d9f1a6c5e38" },
    ]
    flavors = [
      { name = "m1.small", cpus = 1, memory = "2GiB", disk = "20GiB", gpus = 0 },
      { name = "m1.medium", cpus = 2, memory = "4GiB", disk = "40GiB", gpus = 0 },
      { name = "m1.large", cpus = 4, memory = "8GiB", disk = "80GiB", gpus = 0 },
      { name = "m1.xlarge", cpus = 8, memory = "16GiB", disk = "160GiB", gpus = 0 },
    ]
  }
  sla {
    id     = "sla-imaging-cesga"
    cpus   = 256
    memory = "1TiB"
  }
}

group "radiology" {
  members = ["dr.garcia", "dr.lopez"]
  issuer  = "https://iam.example.org/"
  claim   = "radiology"
}

deployment "imaging" {
  template = "imaging.yaml"
  inputs = {
    gpu_nodes = 2
  }
  placement {
    require = { gpus = 2, location = "ES", capabilities = ["gpu", "encrypted-volumes"] }
  }
}

policy "radiology_reads_images" {
  principals = [group.radiology]
  actions    = ["read", "list"]
  resources  = [deployment.imaging]
}

output "pacs_url" {
  value = deployment.imaging.outputs.pacs_url
}
