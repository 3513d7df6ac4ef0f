resource "indigo_noop" "a" {
  count      = 2
  depends_on = [count.index]
}
