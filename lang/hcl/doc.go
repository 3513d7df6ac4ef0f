// Package hcllang is indigo's HCL front end: it reads a directory of *.hcl
// and *.tf files (and their JSON forms *.hcl.json, *.tf.json) into the
// configuration model of package config, following local module calls and
// loading the scope of every deployment.
//
// The language is a superset of the Terraform core language: terraform {} is
// read as indigo {}, so an existing Terraform configuration loads unchanged.
// indigo adds site, deployment, storage, policy and group blocks (and
// component blocks inside deployments); docs/language.md describes them.
//
// This package checks what can be checked from the text alone: the shape of
// every block, duplicates, and the references between indigo's objects.
// References inside expressions, types and function calls are checked by
// package eval, which evaluates the configuration; provider-defined
// arguments are checked against the provider's schema by the planner. A
// site's settings block is kept as a body: its schema belongs to the site's
// kind (lang/binding), read when the site is evaluated (lang/eval).
//
// The package is named hcllang, not hcl, because every file of it (and
// most of its callers) imports github.com/hashicorp/hcl/v2 as hcl: the
// same name would force an alias on one of the two everywhere.
package hcllang
