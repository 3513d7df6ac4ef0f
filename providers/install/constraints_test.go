package install

import (
	"strings"
	"testing"
)

func TestConstraintsAllow(t *testing.T) {
	tests := []struct {
		constraint string
		allowed    []string
		refused    []string
	}{
		{"", []string{"0.1.0", "1.0.0", "99.0.0"}, []string{"1.0.0-beta1"}},
		{">= 1.2, < 2.0", []string{"1.2.0", "1.9.9"}, []string{"1.1.9", "2.0.0", "2.0.0-rc1", "1.5.0-beta"}},
		{"~> 1.2", []string{"1.2.0", "1.9.0"}, []string{"1.1.0", "2.0.0"}},
		{"~> 1.2.0", []string{"1.2.0", "1.2.9"}, []string{"1.3.0", "1.1.9"}},
		{"~> 1", []string{"1.0.0", "1.9.0"}, []string{"2.0.0", "0.9.0"}},
		{"= 1.2.3", []string{"1.2.3"}, []string{"1.2.4", "1.2.2"}},
		{"1.2.3", []string{"1.2.3"}, []string{"1.2.4"}},
		{"!= 1.2.3", []string{"1.2.2", "1.2.4"}, []string{"1.2.3"}},
		{"> 1.0.0, <= 1.5.0", []string{"1.0.1", "1.5.0"}, []string{"1.0.0", "1.5.1"}},
		// Pre-releases only when named exactly.
		{"2.0.0-beta1", []string{"2.0.0-beta1"}, []string{"2.0.0", "2.0.0-beta2"}},
		{">= 2.0.0-beta1", []string{"2.0.0", "2.1.0"}, []string{"2.0.0-beta2"}},
		{"= 2.0.0-beta1, >= 1.0", []string{"2.0.0-beta1"}, []string{"2.0.0", "1.0.0"}},
	}
	for _, tt := range tests {
		c, err := ParseConstraints(tt.constraint)
		if err != nil {
			t.Fatalf("ParseConstraints(%q): %v", tt.constraint, err)
		}
		for _, v := range tt.allowed {
			if !c.Allows(MustParseVersionForTest(v)) {
				t.Errorf("%q does not allow %s", tt.constraint, v)
			}
		}
		for _, v := range tt.refused {
			if c.Allows(MustParseVersionForTest(v)) {
				t.Errorf("%q allows %s", tt.constraint, v)
			}
		}
	}
}

func TestConstraintsNewest(t *testing.T) {
	var available []Version
	for _, s := range []string{"1.0.0", "1.2.0", "1.2.5", "1.3.0-beta1", "2.0.0", "2.1.0-rc1"} {
		available = append(available, MustParseVersionForTest(s))
	}
	tests := []struct{ constraint, want string }{
		{"", "2.0.0"},
		{"~> 1.2.0", "1.2.5"},
		{"< 2", "1.2.5"},
		{"1.3.0-beta1", "1.3.0-beta1"},
		{"2.1.0-rc1", "2.1.0-rc1"},
		{"> 5", ""},
	}
	for _, tt := range tests {
		v, ok := MustParseConstraints(tt.constraint).Newest(available)
		got := ""
		if ok {
			got = v.String()
		}
		if got != tt.want {
			t.Errorf("Newest(%q) = %q, want %q", tt.constraint, got, tt.want)
		}
	}
}

// TestConstraintsString checks the canonical form against what Terraform
// 1.11 wrote into .terraform.lock.hcl for the same inputs.
func TestConstraintsString(t *testing.T) {
	tests := []struct {
		modules []string // one constraint per module, combined
		want    string
	}{
		{[]string{"~> 1.2.0, >= 1.0", ">= 1.1, != 1.1.5, ~> 1.0"}, ">= 1.0.0, ~> 1.0, >= 1.1.0, != 1.1.5, ~> 1.2.0"},
		{[]string{"2.0.0", ">= 2.0.0"}, ">= 2.0.0, 2.0.0"},
		{[]string{"~> 2, > 1.0.0, <= 3, < 4, = 2.0.0"}, "> 1.0.0, 2.0.0, ~> 2.0, <= 3.0.0, < 4.0.0"},
		{[]string{">= 2", ">= 2.0.0", ">= 2.0"}, ">= 2.0.0"},
		{[]string{"= 1.0.0-beta.1+build.5"}, "1.0.0-beta.1+build.5"},
		{nil, ""},
	}
	for _, tt := range tests {
		var c Constraints
		for _, m := range tt.modules {
			c = c.And(MustParseConstraints(m))
		}
		if got := c.String(); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.modules, got, tt.want)
		}
		// The canonical form means the same thing.
		again := MustParseConstraints(c.String())
		if again.String() != c.String() {
			t.Errorf("re-parsing %q gives %q", c.String(), again.String())
		}
	}
}

func TestConstraintsErrors(t *testing.T) {
	for _, s := range []string{">= banana", "~> v1.0", "1.0 || 2.0", "=> 1.0", ">=  1.0", "1.0.0.0"} {
		if _, err := ParseConstraints(s); err == nil || !strings.Contains(err.Error(), "invalid version constraint") {
			t.Errorf("ParseConstraints(%q) = %v", s, err)
		}
	}
}

// TestVersionNumbersTooLarge: a number beyond 64 bits is an error, not a
// panic, wherever a version is read (found by FuzzParseConstraints).
func TestVersionNumbersTooLarge(t *testing.T) {
	for _, s := range []string{"20000000000000000000", "1.20000000000000000000.0", "~> 1.0.99999999999999999999"} {
		if _, err := ParseConstraints(s); err == nil || !strings.Contains(err.Error(), "too large") {
			t.Errorf("ParseConstraints(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"20000000000000000000.0.0", "1.0.99999999999999999999"} {
		if _, err := ParseVersion(s); err == nil || !strings.Contains(err.Error(), "too large") {
			t.Errorf("ParseVersion(%q) = %v", s, err)
		}
	}
}

func TestRequirementsAdd(t *testing.T) {
	r := make(Requirements)
	aws := MustParseProvider("hashicorp/aws")
	r.Add(aws, MustParseConstraints(">= 4.0"))
	r.Add(aws, MustParseConstraints("< 6.0"))
	r.Add(aws, Constraints{})
	if got := r[aws].String(); got != ">= 4.0.0, < 6.0.0" {
		t.Errorf("combined = %q", got)
	}
}

func FuzzParseConstraints(f *testing.F) {
	for _, s := range []string{">= 1.2, < 2.0", "~> 1.2", "= 1.2.3", "!= 1.0", "2.0.0-beta1", "~> 1", ">= 1.0.0+meta"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseConstraints(s)
		if err != nil {
			return
		}
		c.Allows(MustParseVersionForTest("1.2.3"))
		if _, err := ParseConstraints(c.String()); err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", c.String(), s, err)
		}
	})
}
