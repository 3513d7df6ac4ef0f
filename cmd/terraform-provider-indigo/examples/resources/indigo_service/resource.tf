resource "indigo_service" "web" {
  command = ["python3", "-m", "http.server", "18080"]
  port    = 18080
  env     = { GREETING = "hello" }
}
