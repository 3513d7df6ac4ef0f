# Placement with ranking and fallback across three sites on this machine.

indigo {
  ranking {
    preference    = 3
    availability  = 2
    free_capacity = 2
    cost          = 1
  }
}

provider "indigo" {
  alias = "alpha"
  # Nothing can be written under /proc: creating anything here fails,
  # which is what this example demonstrates.
  root = "/proc/indigo-example-alpha"
}

provider "indigo" {
  alias = "beta"
  root  = "sites/beta"
}

provider "indigo" {
  alias = "gamma"
  root  = "sites/gamma"
}

group "physics" {
  members = ["alice"]
}

site "alpha" {
  provider = indigo.alpha
  kind     = "local"
  location = "IT"
  sla {
    cpus         = 64
    memory       = "256GiB"
    availability = 0.999
  }
  cost    = { cpu_hour = 0.02 }
  metrics = "metrics/alpha.json"
}

site "beta" {
  provider = indigo.beta
  kind     = "local"
  location = "IT"
  sla {
    cpus         = 32
    memory       = "128GiB"
    availability = 0.99
  }
  shares  = { physics = 0.5 }
  cost    = { cpu_hour = 0.01 }
  metrics = "metrics/beta.json"
}

site "gamma" {
  provider = indigo.gamma
  kind     = "local"
  location = "DE"
  sla {
    cpus         = 2
    memory       = "8GiB"
    availability = 0.95
  }
  metrics = "metrics/gamma.json"
}

deployment "analysis" {
  placement {
    sites    = [site.alpha, site.beta, site.gamma]
    prefer   = [site.alpha]
    group    = group.physics
    require  = { cpus = 8, memory = "16GiB" }
    fallback = true
  }

  resource "indigo_directory" "work" {
    path = "analysis"
  }

  resource "indigo_file" "job" {
    path    = "${indigo_directory.work.path}/job.sh"
    content = "#!/bin/sh\necho analysing\n"
  }
}

output "analysis_site" {
  value = deployment.analysis.site
}
