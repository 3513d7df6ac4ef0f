// Package terraform is the built-in provider terraform.io/builtin/terraform,
// the one Terraform and OpenTofu build in under the local name "terraform":
// configurations use its terraform_data resource and terraform_remote_state
// data source without a required_providers entry, and state files written
// by those tools name it. indigo serves it from its own binary, over the
// plugin protocol like every provider (providers/builtin).
//
//   - terraform_data is indigo_noop under Terraform's name: a value that
//     lives only in state, an id chosen at create, triggers_replace.
//   - terraform_remote_state reads the root outputs of another
//     configuration's latest state from the local, pg or s3 backend, in
//     indigo's format or Terraform's.
//   - encode_tfvars, decode_tfvars and encode_expr are its provider-defined
//     functions (provider::terraform::...), written with hclwrite and read
//     with hclsyntax on cty values converted from the framework's
//     (convert.go).
package terraform
