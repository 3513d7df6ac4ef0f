variable "access_key" {
  type      = string
  sensitive = true
}

variable "secret_key" {
  type      = string
  sensitive = true
}

# Two copies, one per location, the second replicated from the first;
# old versions expire after 30 days; the cms group may read and list.
resource "indigo_storage" "archive" {
  name = "archive"
  sites = [
    { name = "cnaf", location = "IT", endpoint = "https://s3.cnaf.example", access_key = var.access_key, secret_key = var.secret_key },
    { name = "desy", location = "DE", endpoint = "https://s3.desy.example", access_key = var.access_key, secret_key = var.secret_key },
  ]
  qos = {
    copies    = 2
    locations = ["IT", "DE"]
  }
  lifecycle_rules = [{ after = "30d", expire = true, noncurrent = true }]
  prefer          = ["cnaf"]
  access          = [indigo_policy.cms_read.spec]
}

output "buckets" {
  value = indigo_storage.archive.buckets
}
