Hello, ${who
