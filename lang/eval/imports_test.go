package eval_test

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/eval"
)

// importBase follows the import block of each case below (which is five
// lines or fewer, so lines 1-5 are the import's).
const importBase = `
resource "indigo_file" "f" {
  for_each = var.files
  path     = each.value
}
resource "indigo_file" "one" {
  path = "one"
}
resource "indigo_file" "n" {
  count = 2
  path  = "n${count.index}"
}
resource "indigo_file" "px" {
  provider = indigo.x
  path     = "px"
}
variable "files" {
  type    = map(string)
  default = { a = "a.txt", b = "b.txt" }
}
variable "unset" {
  type = map(string)
}
provider "indigo" {
  alias = "x"
}
provider "indigo" {
  alias = "y"
}
data "indigo_file" "names" {
  path = "names.txt"
}
locals {
  dir = trimspace(data.indigo_file.names.path)
}
`

// TestImportValidation: validate checks import blocks with what is known
// before planning (variables' defaults, locals) and reports each problem
// at the argument that causes it.
func TestImportValidation(t *testing.T) {
	for _, tc := range []struct {
		name, src, summary string
		line               int
	}{
		{"for_each map", `import {
  for_each = var.files
  to       = indigo_file.f[each.key]
  id       = each.value
}`, "", 0},
		{"for_each list of objects", `import {
  for_each = [{ k = "a", p = "a.txt" }, { k = "b", p = "b.txt" }]
  to       = indigo_file.f[each.value.k]
  id       = each.value.p
}`, "", 0},
		{"for_each not known yet", `import {
  for_each = var.unset
  to       = indigo_file.f[each.key]
  id       = each.value
}`, "", 0},
		{"duplicate address", `import {
  for_each = var.files
  to       = indigo_file.f[substr(each.key, 0, 0)]
  id       = each.value
}`, "Duplicate import address", 3},
		{"key on a single resource", `import {
  for_each = var.files
  to       = indigo_file.one[each.key]
  id       = each.value
}`, "Import address does not match the configuration", 3},
		{"string key on count", `import {
  for_each = var.files
  to       = indigo_file.n[each.key]
  id       = each.value
}`, "Import address does not match the configuration", 3},
		{"no key on for_each", `import {
  to = indigo_file.f
  id = "a.txt"
}`, "Import address does not match the configuration", 2},
		{"resource not configured", `import {
  for_each = var.files
  to       = indigo_file.nope[each.key]
  id       = each.value
}`, "Import into a resource not in the configuration", 3},
		{"expression key without for_each", `import {
  to = indigo_file.f[var.files["a"]]
  id = "a.txt"
}`, "Import address key without for_each", 2},
		{"not a collection", `import {
  for_each = "a"
  to       = indigo_file.f[each.key]
  id       = each.value
}`, "Invalid for_each argument", 2},
		{"provider not the resource's", `import {
  to       = indigo_file.px
  provider = indigo.y
  id       = "px"
}`, "Import provider is not the resource's", 3},
		{"provider the resource's", `import {
  to       = indigo_file.px
  provider = indigo.x
  id       = "px"
}`, "", 0},
		{"provider key without for_each", `import {
  to       = indigo_file.px
  provider = indigo.x["a"]
  id       = "px"
}`, "Provider configuration has no instances", 3},
		{"data source", `import {
  to = data.indigo_file.f
  id = "a.txt"
}`, "Invalid import address", 2},
		{"identity with for_each", `import {
  for_each = var.files
  to       = indigo_file.f[each.key]
  identity = { path = each.value }
}`, "", 0},
		{"identity not an object", `import {
  to       = indigo_file.one
  identity = "one"
}`, "Invalid import identity", 3},
		{"identity null", `import {
  to       = indigo_file.one
  identity = null
}`, "Import identity is null", 3},
		{"identity not known yet", `import {
  for_each = var.unset
  to       = indigo_file.f[each.key]
  identity = { path = each.value }
}`, "", 0},
		{"id and for_each from a data source", `import {
  for_each = toset(split(",", data.indigo_file.names.content))
  to       = indigo_file.f[each.key]
  id       = "${local.dir}/${each.key}.txt"
}`, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			diags := validateSrc(t, tc.src+importBase)
			if tc.summary == "" {
				if diags.HasErrors() {
					t.Fatalf("unexpected errors: %s", diags.Error())
				}
				return
			}
			var found *hcl.Diagnostic
			for _, d := range diags {
				if d.Severity == hcl.DiagError && d.Summary == tc.summary {
					found = d
				}
			}
			if found == nil {
				t.Fatalf("want %q, got %s", tc.summary, diags.Error())
			}
			if found.Subject == nil || found.Subject.Start.Line != tc.line || !strings.HasSuffix(found.Subject.Filename, "main.hcl") {
				t.Errorf("%q at %v, want line %d of main.hcl", tc.summary, found.Subject, tc.line)
			}
			if found.Detail == "" {
				t.Errorf("%q says nothing of what to do", tc.summary)
			}
		})
	}
}

// TestImportReadsData: a block is decided in the plan walk when its values
// reach a data source, directly or through locals, and nothing the walk
// cannot wait for before planning the resource.
func TestImportReadsData(t *testing.T) {
	for _, tc := range []struct {
		name, imp string
		want      bool
	}{
		{"variables", `to = indigo_file.one
  id = var.files["a"]`, false},
		{"data source", `to = indigo_file.one
  id = data.indigo_file.names.content`, true},
		{"data source through locals", `to = indigo_file.one
  id = local.dir`, true},
		{"for_each from a data source", `for_each = toset([data.indigo_file.names.content])
  to       = indigo_file.f[each.key]
  id       = each.key`, true},
		{"provider key from a data source", `to       = indigo_file.px
  provider = indigo.x[data.indigo_file.names.content]
  id       = "px"`, true},
		{"a managed resource too", `to = indigo_file.one
  id = "${local.dir}${indigo_file.n[0].path}"`, false},
		{"a module output", `to = indigo_file.one
  id = "${local.dir}${module.m.out}"`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := loadSrc(t, "import {\n  "+tc.imp+"\n}\n"+importBase)
			if n := len(cfg.Module.Imports); n != 1 {
				t.Fatalf("%d import blocks", n)
			}
			if got := eval.ImportReadsData(cfg, cfg.Module.Imports[0]); got != tc.want {
				t.Errorf("ImportReadsData = %v, want %v", got, tc.want)
			}
		})
	}
}
