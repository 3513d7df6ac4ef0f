// Package install downloads the modules a configuration calls from
// anywhere other than a local directory, as `indigo init` does: module
// registries (the registry protocol: service discovery, versions,
// download), git repositories (the git binary, ref= and depth=), HTTP(S)
// archives (zip, tar.gz, tar; archive= and checksum=) and S3 objects or
// prefixes (minio-go). It records what it installed in modules.json
// (lang/modsrc.Manifest) beside the copies, so that later runs load them
// without the network.
//
// It is not the loader: lang/hcl reads the installed copies. The installer
// drives that loader, answering each non-local module call by installing
// it, so nested calls (a registry module calling a git module) are found
// the way loading finds them.
//
// Every problem is an hcl.Diagnostic at the source argument of the module
// call that caused it, saying what to do.
package install
