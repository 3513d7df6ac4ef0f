package access

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
)

func TestParseIdentity(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Identity
		err  string
	}{
		{in: "alice", want: Identity{User, "alice"}},
		{in: "user:alice", want: Identity{User, "alice"}},
		{in: "sub:1234@iam.example.org", want: Identity{Subject, "1234@iam.example.org"}},
		{in: "sub:a:b", want: Identity{Subject, "a:b"}},
		{in: "group:cms", want: Identity{Group, "cms"}},
		{in: "dr.garcia", want: Identity{User, "dr.garcia"}},
		{in: "", err: "cannot be empty"},
		{in: "user:", err: "names nobody"},
		{in: "role:admin", err: `"role" is not a kind of identity`},
		{in: "user:al ice", err: "white space"},
		{in: "group:9cms", err: "not a group name"},
		{in: "user:" + strings.Repeat("a", 300), err: "at most 256 bytes"},
		{in: "\xff", err: "UTF-8"},
	} {
		got, err := ParseIdentity(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseIdentity(%q) = %v, %v; want error with %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseIdentity(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// evalCondition evaluates HCL source the way a policy's condition is.
func evalCondition(src string) (cty.Value, hcl.Diagnostics) {
	e, diags := hclsyntax.ParseExpression([]byte(src), "c.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	return e.Value(nil)
}

func TestParseCondition(t *testing.T) {
	day := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	for _, tc := range []struct {
		src  string
		want *Condition
		err  string
	}{
		{src: `null`, want: nil},
		{src: `{}`, want: nil},
		{src: `{ prefix = "raw/" }`, want: &Condition{Prefixes: []string{"raw/"}}},
		{src: `{ prefix = ["b/", "a/", "b/"] }`, want: &Condition{Prefixes: []string{"a/", "b/"}}},
		{src: `{ source_ip = "192.0.2.7" }`, want: &Condition{SourceIPs: []netip.Prefix{netip.MustParsePrefix("192.0.2.7/32")}}},
		{src: `{ source_ip = ["10.1.2.3/8", "2001:db8::/32"] }`, want: &Condition{SourceIPs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}}},
		{src: `{ not_before = "2027-01-01T01:00:00+01:00", not_after = "2027-12-31T23:59:59Z" }`, want: &Condition{NotBefore: day("2027-01-01T00:00:00Z"), NotAfter: day("2027-12-31T23:59:59Z")}},
		{src: `true`, err: "not a bool"},
		{src: `{ user_agent = "curl" }`, err: `"user_agent" cannot be expressed`},
		{src: `{ prefix = "raw/*" }`, err: "literal"},
		{src: `{ prefix = "/raw" }`, err: "leading /"},
		{src: `{ prefix = "a/../b" }`, err: "clean path"},
		{src: `{ prefix = "" }`, err: "leave prefix out"},
		{src: `{ prefix = [] }`, err: "list is empty"},
		{src: `{ prefix = { a = 1 } }`, err: "string or a list"},
		{src: `{ source_ip = "10.0.0.300" }`, err: "not an address"},
		{src: `{ source_ip = "fe80::1%eth0" }`, err: "zone"},
		{src: `{ not_before = "tomorrow" }`, err: "RFC 3339"},
		{src: `{ not_before = "2027-01-01T00:00:00.5Z" }`, err: "whole seconds"},
		{src: `{ not_before = ["2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z"] }`, err: "one time"},
		{src: `{ not_before = "2028-01-01T00:00:00Z", not_after = "2027-01-01T00:00:00Z" }`, err: "never apply"},
	} {
		v, diags := evalCondition(tc.src)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", tc.src, diags)
		}
		got, err := ParseCondition(v)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseCondition(%s) = %v, %v; want error with %q", tc.src, got, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseCondition(%s) = %#v, %v; want %#v", tc.src, got, err, tc.want)
		}
	}
}

func TestActions(t *testing.T) {
	if !Meaningful(config.StorageKind, "read") || Meaningful(config.StorageKind, "deploy") {
		t.Error("storage: read means something, deploy does not")
	}
	if !Meaningful(config.DeploymentKind, "deploy") || Meaningful(config.DeploymentKind, "write") {
		t.Error("deployment: deploy means something, write does not")
	}
	if Meaningful(config.PolicyKind, "read") {
		t.Error("no action means anything for a policy")
	}
	for _, k := range []config.ObjectKind{config.StorageKind, config.DeploymentKind, config.SiteKind, config.GroupKind} {
		for _, a := range Actions(k) {
			found := false
			for _, known := range config.PolicyActions {
				found = found || known == a
			}
			if !found {
				t.Errorf("%s action %q is not in config.PolicyActions", k.Keyword(), a)
			}
		}
	}
	if !Covers(config.StorageKind, "admin", "read") || !Covers(config.StorageKind, "*", "admin") || Covers(config.StorageKind, "read", "list") {
		t.Error("admin and * cover the kind's actions; read covers only read")
	}
}

// FuzzParseIdentity: any string either fails with a message or gives an
// identity that prints back to itself.
func FuzzParseIdentity(f *testing.F) {
	for _, s := range []string{"alice", "user:alice", "sub:1234@iam", "group:cms", "group:", ":x", "role:a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseIdentity(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		again, err := ParseIdentity(id.String())
		if err != nil || again != id {
			t.Fatalf("ParseIdentity(%q) = %v, but %q reads back as %v, %v", s, id, id.String(), again, err)
		}
		if id.Name == "" {
			t.Fatalf("ParseIdentity(%q) accepted an empty name", s)
		}
	})
}

// FuzzParseCondition: any HCL expression either fails to evaluate, fails
// to parse with a message, or gives a condition whose printed form parses
// back to the same condition.
func FuzzParseCondition(f *testing.F) {
	for _, s := range []string{
		`{ prefix = "raw/" }`,
		`{ prefix = ["a/", "b"], source_ip = ["10.0.0.0/8", "::1"] }`,
		`{ not_before = "2027-01-01T00:00:00Z", not_after = "2027-12-31T23:59:59Z" }`,
		`true`, `{ x = 1 }`, `null`, `{ source_ip = "1.2.3.4/40" }`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		v, diags := evalCondition(src)
		if diags.HasErrors() {
			return
		}
		c, err := ParseCondition(v)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if c == nil {
			return
		}
		v2, diags := evalCondition(c.String())
		if diags.HasErrors() {
			t.Fatalf("%s printed as %s, which does not parse: %s", src, c, diags)
		}
		c2, err := ParseCondition(v2)
		if err != nil || !reflect.DeepEqual(c, c2) {
			t.Fatalf("%s printed as %s reads back as %#v, %v; want %#v", src, c, c2, err, c)
		}
	})
}
