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

provider "openstack" {
  alias    = "infn"
  auth_url = "https://keystone.infn.example/v3"
}

provider "openstack" {
  alias    = "desy"
  auth_url = "https://keystone.desy.example/v3"
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
  # Until the site publishes a catalogue, servers whose template names no
  # image or instance type get these.
  settings {
    image  = "centos-7"
    flavor = "m1.large"
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
  # Until the site publishes a catalogue, servers whose template names no
  # image or instance type get these.
  settings {
    image  = "centos-7"
    flavor = "m1.large"
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
