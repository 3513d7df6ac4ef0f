package hcllang

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/config"
)

func TestEphemeralBlock(t *testing.T) {
	load := func(t *testing.T, src string) (*config.Module, hcl.Diagnostics) {
		t.Helper()
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, diags := NewLoader().LoadDir(dir)
		if cfg == nil {
			return nil, diags
		}
		return cfg.Module, diags
	}
	m, diags := load(t, `
provider "vault" {
  alias = "ops"
}
ephemeral "vault_token" "t" {
  for_each   = toset(["a", "b"])
  provider   = vault.ops
  depends_on = [terraform_data.x]
  role       = each.key
  lifecycle {
    precondition {
      condition     = each.key != ""
      error_message = "empty"
    }
    postcondition {
      condition     = self.token != ""
      error_message = "no token"
    }
  }
}
resource "terraform_data" "x" {}
locals {
  tok = ephemeral.vault_token.t["a"].token
}
`)
	if diags.HasErrors() {
		t.Fatalf("load: %s", diags.Error())
	}
	r := m.EphemeralResources["vault_token.t"]
	if r == nil {
		t.Fatalf("no ephemeral resource decoded: %v", m.EphemeralResources)
	}
	if r.Mode != config.EphemeralMode || r.Addr().String() != "ephemeral.vault_token.t" || r.ForEach == nil ||
		r.ProviderRef.String() != "vault.ops" || len(r.DependsOn) != 1 || len(r.Preconditions) != 1 || len(r.Postconditions) != 1 || r.Managed != nil {
		t.Errorf("decoded %+v", r)
	}
	if m.Resource(r.Addr()) != r {
		t.Error("Module.Resource does not find it by address")
	}
	if m.ManagedResources["vault_token.t"] != nil || m.DataResources["vault_token.t"] != nil {
		t.Error("the ephemeral block was also decoded as a resource or data source")
	}
	travs := m.Locals["tok"].Expr.Variables()
	ref, d := config.ParseRef(travs[0])
	if d.HasErrors() {
		t.Fatalf("reference: %s", d.Error())
	}
	if rr, ok := ref.Subject.(config.ResourceRef); !ok || rr.Resource.Mode != config.EphemeralMode || rr.Key != config.StringKey("a") {
		t.Errorf("ephemeral.vault_token.t[\"a\"] parsed as %#v", ref.Subject)
	}
	short := hcl.Traversal{hcl.TraverseRoot{Name: "ephemeral"}, hcl.TraverseAttr{Name: "a_b"}}
	if _, d := config.ParseRef(short); !d.HasErrors() || !strings.Contains(d.Error(), "ephemeral.TYPE.NAME") {
		t.Errorf("ephemeral.a_b: %v, want an error saying ephemeral.TYPE.NAME", d)
	}

	for _, tc := range []struct{ name, src, want string }{
		{"managed-only lifecycle", `ephemeral "a_b" "c" {
  lifecycle { create_before_destroy = true }
}`, "Invalid lifecycle argument for an ephemeral resource"},
		{"provisioner", `ephemeral "a_b" "c" {
  provisioner "local-exec" { command = "true" }
}`, "Provisioner on an ephemeral resource"},
		{"duplicate", `ephemeral "a_b" "c" {}
ephemeral "a_b" "c" {}`, "Duplicate ephemeral resource"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := load(t, tc.src)
			if !diags.HasErrors() || !strings.Contains(diags.Error(), tc.want) {
				t.Errorf("diagnostics %q, want one with %q", diags.Error(), tc.want)
			}
			for _, d := range diags {
				if d.Severity == hcl.DiagError && d.Subject == nil {
					t.Errorf("unlocated error: %s", d.Error())
				}
			}
		})
	}
}
