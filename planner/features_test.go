package planner_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/local"
)

const siteProvider = `
provider "indigo" {
  root = "site"
}
`

func (e *env) applyOK(p *plan.Plan) {
	e.t.Helper()
	if d := e.apply(p); d.HasErrors() {
		e.t.Fatalf("apply: %s", diagText(d))
	}
}

func (e *env) exists(rel string) bool {
	_, err := os.Stat(filepath.Join(e.dir, "site", rel))
	return err == nil
}

func (e *env) read(rel string) string {
	b, _ := os.ReadFile(filepath.Join(e.dir, "site", rel))
	return string(b)
}

func TestCountShrinkDeletesExtraInstances(t *testing.T) {
	e := newEnv(t, map[string]string{"main.hcl": siteProvider + `
variable "n" {
  type    = number
  default = 3
}
resource "indigo_file" "f" {
  count   = var.n
  path    = "f${count.index}.txt"
  content = "x"
}
`})
	e.applyOK(e.plan(planner.Options{}))
	if !e.exists("f2.txt") {
		t.Fatal("f2.txt not created")
	}
	p := e.plan(planner.Options{Vars: map[string]cty.Value{"n": cty.NumberIntVal(1)}})
	for _, c := range p.Changes {
		switch c.Addr.String() {
		case "indigo_file.f[1]", "indigo_file.f[2]":
			if c.Action != plan.Delete || c.Reason != plan.ReasonCountIndex {
				t.Errorf("%s: %v (%s), want delete because of the count", c.Addr, c.Action, c.Reason)
			}
		case "indigo_file.f[0]":
			if c.Action != plan.NoOp {
				t.Errorf("f[0]: %v", c.Action)
			}
		}
	}
	e.applyOK(p)
	if e.exists("f1.txt") || e.exists("f2.txt") || !e.exists("f0.txt") {
		t.Fatal("files after shrinking the count are wrong")
	}
}

func TestForEachAndModules(t *testing.T) {
	e := newEnv(t, map[string]string{
		"main.hcl": siteProvider + `
module "team" {
  source   = "./team"
  for_each = toset(["alpha", "beta"])
  name     = each.key
}
output "paths" {
  value = { for k, m in module.team : k => m.path }
}
`,
		"team/main.hcl": `
variable "name" {
  type = string
}
resource "indigo_file" "readme" {
  path    = "teams/${var.name}.txt"
  content = "team ${var.name}\n"
}
output "path" {
  value = indigo_file.readme.path
}
`})
	p := e.plan(planner.Options{})
	got := actions(p)
	for _, a := range []string{`module.team["alpha"].indigo_file.readme`, `module.team["beta"].indigo_file.readme`} {
		if got[a] != plan.Create {
			t.Errorf("%s: %v (all %v)", a, got[a], got)
		}
	}
	e.applyOK(p)
	if e.read("teams/beta.txt") != "team beta\n" {
		t.Fatalf("module instance file: %q", e.read("teams/beta.txt"))
	}
	m := e.open()
	defer m.Close(context.Background())
	if o := m.State().Outputs["paths"]; o == nil || !strings.Contains(string(o.Value), "teams/alpha.txt") {
		t.Fatalf("output from module instances: %+v", o)
	}
}

func TestCreateBeforeDestroyAndPreventDestroy(t *testing.T) {
	e := newEnv(t, map[string]string{"main.hcl": siteProvider + `
variable "name" {
  type    = string
  default = "one"
}
resource "indigo_file" "f" {
  path    = "${var.name}.txt"
  content = "x"
  lifecycle {
    create_before_destroy = true
  }
}
`})
	e.applyOK(e.plan(planner.Options{}))
	p := e.plan(planner.Options{Vars: map[string]cty.Value{"name": cty.StringVal("two")}})
	if c := p.Change(mustAddr(t, "indigo_file.f")); c == nil || c.Action != plan.CreateThenDelete {
		t.Fatalf("changing the path with create_before_destroy: %+v", c)
	}
	e.applyOK(p)
	if e.exists("one.txt") || !e.exists("two.txt") {
		t.Fatal("after create-then-delete the old file must be gone and the new one there")
	}
	e.write("main.hcl", siteProvider+`
resource "indigo_file" "f" {
  path    = "two.txt"
  content = "x"
  lifecycle {
    prevent_destroy = true
  }
}
`)
	m := e.open()
	_, diags := planner.Plan(nilCtx(), e.config(), m.State(), e.prov, planner.Options{Mode: plan.DestroyMode})
	m.Close(context.Background())
	if !diags.HasErrors() || !strings.Contains(diagText(diags), "prevent_destroy") {
		t.Fatalf("destroying a prevent_destroy resource must fail: %s", diagText(diags))
	}
}

func TestIgnoreChangesAndDrift(t *testing.T) {
	e := newEnv(t, map[string]string{"main.hcl": siteProvider + `
resource "indigo_file" "kept" {
  path    = "kept.txt"
  content = "from config"
  lifecycle {
    ignore_changes = [content]
  }
}
resource "indigo_file" "watched" {
  path    = "watched.txt"
  content = "from config"
}
`})
	e.applyOK(e.plan(planner.Options{}))
	os.WriteFile(filepath.Join(e.dir, "site", "kept.txt"), []byte("edited"), 0o644)
	os.Remove(filepath.Join(e.dir, "site", "watched.txt"))
	p := e.plan(planner.Options{})
	got := actions(p)
	if got["indigo_file.watched"] != plan.Create {
		t.Errorf("a file deleted outside is created again: %v", got["indigo_file.watched"])
	}
	if got["indigo_file.kept"] != plan.NoOp {
		t.Errorf("ignore_changes keeps the edited content: %v", got["indigo_file.kept"])
	}
	if len(p.Drift) == 0 {
		t.Errorf("the drift is reported")
	}
	// Without refresh, nothing is noticed.
	p = e.plan(planner.Options{SkipRefresh: true})
	if p.Changed() {
		t.Errorf("-refresh=false must not notice the drift: %v", actions(p))
	}
}

func TestReplaceTriggeredByAndReplaceFlag(t *testing.T) {
	e := newEnv(t, map[string]string{"main.hcl": siteProvider + `
variable "v" {
  type    = string
  default = "1"
}
resource "indigo_noop" "version" {
  input = var.v
}
resource "indigo_file" "f" {
  path    = "f.txt"
  content = "stable"
  lifecycle {
    replace_triggered_by = [indigo_noop.version]
  }
}
resource "indigo_file" "g" {
  path    = "g.txt"
  content = "stable"
}
`})
	e.applyOK(e.plan(planner.Options{}))
	p := e.plan(planner.Options{Vars: map[string]cty.Value{"v": cty.StringVal("2")}})
	if c := p.Change(mustAddr(t, "indigo_file.f")); c == nil || !c.Action.IsReplace() || c.Reason != plan.ReasonReplaceTriggered {
		t.Fatalf("replace_triggered_by: %+v", c)
	}
	p = e.plan(planner.Options{Replace: []config.InstanceAddr{mustAddr(t, "indigo_file.g")}})
	if c := p.Change(mustAddr(t, "indigo_file.g")); c == nil || !c.Action.IsReplace() || c.Reason != plan.ReasonRequested {
		t.Fatalf("-replace: %+v", c)
	}
}

func TestMovedAndImportBlocks(t *testing.T) {
	e := newEnv(t, map[string]string{"main.hcl": siteProvider + `
resource "indigo_file" "old" {
  path    = "a.txt"
  content = "a"
}
`})
	e.applyOK(e.plan(planner.Options{}))
	os.WriteFile(filepath.Join(e.dir, "site", "existing.txt"), []byte("made by hand"), 0o644)
	e.write("main.hcl", siteProvider+`
resource "indigo_file" "new" {
  path    = "a.txt"
  content = "a"
}
moved {
  from = indigo_file.old
  to   = indigo_file.new
}
resource "indigo_file" "adopted" {
  path    = "existing.txt"
  content = "made by hand"
}
import {
  to = indigo_file.adopted
  id = "existing.txt"
}
`)
	p := e.plan(planner.Options{})
	c := p.Change(mustAddr(t, "indigo_file.new"))
	if c == nil || c.Action != plan.NoOp || c.PrevAddr.String() != "indigo_file.old" {
		t.Fatalf("moved: %+v", c)
	}
	if c := p.Change(mustAddr(t, "indigo_file.adopted")); c == nil || c.Importing == nil || c.Action != plan.NoOp {
		t.Fatalf("import: %+v", c)
	}
	e.applyOK(p)
	m := e.open()
	st := m.State()
	m.Close(context.Background())
	if st.ResourceInstance(mustAddr(t, "indigo_file.old")) != nil || st.ResourceInstance(mustAddr(t, "indigo_file.new")) == nil {
		t.Fatal("the move is not recorded")
	}
	if st.ResourceInstance(mustAddr(t, "indigo_file.adopted")) == nil {
		t.Fatal("the import is not recorded")
	}
	if e.read("existing.txt") != "made by hand" {
		t.Fatal("import must not change the object")
	}
}

func TestTargetAndVariableValidation(t *testing.T) {
	e := newEnv(t, map[string]string{"main.hcl": siteProvider + `
variable "size" {
  type    = number
  default = 1
  validation {
    condition     = var.size <= 10
    error_message = "size is at most 10."
  }
}
resource "indigo_file" "a" {
  path    = "a.txt"
  content = "a"
}
resource "indigo_file" "b" {
  path    = "b.txt"
  content = indigo_file.a.content
}
resource "indigo_file" "c" {
  path    = "c.txt"
  content = "${var.size}"
}
`})
	p := e.plan(planner.Options{Targets: []string{"indigo_file.b"}})
	got := actions(p)
	if got["indigo_file.a"] != plan.Create || got["indigo_file.b"] != plan.Create {
		t.Errorf("the target and what it depends on: %v", got)
	}
	if _, ok := got["indigo_file.c"]; ok {
		t.Errorf("an untargeted resource is planned: %v", got)
	}
	m := e.open()
	_, diags := planner.Plan(nilCtx(), e.config(), m.State(), e.prov, planner.Options{Vars: map[string]cty.Value{"size": cty.NumberIntVal(11)}})
	m.Close(context.Background())
	if !diags.HasErrors() || !strings.Contains(diagText(diags), "size is at most 10.") {
		t.Fatalf("validation: %s", diagText(diags))
	}
}

func TestDataSourceAndSensitiveValues(t *testing.T) {
	e := newEnv(t, map[string]string{"main.hcl": siteProvider + `
variable "secret" {
  type      = string
  sensitive = true
  default   = "hunter2"
}
resource "indigo_file" "src" {
  path    = "src.txt"
  content = "read me"
}
data "indigo_file" "src" {
  path       = "src.txt"
  depends_on = [indigo_file.src]
}
resource "indigo_file" "copy" {
  path    = "copy.txt"
  content = data.indigo_file.src.content
}
resource "indigo_file" "secret" {
  path              = "secret.txt"
  sensitive_content = var.secret
}
output "secret" {
  value     = var.secret
  sensitive = true
}
`})
	p := e.plan(planner.Options{})
	if c := p.Change(mustAddr(t, "data.indigo_file.src")); c == nil || c.Action != plan.Read {
		t.Fatalf("a data source depending on a pending create is read at apply: %+v", c)
	}
	sec := p.Change(mustAddr(t, "indigo_file.secret"))
	if sec == nil || !marks.Contains(sec.After, marks.Sensitive) {
		t.Fatalf("sensitive content stays marked in the plan: %+v", sec)
	}
	e.applyOK(p)
	if e.read("copy.txt") != "read me" {
		t.Fatalf("data source value: %q", e.read("copy.txt"))
	}
	b, _ := os.ReadFile(filepath.Join(e.dir, "indigo.state"))
	if !strings.Contains(string(b), "sensitive") {
		t.Fatal("the state records which attributes are sensitive")
	}
	p = e.plan(planner.Options{})
	if p.Changed() {
		t.Fatalf("second plan: %v", actions(p))
	}
}

func mustAddr(t *testing.T, s string) config.InstanceAddr {
	t.Helper()
	a, diags := config.ParseInstanceAddr(s)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return a
}

// TestStaleCheckOnlyForSavedPlans: a plan applied in the same run (lock
// held) goes through even when the state's periodic snapshot bumped the
// serial meanwhile; a saved plan is refused when the state changed.
func TestStaleCheckOnlyForSavedPlans(t *testing.T) {
	e := newEnv(t, map[string]string{"main.hcl": siteProvider + `
resource "indigo_noop" "a" {
  input = "x"
}
`})
	m, err := state.Open(context.Background(), local.New(filepath.Join(e.dir, "indigo.state")), state.OpenOptions{FlushInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	p, diags := planner.Plan(context.Background(), e.config(), m.State(), e.prov, planner.Options{})
	if diags.HasErrors() {
		t.Fatal(diagText(diags))
	}
	// Something the run itself records, and a periodic snapshot.
	m.SetOutput(context.Background(), "marker", &state.Output{Value: []byte(`"x"`), Type: []byte(`"string"`)})
	for i := 0; i < 100 && m.State().Serial == p.PriorSerial; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if m.State().Serial == p.PriorSerial {
		t.Fatal("the periodic snapshot did not happen")
	}
	if d := planner.Apply(context.Background(), e.config(), p, m, e.prov, planner.Options{Saved: true}, nil); !d.HasErrors() || !strings.Contains(diagText(d), "stale") {
		t.Fatalf("a saved plan over a changed state must be refused: %s", diagText(d))
	}
	if d := planner.Apply(context.Background(), e.config(), p, m, e.prov, planner.Options{}, nil); d.HasErrors() {
		t.Fatalf("a plan of this run must apply: %s", diagText(d))
	}
}

// TestRefreshOnly: a refresh-only plan changes nothing in the world; its
// apply records what exists now.
func TestRefreshOnly(t *testing.T) {
	e := newEnv(t, map[string]string{"main.hcl": siteProvider + `
resource "indigo_file" "a" {
  path    = "a.txt"
  content = "config"
}
resource "indigo_file" "b" {
  path    = "b.txt"
  content = "config"
}
`})
	e.applyOK(e.plan(planner.Options{}))
	os.WriteFile(filepath.Join(e.dir, "site", "a.txt"), []byte("edited"), 0o644)
	os.Remove(filepath.Join(e.dir, "site", "b.txt"))
	p := e.plan(planner.Options{Mode: plan.RefreshOnlyMode})
	if p.Changed() || !p.Applyable || len(p.Drift) != 2 {
		t.Fatalf("refresh-only plan: changed %v, applyable %v, drift %d", p.Changed(), p.Applyable, len(p.Drift))
	}
	e.applyOK(p)
	if e.read("a.txt") != "edited" || e.exists("b.txt") {
		t.Fatal("a refresh-only apply must not touch the files")
	}
	m := e.open()
	st := m.State()
	m.Close(context.Background())
	if st.ResourceInstance(mustAddr(t, "indigo_file.b")) != nil {
		t.Fatal("the deleted file is still recorded")
	}
	if a := st.ResourceInstance(mustAddr(t, "indigo_file.a")); a == nil || !strings.Contains(string(a.AttrsJSON), "edited") {
		t.Fatalf("the edited file is not recorded as it is: %+v", a)
	}
	// A normal plan now wants to put the configuration back.
	got := actions(e.plan(planner.Options{}))
	if got["indigo_file.a"] != plan.Update || got["indigo_file.b"] != plan.Create {
		t.Fatalf("after refresh-only: %v", got)
	}
	// An object whose configuration is gone, and which is gone too, is
	// dropped by a refresh-only apply (it is drift).
	e.write("main.hcl", siteProvider+`
resource "indigo_file" "b" {
  path    = "b.txt"
  content = "config"
}
`)
	os.Remove(filepath.Join(e.dir, "site", "a.txt"))
	p = e.plan(planner.Options{Mode: plan.RefreshOnlyMode})
	if len(p.Drift) != 1 || p.Drift[0].Addr.String() != "indigo_file.a" || p.Drift[0].Action != plan.Delete {
		t.Fatalf("refresh-only drift of a gone orphan: %+v", p.Drift)
	}
	e.applyOK(p)
	m = e.open()
	st = m.State()
	m.Close(context.Background())
	if st.ResourceInstance(mustAddr(t, "indigo_file.a")) != nil {
		t.Fatal("the gone orphan is still recorded after a refresh-only apply")
	}
}

// TestProviderDiagnosticsPointAtTheAttribute: a provider's error about an
// attribute is shown at that attribute in the configuration, at plan time
// (a data source reading a missing file) and at apply time (a file whose
// directory is a regular file).
func TestProviderDiagnosticsPointAtTheAttribute(t *testing.T) {
	e := newEnv(t, map[string]string{"main.hcl": siteProvider + `
data "indigo_file" "missing" {
  path = "nope.txt"
}
`})
	m := e.open()
	_, diags := planner.Plan(context.Background(), e.config(), m.State(), e.prov, planner.Options{})
	m.Close(context.Background())
	wantSubject(t, diags, "Cannot read file", 7, 10)

	e.write("main.hcl", siteProvider+`
resource "indigo_file" "blocked" {
  content = "x"
  path    = "blocker/x.txt"
}
`)
	if err := os.MkdirAll(filepath.Join(e.dir, "site"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.dir, "site", "blocker"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	wantSubject(t, e.apply(e.plan(planner.Options{})), "Cannot write file", 8, 13)
}

// wantSubject finds the error whose summary contains summary and checks
// that it points at line:col.
func wantSubject(t *testing.T, diags hcl.Diagnostics, summary string, line, col int) {
	t.Helper()
	for _, d := range diags {
		if d.Severity != hcl.DiagError || !strings.Contains(d.Summary, summary) {
			continue
		}
		if d.Subject == nil || d.Subject.Start.Line != line || d.Subject.Start.Column != col {
			t.Errorf("%q points at %v, want main.hcl:%d,%d", d.Summary, d.Subject, line, col)
		}
		if !strings.Contains(d.Detail, "about the attribute path") {
			t.Errorf("detail does not name the attribute: %s", d.Detail)
		}
		return
	}
	t.Errorf("no error %q in:\n%s", summary, diagText(diags))
}

// TestRefreshOnlyDoesNotEvaluateConfiguration: a refresh-only plan does not
// evaluate resource configurations, as Terraform's does not, so one that
// refers to an instance deleted outside indigo plans (it failed with an
// invalid index) and records the deletion.
func TestRefreshOnlyDoesNotEvaluateConfiguration(t *testing.T) {
	e := newEnv(t, map[string]string{"main.hcl": siteProvider + `
resource "indigo_file" "a" {
  for_each = toset(["x"])
  path     = "${each.key}.txt"
  content  = "x"
}
resource "indigo_file" "b" {
  path    = "b.txt"
  content = indigo_file.a["x"].id
}
`})
	e.applyOK(e.plan(planner.Options{}))
	os.Remove(filepath.Join(e.dir, "site", "x.txt"))
	p := e.plan(planner.Options{Mode: plan.RefreshOnlyMode})
	if len(p.Drift) != 1 || p.Drift[0].Addr.String() != `indigo_file.a["x"]` || p.Drift[0].Action != plan.Delete {
		t.Fatalf("refresh-only drift: %+v", p.Drift)
	}
	e.applyOK(p)
	if got := actions(e.plan(planner.Options{})); got[`indigo_file.a["x"]`] != plan.Create {
		t.Fatalf("after the refresh-only apply, a normal plan: %v", got)
	}
}
