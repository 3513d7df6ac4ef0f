# Whoever the IAM issuer puts in its "cms" group.
resource "indigo_group" "cms" {
  name   = "cms"
  issuer = "https://iam.example.org/"
  claim  = "cms"
}

resource "indigo_group" "admins" {
  name    = "admins"
  members = ["user:alice", "user:bob"]
}
