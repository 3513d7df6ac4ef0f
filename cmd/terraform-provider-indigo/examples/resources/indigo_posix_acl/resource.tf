resource "indigo_posix_acl" "data" {
  path      = indigo_directory.data.path
  entries   = ["g:researchers:r-X"]
  recursive = true
  default   = true
}
