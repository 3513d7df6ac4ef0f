resource "indigo_file" "a" {
  path = "a"
}

output "id" {
  value = indigo_file.b.id
}
