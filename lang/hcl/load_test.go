package hcllang

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/config"
)

func TestLoadDirBlocks(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("main.tf", `
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
  backend "local" { path = "x.state" }
}
provider "aws" { region = "eu-west-1" }
provider "aws" {
  alias  = "west"
  region = "us-west-2"
}
variable "n" {
  type    = number
  default = 2
  validation {
    condition     = var.n > 0
    error_message = "n must be positive."
  }
}
locals { name = "x" }
resource "aws_instance" "web" {
  count    = var.n
  provider = aws.west
  ami      = "ami-1"
  lifecycle {
    create_before_destroy = true
    ignore_changes        = [tags]
  }
}
data "aws_ami" "ubuntu" {}
module "net" { source = "./net" }
output "ids" { value = aws_instance.web[*].id }
moved {
  from = aws_instance.old
  to   = aws_instance.web
}
import {
  to = aws_instance.imported
  id = "i-123"
}
check "ok" {
  assert {
    condition     = true
    error_message = "never"
  }
}
`)
	write("main.tf.json", `{"locals": {"from_json": 1}}`)
	write("indigo.hcl", `
provider "indigo" {
  alias = "a"
}
site "a" {
  provider = indigo.a
  kind     = "local"
  sla { cpus = 4 }
}
group "g" { members = ["alice"] }
storage "s" {
  qos { copies = 1 }
}
deployment "d" {
  placement { sites = [site.a] }
  resource "indigo_noop" "x" {}
  component "c" {
    type = "tosca.nodes.Compute"
  }
}
policy "p" {
  principals = [group.g, "user:bob"]
  actions    = ["read"]
  resources  = [storage.s]
}
`)
	write("net/main.tf", `output "id" { value = "n" }`)
	l := NewLoader()
	cfg, diags := l.LoadDir(dir)
	if diags.HasErrors() {
		t.Fatalf("load: %s", diags.Error())
	}
	m := cfg.Module
	checks := []struct {
		what string
		ok   bool
	}{
		{"required provider", m.Settings.RequiredProviders["aws"].Provider.String() == "registry.terraform.io/hashicorp/aws"},
		{"backend", m.Settings.Backend != nil && m.Settings.Backend.Type == "local"},
		{"aliased provider", m.ProviderConfigs["aws.west"] != nil},
		{"variable default", m.Variables["n"].Default.AsBigFloat().String() == "2"},
		{"variable validation", len(m.Variables["n"].Validations) == 1},
		{"local from HCL", m.Locals["name"] != nil},
		{"local from JSON", m.Locals["from_json"] != nil},
		{"resource provider ref", m.ManagedResources["aws_instance.web"].ProviderRef.String() == "aws.west"},
		{"lifecycle", m.ManagedResources["aws_instance.web"].Managed.CreateBeforeDestroy},
		{"ignore_changes", len(m.ManagedResources["aws_instance.web"].Managed.IgnoreChanges) == 1},
		{"data", m.DataResources["aws_ami.ubuntu"] != nil},
		{"module child", cfg.Children[config.Step{Kind: config.ModuleStep, Name: "net"}] != nil},
		{"moved", len(m.Moved) == 1},
		{"import", len(m.Imports) == 1},
		{"check", m.Checks["ok"] != nil},
		{"site", m.Sites["a"] != nil && m.Sites["a"].Kind == "local" && m.Sites["a"].SLA["cpus"] != nil},
		{"storage", m.Storages["s"] != nil && m.Storages["s"].QoS != nil},
		{"policy principals", len(m.Policies["p"].Principals) == 2 && m.Policies["p"].Principals[1].Identity == "user:bob"},
		{"deployment scope", cfg.Children[config.Step{Kind: config.DeploymentStep, Name: "d"}] != nil},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s not decoded as expected", c.what)
		}
	}
	scope := cfg.Children[config.Step{Kind: config.DeploymentStep, Name: "d"}].Module
	if scope.ManagedResources["indigo_noop.x"] == nil || scope.Components["c"] == nil {
		t.Errorf("deployment scope content missing: %v %v", scope.ManagedResources, scope.Components)
	}
}

func TestOverrideFiles(t *testing.T) {
	l := NewLoader()
	m, diags := l.LoadSource(".", map[string][]byte{
		"main.tf":     []byte("resource \"a_b\" \"c\" {\n  x = 1\n  y = 2\n}\n"),
		"override.tf": []byte("resource \"a_b\" \"c\" {\n  y = 3\n}\n"),
	})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	attrs, _ := m.ManagedResources["a_b.c"].Config.JustAttributes()
	y, _ := attrs["y"].Expr.Value(nil)
	x, _ := attrs["x"].Expr.Value(nil)
	if y.AsBigFloat().String() != "3" || x.AsBigFloat().String() != "1" {
		t.Fatalf("override not merged: x=%v y=%v", x, y)
	}
}

func TestVarFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "terraform.tfvars"), []byte("a = 1\nb = [\"x\"]\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "z.auto.tfvars"), []byte("a = 2\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "bad.tfvars"), []byte("a = var.x\n"), 0o644)
	files := AutoVarFiles(dir)
	if len(files) != 2 || !strings.HasSuffix(files[1], "z.auto.tfvars") {
		t.Fatalf("auto files: %v", files)
	}
	l := NewLoader()
	vals, diags := l.LoadVarFile(files[0])
	if diags.HasErrors() || vals["b"].Value.LengthInt() != 1 {
		t.Fatalf("vals %v %s", vals, diags.Error())
	}
	if _, diags := l.LoadVarFile(filepath.Join(dir, "bad.tfvars")); !diags.HasErrors() || diags[0].Subject == nil {
		t.Fatalf("a reference in a var file must be a located error: %v", diags)
	}
	name, v, diags := ParseVarFlag("tags={a=1}", func(string) bool { return false })
	if diags.HasErrors() || name != "tags" || !v.Value.Type().IsObjectType() {
		t.Fatalf("complex -var: %v %v", v, diags)
	}
	_, v, _ = ParseVarFlag("name=a=b", func(string) bool { return true })
	if v.Value.AsString() != "a=b" {
		t.Fatalf("primitive -var keeps the rest literally: %v", v.Value)
	}
}

// FuzzLoadHCL feeds arbitrary bytes to the loader as an HCL file and as a
// JSON file: it must never panic, and every error must carry a location
// or say which file it is about.
func FuzzLoadHCL(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/fuzz-seeds/*")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`resource "a" "b" { count = 2 }`))
	f.Add([]byte(`deployment "d" { placement { sites = [site.x] } }`))
	f.Add([]byte(`{"variable": {"x": {"default": 1}}}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, name := range []string{"main.hcl", "main.tf.json"} {
			l := NewLoader()
			_, diags := l.LoadSource(".", map[string][]byte{name: src})
			for _, d := range diags {
				if d.Severity == hcl.DiagError && d.Summary == "" {
					t.Fatalf("error without a summary: %#v", d)
				}
			}
		}
	})
}

// BenchmarkLoad10k loads a configuration of 10,000 resources in 100 files.
func BenchmarkLoad10k(b *testing.B) {
	dir := b.TempDir()
	for f := 0; f < 100; f++ {
		var sb strings.Builder
		for r := 0; r < 100; r++ {
			n := f*100 + r
			fmt.Fprintf(&sb, "resource \"indigo_noop\" \"r%d\" {\n  input = { index = %d, name = \"r%d\" }\n}\n\n", n, n, n)
		}
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d.hcl", f)), []byte(sb.String()), 0o644)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l := NewLoader()
		cfg, diags := l.LoadDir(dir)
		if diags.HasErrors() || len(cfg.Module.ManagedResources) != 10000 {
			b.Fatal(diags.Error())
		}
	}
}
