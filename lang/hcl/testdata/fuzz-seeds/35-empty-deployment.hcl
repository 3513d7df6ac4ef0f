deployment "empty" {
  inputs = { size = 3 }
}
