variable "x" {}

variable "x" {
  default = 1
}
