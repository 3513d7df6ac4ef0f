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

provider "openstack" {
  alias    = "upv"
  auth_url = "https://keystone.upv.example/v3"
  region   = "RegionOne"
}

provider "openstack" {
  alias    = "cesga"
  auth_url = "https://keystone.cesga.example/v3"
  region   = "RegionOne"
}

site "upv" {
  provider     = openstack.upv
  kind         = "openstack"
  location     = "ES"
  capabilities = ["gpu", "encrypted-volumes"]
  # Until the site publishes a catalogue, servers whose template names no
  # image or instance type get these.
  settings {
    image  = "ubuntu-22.04"
    flavor = "g1.large"
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
  # Until the site publishes a catalogue, servers whose template names no
  # image or instance type get these.
  settings {
    image  = "ubuntu-22.04"
    flavor = "g1.large"
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
