resource "indigo_directory" "data" {
  path       = "data"
  permission = "0750"
}
