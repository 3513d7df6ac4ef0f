# indigo inside plain Terraform (or OpenTofu): rank three sites for an
# analysis with indigo's ranker, show why each ranks where it does, and,
# given an S3 endpoint, keep the analysis' results there as indigo storage.

terraform {
  required_providers {
    indigo = {
      source = "indigo-cloud/indigo"
    }
  }
}

variable "endpoint" {
  type        = string
  description = "An S3 endpoint (MinIO, ...) for the results, e.g. \"http://127.0.0.1:9000\"; leave unset to only rank."
  default     = null
}

variable "access_key" {
  type        = string
  description = "The endpoint's access key; unset: AWS_ACCESS_KEY_ID."
  default     = null
  sensitive   = true
}

variable "secret_key" {
  type        = string
  description = "The endpoint's secret key; unset: AWS_SECRET_ACCESS_KEY."
  default     = null
  sensitive   = true
}

provider "indigo" {
  # indigo_storage keeps its own indigo state here, one file per storage.
  backend {
    path = ".indigo-state"
  }
}

# Two sites fit the analysis; "tiny" has 2 CPUs left under its SLA and is
# rejected for capacity. cnaf is preferred, but desy is free of charge.
data "indigo_placement" "analysis" {
  sites = [
    { name = "cnaf", location = "IT", sla = { cpus = 64, memory = "256GiB", availability = 0.999 }, cost = { cpu_hour = 0.02 } },
    { name = "desy", location = "DE", sla = { cpus = 32, memory = "128GiB", availability = 0.99 } },
    { name = "tiny", location = "DE", sla = { cpus = 2, memory = "8GiB", availability = 0.9 } },
  ]
  prefer  = ["cnaf"]
  require = { cpus = 8, memory = "16GiB" }
}

output "placement" {
  description = "The chosen site, the ranked sites with their scores and score parts, and the rejected site with its reasons."
  value = {
    chosen = data.indigo_placement.analysis.chosen
    ranked = [for r in data.indigo_placement.analysis.ranked : {
      rank  = r.rank
      site  = r.site
      score = r.score
      parts = { for p in r.parts : p.criterion => p.contribution if p.weight > 0 }
    }]
    rejected = [for r in data.indigo_placement.analysis.rejected : {
      site    = r.site
      reasons = r.reasons
    }]
  }
}

output "explanation" {
  description = "The ranking as `indigo rank` prints it."
  value       = data.indigo_placement.analysis.explanation
}

# The results live on the S3 endpoint, under the chosen site's name:
# a versioned bucket whose old versions expire after 30 days.
resource "indigo_storage" "results" {
  count = var.endpoint == null ? 0 : 1

  name = "results"
  sites = [{
    name       = data.indigo_placement.analysis.chosen
    endpoint   = var.endpoint
    access_key = var.access_key
    secret_key = var.secret_key
  }]
  qos             = { copies = 1 }
  lifecycle_rules = [{ after = "30d", expire = true, noncurrent = true }]
  force_destroy   = true
}

output "results_bucket" {
  description = "The bucket holding the results, by site (empty without an endpoint)."
  value       = try(indigo_storage.results[0].buckets, {})
}
