resource "indigo_file" "config" {
  path            = "etc/app.conf"
  content         = "listen = 8080\n"
  file_permission = "0640"
}
