// Package local is the local-site target of indigo's built-in provider:
// resources that make a directory on this machine hold what a storage QoS
// promises, so that on a local site, as on S3, a plan notices when the data
// drifts from the promise and an apply repairs it.
//
//   - indigo_storage_copy: one copy of a storage under the provider's root.
//     A replica (source set) mirrors its primary's directory, deletes
//     included; lifecycle rules expire old files. Read compares the copy
//     with its source (SHA-256) and with its rules and reports in_sync; a
//     plan always wants in_sync = true, so a broken QoS is a planned update.
//   - indigo_posix_acl: named user and group entries of the POSIX ACLs of a
//     path under the root (and, optionally, of everything below it and as
//     default entries of directories), set with setfacl and read back with
//     getfacl, effective rights included. An entry removed by hand, or
//     narrowed by a chmod of the mask, is drift; delete removes the entries
//     it set and nothing else. X is resolved by indigo, not setfacl (see
//     aclEntry.resolve), so a second apply changes nothing.
//
// The provider (providers/indigo) registers the resources and hands them its
// site through a value with ResolvePath, PrepareWrite and InRoot methods: paths
// resolve under the provider's root as they do for indigo_directory.
//
// A copy is judged by its regular files. Symbolic links and other
// irregular files are neither copied nor counted; names beginning with
// ".indigo" are indigo's own (the planner's .indigo-qos.json manifest, the
// temporary files of a copy in progress) and are never copied, counted or
// deleted as data, except that temporary files a killed apply left are
// removed by the next apply.
//
// It is not a backup tool or a general file synchroniser: no versions, no
// transfers between machines, no deltas (a changed file is copied whole).
//
// The user-facing reference is docs/provider-indigo.md.
package local
