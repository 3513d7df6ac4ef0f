resource "indigo_file" "a" {
  path = "a"

  dynamic "tag" {
    for_each = { a = 1 }
  }
}
