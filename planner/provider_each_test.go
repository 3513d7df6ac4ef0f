package planner_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/planner/plan"
)

// Two instances of one provider configuration (for_each), each with its
// own root: what exists under each root shows which instance did the work.
const providerEach = `
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
  content  = "made by ${each.key}\n"
}

module "m" {
  source    = "./m"
  for_each  = var.roots
  providers = { indigo = indigo.by_root[each.key] }
}
`

const providerEachModule = `
resource "indigo_file" "g" {
  path    = "g.txt"
  content = "module\n"
}
`

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return string(b)
}

func TestProviderForEach(t *testing.T) {
	e := newEnv(t, map[string]string{"main.hcl": providerEach, "m/main.hcl": providerEachModule})
	p := e.plan(planner.Options{})
	want := map[string]string{
		`indigo_file.f["east"]`:          `provider["indigo.dev/builtin/indigo"].by_root["east"]`,
		`indigo_file.f["west"]`:          `provider["indigo.dev/builtin/indigo"].by_root["west"]`,
		`module.m["east"].indigo_file.g`: `provider["indigo.dev/builtin/indigo"].by_root["east"]`,
		`module.m["west"].indigo_file.g`: `provider["indigo.dev/builtin/indigo"].by_root["west"]`,
	}
	for _, c := range p.Changes {
		if c.Action != plan.Create || c.Provider.String() != want[c.Addr.String()] {
			t.Errorf("%s: %v by %s, want create by %s", c.Addr, c.Action, c.Provider, want[c.Addr.String()])
		}
	}
	if len(p.Changes) != len(want) {
		t.Fatalf("plan has %d changes, want %d: %v", len(p.Changes), len(want), actions(p))
	}
	if diags := e.apply(p); diags.HasErrors() {
		t.Fatalf("apply: %s", diagText(diags))
	}
	for _, root := range []string{"east", "west"} {
		if got := readFile(t, filepath.Join(e.dir, root, "f.txt")); got != "made by "+root+"\n" {
			t.Errorf("%s/f.txt: %q", root, got)
		}
		if got := readFile(t, filepath.Join(e.dir, root, "g.txt")); got != "module\n" {
			t.Errorf("%s/g.txt: %q", root, got)
		}
	}
	if _, err := os.Stat(filepath.Join(e.dir, "f.txt")); !os.IsNotExist(err) {
		t.Errorf("f.txt written outside the instances' roots: %v", err)
	}

	// The state records the instance that manages each object.
	m := e.open()
	rs := m.State().Resource(config.AbsResource{Resource: config.ResourceAddr{Mode: config.ManagedMode, Type: "indigo_file", Name: "f"}})
	if rs == nil || rs.Provider.Alias != "by_root" || rs.Provider.Key != nil {
		t.Fatalf("state resource provider: %+v", rs)
	}
	for _, k := range []string{"east", "west"} {
		if got := rs.Instances[config.StringKey(k)].Current.ProviderKey; got != config.StringKey(k) {
			t.Errorf("state: f[%q] managed by instance %v", k, got)
		}
	}
	m.Close(context.Background())

	// Nothing to do the second time.
	if p := e.plan(planner.Options{}); p.Changed() {
		t.Fatalf("second plan has changes: %v", actions(p))
	}

	// Each object is read by its own instance: a file gone from one root
	// is noticed there only.
	if err := os.Remove(filepath.Join(e.dir, "west", "f.txt")); err != nil {
		t.Fatal(err)
	}
	p = e.plan(planner.Options{})
	changed := map[string]plan.Action{}
	for a, act := range actions(p) {
		if act != plan.NoOp {
			changed[a] = act
		}
	}
	if len(changed) != 1 || changed[`indigo_file.f["west"]`] != plan.Create {
		t.Fatalf("plan after removing west/f.txt: %v", changed)
	}
	if diags := e.apply(p); diags.HasErrors() {
		t.Fatalf("apply: %s", diagText(diags))
	}
	readFile(t, filepath.Join(e.dir, "west", "f.txt"))

	// Removing a key whose instance still manages objects is an error at
	// the provider's for_each that says what to do.
	mgr := e.open()
	_, diags := planner.Plan(context.Background(), e.config(), mgr.State(), e.prov, planner.Options{Vars: map[string]cty.Value{"roots": cty.SetVal([]cty.Value{cty.StringVal("east")})}})
	mgr.Close(context.Background())
	if !diags.HasErrors() {
		t.Fatal("plan without the west key succeeded")
	}
	found := false
	for _, d := range diags {
		if d.Summary == "Provider instance still in use" {
			found = true
			if d.Subject == nil || d.Subject.Start.Line != 9 || !strings.Contains(d.Detail, `by_root["west"]`) || !strings.Contains(d.Detail, "remove") {
				t.Errorf("error at %v: %s", d.Subject, d.Detail)
			}
		}
	}
	if !found {
		t.Fatalf("no 'Provider instance still in use' error: %s", diagText(diags))
	}

	// Destroy deletes each object through its own instance.
	p = e.plan(planner.Options{Mode: plan.DestroyMode})
	if len(p.Changes) != 4 {
		t.Fatalf("destroy plan: %v", actions(p))
	}
	if diags := e.apply(p); diags.HasErrors() {
		t.Fatalf("destroy: %s", diagText(diags))
	}
	for _, root := range []string{"east", "west"} {
		for _, f := range []string{"f.txt", "g.txt"} {
			if _, err := os.Stat(filepath.Join(e.dir, root, f)); !os.IsNotExist(err) {
				t.Errorf("%s/%s still there after destroy: %v", root, f, err)
			}
		}
	}
}

// Objects whose resource block is gone are deleted by the instance the
// state records, not by one the configuration would choose.
func TestProviderForEachOrphans(t *testing.T) {
	e := newEnv(t, map[string]string{"main.hcl": providerEach, "m/main.hcl": providerEachModule})
	if diags := e.apply(e.plan(planner.Options{})); diags.HasErrors() {
		t.Fatalf("apply: %s", diagText(diags))
	}
	e.write("main.hcl", `
provider "indigo" {
  alias    = "by_root"
  for_each = toset(["east", "west"])
  root     = "@DIR@/${each.key}"
}
`)
	p := e.plan(planner.Options{})
	for _, c := range p.Changes {
		if c.Action != plan.Delete || c.Provider.Key == nil || !strings.Contains(c.Addr.String(), strings.Trim(c.Provider.Key.String(), `[]"`)) {
			t.Errorf("%s: %v by %s", c.Addr, c.Action, c.Provider)
		}
	}
	if diags := e.apply(p); diags.HasErrors() {
		t.Fatalf("apply: %s", diagText(diags))
	}
	for _, root := range []string{"east", "west"} {
		if _, err := os.Stat(filepath.Join(e.dir, root, "f.txt")); !os.IsNotExist(err) {
			t.Errorf("%s/f.txt still there: %v", root, err)
		}
	}
}

func TestProviderForEachPlanErrors(t *testing.T) {
	for _, tt := range []struct {
		name, src, summary string
		line               int
	}{
		{"unknown for_each", `
resource "indigo_noop" "n" {
  input = "x"
}
provider "indigo" {
  alias    = "by_root"
  for_each = toset([indigo_noop.n.id])
  root     = each.key
}
resource "indigo_noop" "m" {
  provider = indigo.by_root["x"]
}
`, "Invalid for_each argument", 7},
		{"missing key", `
provider "indigo" {
  alias    = "by_root"
  for_each = toset(["a"])
  root     = "@DIR@/${each.key}"
}
resource "indigo_noop" "m" {
  for_each = toset(["a", "b"])
  provider = indigo.by_root[each.key]
  input    = each.key
}
`, "Provider instance not found", 9},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantPlanError(t, tt.src, tt.summary, tt.line)
		})
	}
}

// Sites use instances of one provider configuration: a team declares its
// sites' providers with one for_each, and a deployment placed on a site
// is created by that site's instance.
func TestSiteProviderInstance(t *testing.T) {
	e := newEnv(t, map[string]string{"main.hcl": `
locals {
  sites = { cnaf = "IT", desy = "DE" }
}

provider "indigo" {
  alias    = "by_site"
  for_each = local.sites
  root     = "@DIR@/${each.key}"
}

site "cnaf" {
  kind     = "local"
  location = local.sites["cnaf"]
  provider = indigo.by_site["cnaf"]
}

site "desy" {
  kind     = "local"
  location = local.sites["desy"]
  provider = indigo.by_site["desy"]
}

deployment "app" {
  placement {
    sites   = [site.cnaf, site.desy]
    require = { location = "DE" }
  }
  resource "indigo_file" "f" {
    path    = "app.txt"
    content = "app\n"
  }
}
`})
	p := e.plan(planner.Options{})
	if len(p.Changes) != 1 || p.Changes[0].Provider.Key != config.StringKey("desy") {
		t.Fatalf("plan: %v", p.Changes)
	}
	if diags := e.apply(p); diags.HasErrors() {
		t.Fatalf("apply: %s", diagText(diags))
	}
	if got := readFile(t, filepath.Join(e.dir, "desy", "app.txt")); got != "app\n" {
		t.Errorf("desy/app.txt: %q", got)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "cnaf", "app.txt")); !os.IsNotExist(err) {
		t.Errorf("cnaf/app.txt: %v", err)
	}
	if p := e.plan(planner.Options{}); p.Changed() {
		t.Fatalf("second plan has changes: %v", actions(p))
	}
	if diags := e.apply(e.plan(planner.Options{Mode: plan.DestroyMode})); diags.HasErrors() {
		t.Fatalf("destroy: %s", diagText(diags))
	}
	if _, err := os.Stat(filepath.Join(e.dir, "desy", "app.txt")); !os.IsNotExist(err) {
		t.Errorf("desy/app.txt after destroy: %v", err)
	}
}

// An object whose resource now chooses another instance of its provider is
// not read or updated through the new one (which would look under another
// root and leave the object behind): planning stops at the provider
// argument, and choosing the old instance again plans nothing.
func TestProviderForEachInstanceChanged(t *testing.T) {
	src := `
provider "indigo" {
  alias    = "by_root"
  for_each = toset(["east", "west"])
  root     = "@DIR@/${each.key}"
}

resource "indigo_file" "f" {
  provider = indigo.by_root[@KEY@]
  path     = "f.txt"
  content  = "@CONTENT@\n"
}
`
	cfg := func(key, content string) string {
		return strings.NewReplacer("@KEY@", key, "@CONTENT@", content).Replace(src)
	}
	e := newEnv(t, map[string]string{"main.hcl": cfg(`"east"`, "one")})
	if diags := e.apply(e.plan(planner.Options{})); diags.HasErrors() {
		t.Fatalf("apply: %s", diagText(diags))
	}
	e.write("main.hcl", cfg(`"west"`, "two"))
	for _, mode := range []plan.Mode{plan.NormalMode, plan.RefreshOnlyMode} {
		m := e.open()
		_, diags := planner.Plan(context.Background(), e.config(), m.State(), e.prov, planner.Options{Mode: mode})
		m.Close(context.Background())
		found := false
		for _, d := range diags {
			if d.Summary == "Provider instance changed" {
				found = true
				if d.Subject == nil || d.Subject.Start.Line != 9 || !strings.Contains(d.Detail, `by_root["east"]`) || !strings.Contains(d.Detail, `by_root["west"]`) {
					t.Errorf("mode %v: error at %v: %s", mode, d.Subject, d.Detail)
				}
			}
		}
		if !found {
			t.Fatalf("mode %v: no 'Provider instance changed' error: %s", mode, diagText(diags))
		}
	}
	if _, err := os.Stat(filepath.Join(e.dir, "west", "f.txt")); !os.IsNotExist(err) {
		t.Errorf("west/f.txt was written: %v", err)
	}
	if got := readFile(t, filepath.Join(e.dir, "east", "f.txt")); got != "one\n" {
		t.Errorf("east/f.txt: %q", got)
	}

	// The old instance, chosen again, still manages the object.
	e.write("main.hcl", cfg(`"east"`, "two"))
	p := e.plan(planner.Options{})
	if got := actions(p); len(got) != 1 || got[`indigo_file.f`] != plan.Update {
		t.Fatalf("plan with the old instance: %v", got)
	}
	if diags := e.apply(p); diags.HasErrors() {
		t.Fatalf("apply: %s", diagText(diags))
	}
	if got := readFile(t, filepath.Join(e.dir, "east", "f.txt")); got != "two\n" {
		t.Errorf("east/f.txt: %q", got)
	}

	// Another configuration altogether takes the object over, as a
	// changed provider argument does without for_each.
	e.write("main.hcl", strings.Replace(cfg(`"west"`, "two"), "by_root[", "other[", 1)+`
provider "indigo" {
  alias    = "other"
  for_each = toset(["west"])
  root     = "@DIR@/other"
}
`)
	m := e.open()
	_, diags := planner.Plan(context.Background(), e.config(), m.State(), e.prov, planner.Options{})
	m.Close(context.Background())
	if diags.HasErrors() {
		t.Fatalf("plan with another provider configuration: %s", diagText(diags))
	}
}

// An object recorded before its provider configuration had for_each has no
// instance key. Deleting it once its resource is gone must not guess an
// instance (which would read, and delete, under another root): planning
// stops at the for_each and says how to record the instance; declaring the
// resource again with its instance adopts it, and then it is deleted there.
func TestProviderForEachUnrecordedInstance(t *testing.T) {
	e := newEnv(t, map[string]string{"main.hcl": `
provider "indigo" {
  alias = "by_root"
  root  = "@DIR@/west"
}
resource "indigo_file" "f" {
  provider = indigo.by_root
  path     = "f.txt"
  content  = "x\n"
}
`})
	if diags := e.apply(e.plan(planner.Options{})); diags.HasErrors() {
		t.Fatalf("apply: %s", diagText(diags))
	}
	const each = `
provider "indigo" {
  alias    = "by_root"
  for_each = toset(["east", "west"])
  root     = "@DIR@/${each.key}"
}
`
	e.write("main.hcl", each)
	// A file of the same name under the first instance's root.
	if err := os.MkdirAll(filepath.Join(e.dir, "east"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.dir, "east", "f.txt"), []byte("not indigo's\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := e.open()
	_, diags := planner.Plan(context.Background(), e.config(), m.State(), e.prov, planner.Options{})
	m.Close(context.Background())
	found := false
	for _, d := range diags {
		if d.Summary == "Provider instance not recorded" {
			found = true
			if d.Subject == nil || d.Subject.Start.Line != 4 || !strings.Contains(d.Detail, "indigo_file.f") || !strings.Contains(d.Detail, `"west"`) {
				t.Errorf("error at %v: %s", d.Subject, d.Detail)
			}
		}
	}
	if !found {
		t.Fatalf("no 'Provider instance not recorded' error: %s", diagText(diags))
	}

	// Declared again with its instance: adopted, nothing to change.
	e.write("main.hcl", each+`
resource "indigo_file" "f" {
  provider = indigo.by_root["west"]
  path     = "f.txt"
  content  = "x\n"
}
`)
	e.applyOK(e.plan(planner.Options{}))
	m = e.open()
	obj := m.State().ResourceInstance(config.AbsResource{Resource: config.ResourceAddr{Mode: config.ManagedMode, Type: "indigo_file", Name: "f"}}.Instance(config.NoKey))
	m.Close(context.Background())
	if obj == nil || obj.ProviderKey != config.StringKey("west") {
		t.Fatalf("adopted object: %+v", obj)
	}
	e.write("main.hcl", each)
	e.applyOK(e.plan(planner.Options{}))
	if _, err := os.Stat(filepath.Join(e.dir, "west", "f.txt")); !os.IsNotExist(err) {
		t.Errorf("west/f.txt not deleted: %v", err)
	}
	if got := readFile(t, filepath.Join(e.dir, "east", "f.txt")); got != "not indigo's\n" {
		t.Errorf("east/f.txt: %q", got)
	}
}
