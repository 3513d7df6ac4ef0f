package install

import (
	"fmt"
	"sort"
	"strings"

	"github.com/apparentlymart/go-versions/versions"
	"github.com/apparentlymart/go-versions/versions/constraints"
)

// Version is a provider release version (semantic versioning 2.0).
type Version = versions.Version

// ParseVersion parses an exact version such as 1.2.3 or 2.0.0-beta1.
func ParseVersion(s string) (v Version, err error) {
	defer outOfRange(s, &err)
	v, err = versions.ParseVersion(s)
	if err != nil {
		return Version{}, fmt.Errorf("invalid version %q: %w", s, err)
	}
	return v, nil
}

// outOfRange turns the panic of go-versions' parsers on a number too large
// for 64 bits (they call strconv and panic on its error) into an error.
// Versions come from configurations, lock files, mirrors and registries:
// none of them may crash indigo. Deferred by the parsing functions.
func outOfRange(s string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("invalid version %q: a number in it is too large (%v)", s, r)
	}
}

// Constraints is the version constraint of one provider: every term must
// hold. It is what a required_providers "version" argument says, combined
// across all the modules that require the provider. The zero value allows
// every released version.
//
// The syntax is Terraform's: comma-separated terms, each an operator (=, !=,
// >, >=, <, <=, ~>) and a version; a bare version means =. A pre-release is
// selected only when a term names it exactly.
type Constraints struct {
	terms []constraints.SelectionSpec
}

// ParseConstraints parses a constraint string such as ">= 1.2, < 2.0".
// The empty string is no constraint.
func ParseConstraints(s string) (c Constraints, err error) {
	defer outOfRange(s, &err)
	spec, err := constraints.ParseRubyStyleMulti(s)
	if err != nil {
		return Constraints{}, fmt.Errorf("invalid version constraint %q: %w", s, err)
	}
	return Constraints{terms: spec}, nil
}

// MustParseConstraints is ParseConstraints for constants known to be valid;
// it panics on an error and must not be used on outside input.
func MustParseConstraints(s string) Constraints {
	c, err := ParseConstraints(s)
	if err != nil {
		panic(err)
	}
	return c
}

// And returns the constraints that hold when both c and o hold: how the
// requirements of several modules on one provider are combined.
func (c Constraints) And(o Constraints) Constraints {
	terms := make([]constraints.SelectionSpec, 0, len(c.terms)+len(o.terms))
	terms = append(terms, c.terms...)
	terms = append(terms, o.terms...)
	return Constraints{terms: terms}
}

// IsZero reports whether c has no terms (any released version is allowed).
func (c Constraints) IsZero() bool { return len(c.terms) == 0 }

// set is the set of versions c allows.
func (c Constraints) set() versions.Set {
	if len(c.terms) == 0 {
		return versions.Released
	}
	return versions.MeetingConstraints(constraints.IntersectionSpec(c.terms))
}

// Allows reports whether v satisfies every term of c.
func (c Constraints) Allows(v Version) bool { return c.set().Has(v) }

// Newest returns the newest version in vs that c allows.
func (c Constraints) Newest(vs []Version) (Version, bool) {
	v := versions.List(vs).NewestInSet(c.set())
	return v, v != versions.Unspecified
}

// String returns the canonical form of c, the one written to the lock file's
// "constraints" attribute: terms deduplicated (">= 2" and ">= 2.0.0" are the
// same term), sorted by version and, for equal versions, by operator, and
// each written in full. This matches what Terraform writes, so a lock file
// does not change when a team uses both tools.
func (c Constraints) String() string {
	seen := make(map[constraints.SelectionSpec]bool, len(c.terms))
	terms := make([]constraints.SelectionSpec, 0, len(c.terms))
	for _, t := range c.terms {
		n := constraints.SelectionSpec{Operator: t.Operator, Boundary: t.Boundary.ConstrainToZero()}
		if !seen[n] {
			seen[n] = true
			terms = append(terms, n)
		}
	}
	sort.Slice(terms, func(i, j int) bool {
		if d := compareBoundaries(terms[i].Boundary, terms[j].Boundary); d != 0 {
			return d < 0
		}
		return operatorRank[terms[i].Operator] < operatorRank[terms[j].Operator]
	})
	var b strings.Builder
	for i, t := range terms {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(operatorText[t.Operator])
		v := t.Boundary
		if t.Operator == constraints.OpGreaterThanOrEqualMinorOnly {
			// "~> 1.2" allows 1.x from 1.2 on; "~> 1.2.0" only 1.2.x: the
			// number of parts is the meaning, so keep two.
			fmt.Fprintf(&b, "%s.%s", v.Major, v.Minor)
		} else {
			fmt.Fprintf(&b, "%s.%s.%s", v.Major, v.Minor, v.Patch)
		}
		if v.Prerelease != "" {
			b.WriteString("-" + v.Prerelease)
		}
		if v.Metadata != "" {
			b.WriteString("+" + v.Metadata)
		}
	}
	return b.String()
}

// operatorText is how each operator is written; "=" is written as a bare
// version, as Terraform does.
var operatorText = map[constraints.SelectionOp]string{
	constraints.OpGreaterThan:                 "> ",
	constraints.OpGreaterThanOrEqual:          ">= ",
	constraints.OpEqual:                       "",
	constraints.OpGreaterThanOrEqualPatchOnly: "~> ",
	constraints.OpGreaterThanOrEqualMinorOnly: "~> ",
	constraints.OpLessThanOrEqual:             "<= ",
	constraints.OpLessThan:                    "< ",
	constraints.OpNotEqual:                    "!= ",
}

// operatorRank orders terms on the same version: lower bounds first, upper
// bounds last, as a person would write them.
var operatorRank = map[constraints.SelectionOp]int{
	constraints.OpGreaterThan:                 1,
	constraints.OpGreaterThanOrEqual:          2,
	constraints.OpEqual:                       3,
	constraints.OpGreaterThanOrEqualPatchOnly: 4,
	constraints.OpGreaterThanOrEqualMinorOnly: 5,
	constraints.OpLessThanOrEqual:             6,
	constraints.OpLessThan:                    7,
	constraints.OpNotEqual:                    8,
}

// compareBoundaries orders two constraint versions by precedence, then by
// build metadata so that the order is total.
func compareBoundaries(a, b constraints.VersionSpec) int {
	a, b = a.ConstrainToZero(), b.ConstrainToZero()
	va := Version{Major: a.Major.Num, Minor: a.Minor.Num, Patch: a.Patch.Num, Prerelease: versions.VersionExtra(a.Prerelease)}
	vb := Version{Major: b.Major.Num, Minor: b.Minor.Num, Patch: b.Patch.Num, Prerelease: versions.VersionExtra(b.Prerelease)}
	switch {
	case va.LessThan(vb):
		return -1
	case vb.LessThan(va):
		return 1
	}
	switch {
	case a.Metadata == b.Metadata:
		return 0
	case versions.VersionExtra(a.Metadata).LessThan(versions.VersionExtra(b.Metadata)):
		return -1
	}
	return 1
}

// Requirements says which providers a configuration needs and which
// versions of each it accepts. The caller builds it from required_providers
// in every module (and implied providers), combining with Add.
type Requirements map[Provider]Constraints

// Add records that p is required with constraint c, combining it with any
// constraint already recorded for p.
func (r Requirements) Add(p Provider, c Constraints) {
	r[p] = r[p].And(c)
}

// sorted returns the providers of r in address order.
func (r Requirements) sorted() []Provider {
	ps := make([]Provider, 0, len(r))
	for p := range r {
		ps = append(ps, p)
	}
	sortProviders(ps)
	return ps
}

func sortProviders(ps []Provider) {
	sort.Slice(ps, func(i, j int) bool { return ps[i].Less(ps[j]) })
}
