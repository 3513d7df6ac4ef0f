resourse "indigo_file" "a" {
  path = "a"
}
