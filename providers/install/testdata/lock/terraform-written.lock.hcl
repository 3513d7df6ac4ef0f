# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/foo" {
  version     = "2.0.0"
  constraints = "> 1.0.0, 2.0.0, ~> 2.0, <= 3.0.0, < 4.0.0"
  hashes = [
    "h1:Av+rQTw9jjvhQfkjN3e9zujhtDgm7qQtj1009uv0kcM=",
  ]
}
