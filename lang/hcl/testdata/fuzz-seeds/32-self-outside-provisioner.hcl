resource "indigo_noop" "a" {
  input = self.id
}
