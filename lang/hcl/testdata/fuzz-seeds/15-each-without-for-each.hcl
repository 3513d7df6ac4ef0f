resource "indigo_noop" "a" {
  input = each.value
}
