# UC5: a scientist's analysis containers, run without root on the group's
# workstation. Components are abstract: on a local site a container becomes
# an indigo_container (its image pulled with skopeo, unpacked with umoci
# --rootless, run under bubblewrap or proot), as udocker did.
#
# The defaults run offline: both containers use the busybox image that
# `make uc5-images` writes into images/busybox (an OCI image layout). Point
# the image variables at a registry (docker://...) when one is reachable,
# with commands that image has.

provider "indigo" {
  alias = "workstation"
  root  = "sites/workstation"
}

site "workstation" {
  provider = indigo.workstation
  kind     = "local"
  location = "ES"
  sla {
    cpus   = 16
    memory = "64GiB"
  }
}

variable "notebook_image" {
  type        = string
  default     = null
  description = "The notebook's image; default: the local busybox layout images/busybox."
}

variable "notebook_command" {
  type    = string
  default = null
}

variable "notebook_port" {
  type    = number
  default = 8888
}

variable "worker_image" {
  type        = string
  default     = null
  description = "The worker's image; default: the local busybox layout images/busybox."
}

variable "worker_command" {
  type    = string
  default = null
}

variable "worker_port" {
  type    = number
  default = 9000
}

locals {
  # Relative image paths would resolve under the site's root; the layout
  # is beside this file.
  busybox = "oci:${abspath(path.module)}/images/busybox:latest"
}

deployment "analysis" {
  placement {
    sites   = [site.workstation]
    require = { cpus = 2, memory = "4GiB" }
  }

  component "notebook" {
    type = "tosca.nodes.indigo.Container.Application.Docker"
    properties {
      image   = coalesce(var.notebook_image, local.busybox)
      command = coalesce(var.notebook_command, "exec httpd -f -p 127.0.0.1:${var.notebook_port} -h /www")
      port    = var.notebook_port
      environment_variables = {
        JUPYTER_ENABLE_LAB = "yes"
      }
    }
  }

  component "worker" {
    type = "tosca.nodes.indigo.Container.Application.Docker"
    properties {
      image   = coalesce(var.worker_image, local.busybox)
      command = coalesce(var.worker_command, "exec httpd -f -p 127.0.0.1:${var.worker_port} -h /www")
      port    = var.worker_port
    }
    requirements {
      after = component.notebook
    }
  }

  output "notebook_url" {
    value = "http://127.0.0.1:${var.notebook_port}/"
  }
}
