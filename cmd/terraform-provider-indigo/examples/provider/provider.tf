terraform {
  required_providers {
    indigo = {
      source = "indigo-cloud/indigo"
    }
  }
}

provider "indigo" {
  # Files, directories and services of the local site go under root.
  root = "site"

  # The endpoint indigo_s3_* resources act on; keys default to
  # AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
  s3 {
    endpoint = "http://127.0.0.1:9000"
  }

  # Where indigo_deployment and indigo_storage keep their indigo state:
  # here one file per object in a directory; "pg" and "s3" also work.
  backend {
    type = "local"
    path = ".indigo-state"
  }
}
