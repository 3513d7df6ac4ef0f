resource "indigo_file" "a" {
  path = "a"
  tag {
    for_each = ["x"]
    name     = each.value
  }
  content = undefined_thing.x.id
}
