package planner_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/planner/plan"
)

const importEach = siteProvider + `
variable "files" {
  type    = map(string)
  default = { a = "a.txt", b = "b.txt" }
}
locals {
  objs = [{ name = "c", path = "c.txt" }, { name = "d", path = "d.txt" }]
}
resource "indigo_file" "f" {
  for_each = var.files
  path     = each.value
  content  = "by hand ${each.key}"
}
resource "indigo_file" "g" {
  for_each = { for o in local.objs : o.name => o.path }
  path     = each.value
  content  = "by hand ${each.key}"
}
module "m" {
  source   = "./m"
  for_each = toset(["x", "y"])
  name     = each.key
}
import {
  for_each = var.files
  to       = indigo_file.f[each.key]
  id       = each.value
}
import {
  for_each = local.objs
  to       = indigo_file.g[each.value.name]
  id       = each.value.path
}
import {
  for_each = toset(["x", "y"])
  to       = module.m[each.key].indigo_file.h
  id       = "m-${each.key}.txt"
}
`

const importEachModule = `
variable "name" {
  type = string
}
resource "indigo_file" "h" {
  path    = "m-${var.name}.txt"
  content = "by hand ${var.name}"
}
`

// TestImportForEach: import blocks with for_each (over a map, a list of
// objects, and a set into module call instances) adopt existing objects:
// the plan shows them as imports, the apply records them without changing
// them, and the next plan has nothing to do.
func TestImportForEach(t *testing.T) {
	e := newEnv(t, map[string]string{"main.hcl": importEach, "m/main.hcl": importEachModule})
	site := filepath.Join(e.dir, "site")
	if err := os.MkdirAll(site, 0o755); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		`indigo_file.f["a"]`:          "a.txt",
		`indigo_file.f["b"]`:          "b.txt",
		`indigo_file.g["c"]`:          "c.txt",
		`indigo_file.g["d"]`:          "d.txt",
		`module.m["x"].indigo_file.h`: "m-x.txt",
		`module.m["y"].indigo_file.h`: "m-y.txt",
	}
	for _, f := range []string{"a", "b", "c", "d"} {
		os.WriteFile(filepath.Join(site, f+".txt"), []byte("by hand "+f), 0o644)
	}
	for _, f := range []string{"x", "y"} {
		os.WriteFile(filepath.Join(site, "m-"+f+".txt"), []byte("by hand "+f), 0o644)
	}
	p := e.plan(planner.Options{})
	for _, c := range p.Changes {
		id, ok := want[c.Addr.String()]
		if !ok {
			t.Errorf("unexpected change %s %v", c.Addr, c.Action)
			continue
		}
		if c.Importing == nil || c.Importing.ID != id || c.Action != plan.NoOp {
			t.Errorf("%s: %v importing %+v, want an import by %q with no change", c.Addr, c.Action, c.Importing, id)
		}
	}
	if len(p.Changes) != len(want) {
		t.Fatalf("plan has %d changes, want %d: %v", len(p.Changes), len(want), actions(p))
	}
	e.applyOK(p)
	m := e.open()
	st := m.State()
	m.Close(context.Background())
	for addr := range want {
		if st.ResourceInstance(mustAddr(t, addr)) == nil {
			t.Errorf("%s is not in the state", addr)
		}
	}
	for _, f := range []string{"a", "b", "c", "d"} {
		if got := e.read(f + ".txt"); got != "by hand "+f {
			t.Errorf("%s.txt changed by the import: %q", f, got)
		}
	}
	p = e.plan(planner.Options{})
	if p.Changed() {
		t.Fatalf("second plan has changes: %v", actions(p))
	}
	for _, c := range p.Changes {
		if c.Importing != nil {
			t.Errorf("%s imported again", c.Addr)
		}
	}
	// The state follows the objects: a changed file is drift.
	os.WriteFile(filepath.Join(site, "b.txt"), []byte("changed"), 0o644)
	if got := actions(e.plan(planner.Options{}))[`indigo_file.f["b"]`]; got != plan.Update {
		t.Errorf("changed b.txt: %v, want update", got)
	}
}

// importEachProviders imports the objects of a resource whose instances
// are managed by instances of a provider configuration with for_each; the
// import names the provider instance.
const importEachProviders = `
variable "roots" {
  type    = set(string)
  default = ["east", "west"]
}
provider "indigo" {
  alias    = "by_root"
  for_each = var.roots
  root     = "@DIR@/${each.key}"
}
resource "indigo_file" "f" {
  for_each = var.roots
  provider = indigo.by_root[each.key]
  path     = "f.txt"
  content  = "by hand ${each.key}"
}
import {
  for_each = var.roots
  to       = indigo_file.f[each.key]
  provider = @PROVIDER@
  id       = "f.txt"
}
`

// TestImportProviderInstance: the import's provider must be the instance
// the resource chooses for the object; that one does the import, and
// another is an error at the import's provider naming both.
func TestImportProviderInstance(t *testing.T) {
	e := newEnv(t, map[string]string{"main.hcl": strings.ReplaceAll(importEachProviders, "@PROVIDER@", `indigo.by_root["east"]`)})
	for _, r := range []string{"east", "west"} {
		os.MkdirAll(filepath.Join(e.dir, r), 0o755)
		os.WriteFile(filepath.Join(e.dir, r, "f.txt"), []byte("by hand "+r), 0o644)
	}
	m := e.open()
	_, diags := planner.Plan(context.Background(), e.config(), m.State(), e.prov, planner.Options{})
	m.Close(context.Background())
	var found *hcl.Diagnostic
	for _, d := range diags {
		if d.Summary == "Import provider is not the resource's" {
			found = d
		}
	}
	if found == nil {
		t.Fatalf("want the mismatch refused, got %s", diagText(diags))
	}
	if found.Subject == nil || found.Subject.Start.Line != 20 || !strings.Contains(found.Detail, `by_root["east"]`) || !strings.Contains(found.Detail, `by_root["west"]`) || !strings.Contains(found.Detail, `indigo_file.f["west"]`) {
		t.Errorf("mismatch at %v: %s", found.Subject, found.Detail)
	}

	e.write("main.hcl", strings.ReplaceAll(importEachProviders, "@PROVIDER@", `indigo.by_root[each.key]`))
	p := e.plan(planner.Options{})
	for _, c := range p.Changes {
		if c.Importing == nil || c.Action != plan.NoOp {
			t.Errorf("%s: %v importing %+v", c.Addr, c.Action, c.Importing)
		}
	}
	if len(p.Changes) != 2 {
		t.Fatalf("plan: %v", actions(p))
	}
	e.applyOK(p)
	if p := e.plan(planner.Options{}); p.Changed() {
		t.Fatalf("second plan has changes: %v", actions(p))
	}
	// Each object was read by its own instance: removing west's file is
	// noticed for west only.
	os.Remove(filepath.Join(e.dir, "west", "f.txt"))
	got := actions(e.plan(planner.Options{}))
	if got[`indigo_file.f["west"]`] != plan.Create || got[`indigo_file.f["east"]`] != plan.NoOp {
		t.Errorf("after removing west/f.txt: %v", got)
	}
}

// TestImportPlanErrors: what only the plan can tell is reported at the
// import block's argument that causes it: a value not known when planning
// (from a managed resource, or a data source read only at apply), a data
// source that depends on the resource imported into, an instance the
// configuration does not make, or an instance another block imports into
// (found when the data sources are read).
func TestImportPlanErrors(t *testing.T) {
	const base = siteProvider + `
resource "indigo_file" "src" {
  path    = "src.txt"
  content = "x"
}
resource "indigo_file" "f" {
  for_each = toset(["a", "b"])
  path     = "${each.key}.txt"
  content  = each.key
}
data "indigo_file" "late" {
  path       = "src.txt"
  depends_on = [indigo_file.src]
}
data "indigo_file" "name" {
  path = "name.txt"
}
data "indigo_file" "of_f" {
  path = indigo_file.f["b"].path
}
`
	for _, tc := range []struct{ name, imp, summary string }{
		{"for_each from a resource", `import {
  for_each = toset([indigo_file.src.id])
  to       = indigo_file.f[each.key]
  id       = each.key
}`, "Import for_each not known"},
		{"id from a resource", `import {
  for_each = { a = indigo_file.src.id }
  to       = indigo_file.f[each.key]
  id       = each.value
}`, "Import id not known"},
		{"instance not made", `import {
  for_each = toset(["a", "zz"])
  to       = indigo_file.f[each.key]
  id       = "${each.key}.txt"
}`, "Import into an instance the configuration does not make"},
		{"id from a data source of its resource", `import {
  to = indigo_file.f["a"]
  id = data.indigo_file.of_f.content
}`, "Import reads what depends on its resource"},
		{"id from a data source read at apply", `import {
  to = indigo_file.f["a"]
  id = data.indigo_file.late.content
}`, "Import id not known"},
		{"for_each from a data source read at apply", `import {
  for_each = toset([data.indigo_file.late.content])
  to       = indigo_file.f["a"]
  id       = each.key
}`, "Import for_each not known"},
		{"instance not made, keys from a data source", `import {
  for_each = toset([trimspace(data.indigo_file.name.content), "zz"])
  to       = indigo_file.f[each.key]
  id       = "${each.key}.txt"
}`, "Import into an instance the configuration does not make"},
		{"duplicate of a static import", `import {
  for_each = toset([trimspace(data.indigo_file.name.content)])
  to       = indigo_file.f[each.key]
  id       = "${each.key}.txt"
}
import {
  to = indigo_file.f["a"]
  id = "a.txt"
}`, "Duplicate import address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, map[string]string{"main.hcl": tc.imp + base})
			os.MkdirAll(filepath.Join(e.dir, "site"), 0o755)
			for _, f := range []string{"a", "zz"} {
				os.WriteFile(filepath.Join(e.dir, "site", f+".txt"), []byte(f), 0o644)
			}
			os.WriteFile(filepath.Join(e.dir, "site", "name.txt"), []byte("a\n"), 0o644)
			m := e.open()
			defer m.Close(context.Background())
			_, diags := planner.Plan(context.Background(), e.config(), m.State(), e.prov, planner.Options{})
			var found *hcl.Diagnostic
			for _, d := range diags {
				if d.Severity == hcl.DiagError && d.Summary == tc.summary {
					found = d
				}
			}
			if found == nil {
				t.Fatalf("want %q, got %s", tc.summary, diagText(diags))
			}
			if found.Subject == nil || found.Subject.Start.Line < 2 || found.Subject.Start.Line > 4 {
				t.Errorf("%q at %v, want a line of the import block", tc.summary, found.Subject)
			}
		})
	}
}

// importFromData imports objects whose id and for_each come from a data
// source (through a local for the id), as Terraform and OpenTofu allow:
// the import blocks are evaluated when the walk has read the data source.
const importFromData = siteProvider + `
data "indigo_file" "names" {
  path = "names.txt"
}
locals {
  names = split(",", trimspace(data.indigo_file.names.content))
}
resource "indigo_file" "one" {
  path    = "one.txt"
  content = "by hand one"
}
resource "indigo_file" "f" {
  for_each = toset(["a", "b"])
  path     = "${each.key}.txt"
  content  = "by hand ${each.key}"
}
import {
  to = indigo_file.one
  id = "${local.names[0]}.txt"
}
import {
  for_each = toset(slice(local.names, 1, length(local.names)))
  to       = indigo_file.f[each.key]
  id       = "${each.key}.txt"
}
data "indigo_file" "mods" {
  path = "mods.txt"
}
module "m" {
  source   = "./m"
  for_each = toset(["x"])
  name     = each.key
}
import {
  for_each = toset([trimspace(data.indigo_file.mods.content)])
  to       = module.m[each.key].indigo_file.h
  id       = "m-${each.key}.txt"
}
`

// TestImportFromData: import blocks whose id and for_each read a data
// source import what it names, also into a module's resource; the apply records the objects and the
// next plan has nothing to do.
func TestImportFromData(t *testing.T) {
	e := newEnv(t, map[string]string{"main.hcl": importFromData, "m/main.hcl": importEachModule})
	site := filepath.Join(e.dir, "site")
	os.MkdirAll(site, 0o755)
	os.WriteFile(filepath.Join(site, "names.txt"), []byte("one,a,b\n"), 0o644)
	os.WriteFile(filepath.Join(site, "mods.txt"), []byte("x\n"), 0o644)
	for _, f := range []string{"one", "a", "b"} {
		os.WriteFile(filepath.Join(site, f+".txt"), []byte("by hand "+f), 0o644)
	}
	os.WriteFile(filepath.Join(site, "m-x.txt"), []byte("by hand x"), 0o644)
	// A targeted plan reads the data source the import needs.
	p := e.plan(planner.Options{Targets: []string{"indigo_file.one"}})
	var imported []string
	for _, c := range p.Changes {
		if c.Importing != nil {
			imported = append(imported, c.Addr.String()+" by "+c.Importing.ID)
		}
	}
	if len(imported) != 1 || imported[0] != "indigo_file.one by one.txt" {
		t.Errorf("targeted plan imports %v, want indigo_file.one by one.txt", imported)
	}
	want := map[string]string{`indigo_file.one`: "one.txt", `indigo_file.f["a"]`: "a.txt", `indigo_file.f["b"]`: "b.txt", `module.m["x"].indigo_file.h`: "m-x.txt"}
	p = e.plan(planner.Options{})
	for _, c := range p.Changes {
		if c.Addr.Resource.Mode != config.ManagedMode {
			continue
		}
		id, ok := want[c.Addr.String()]
		if !ok {
			t.Errorf("unexpected change %s %v", c.Addr, c.Action)
			continue
		}
		if c.Importing == nil || c.Importing.ID != id || c.Action != plan.NoOp {
			t.Errorf("%s: %v importing %+v, want an import by %q with no change", c.Addr, c.Action, c.Importing, id)
		}
		delete(want, c.Addr.String())
	}
	if len(want) > 0 {
		t.Fatalf("not planned: %v (plan %v)", want, actions(p))
	}
	e.applyOK(p)
	m := e.open()
	st := m.State()
	m.Close(context.Background())
	for _, addr := range []string{`indigo_file.one`, `indigo_file.f["a"]`, `indigo_file.f["b"]`, `module.m["x"].indigo_file.h`} {
		if st.ResourceInstance(mustAddr(t, addr)) == nil {
			t.Errorf("%s is not in the state", addr)
		}
	}
	p = e.plan(planner.Options{})
	if p.Changed() {
		t.Fatalf("second plan has changes: %v", actions(p))
	}
	for _, c := range p.Changes {
		if c.Importing != nil {
			t.Errorf("%s imported again", c.Addr)
		}
	}
}
