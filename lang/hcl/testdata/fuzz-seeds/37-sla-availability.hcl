provider "indigo" {}

site "local" {
  provider = indigo
  kind     = "local"
  sla {
    cpus         = 8
    availability = 99.5
  }
  shares = { atlas = 0.5 }
}
