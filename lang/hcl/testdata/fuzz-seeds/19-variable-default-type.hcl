variable "ports" {
  type    = list(number)
  default = ["http"]
}
