// Package engine is the built-in provider's room for Terraform and OpenTofu
// users who want what indigo exists for without changing tools: ranked
// placement, storage with a quality of service, and TOSCA deployments.
//
// Nothing here re-implements indigo. Each data source and resource writes
// the indigo configuration its arguments stand for (site, deployment,
// storage blocks, in HCL generated with hclwrite), loads it with lang/hcl
// and hands it to the planner, the same code `indigo rank`, `indigo plan`
// and `indigo apply` run:
//
//   - data source indigo_placement: planner.Placements over the candidate
//     sites (inline, or the site blocks of an indigo module directory);
//     the result is what `indigo rank` prints, as attributes and as text.
//   - indigo_deployment: a TOSCA template or an indigo module directory,
//     planned and applied by planner.Plan and planner.ApplyWithFallback.
//   - indigo_storage: a storage block with its QoS, lifecycle and placement
//     over S3 sites, realised by lang/binding's s3 kind into buckets,
//     versioning, replication and lifecycle rules.
//
// The indigo state of each deployment or storage lives in the backend the
// provider's backend block names (a local directory, PostgreSQL or S3),
// under the object's id: never in the Terraform state, which holds only the
// arguments and what the run produced (the chosen site, the outputs). Read
// plans the configuration again with a refresh: when the real system
// drifted from what indigo recorded, the resource reports converged =
// false and the indigo changes that would converge it in drift, so
// `terraform plan` shows an update, which Update applies.
//
// The engine starts the providers a configuration needs by re-executing the
// running binary in indigo's plugin mode (providers/builtin): the binary
// that serves this provider must call builtin.MaybeServe first thing, as
// cmd/indigo and cmd/terraform-provider-indigo do. Only built-in providers
// are available to configurations run here.
package engine
