# UC1: a user's own container, reachable over SSH, with the collaboration's
# data space mounted in it, on a Kubernetes cluster (a Deployment and a
# Service) or, when the cluster cannot take it, on this machine.

variable "ssh_public_key" {
  type        = string
  description = "The public key allowed to log in to the container."
  default     = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOnlyForValidation user@example"
}

variable "kubeconfig" {
  type        = string
  description = "The kubeconfig of the cluster; null means what kubectl uses (KUBECONFIG, then ~/.kube/config)."
  default     = null
}

variable "kube_context" {
  type        = string
  description = "The kubeconfig context; null means its current context."
  default     = null
}

variable "namespace" {
  type        = string
  description = "The namespace the container goes to; null means the context's, else \"default\"."
  default     = null
}

provider "indigo" {
  alias = "laptop"
  root  = "sites/laptop"
}

# The cluster: its provider configuration (the built-in provider's
# kubernetes block) is made from these settings.
site "cloud" {
  kind         = "kubernetes"
  location     = "IT"
  capabilities = ["docker", "ssh"]
  settings {
    kubeconfig = var.kubeconfig
    context    = var.kube_context
    namespace  = var.namespace
  }
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
  }
}

output "ssh_endpoint" {
  value = deployment.ssh_container.outputs.ssh_endpoint
}
