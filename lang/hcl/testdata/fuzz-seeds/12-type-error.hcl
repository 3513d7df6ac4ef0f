locals {
  n = 1 + "two"
}
