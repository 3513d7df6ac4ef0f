package hcllang

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
)

func loadString(t *testing.T, files map[string]string) (*config.Config, hcl.Diagnostics) {
	t.Helper()
	dir := t.TempDir()
	for name, s := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return NewLoader().LoadDir(dir)
}

func TestProviderForEachDecodes(t *testing.T) {
	cfg, diags := loadString(t, map[string]string{"main.tf": `
variable "regions" {
  default = { eu = "eu-west-1", us = "us-east-1" }
}
provider "aws" {
  alias    = "by_region"
  for_each = var.regions
  region   = each.value
}
resource "aws_s3_bucket" "b" {
  for_each = var.regions
  provider = aws.by_region[each.key]
}
resource "aws_s3_bucket" "one" {
  provider = aws.by_region["eu"]
}
module "m" {
  source    = "./m"
  for_each  = var.regions
  providers = { aws = aws.by_region[each.key] }
}
`, "m/main.tf": `resource "aws_s3_bucket" "x" {}`})
	if diags.HasErrors() {
		t.Fatalf("load: %s", diags.Error())
	}
	m := cfg.Module
	pc := m.ProviderConfigs["aws.by_region"]
	if pc == nil || pc.ForEach == nil {
		t.Fatalf("provider aws.by_region has no for_each: %+v", pc)
	}
	attrs, _ := pc.Config.JustAttributes()
	if _, ok := attrs["for_each"]; ok {
		t.Errorf("for_each is left in the provider's own arguments")
	}

	b := m.ManagedResources["aws_s3_bucket.b"]
	if b.ProviderRef == nil || b.ProviderRef.String() != "aws.by_region" || b.ProviderKey == nil {
		t.Fatalf("resource b: ref %v key %v", b.ProviderRef, b.ProviderKey)
	}
	if trs := b.ProviderKey.Variables(); len(trs) != 1 || trs[0].RootName() != "each" {
		t.Errorf("resource b: key expression refers to %v, want each.key", trs)
	}
	one := m.ManagedResources["aws_s3_bucket.one"]
	if one.ProviderKey == nil {
		t.Fatalf("resource one has no key")
	}
	v, d := one.ProviderKey.Value(nil)
	if d.HasErrors() || !v.RawEquals(cty.StringVal("eu")) {
		t.Errorf("resource one: key %#v %s, want \"eu\"", v, d.Error())
	}
	mc := m.ModuleCalls["m"]
	if len(mc.Providers) != 1 || mc.Providers[0].InParent.String() != "aws.by_region" || mc.Providers[0].InParentKey == nil {
		t.Fatalf("module m providers: %+v", mc.Providers)
	}
}

func TestProviderForEachErrors(t *testing.T) {
	for _, tt := range []struct {
		name, src, summary string
		line               int
	}{
		{"no alias", `
provider "aws" {
  for_each = toset(["a"])
}`, "Provider for_each without an alias", 3},
		{"no key", `
provider "aws" {
  alias    = "x"
  for_each = toset(["a"])
}
resource "aws_s3_bucket" "b" {
  provider = aws.x
}`, "Provider instance not chosen", 7},
		{"key without for_each", `
provider "aws" {
  alias = "x"
}
resource "aws_s3_bucket" "b" {
  provider = aws.x["a"]
}`, "Provider configuration has no instances", 6},
		{"key on a default configuration", `
resource "aws_s3_bucket" "b" {
  provider = aws["a"]
}`, "Invalid provider reference", 3},
		{"module passes no key", `
provider "aws" {
  alias    = "x"
  for_each = toset(["a"])
}
module "m" {
  source    = "./m"
  providers = { aws = aws.x }
}`, "Provider instance not chosen", 8},
		{"site without key", `
provider "indigo" {
  alias    = "x"
  for_each = toset(["a"])
  root     = each.key
}
site "s" {
  kind     = "local"
  provider = indigo.x
}`, "Provider instance not chosen", 9},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := loadString(t, map[string]string{"main.tf": tt.src, "m/main.tf": ""})
			var found *hcl.Diagnostic
			for _, d := range diags {
				if d.Severity == hcl.DiagError && d.Summary == tt.summary {
					found = d
				}
			}
			if found == nil {
				t.Fatalf("no %q error; got: %s", tt.summary, diags.Error())
			}
			if found.Subject == nil || found.Subject.Start.Line != tt.line || !strings.HasSuffix(found.Subject.Filename, "main.tf") {
				t.Errorf("%q at %v, want main.tf line %d", tt.summary, found.Subject, tt.line)
			}
		})
	}
}

func TestSiteProviderInstance(t *testing.T) {
	cfg, diags := loadString(t, map[string]string{"main.tf": `
provider "indigo" {
  alias    = "by_root"
  for_each = toset(["cnaf", "bari"])
  root     = each.key
}
site "cnaf" {
  kind     = "local"
  provider = indigo.by_root["cnaf"]
}
`})
	if diags.HasErrors() {
		t.Fatalf("load: %s", diags.Error())
	}
	s := cfg.Module.Sites["cnaf"]
	if s.Provider.String() != "indigo.by_root" || s.ProviderKey == nil {
		t.Fatalf("site provider %v key %v", s.Provider, s.ProviderKey)
	}
	if v, _ := s.ProviderKey.Value(nil); !v.RawEquals(cty.StringVal("cnaf")) {
		t.Errorf("site key %#v", v)
	}
}
