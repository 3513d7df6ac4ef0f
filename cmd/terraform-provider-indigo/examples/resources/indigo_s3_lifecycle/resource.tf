resource "indigo_s3_lifecycle" "archive" {
  bucket = indigo_s3_bucket.archive.name
  rule {
    id              = "expire-old"
    expiration_days = 365
  }
}
