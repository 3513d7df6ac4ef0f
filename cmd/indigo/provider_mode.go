package main

import "github.com/indigo-cloud/indigo/providers/builtin"

// maybeServeProvider turns this process into one of indigo's built-in
// providers when indigo started itself in plugin mode; otherwise it returns
// at once.
func maybeServeProvider() { builtin.MaybeServe() }
