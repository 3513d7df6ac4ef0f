// Package policy compiles the configuration's access policies into the
// native documents of each enforcement point, and answers "who can" offline
// with Cedar. It is pure: evaluated configuration in, documents and
// diagnostics out; it reads no file and contacts no site. Applying the
// documents (MinIO's admin API, setfacl, the Kubernetes API) is the
// providers' job.
//
// # Compile: the planner's entry point
//
//	out, diags := policy.Compile(policy.Input{
//		Groups:   groups,   // []*eval.Group, from eval.EvalGroupBlock
//		Policies: policies, // []*eval.Policy, from eval.EvalPolicy
//		Sites:    sites,    // map[site name]policy.Site{Name, Kind, Accounts}
//		Placed:   placed,   // map[storage or deployment address][]policy.Placed
//	})
//
// Placed says where each storage's copies and each deployment are, as the
// placement decided: for every copy the site's name and, by the site's
// kind, the bucket (s3: binding.S3Bucket(st, site)), the directory
// relative to the site provider's root (local: "storage/NAME", the path of
// the copy's indigo_directory) or the namespace (kubernetes: the site's
// namespace setting, "" for the provider's default). Sites holds every site
// named in Placed; Accounts is eval.Site.Accounts() (local sites).
//
// Output.Sites has, by site name, what to apply there:
//
//   - MinIO (s3 sites): one S3 policy document per principal, by policy
//     name. An OIDC group's policy is named after its claim value (MinIO,
//     with claim name "groups", gives a token whose groups claim holds
//     "cms" the policy named "cms"); a group without a claim is
//     "indigo-group-NAME" and a user "indigo-user-NAME". Attach says who
//     gets it through MinIO's user and group API; MinIOGroups lists the
//     built-in groups to create with their members.
//   - POSIX ACLs (local sites): by directory, relative to the provider's
//     root, the complete ACL (access and default entries) to set with
//     setfacl --set, for the accounts the site's accounts setting maps.
//   - Kubernetes (kubernetes sites): a Role and a RoleBinding per principal
//     and namespace.
//
// Every grant to the same principal on the same site merges into one
// document; the order of statements and entries is deterministic, so an
// unchanged configuration compiles to byte-identical documents (a plan
// shows no change). Diagnostics are located at the policy, its principal
// or its condition: a condition an enforcement point holding the policy's
// resources cannot express is an error, an identity a site cannot reach or
// a grant a site can only give more broadly a warning. Policies on sites
// and groups compile to nothing yet (the orchestrator's API will enforce
// them).
//
// # Who can: Cedar
//
// NewAuthorizer translates the same evaluated groups and policies into
// Cedar policies and entities (users, groups with their explicit members,
// storage, deployments, sites, actions with admin and "*" as action groups)
// and Can asks cedar-go's authorizer. TestAgreement checks, for every
// principal, action and resource of several configurations, that Cedar's
// answer is what the compiled MinIO documents and POSIX ACLs allow.
package policy
