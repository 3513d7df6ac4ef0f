package hcllang

import "github.com/indigo-cloud/indigo/lang/config"

// An ephemeral "TYPE" "NAME" block (Terraform 1.10, OpenTofu 1.11) is
// decoded as a resource of config.EphemeralMode: it takes count, for_each,
// provider, depends_on and a lifecycle block with only precondition and
// postcondition. What it may flow into is checked by the planner, which
// knows the schemas (write-only arguments).

// modeNoun names a resource mode in messages, with its article.
func modeNoun(m config.ResourceMode) string {
	switch m {
	case config.DataMode:
		return "a data source"
	case config.EphemeralMode:
		return "an ephemeral resource"
	}
	return "a resource"
}
