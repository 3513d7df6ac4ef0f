# The provider has an s3_remote "desy" block for the replica's endpoint.
resource "indigo_s3_replication" "archive" {
  bucket        = indigo_s3_bucket.archive.name
  target        = "desy"
  target_bucket = "archive-replica"
}
