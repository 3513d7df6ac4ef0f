resource "indigo_noop" "a" {
  input = count.index
}
