indigo {
  ranking {
    cost  = 2
    speed = 1
  }
}
