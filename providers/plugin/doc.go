// Package plugin is indigo's client for provider plugins: it starts a
// Terraform/OpenTofu provider binary with hashicorp/go-plugin and speaks the
// Terraform plugin protocol to it, version 6 or 5, whichever the provider
// offers.
package plugin
