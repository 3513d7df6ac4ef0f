# Storage with a quality of service kept on two S3 endpoints: a storage
# "archive" in two copies, one per location, the second kept by bucket
# replication from the first, and old versions expired after 30 days.

variable "endpoints" {
  type        = map(string)
  description = "The S3 endpoints of sites a and b, e.g. { a = \"http://127.0.0.1:9101\", b = \"http://127.0.0.1:9102\" }."
  default = {
    a = "http://127.0.0.1:9101"
    b = "http://127.0.0.1:9102"
  }
}

variable "access_key" {
  type        = string
  description = "The access key of both endpoints; leave unset to use AWS_ACCESS_KEY_ID."
  default     = null
  sensitive   = true
}

variable "secret_key" {
  type        = string
  description = "The secret key of both endpoints; leave unset to use AWS_SECRET_ACCESS_KEY."
  default     = null
  sensitive   = true
}

site "a" {
  kind     = "s3"
  location = "IT"
  settings {
    endpoint   = var.endpoints["a"]
    access_key = var.access_key
    secret_key = var.secret_key
  }
}

site "b" {
  kind     = "s3"
  location = "DE"
  settings {
    endpoint   = var.endpoints["b"]
    access_key = var.access_key
    secret_key = var.secret_key
  }
}

storage "archive" {
  # The buckets may be removed with their data on destroy.
  force_destroy = true

  qos {
    copies    = 2
    locations = ["IT", "DE"]
  }

  # Versions that are no longer current go after 30 days.
  lifecycle {
    after      = "30d"
    expire     = true
    noncurrent = true
  }

  placement {
    sites  = [site.a, site.b]
    prefer = [site.a] # the primary copy, which the other replicates from
  }
}

output "buckets" {
  description = "The bucket holding each copy, by site."
  value       = { for site, copy in storage.archive.copies : site => copy.bucket }
}
