package planner_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/load"
	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/providers/builtin"
	"github.com/indigo-cloud/indigo/providers/launch"
	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/local"
)

func TestMain(m *testing.M) {
	// Built-in providers re-execute this test binary.
	builtin.MaybeServe()
	os.Exit(m.Run())
}

// env is a working directory with a configuration, a local state and the
// built-in providers.
type env struct {
	t    *testing.T
	dir  string
	prov planner.Providers
}

func newEnv(t *testing.T, files map[string]string) *env {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		content = strings.ReplaceAll(content, "@DIR@", dir)
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l := &launch.Launcher{Dir: dir}
	return &env{t: t, dir: dir, prov: planner.ProvidersFunc(func(ctx context.Context, a config.Provider) (planner.Provider, error) {
		return l.Start(ctx, a)
	})}
}

func (e *env) write(name, content string) {
	content = strings.ReplaceAll(content, "@DIR@", e.dir)
	if err := os.WriteFile(filepath.Join(e.dir, name), []byte(content), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) config() *config.Config {
	e.t.Helper()
	res, diags := load.Path(e.dir, load.Options{})
	if diags.HasErrors() {
		e.t.Fatalf("load: %s", diags.Error())
	}
	return res.Config
}

func (e *env) open() *state.Manager {
	e.t.Helper()
	m, err := state.Open(context.Background(), local.New(filepath.Join(e.dir, "indigo.state")), state.OpenOptions{Operation: "test"})
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

func (e *env) plan(opts planner.Options) *plan.Plan {
	e.t.Helper()
	m := e.open()
	defer m.Close(context.Background())
	p, diags := planner.Plan(context.Background(), e.config(), m.State(), e.prov, opts)
	if diags.HasErrors() {
		e.t.Fatalf("plan: %s", diagText(diags))
	}
	return p
}

func (e *env) apply(p *plan.Plan) hcl.Diagnostics {
	e.t.Helper()
	m := e.open()
	defer func() {
		if err := m.Close(context.Background()); err != nil {
			e.t.Fatal(err)
		}
	}()
	return planner.Apply(context.Background(), e.config(), p, m, e.prov, planner.Options{}, nil)
}

func diagText(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Error())
		b.WriteString("\n")
	}
	return b.String()
}

// diagAddresses are the resource instances diags are about, as the view
// shows them ("with ADDR,").
func diagAddresses(diags hcl.Diagnostics) []string {
	var out []string
	for _, d := range diags {
		if a, ok := hcl.DiagnosticExtra[interface{ DiagnosticAddress() string }](d); ok {
			out = append(out, a.DiagnosticAddress())
		}
	}
	return out
}

func actions(p *plan.Plan) map[string]plan.Action {
	out := map[string]plan.Action{}
	for _, c := range p.Changes {
		out[c.Addr.String()] = c.Action
	}
	return out
}

const basic = `
variable "who" {
  type    = string
  default = "world"
}

provider "indigo" {
  root = "@DIR@/root"
}

resource "indigo_file" "a" {
  path    = "a.txt"
  content = "hello ${var.who}\n"
}

resource "indigo_noop" "n" {
  count = 2
  input = "${indigo_file.a.id}-${count.index}"
}

output "file_id" {
  value = indigo_file.a.id
}
`

func TestPlanApplyNoChangeDestroy(t *testing.T) {
	e := newEnv(t, map[string]string{"main.hcl": basic})

	p := e.plan(planner.Options{})
	got := actions(p)
	for _, a := range []string{"indigo_file.a", "indigo_noop.n[0]", "indigo_noop.n[1]"} {
		if got[a] != plan.Create {
			t.Errorf("%s: action %v, want create (plan: %v)", a, got[a], got)
		}
	}
	if diags := e.apply(p); diags.HasErrors() {
		t.Fatalf("apply: %s", diagText(diags))
	}
	b, err := os.ReadFile(filepath.Join(e.dir, "root", "a.txt"))
	if err != nil || string(b) != "hello world\n" {
		t.Fatalf("file after apply: %q %v", b, err)
	}
	st, err := os.Stat(filepath.Join(e.dir, "indigo.state"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v %v", st, err)
	}

	// A second plan finds nothing to do.
	p = e.plan(planner.Options{})
	if p.Changed() {
		t.Fatalf("second plan has changes: %v", actions(p))
	}

	// Changing a variable updates the file in place and the noops follow.
	p = e.plan(planner.Options{Vars: map[string]cty.Value{"who": cty.StringVal("indigo")}})
	got = actions(p)
	if got["indigo_file.a"] != plan.Update {
		t.Errorf("file action %v, want update", got["indigo_file.a"])
	}
	if diags := e.apply(p); diags.HasErrors() {
		t.Fatalf("apply: %s", diagText(diags))
	}
	b, _ = os.ReadFile(filepath.Join(e.dir, "root", "a.txt"))
	if string(b) != "hello indigo\n" {
		t.Fatalf("file after update: %q", b)
	}

	// Destroy removes everything and empties the state.
	p = e.plan(planner.Options{Mode: plan.DestroyMode, Vars: map[string]cty.Value{"who": cty.StringVal("indigo")}})
	for a, act := range actions(p) {
		if act != plan.Delete {
			t.Errorf("destroy plan: %s is %v", a, act)
		}
	}
	if diags := e.apply(p); diags.HasErrors() {
		t.Fatalf("destroy: %s", diagText(diags))
	}
	if _, err := os.Stat(filepath.Join(e.dir, "root", "a.txt")); !os.IsNotExist(err) {
		t.Fatalf("file still there after destroy: %v", err)
	}
	m := e.open()
	defer m.Close(context.Background())
	if n := len(m.State().AllInstances()); n != 0 {
		t.Fatalf("%d instances left in state", n)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func nilCtx() context.Context { return context.Background() }
