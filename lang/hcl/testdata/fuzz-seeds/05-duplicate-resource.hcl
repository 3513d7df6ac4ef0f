resource "indigo_file" "a" {
  path = "a"
}

resource "indigo_file" "a" {
  path = "b"
}
