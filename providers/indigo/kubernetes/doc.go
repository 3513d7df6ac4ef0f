// Package kubernetes is the Kubernetes target of indigo's built-in
// provider: any Kubernetes object (Deployments, Services, persistent
// volume claims, Namespaces, Roles, RoleBindings, custom resources) applied
// to a real cluster with server-side apply through client-go's dynamic
// client, under a field manager of our own ("indigo").
//
// It adds one block to the indigo provider's configuration (see
// ProviderBlocks): kubernetes { config_path, config_context, namespace }.
// Without it, or with it empty, the cluster is the one kubectl would use:
// KUBECONFIG, then ~/.kube/config, and their current context. Configure
// turns the block into a *Site, which the provider hands to resources
// through a value that has a KubeSite method; clients are made on first
// use, so a configuration that never touches the cluster never needs one.
//
// Resources (Read returns what the server holds, so drift shows in a plan;
// import by the server's own id):
//
//   - indigo_kubernetes_object: one object, given as a JSON or YAML
//     manifest. Create and update apply the whole manifest (server-side
//     apply, forcing ownership of the fields it sets, so a hand edit is
//     taken back); Read returns the live values of exactly the fields the
//     manifest sets, so a hand-scaled Deployment or a changed image shows
//     as a change to manifest; apply waits for Deployments to roll out,
//     Services to have ready endpoints and claims to be bound (when a
//     storage class can bind them); destroy deletes with foreground
//     propagation and waits until the object is gone. Import by
//     apiVersion/kind/namespace/name (apiVersion/kind/name for cluster-scoped
//     kinds).
//
// What it is not: a Helm, a templating engine or a controller. It does not
// watch objects between runs; drift is found by the next refresh.
//
// The user-facing reference is docs/provider-indigo.md.
package kubernetes
