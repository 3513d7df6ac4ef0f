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

variable "slurm_conf" {
  description = "the batch cluster's slurm.conf; empty: the environment's SLURM_CONF (then /etc/slurm/slurm.conf)"
  type        = string
  default     = ""
}

variable "slurm_partition" {
  description = "the partition the jobs go to; empty: the cluster's default partition"
  type        = string
  default     = ""
}

variable "batch_work_dir" {
  description = "where the jobs run and write their output, on the cluster's shared file system (relative: under this directory)"
  type        = string
  default     = "jobs"
}

provider "openstack" {
  alias       = "cnaf"
  auth_url    = var.auth_url
  user_name   = var.user_name
  password    = var.password
  tenant_name = var.tenant_name
  region      = "RegionOne"
}

provider "openstack" {
  alias       = "bari"
  auth_url    = var.auth_url
  user_name   = var.user_name
  password    = var.password
  tenant_name = var.tenant_name
  region      = "RegionOne"
}

site "cnaf" {
  provider = openstack.cnaf
  kind     = "openstack"
  location = "IT"
  # The site's catalogue: each server gets the smallest flavor that has what
  # its template asks and an image of the operating system it names.
  settings {
    network_id = var.network_id
    images = [
      { name = "ubuntu-22.04", type = "linux", distribution = "ubuntu", version = "22.04", id = "2f1c5e0a-7d3b-4a59-9c61-0e8a4b6f2d11" },
      { name = "centos-7", type = "linux", distribution = "centos", version = "7.9", id = "5b7e9d42-1c8a-4f3e-b0d6-93a2c4e1f7a8" },
    ]
    flavors = [
      { name = "m1.small", cpus = 1, memory = "2GiB", disk = "20GiB", gpus = 0 },
      { name = "m1.medium", cpus = 2, memory = "4GiB", disk = "40GiB", gpus = 0 },
      { name = "m1.large", cpus = 4, memory = "8GiB", disk = "80GiB", gpus = 0 },
      { name = "m1.xlarge", cpus = 8, memory = "16GiB", disk = "160GiB", gpus = 0 },
    ]
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
  # The site's catalogue: each server gets the smallest flavor that has what
  # its template asks and an image of the operating system it names.
  settings {
    network_id = var.network_id
    images = [
      { name = "ubuntu-22.04", type = "linux", distribution = "ubuntu", version = "22.04", id = "a83d1f60-4e2b-49c7-8d15-6f0b2e9c3a74" },
    ]
    flavors = [
      { name = "m1.small", cpus = 1, memory = "2GiB", disk = "20GiB", gpus = 0 },
      { name = "m1.medium", cpus = 2, memory = "4GiB", disk = "40GiB", gpus = 0 },
      { name = "m1.large", cpus = 4, memory = "8GiB", disk = "80GiB", gpus = 0 },
      { name = "m1.xlarge", cpus = 8, memory = "16GiB", disk = "160GiB", gpus = 0 },
    ]
  }
  sla {
    id           = "sla-galaxy-bari"
    cpus         = 200
    memory       = "800GiB"
    availability = 0.99
  }
  cost = { cpu_hour = 0.009 }
}

# The community's batch cluster: Galaxy's jobs run there (sbatch), tracked
# until they end.
site "hpc" {
  kind     = "slurm"
  location = "IT"
  settings {
    conf      = var.slurm_conf
    partition = var.slurm_partition
    work_dir  = var.batch_work_dir
  }
  sla {
    cpus   = 64
    memory = "256GiB"
  }
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

deployment "galaxy_jobs" {
  template = "galaxy-jobs.yaml"
  inputs = {
    samples = 3
  }
  placement {
    sites = [site.hpc]
  }
}

output "galaxy_url" {
  value = deployment.galaxy.outputs.galaxy_url
}

output "batch_result" {
  value = deployment.galaxy_jobs.outputs.result
}
