// Package s3 is the S3 target of indigo's built-in provider: buckets,
// replication, lifecycle rules, tiers, canned policies and groups on an S3
// server, MinIO in particular, acting on the real server through minio-go
// and, for what only MinIO's admin API can do (quotas, remote targets,
// tiers, policies, groups), through providers/indigo/s3/admin.
//
// It adds two blocks to the indigo provider's configuration (see
// ProviderBlocks): s3, the endpoint and credentials resources act on, and
// s3_remote, named other endpoints that replication and tiers point at.
// Credentials live only there; provider configuration is never stored, so
// they never reach state. Configure turns those blocks into a *Site, which
// the provider hands to resources through a value that has an S3Site method.
//
// Resources (one per real object kind; Read returns what the server holds,
// so drift shows in a plan; import by the server's own id):
//
//   - indigo_s3_bucket: a bucket with versioning, tags and a quota; objects
//     and bytes are counted on Read.
//   - indigo_s3_replication: a remote target plus a replication rule to it;
//     Read also checks that the replica holds every object (in_sync) and an
//     update copies what it misses.
//   - indigo_s3_lifecycle: a bucket's lifecycle rules.
//   - indigo_s3_tier: a remote MinIO used as a tier (transition target).
//   - indigo_s3_policy: a canned policy. With MinIO reading policy names
//     from an OpenID groups claim, it is what a group's members may do
//     with their STS credentials. Its document compares by meaning
//     (canonicalPolicy): the server's re-encoding is no change, a hand
//     edit is.
//   - indigo_s3_group: a group of MinIO's own users, owned whole: its
//     members (users that exist on the server) and the policies attached
//     to it; members or policies changed by hand are drift.
//   - indigo_s3_user_policy: policies attached to one existing MinIO user;
//     only those it names are managed.
//
// What it is not: a data mover (objects are copied only to repair a
// replica), or an IAM manager: it writes the policy documents, groups and
// attachments it is given (planner/policy compiles them) and leaves users,
// their secret keys and identity providers to the server's configuration.
//
// The user-facing reference is docs/provider-indigo.md.
package s3
