provider "indigo" {
  alias = "a"
  root  = "sites/a"
}

site "a" {
  provider = indigo.a
  kind     = "local"
}

deployment "web" {
  placement {
    sites = [site.a, site.bb]
  }

  resource "indigo_noop" "x" {}
}
