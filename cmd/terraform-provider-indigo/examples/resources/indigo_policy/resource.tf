# Members of cms may read and list, from the institute's network; an
# indigo_storage enforces it by listing the spec in its access.
resource "indigo_policy" "cms_read" {
  name      = "cms_read"
  groups    = [indigo_group.cms.spec]
  actions   = ["read", "list"]
  condition = { source_ip = "192.0.2.0/24" }
}
