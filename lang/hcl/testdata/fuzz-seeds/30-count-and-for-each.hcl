resource "indigo_noop" "a" {
  count    = 2
  for_each = { a = 1 }
}
