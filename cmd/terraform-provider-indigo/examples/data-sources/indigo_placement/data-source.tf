# Rank three sites for an analysis that needs 8 CPUs and 16 GiB: the
# result names the chosen site, the ranked sites with every score part, and
# the site rejected for capacity with the reason.
data "indigo_placement" "analysis" {
  sites = [
    { name = "cnaf", location = "IT", sla = { cpus = 64, memory = "256GiB", availability = 0.999 }, cost = { cpu_hour = 0.02 } },
    { name = "desy", location = "DE", sla = { cpus = 32, memory = "128GiB", availability = 0.99 } },
    { name = "tiny", location = "DE", sla = { cpus = 2, memory = "8GiB" } },
  ]
  prefer  = ["cnaf"]
  require = { cpus = 8, memory = "16GiB" }
}

output "chosen" {
  value = data.indigo_placement.analysis.chosen
}

output "scores" {
  value = { for r in data.indigo_placement.analysis.ranked : r.site => r.score }
}

output "rejected" {
  value = { for r in data.indigo_placement.analysis.rejected : r.site => r.reasons }
}

# The same ranking read from an indigo module directory's site blocks
# (with their metrics sources and ranking weights).
data "indigo_placement" "from_module" {
  module_dir = "indigo"
  require    = { cpus = 4 }
}
