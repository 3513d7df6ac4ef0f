// Package indigo is indigo's own provider, type "indigo": the embedded
// "local site" that the quickstart places deployments on and the workhorse
// of the engine's tests, crash tests and benchmarks.
//
// It is written with terraform-plugin-framework and speaks protocol 6, so the
// same code runs inside indigo (started by providers/builtin as the indigo
// binary re-executing itself) and in Terraform or OpenTofu (served by
// cmd/terraform-provider-indigo as registry.terraform.io/indigo-cloud/indigo).
//
// What it manages, all on the local machine under the provider's root:
//
//   - indigo_file: a file written atomically (temporary file, fsync, rename).
//     A path change replaces it; content and permission changes rewrite it in
//     place. Drift (file deleted, content or mode changed outside) is noticed
//     by Read.
//   - indigo_directory: a directory; deleted only when empty unless
//     force_destroy is set.
//   - indigo_service: a long-running detached process (own session and process
//     group) with an optional HTTP or TCP health check. The pid and the start
//     time from /proc identify it, so a reused pid is never mistaken for it.
//   - indigo_container (in providers/indigo/container): an OCI image run
//     without root (skopeo, umoci --rootless, proot or bubblewrap) as a
//     supervised process like indigo_service; a dead process or a moved
//     image tag is drift.
//   - indigo_noop: the equivalent of terraform_data, cheap enough to create in
//     the tens of thousands.
//   - indigo_storage_copy (in providers/indigo/local): a storage copy that
//     mirrors its source and expires files by its lifecycle rules; Read
//     reports whether it holds what its QoS promises.
//   - indigo_posix_acl (in providers/indigo/local): named user and group
//     entries of a path's POSIX ACLs (setfacl/getfacl), for local accounts.
//   - data source indigo_file: a file's content.
//
// Its s3 target (providers/indigo/s3) adds the provider blocks s3 and
// s3_remote and the resources indigo_s3_bucket, indigo_s3_replication,
// indigo_s3_lifecycle, indigo_s3_tier, indigo_s3_policy, indigo_s3_group and
// indigo_s3_user_policy, which act on a real S3 server.
//
// Its engine room (providers/indigo/engine) adds, for Terraform and OpenTofu
// users, the data source indigo_placement (indigo's ranking) and the
// resources indigo_deployment, indigo_storage, indigo_group and
// indigo_policy, which run indigo's planner inside the provider with their
// indigo state in the backend of the provider block backend.
//
// Serve it with NewProtocol6Server: the framework's server plus a fast path
// for indigo_noop's per-resource calls, which otherwise cost more in the
// framework than in the rest of indigo (see server.go).
//
// It is not a general configuration-management tool: it does not manage
// ownership, ACL entries other than the named ones indigo_posix_acl sets,
// symlinks, accounts, or processes it did not start. indigo_service and
// indigo_container need Linux (/proc and process sessions); their process
// handling is providers/indigo/internal/supervise.
//
// The user-facing reference is docs/provider-indigo.md.
package indigo
