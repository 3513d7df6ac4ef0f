resource "indigo_noop" "a" {
  for_each = ["a", "b"]
  input    = each.key
}
