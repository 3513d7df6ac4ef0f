resource "indigo_s3_group" "physics" {
  name     = "physics"
  members  = ["alice"]
  policies = [indigo_s3_policy.cms.name]
}
