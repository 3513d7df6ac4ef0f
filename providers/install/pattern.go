package install

import (
	"fmt"
	"strings"

	tfaddr "github.com/hashicorp/terraform-registry-address"
	svchost "github.com/hashicorp/terraform-svchost"
)

// Wildcard matches any value of one part of a Pattern.
const Wildcard = "*"

// Pattern selects providers for an installation method's include and
// exclude lists: HOSTNAME/NAMESPACE/TYPE or NAMESPACE/TYPE (on the default
// registry), where a part may be "*". As in Terraform, a wildcard hostname
// needs wildcard namespace and type, and a wildcard namespace a wildcard
// type: "*/*" is registry.terraform.io/*/*, not */*/*.
type Pattern struct {
	Hostname, Namespace, Type string
}

// ParsePattern parses and normalises a provider pattern.
func ParsePattern(s string) (Pattern, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return Pattern{}, fmt.Errorf("invalid provider pattern %q: must have two or three slash-separated parts, like \"hashicorp/*\" or \"example.com/*/*\"", s)
	}
	pat := Pattern{Hostname: DefaultRegistryHost}
	if len(parts) == 3 {
		if parts[0] == Wildcard {
			pat.Hostname = Wildcard
		} else {
			h, err := svchost.ForComparison(parts[0])
			if err != nil {
				return Pattern{}, fmt.Errorf("invalid hostname in provider pattern %q: %w", s, err)
			}
			pat.Hostname = string(h)
		}
		parts = parts[1:]
	}
	var err error
	if pat.Namespace, err = patternPart(parts[0]); err != nil {
		return Pattern{}, fmt.Errorf("invalid namespace in provider pattern %q: %w", s, err)
	}
	if pat.Type, err = patternPart(parts[1]); err != nil {
		return Pattern{}, fmt.Errorf("invalid type in provider pattern %q: %w", s, err)
	}
	if pat.Hostname == Wildcard && (pat.Namespace != Wildcard || pat.Type != Wildcard) {
		return Pattern{}, fmt.Errorf("invalid provider pattern %q: the hostname can be a wildcard only if the namespace and type are wildcards too", s)
	}
	if pat.Namespace == Wildcard && pat.Type != Wildcard {
		return Pattern{}, fmt.Errorf("invalid provider pattern %q: the namespace can be a wildcard only if the type is a wildcard too", s)
	}
	return pat, nil
}

func patternPart(s string) (string, error) {
	if s == Wildcard {
		return s, nil
	}
	return tfaddr.ParseProviderPart(s)
}

// ExactPattern is the pattern that matches p alone.
func ExactPattern(p Provider) Pattern {
	return Pattern{Hostname: p.Hostname, Namespace: p.Namespace, Type: p.Type}
}

// Matches reports whether p is selected by the pattern.
func (pat Pattern) Matches(p Provider) bool {
	return (pat.Hostname == Wildcard || pat.Hostname == p.Hostname) &&
		(pat.Namespace == Wildcard || pat.Namespace == p.Namespace) &&
		(pat.Type == Wildcard || pat.Type == p.Type)
}

// String returns the pattern in its full three-part form.
func (pat Pattern) String() string {
	host := pat.Hostname
	if host != Wildcard {
		host = hostForDisplay(host)
	}
	return host + "/" + pat.Namespace + "/" + pat.Type
}

func anyMatches(pats []Pattern, p Provider) bool {
	for _, pat := range pats {
		if pat.Matches(p) {
			return true
		}
	}
	return false
}
