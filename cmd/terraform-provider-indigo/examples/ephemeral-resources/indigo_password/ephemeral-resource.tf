# A password made anew in every run and written to a file through a
# write-only argument: neither the state nor a saved plan holds it.
ephemeral "indigo_password" "db" {
  length  = 24
  special = false
}

resource "indigo_file" "db_password" {
  path               = "secrets/db.txt"
  content_wo         = ephemeral.indigo_password.db.result
  content_wo_version = 1 # change it to write a new password
}
