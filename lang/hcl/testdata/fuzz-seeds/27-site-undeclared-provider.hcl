site "cnaf" {
  provider = openstack.cnaf
  kind     = "openstack"
  location = "IT"
}
