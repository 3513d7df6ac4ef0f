# Objects transitioned to tier WARM go to the bucket "warm" of the
# provider's s3_remote "tape".
resource "indigo_s3_tier" "warm" {
  name   = "WARM"
  remote = "tape"
  bucket = "warm"
}
