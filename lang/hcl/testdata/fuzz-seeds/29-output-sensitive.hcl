variable "password" {
  type      = string
  sensitive = true
  default   = "s3cr3t"
}

output "password" {
  value = var.password
}
