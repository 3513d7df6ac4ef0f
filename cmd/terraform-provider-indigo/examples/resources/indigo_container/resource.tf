# A busybox web server from a local OCI image layout, run without root.
resource "indigo_container" "web" {
  name    = "web"
  image   = "oci:/srv/images/busybox:latest"
  command = ["httpd", "-f", "-p", "127.0.0.1:18081", "-h", "/"]
  port    = 18081
  env     = { GREETING = "hello" }
}
