group "cms" {
  members = ["alice"]
}

policy "read" {
  principals = [group.cms]
  actions    = ["read", "fly"]
  resources  = [storage.archive]
}
