# UC2: a Galaxy portal for a research community, with a Slurm cluster that
# runs its jobs, on whichever of the community's clouds fits it best.

indigo {
  required_providers {
    openstack = {
      source  = "terraform-provider-openstack/openstack"
      version = "~> 3.4"
    }
  }
}

variable "admin_email" {
  type    = string
  default = "galaxy-admin@example.org"
}

provider "openstack" {
  alias     = "cnaf"
  auth_url  = "https://keystone.cloud.cnaf.example/v3"
  region    = "RegionOne"
  tenant_id = "galaxy"
}

provider "openstack" {
  alias     = "bari"
  auth_url  = "https://keystone.recas.bari.example/v3"
  region    = "RegionOne"
  tenant_id = "galaxy"
}

site "cnaf" {
  provider = openstack.cnaf
  kind     = "openstack"
  location = "IT"
  # Until the site publishes a catalogue, servers whose template names no
  # image or instance type get these.
  settings {
    image  = "ubuntu-22.04"
    flavor = "m1.xlarge"
  }
  sla {
    id           = "sla-galaxy-cnaf"
    cpus         = 400
    memory       = "1.5TiB"
    storage      = "20TiB"
    availability = 0.995
  }
  cost = { cpu_hour = 0.012 }
}

site "bari" {
  provider = openstack.bari
  kind     = "openstack"
  location = "IT"
  # Until the site publishes a catalogue, servers whose template names no
  # image or instance type get these.
  settings {
    image  = "ubuntu-22.04"
    flavor = "m1.xlarge"
  }
  sla {
    id           = "sla-galaxy-bari"
    cpus         = 200
    memory       = "800GiB"
    availability = 0.99
  }
  cost = { cpu_hour = 0.009 }
}

deployment "galaxy" {
  template = "galaxy-slurm.yaml"
  inputs = {
    admin_email = var.admin_email
    wn_num      = 2
  }
  placement {
    sites    = [site.cnaf, site.bari]
    require  = { cpus = 8, memory = "16GiB" }
    fallback = true
  }
}

output "galaxy_url" {
  value = deployment.galaxy.outputs.galaxy_url
}
