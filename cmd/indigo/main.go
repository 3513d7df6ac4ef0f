// Command indigo is the infrastructure-as-code tool for scientific data
// clouds: it validates, plans and applies configurations written in HCL
// (a superset of the Terraform language) or TOSCA, across several sites.
//
// This package only parses flags, calls the library packages and renders
// what they return through package view.
package main

import "os"

func main() {
	os.Exit(Main())
}
