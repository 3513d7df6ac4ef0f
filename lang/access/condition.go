package access

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// The arguments of a policy's condition object. Each one is a constraint
// that every enforcement point holding the policy's resources must be able
// to express; all of them must hold (and), and a list holds when one of its
// entries does (or).
const (
	// CondPrefix restricts storage actions to object keys (paths) that
	// start with one of the prefixes.
	CondPrefix = "prefix"
	// CondSourceIP restricts to requests from these addresses or CIDR
	// ranges.
	CondSourceIP = "source_ip"
	// CondNotBefore and CondNotAfter bound the time the policy applies,
	// both inclusive, as RFC 3339 times in whole seconds.
	CondNotBefore = "not_before"
	CondNotAfter  = "not_after"
)

// ConditionKeys are the arguments a condition object may have, sorted.
var ConditionKeys = []string{CondNotAfter, CondNotBefore, CondPrefix, CondSourceIP}

// MaxPrefixLength bounds a prefix, in bytes (S3 keys are at most 1024).
const MaxPrefixLength = 1024

// Condition is a policy's condition, parsed. A nil *Condition is no
// condition: the policy always applies.
type Condition struct {
	// Prefixes are object key prefixes, each ending where a path segment
	// may (e.g. "raw/"); empty means any key.
	Prefixes []string
	// SourceIPs are the address ranges requests may come from, masked;
	// empty means anywhere.
	SourceIPs []netip.Prefix
	// NotBefore and NotAfter bound the time, in UTC; zero means unbounded.
	NotBefore, NotAfter time.Time
}

// Keys returns the arguments the condition sets, sorted.
func (c *Condition) Keys() []string {
	if c == nil {
		return nil
	}
	var out []string
	if !c.NotAfter.IsZero() {
		out = append(out, CondNotAfter)
	}
	if !c.NotBefore.IsZero() {
		out = append(out, CondNotBefore)
	}
	if len(c.Prefixes) > 0 {
		out = append(out, CondPrefix)
	}
	if len(c.SourceIPs) > 0 {
		out = append(out, CondSourceIP)
	}
	return out
}

// String prints the condition the way it is written in HCL.
func (c *Condition) String() string {
	if c == nil {
		return "{}"
	}
	quote := func(ss []string) string {
		q := make([]string, len(ss))
		for i, s := range ss {
			q[i] = fmt.Sprintf("%q", s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	var parts []string
	if !c.NotAfter.IsZero() {
		parts = append(parts, fmt.Sprintf("not_after = %q", FormatTime(c.NotAfter)))
	}
	if !c.NotBefore.IsZero() {
		parts = append(parts, fmt.Sprintf("not_before = %q", FormatTime(c.NotBefore)))
	}
	if len(c.Prefixes) > 0 {
		parts = append(parts, "prefix = "+quote(c.Prefixes))
	}
	if len(c.SourceIPs) > 0 {
		var ips []string
		for _, p := range c.SourceIPs {
			ips = append(ips, p.String())
		}
		parts = append(parts, "source_ip = "+quote(ips))
	}
	return "{ " + strings.Join(parts, ", ") + " }"
}

// FormatTime prints a time the way conditions write it.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ParseCondition reads a policy's condition object:
//
//	condition = {
//	  prefix     = "raw/"                      # or a list of prefixes
//	  source_ip  = ["10.0.0.0/8", "192.0.2.7"] # or one address or range
//	  not_before = "2027-01-01T00:00:00Z"
//	  not_after  = "2027-12-31T23:59:59Z"
//	}
//
// A null value is no condition. Anything else (a boolean expression, an
// argument not listed above) is an error saying what can be expressed.
func ParseCondition(v cty.Value) (*Condition, error) {
	if v.IsNull() {
		return nil, nil
	}
	if !v.IsWhollyKnown() {
		return nil, fmt.Errorf("the condition must be known before anything is planned")
	}
	if !v.Type().IsObjectType() && !v.Type().IsMapType() {
		return nil, fmt.Errorf("a condition is an object of constraints every enforcement point can check, such as { prefix = \"raw/\", source_ip = [\"10.0.0.0/8\"], not_before = \"2027-01-01T00:00:00Z\" }, not a %s", v.Type().FriendlyName())
	}
	c := &Condition{}
	attrs := v.AsValueMap()
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		x := attrs[k]
		if !slices.Contains(ConditionKeys, k) {
			return nil, fmt.Errorf("%q cannot be expressed at the enforcement points (S3 condition keys, POSIX ACLs, Kubernetes RBAC): a condition takes %s", k, strings.Join(ConditionKeys, ", "))
		}
		if x.IsNull() {
			continue
		}
		list, err := stringOrList(x)
		if err != nil {
			return nil, fmt.Errorf("%s: %s", k, err)
		}
		switch k {
		case CondPrefix:
			for _, p := range list {
				if err := checkPrefix(p); err != nil {
					return nil, fmt.Errorf("prefix %q: %s", p, err)
				}
				if !slices.Contains(c.Prefixes, p) {
					c.Prefixes = append(c.Prefixes, p)
				}
			}
			slices.Sort(c.Prefixes)
		case CondSourceIP:
			for _, s := range list {
				p, err := parseRange(s)
				if err != nil {
					return nil, fmt.Errorf("source_ip %q: %s", s, err)
				}
				if !slices.Contains(c.SourceIPs, p) {
					c.SourceIPs = append(c.SourceIPs, p)
				}
			}
			slices.SortFunc(c.SourceIPs, func(a, b netip.Prefix) int {
				if d := a.Addr().Compare(b.Addr()); d != 0 {
					return d
				}
				return a.Bits() - b.Bits()
			})
		case CondNotBefore, CondNotAfter:
			if len(list) != 1 {
				return nil, fmt.Errorf("%s is one time, such as \"2027-01-01T00:00:00Z\"", k)
			}
			t, err := ParseTime(list[0])
			if err != nil {
				return nil, fmt.Errorf("%s: %s", k, err)
			}
			if k == CondNotBefore {
				c.NotBefore = t
			} else {
				c.NotAfter = t
			}
		}
	}
	if !c.NotBefore.IsZero() && !c.NotAfter.IsZero() && c.NotAfter.Before(c.NotBefore) {
		return nil, fmt.Errorf("not_after (%s) is before not_before (%s): the policy would never apply", FormatTime(c.NotAfter), FormatTime(c.NotBefore))
	}
	if len(c.Keys()) == 0 {
		return nil, nil
	}
	return c, nil
}

func stringOrList(v cty.Value) ([]string, error) {
	if s, err := convert.Convert(v, cty.String); err == nil && v.Type().IsPrimitiveType() {
		return []string{s.AsString()}, nil
	}
	l, err := convert.Convert(v, cty.List(cty.String))
	if err != nil || l.IsNull() {
		return nil, fmt.Errorf("give a string or a list of strings")
	}
	var out []string
	for _, x := range l.AsValueSlice() {
		if x.IsNull() {
			return nil, fmt.Errorf("a list here cannot hold null")
		}
		out = append(out, x.AsString())
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the list is empty: leave the argument out to put no constraint")
	}
	return out, nil
}

// checkPrefix: a prefix is a relative path start that S3 and POSIX read
// the same way, without wildcards (S3 condition patterns give '*' and '?'
// meaning, and '$' starts a policy variable).
func checkPrefix(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("an empty prefix is every key: leave prefix out instead")
	case len(p) > MaxPrefixLength:
		return fmt.Errorf("a prefix is at most %d bytes", MaxPrefixLength)
	case !utf8.ValidString(p):
		return fmt.Errorf("a prefix must be valid UTF-8")
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("a prefix is relative to the storage: leave out the leading /")
	case strings.ContainsAny(p, "*?$\\"):
		return fmt.Errorf("a prefix is literal: '*', '?', '$' and '\\' are wildcards or variables in S3 policies and are not allowed")
	}
	for _, r := range p {
		if unicode.IsControl(r) {
			return fmt.Errorf("a prefix cannot hold control characters")
		}
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if s == "." || s == ".." || (s == "" && i < len(segs)-1) {
			return fmt.Errorf("a prefix is a clean path: no empty, . or .. segments")
		}
	}
	return nil
}

// parseRange reads an address ("192.0.2.7", "2001:db8::1") or a CIDR
// range ("10.0.0.0/8"), masked.
func parseRange(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("not a CIDR range such as 10.0.0.0/8")
		}
		if p.Addr().Is4In6() {
			return netip.Prefix{}, fmt.Errorf("write an IPv4 range in IPv4 form")
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("not an address or a CIDR range such as 10.0.0.0/8")
	}
	if a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("an address with a zone (%%%s) names an interface, not a source", a.Zone())
	}
	if a.Is4In6() {
		return netip.Prefix{}, fmt.Errorf("write an IPv4 address in IPv4 form")
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// ParseTime reads an RFC 3339 time in whole seconds, such as
// "2027-01-01T00:00:00Z", and returns it in UTC.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("not an RFC 3339 time such as \"2027-01-01T00:00:00Z\"")
	}
	if t.Nanosecond() != 0 {
		return time.Time{}, fmt.Errorf("give whole seconds: S3 compares times to the second")
	}
	t = t.UTC()
	if t.Year() < 1970 || t.Year() > 9999 {
		return time.Time{}, fmt.Errorf("the year must be between 1970 and 9999")
	}
	return t, nil
}
