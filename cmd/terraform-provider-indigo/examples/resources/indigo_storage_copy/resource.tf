resource "indigo_storage_copy" "primary" {
  path = "storage/archive/primary"
}

# A replica that mirrors the primary; files older than 30 days expire.
resource "indigo_storage_copy" "replica" {
  path   = "storage/archive/replica"
  source = indigo_storage_copy.primary.id
  rule {
    expire_after = "30d"
  }
}
