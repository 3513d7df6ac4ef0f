provider "hashicorp/aws" {
  version = "5.0.0"
}

provider "registry.terraform.io/hashicorp/null" {
  version = "not-a-version"
}

provider "registry.terraform.io/hashicorp/random" {
  version     = "3.0.0"
  constraints = ">= banana"
  hashes      = ["h1:ok=", "no-scheme", 42]
  extra       = true
}

provider "registry.terraform.io/hashicorp/local" {
  version = "2.0.0"
}

provider "registry.terraform.io/hashicorp/local" {
  version = "2.0.1"
}

module "x" {
}
