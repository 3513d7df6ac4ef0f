# Carries a value through the graph, and replaces when the trigger changes.
resource "indigo_noop" "release" {
  input            = { version = "1.2.3" }
  triggers_replace = [indigo_file.config.id]
}
