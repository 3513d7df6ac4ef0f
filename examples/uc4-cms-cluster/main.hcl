# UC4: an on-demand batch cluster for the CMS experiment, elastic, on the
# clouds that signed an SLA with CMS. Each site's share of its capacity for
# CMS is fixed by the fair-share agreement.

indigo {
  required_providers {
    openstack = {
      source = "terraform-provider-openstack/openstack"
    }
  }
  ranking {
    free_capacity = 3
    cost          = 1
  }
}

variable "workers" {
  type    = number
  default = 4
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
  alias       = "infn"
  auth_url    = var.auth_url
  user_name   = var.user_name
  password    = var.password
  tenant_name = var.tenant_name
}

provider "openstack" {
  alias       = "desy"
  auth_url    = var.auth_url
  user_name   = var.user_name
  password    = var.password
  tenant_name = var.tenant_name
}

group "cms" {
  members = ["cms-pilot"]
}

group "atlas" {
  members = ["atlas-pilot"]
}

site "infn" {
  provider = openstack.infn
  kind     = "openstack"
  location = "IT"
  # The site's catalogue: each server gets the smallest flavor that has what
  # its template asks and an image of the operating system it names.
  settings {
    network_id = var.network_id
    images = [
      { name = "centos-7", type = "linux", distribution = "centos", version = "7.9", id = "7d2e9a14-5c3b-4f81-9e60-1b8c4a7f2d95" },
    ]
    flavors = [
      { name = "m1.small", cpus = 1, memory = "2GiB", disk = "20GiB", gpus = 0 },
      { name = "m1.medium", cpus = 2, memory = "4GiB", disk = "40GiB", gpus = 0 },
      { name = "m1.large", cpus = 4, memory = "8GiB", disk = "80GiB", gpus = 0 },
      { name = "m1.xlarge", cpus = 8, memory = "16GiB", disk = "160GiB", gpus = 0 },
      { name = "m1.2xlarge", cpus = 16, memory = "32GiB", disk = "320GiB", gpus = 0 },
    ]
  }
  sla {
    id     = "sla-cms-infn"
    cpus   = 2000
    memory = "8TiB"
  }
  shares = { cms = 0.6, atlas = 0.4 }
}

site "desy" {
  provider = openstack.desy
  kind     = "openstack"
  location = "DE"
  # The site's catalogue: each server gets the smallest flavor that has what
  # its template asks and an image of the operating system it names.
  settings {
    network_id = var.network_id
    images = [
      { name = "centos-7", type = "linux", distribution = "centos", version = "7.9", id = "e4b81c26-9f3a-47d5-a2e8-5c0d7b3f9a61" },
      { name = "alma-9", type = "linux", distribution = "almalinux", version = "9.3", id = "3a6f0d58-2b7e-4c19-8f4a-d9e1c5b2a073" },
    ]
    flavors = [
      { name = "m1.small", cpus = 1, memory = "2GiB", disk = "20GiB", gpus = 0 },
      { name = "m1.medium", cpus = 2, memory = "4GiB", disk = "40GiB", gpus = 0 },
      { name = "m1.large", cpus = 4, memory = "8GiB", disk = "80GiB", gpus = 0 },
      { name = "m1.xlarge", cpus = 8, memory = "16GiB", disk = "160GiB", gpus = 0 },
      { name = "m1.2xlarge", cpus = 16, memory = "32GiB", disk = "320GiB", gpus = 0 },
    ]
  }
  sla {
    id     = "sla-cms-desy"
    cpus   = 1000
    memory = "4TiB"
  }
  shares = { cms = 0.3, atlas = 0.7 }
}

deployment "cms_cluster" {
  template = "cms-cluster.yaml"
  inputs = {
    wn_num = var.workers
  }
  placement {
    sites    = [site.infn, site.desy]
    group    = group.cms
    require  = { cpus = 16 }
    fallback = true
  }
}

output "condor_collector" {
  value = deployment.cms_cluster.outputs.collector
}
