# A secret kept in a file on the site reaches a provider block without
# entering the state.
ephemeral "indigo_file" "s3_secret" {
  path = "secrets/s3-secret-key"
}

provider "indigo" {
  alias = "archive"
  s3 {
    endpoint   = "https://s3.example.org"
    access_key = "archive"
    secret_key = trimspace(ephemeral.indigo_file.s3_secret.content)
  }
}
