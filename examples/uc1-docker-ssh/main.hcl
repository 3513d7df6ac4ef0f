# UC1: a user's own container, reachable over SSH, with the collaboration's
# data space mounted in it.

variable "ssh_public_key" {
  type        = string
  description = "The public key allowed to log in to the container."
  default     = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOnlyForValidation user@example"
}

provider "indigo" {
  alias = "laptop"
  root  = "sites/laptop"
}

provider "kubernetes" {
  alias       = "cloud"
  config_path = "~/.kube/config"
}

site "cloud" {
  provider     = kubernetes.cloud
  kind         = "kubernetes"
  location     = "IT"
  capabilities = ["docker", "ssh"]
  sla {
    cpus   = 64
    memory = "256GiB"
  }
}

site "laptop" {
  provider     = indigo.laptop
  kind         = "local"
  location     = "IT"
  capabilities = ["docker", "ssh"]
}

storage "lbt_data" {
  qos {
    copies  = 1
    latency = "online"
  }
  placement {
    sites = [site.laptop]
  }
}

deployment "ssh_container" {
  template = "docker-ssh.yaml"
  inputs = {
    ssh_public_key = var.ssh_public_key
    data_space     = "lbt_data"
  }
  placement {
    sites   = [site.cloud, site.laptop]
    prefer  = [site.cloud]
    require = { capabilities = ["ssh"], cpus = 1 }
    near    = [storage.lbt_data]
  }
}

output "ssh_endpoint" {
  value = deployment.ssh_container.outputs.ssh_endpoint
}
