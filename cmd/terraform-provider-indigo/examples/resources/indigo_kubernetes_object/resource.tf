# A Deployment applied with server-side apply to the cluster of the
# provider's kubernetes block (or the one KUBECONFIG names), waited for
# until its replicas are available. A replica count or image changed by
# hand shows in the next plan.
resource "indigo_kubernetes_object" "web" {
  manifest = jsonencode({
    apiVersion = "apps/v1"
    kind       = "Deployment"
    metadata   = { name = "web" }
    spec = {
      replicas = 2
      selector = { matchLabels = { app = "web" } }
      template = {
        metadata = { labels = { app = "web" } }
        spec     = { containers = [{ name = "web", image = "nginx:1.27", ports = [{ containerPort = 80 }] }] }
      }
    }
  })
  timeout = "5m"
}
