provider "indigo" {
  alias = "a"
}

site "a" {
  provider = indigo.a
  kind     = "local"
}

storage "archive" {
  qos {
    copies  = 3
    media   = ["disk", "floppy"]
    latency = "instant"
  }
  lifecycle {
    after      = "30 days"
    transition = { media = ["tape"], speed = "slow" }
  }
}
