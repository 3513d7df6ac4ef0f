resource "indigo_s3_bucket" "archive" {
  name       = "archive"
  versioning = true
  tags       = { owner = "physics" }
}
