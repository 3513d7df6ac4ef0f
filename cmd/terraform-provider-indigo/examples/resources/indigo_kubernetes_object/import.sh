# apiVersion/kind/namespace/name, or apiVersion/kind/name when cluster-scoped
terraform import indigo_kubernetes_object.web apps/v1/Deployment/default/web
