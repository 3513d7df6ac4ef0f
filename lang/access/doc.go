// Package access holds the words of access policies, each defined once:
// identities ("user:alice", "sub:1234@iam", "group:cms"), the condition
// language of a policy block, and which actions mean something for which
// kind of object.
//
// validate and plan read policies through lang/eval, which parses them
// with this package; planner/policy compiles them for each enforcement
// point (MinIO, POSIX ACLs, Kubernetes RBAC) and answers "who can" with
// Cedar. Everything here is pure: strings and cty values in, typed values
// or an error message out. The messages say what to write instead; the
// caller locates them at the expression.
package access
