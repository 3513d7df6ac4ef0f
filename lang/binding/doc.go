// Package binding realises the abstract components of a deployment (TOSCA
// node templates, HCL component blocks) as concrete resources for the kind
// of site the planner placed them on.
//
// A binding is chosen by the component's type chain, most specific type
// first, and the site's kind:
//
//	kind        Compute              Container.Application   BlockStorage / ObjectStorage   software components
//	local       indigo_directory     indigo_service (rootless,   indigo_directory           indigo_step per operation
//	            (the "host")         udocker-like: proot)
//	openstack   compute_instance_v2  (none)                      blockstorage_volume_v3 +   the host server's boot
//	            + floating IP                                    volume_attach_v2           script (user_data)
//	kubernetes  (none)               deployment_v1 + service_v1  persistent_volume_claim_v1 (an error if it has steps)
//
// docs/tosca.md has the full table, with the attributes each binding
// computes (private_address, public_address, volume_id, ...).
//
// Realise is pure: it builds config.Resource values whose bodies are
// synthesized hclsyntax bodies with ranges pointing at the component's
// YAML, and never talks to a provider. Configuration steps (Ansible roles
// and scripts named by interfaces and artifacts, steps.go) run where the
// kind can run them: indigo_step resources on a local site, the boot
// script of the server they are hosted on for OpenStack
// (steps_openstack.go); elsewhere each is an error at its operation.
//
// This package is not for placement (planner/rank decides the site) nor for
// evaluating expressions (the planner does, when values are known).
package binding
