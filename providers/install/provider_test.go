package install

import (
	"strings"
	"testing"
)

func TestParseProvider(t *testing.T) {
	tests := []struct {
		in, want, display, wantErr string
	}{
		{"aws", "registry.terraform.io/hashicorp/aws", "hashicorp/aws", ""},
		{"hashicorp/aws", "registry.terraform.io/hashicorp/aws", "hashicorp/aws", ""},
		{"HashiCorp/AWS", "registry.terraform.io/hashicorp/aws", "hashicorp/aws", ""},
		{"registry.terraform.io/hashicorp/aws", "registry.terraform.io/hashicorp/aws", "hashicorp/aws", ""},
		{"Example.COM/acme/demo", "example.com/acme/demo", "example.com/acme/demo", ""},
		{"example.com:8443/acme/demo", "example.com:8443/acme/demo", "example.com:8443/acme/demo", ""},
		{"indigo", "indigo.dev/builtin/indigo", "indigo.dev/builtin/indigo", ""},
		{"indigo.dev/builtin/indigo", "indigo.dev/builtin/indigo", "indigo.dev/builtin/indigo", ""},
		{"hashicorp/terraform-provider-aws", "", "", "invalid provider source"},
		{"a/b/c/d", "", "", "invalid provider source"},
		{"-/aws", "", "", "the namespace must be given"},
		{"", "", "", "invalid provider source"},
		{"bad name", "", "", "invalid provider source"},
	}
	for _, tt := range tests {
		p, err := ParseProvider(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseProvider(%q) = %v, %v; want error containing %q", tt.in, p, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseProvider(%q): %v", tt.in, err)
			continue
		}
		if p.String() != tt.want || p.ForDisplay() != tt.display {
			t.Errorf("ParseProvider(%q) = %s (%s), want %s (%s)", tt.in, p, p.ForDisplay(), tt.want, tt.display)
		}
		// The full form parses to the same value: addresses round-trip.
		if again, err := ParseProvider(p.String()); err != nil || again != p {
			t.Errorf("round trip of %s = %v, %v", p, again, err)
		}
	}
}

func TestBuiltin(t *testing.T) {
	if !IsBuiltin(ImpliedProvider("indigo")) || !IsBuiltin(MustParseProvider("indigo")) {
		t.Error("the local name indigo must map to the built-in provider")
	}
	if ImpliedProvider("terraform") != MustParseProvider("terraform.io/builtin/terraform") || !IsBuiltin(MustParseProvider("terraform")) {
		t.Error("the local name terraform must map to the provider Terraform builds in, which indigo builds in")
	}
	if IsBuiltin(ImpliedProvider("aws")) || IsBuiltin(MustParseProvider("indigo.dev/acme/indigo")) || IsBuiltin(MustParseProvider("terraform.io/builtin/other")) {
		t.Error("only indigo.dev/builtin/* and terraform.io/builtin/terraform are built in")
	}
	if ImpliedProvider("AWS") != MustParseProvider("registry.terraform.io/hashicorp/aws") {
		t.Error("implied providers are in the hashicorp namespace of the default registry")
	}
}

func TestProviderOrder(t *testing.T) {
	// Hostname first, then namespace, then type: "example.com" sorts
	// before "example.com-x" although "/" > "-" in the full strings.
	a := MustParseProvider("example.com/zzz/a")
	b := MustParseProvider("example.com-x/aaa/a")
	if !a.Less(b) || b.Less(a) {
		t.Errorf("order of %s and %s", a, b)
	}
}

func TestParsePlatform(t *testing.T) {
	for in, ok := range map[string]bool{"linux_amd64": true, "darwin_arm64": true, "linux": false, "_amd64": false, "linux_": false, "Linux_amd64": false, "a_b_c": false} {
		_, err := ParsePlatform(in)
		if (err == nil) != ok {
			t.Errorf("ParsePlatform(%q) = %v", in, err)
		}
	}
}
