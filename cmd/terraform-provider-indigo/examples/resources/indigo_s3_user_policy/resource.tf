resource "indigo_s3_user_policy" "alice" {
  user     = "alice"
  policies = [indigo_s3_policy.cms.name]
}
