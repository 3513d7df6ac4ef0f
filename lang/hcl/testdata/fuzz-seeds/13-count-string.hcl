resource "indigo_noop" "a" {
  count = "three"
}
