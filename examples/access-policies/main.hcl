# Access policies that are enforced: the members of the collaboration's
# "cms" group, as the OpenID Connect provider says, may list and read the
# archive and nothing else; everyone else gets nothing.

variable "endpoint" {
  type        = string
  description = "The S3 endpoint (MinIO, started with its OpenID settings pointing at oidc_issuer)."
  default     = "http://127.0.0.1:9101"
}

variable "access_key" {
  type        = string
  description = "The endpoint's access key; leave unset to use AWS_ACCESS_KEY_ID."
  default     = null
  sensitive   = true
}

variable "secret_key" {
  type        = string
  description = "The endpoint's secret key; leave unset to use AWS_SECRET_ACCESS_KEY."
  default     = null
  sensitive   = true
}

variable "oidc_issuer" {
  type        = string
  description = "The OpenID Connect issuer whose groups claim says who is in cms."
  default     = "http://127.0.0.1:5556/dex"
}

site "s3" {
  kind     = "s3"
  location = "IT"
  settings {
    endpoint   = var.endpoint
    access_key = var.access_key
    secret_key = var.secret_key
  }
}

# Members are whoever the issuer puts in group "cms" (the groups claim).
group "cms" {
  issuer = var.oidc_issuer
  claim  = "cms"
}

storage "archive" {
  force_destroy = true
  qos {
    copies = 1
  }
}

policy "cms_read" {
  principals = [group.cms]
  actions    = ["read", "list"]
  resources  = [storage.archive]
}

output "bucket" {
  description = "The bucket holding the archive."
  value       = storage.archive.copies["s3"].bucket
}
