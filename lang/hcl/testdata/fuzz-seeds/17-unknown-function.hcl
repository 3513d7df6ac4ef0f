locals {
  x = uppercase("a")
}
