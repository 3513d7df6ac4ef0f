# The quickstart: two sites on this machine, a web deployment placed on the
# better-ranked one, storage kept in two copies, and who may read it.

indigo {
  required_providers {
    indigo = {
      source = "indigo.dev/builtin/indigo"
    }
  }

  ranking {
    preference   = 3
    availability = 2
    cost         = 1
  }
}

variable "greeting" {
  type    = string
  default = "Hello from indigo"
}

variable "port" {
  type    = number
  default = 18080

  validation {
    condition     = var.port > 1024 && var.port < 65536
    error_message = "The port must be above 1024 (no root needed) and below 65536."
  }
}

# Each site is a directory on this machine, reached through its own
# configuration of the built-in provider.
provider "indigo" {
  alias = "alpha"
  root  = "sites/alpha"
}

provider "indigo" {
  alias = "beta"
  root  = "sites/beta"
}

site "alpha" {
  provider     = indigo.alpha
  kind         = "local"
  location     = "IT"
  capabilities = ["python"]


  # Who the groups of the policies below are on this machine: their
  # members read the storage through POSIX ACL entries for this group.
  settings {
    accounts = { "group:researchers" = "users" }
  }
  sla {
    cpus         = 8
    memory       = "16GiB"
    storage      = "100GiB"
    availability = 0.995
  }

  cost = { cpu_hour = 0.010 }
  # Sample figures shipped with the example; a real site points at its
  # monitoring (a Prometheus endpoint) and keeps the default max_age.
  metrics = { source = "metrics/alpha.json", max_age = "87600h" }
}

site "beta" {
  provider     = indigo.beta
  kind         = "local"
  location     = "DE"
  capabilities = ["python"]


  # Who the groups of the policies below are on this machine: their
  # members read the storage through POSIX ACL entries for this group.
  settings {
    accounts = { "group:researchers" = "users" }
  }
  sla {
    cpus         = 4
    memory       = "8GiB"
    storage      = "50GiB"
    availability = 0.95
  }

  cost    = { cpu_hour = 0.020 }
  metrics = { source = "metrics/beta.json", max_age = "87600h" }
}

group "researchers" {
  members = ["alice", "bob"]
}

deployment "web" {
  placement {
    sites    = [site.alpha, site.beta]
    require  = { cpus = 1, memory = "512MiB", capabilities = ["python"] }
    fallback = true
  }

  resource "indigo_file" "index" {
    path    = "web/index.html"
    content = "<h1>${var.greeting}</h1>\n"
  }

  resource "indigo_service" "http" {
    command = ["python3", "-m", "http.server", tostring(var.port), "--bind", "127.0.0.1"]
    dir     = "web"
    port    = var.port

    health_check {
      http    = "http://127.0.0.1:${var.port}/index.html"
      timeout = "20s"
    }

    depends_on = [indigo_file.index]
  }

  output "url" {
    value = "http://127.0.0.1:${var.port}/"
  }
}

storage "results" {
  qos {
    copies  = 2
    media   = ["disk"]
    latency = "online"
    size    = "10GiB"
  }

  # Results older than 30 days are removed from both copies.
  lifecycle {
    after  = "30d"
    expire = true
  }

  placement {
    sites = [site.alpha, site.beta]
  }
}

policy "researchers_read_results" {
  principals = [group.researchers]
  actions    = ["read", "list"]
  resources  = [storage.results]
}

output "web_site" {
  description = "The site the web deployment was placed on."
  value       = deployment.web.site
}

output "web_url" {
  value = deployment.web.outputs.url
}

output "results_copies" {
  description = "The sites holding a copy of the results."
  value       = storage.results.sites
}
