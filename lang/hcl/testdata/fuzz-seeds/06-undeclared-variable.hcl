resource "indigo_file" "a" {
  path    = "a.txt"
  content = var.mesage
}

variable "message" {
  type = string
}
