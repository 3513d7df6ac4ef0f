package config

import "github.com/hashicorp/hcl/v2/hclsyntax"

// The words of indigo's own blocks, each defined once: validation, the
// planner, ranking and the docs read them from here.
var (
	// StorageMedia are the media a storage's qos may ask for.
	StorageMedia = []string{"disk", "hdd", "nvme", "ssd", "tape"}
	// StorageLatencies are the access classes of a storage, as CDMI's
	// online, nearline and offline.
	StorageLatencies = []string{"nearline", "offline", "online"}
	// QoSAttributes are the arguments of a qos block, which a lifecycle
	// transition may change too.
	QoSAttributes = []string{"copies", "latency", "locations", "media", "redundancy", "size"}
	// PolicyActions are the actions a policy may grant or deny.
	PolicyActions = []string{"*", "admin", "delete", "deploy", "list", "manage", "read", "write"}
	// RankingCriteria are the soft placement criteria, in the order the
	// ranking table prints them.
	RankingCriteria = []string{"preference", "availability", "latency", "free_capacity", "cost", "locality"}
	// MetricsSettings are the arguments of a site's metrics object.
	MetricsSettings = []string{"format", "max_age", "source", "timeout"}
	// MetricsFormats are the encodings a metrics source may have.
	MetricsFormats = []string{"json", "prometheus"}
)

// ValidIdentifier is hclsyntax.ValidIdentifier, which runs the
// whole scanner on s (a few microseconds; a block label of each of 10,000
// resources, or each attribute name a plan shows, adds up), answered directly for ASCII: a letter or underscore,
// then letters, digits, underscores and dashes.
func ValidIdentifier(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80:
			return hclsyntax.ValidIdentifier(s)
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', c == '_':
		case i > 0 && ('0' <= c && c <= '9' || c == '-'):
		default:
			// ASCII that may not appear here, whatever follows.
			return false
		}
	}
	return s != ""
}
