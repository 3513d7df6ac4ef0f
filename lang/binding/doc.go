// Package binding realises the abstract components of a deployment (TOSCA
// node templates, HCL component blocks) as concrete resources for the kind
// of site the planner placed them on.
//
// A binding is chosen by the component's type chain, most specific type
// first, and the site's kind:
//
//	kind        Compute              Container.Application   BlockStorage / ObjectStorage   software components
//	local       indigo_directory     indigo_service (rootless,   indigo_directory           configuration steps
//	            (the "host")         udocker-like: proot)
//	openstack   compute_instance_v2  (none)                      blockstorage_volume_v3 +   configuration steps
//	            + floating IP                                    volume_attach_v2
//	kubernetes  (none)               deployment_v1 + service_v1  persistent_volume_claim_v1 configuration steps
//
// docs/tosca.md has the full table, with the attributes each binding
// computes (private_address, public_address, volume_id, ...).
//
// Realise is pure: it builds config.Resource values whose bodies are
// synthesized hclsyntax bodies with ranges pointing at the component's
// YAML, and never talks to a provider. Configuration steps (Ansible roles
// and scripts named by interfaces and artifacts) are kept, in dependency
// order, with Executed=false: running them is not implemented yet.
//
// This package is not for placement (planner/rank decides the site) nor for
// evaluating expressions (the planner does, when values are known).
package binding
