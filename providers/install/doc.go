// Package install finds, fetches, verifies and installs provider plugin
// binaries, and reads and writes the dependency lock file, the way
// Terraform and OpenTofu do, so that a user's required_providers,
// .terraform.lock.hcl and CLI configuration work unchanged in indigo.
//
// What it covers:
//
//   - Provider source addresses (Provider, ParseProvider, ImpliedProvider)
//     with Terraform's defaults, plus indigo's built-in provider
//     indigo.dev/builtin/indigo, which is never installed (IsBuiltin).
//   - Version constraints (Constraints): Terraform's syntax and selection
//     rules, combined across modules, written canonically.
//   - The CLI configuration (LoadCLIConfig, ParseCLIConfig): the
//     .terraformrc format read with HCL 1 as Terraform reads it
//     (provider_installation with dev_overrides, filesystem_mirror,
//     network_mirror and direct, plugin_cache_dir, host, credentials).
//   - Installation methods: dev overrides, filesystem mirrors in the packed
//     and unpacked layouts, the provider network mirror protocol and the
//     provider registry protocol with SHA256SUMS and OpenPGP signature
//     checks (Sources, Method, Installer).
//   - The lock file (Locks, ReadLocks, ParseLocks, Locks.WriteFile, Verify)
//     in the .terraform.lock.hcl format, with h1: and zh: hashes.
//   - Filling a mirror directory (Installer.Mirror) in the packed layout
//     with the network mirror protocol's index files.
//
// What it is not for: it never starts a provider (providers/plugin does),
// never reads the configuration (the caller turns required_providers into
// Requirements) and never prints (Install reports Events and returns
// results; cmd/indigo renders them).
//
// Decisions worth knowing:
//
//   - A provider is installed to .indigo/providers/HOSTNAME/NAMESPACE/TYPE/
//     VERSION/OS_ARCH; the lock file is .indigo.lock.hcl, and
//     .terraform.lock.hcl is read when it is absent.
//   - As in Terraform, the lock records h1: of every package installed and,
//     for packages from a registry, the zh: of every platform's zip listed
//     in the signed SHA256SUMS. A mirror's packages get h1: only.
//   - Install consults a method only when it needs it: a run whose
//     providers are locked and installed, or that uses only filesystem
//     mirrors, makes no network request at all.
//   - The signature check accepts any key the registry lists for the
//     provider; HashiCorp's partner trust signatures are not evaluated.
package install
