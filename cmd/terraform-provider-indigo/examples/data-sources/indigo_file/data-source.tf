data "indigo_file" "motd" {
  path = "etc/motd"
}

output "motd" {
  value = data.indigo_file.motd.content
}
