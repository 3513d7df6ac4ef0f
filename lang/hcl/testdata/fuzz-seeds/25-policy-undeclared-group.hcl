storage "data" {
  qos {
    copies = 1
  }
}

policy "read" {
  principals = [group.cms]
  actions    = ["read"]
  resources  = [storage.data]
}
