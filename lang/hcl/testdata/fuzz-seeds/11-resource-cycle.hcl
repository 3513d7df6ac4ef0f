resource "indigo_noop" "a" {
  input = indigo_noop.b.id
}

resource "indigo_noop" "b" {
  input = indigo_noop.a.id
}
