# A configuration step: a Bash script run on this machine with its inputs in
# the environment; it runs again when the script changes.
resource "indigo_step" "install" {
  implementation = "scripts/install.sh"
  inputs         = { GREETING = "hello" }
  target         = "hosts/web"
}
