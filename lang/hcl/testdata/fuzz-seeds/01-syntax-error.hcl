variable "x" {
  default = [1, 2
}
