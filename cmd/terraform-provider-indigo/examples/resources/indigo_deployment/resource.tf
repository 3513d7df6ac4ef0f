# A TOSCA template placed on the better of two sites and deployed by
# indigo's engine; its indigo state goes to the provider's backend.
resource "indigo_deployment" "galaxy" {
  name     = "galaxy"
  template = "tosca/galaxy.yaml"
  inputs   = { admin_email = "admin@example.org", cpus = 4 }

  sites = [
    { name = "alpha", location = "IT", sla = { cpus = 64, memory = "256GiB" } },
    { name = "beta", location = "DE", sla = { cpus = 16, memory = "64GiB" } },
  ]
  prefer   = ["alpha"]
  require  = { cpus = 4, memory = "8GiB" }
  fallback = true
}

# An indigo module directory, applied as `indigo apply` would in it.
resource "indigo_deployment" "quickstart" {
  name       = "quickstart"
  module_dir = "indigo/quickstart"
  inputs     = { greeting = "Hello from Terraform" }
}

output "galaxy_site" {
  value = indigo_deployment.galaxy.site
}
