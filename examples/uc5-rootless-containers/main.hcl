# UC5: a scientist's analysis containers, run without root on the group's
# workstation. Components are abstract: on a local site a container becomes
# a rootless service (image unpacked with skopeo and umoci, run under proot).

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

variable "notebook_port" {
  type    = number
  default = 8888
}

deployment "analysis" {
  placement {
    sites   = [site.workstation]
    require = { cpus = 2, memory = "4GiB" }
  }

  component "notebook" {
    type = "tosca.nodes.indigo.Container.Application.Docker"
    properties {
      image   = "docker.io/jupyter/minimal-notebook:latest"
      command = "start-notebook.sh --port=${var.notebook_port} --ip=127.0.0.1"
      port    = var.notebook_port
      environment_variables = {
        JUPYTER_ENABLE_LAB = "yes"
      }
    }
  }

  component "worker" {
    type = "tosca.nodes.indigo.Container.Application.Docker"
    properties {
      image   = "docker.io/library/python:3.12-slim"
      command = "python3 -m http.server 9000 --bind 127.0.0.1"
      port    = 9000
    }
    requirements {
      after = component.notebook
    }
  }

  output "notebook_url" {
    value = "http://127.0.0.1:${var.notebook_port}/"
  }
}
