# Configuration steps that run: a TOSCA software component whose Standard
# operations (a Bash script, an Ansible playbook with a role) run on the
# local site it is placed on, with fallback to a second site.

variable "greeting" {
  type    = string
  default = "hello from a step"
}

# A path fragment of the site the install script refuses to run on, to
# show a failing step and the fallback ("" refuses nowhere).
variable "fail_on" {
  type    = string
  default = ""
}

provider "indigo" {
  alias = "alpha"
  root  = "sites/alpha"
}

provider "indigo" {
  alias = "beta"
  root  = "sites/beta"
}

site "alpha" {
  provider = indigo.alpha
  kind     = "local"
}

site "beta" {
  provider = indigo.beta
  kind     = "local"
}

deployment "app" {
  template = "app.yaml"
  inputs = {
    greeting = var.greeting
    fail_on  = var.fail_on
  }
  placement {
    sites    = [site.alpha, site.beta]
    prefer   = [site.alpha]
    fallback = true
  }
}
