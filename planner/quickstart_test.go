package planner_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/planner/plan"
)

// copyDir copies a directory tree (the examples are small).
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if info.IsDir() {
			if strings.HasPrefix(info.Name(), "sites") && p != from {
				return filepath.SkipDir
			}
			return os.MkdirAll(dst, 0o755)
		}
		if strings.HasPrefix(info.Name(), "indigo.state") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestQuickstart plans and applies examples/quickstart: two local sites, a
// web deployment placed on the better one with a real HTTP server, storage
// with two copies; a second plan has nothing to do; destroy removes it all.
func TestQuickstart(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed (apt-get install -y python3): the quickstart serves its page with it")
	}
	e := newEnv(t, nil)
	copyDir(t, "../examples/quickstart", e.dir)
	port := testsrv.FreePort(t)
	opts := planner.Options{Vars: map[string]cty.Value{"port": cty.NumberIntVal(int64(port))}}
	p := e.plan(opts)
	if len(p.Placements) != 2 {
		t.Fatalf("placements: %d, want the web deployment and the storage", len(p.Placements))
	}
	byAddr := map[string]*plan.Placement{}
	for _, pl := range p.Placements {
		byAddr[pl.Addr.String()] = pl
	}
	if web := byAddr["deployment.web"]; web == nil || len(web.Sites) != 1 || web.Sites[0] != "alpha" {
		t.Fatalf("web placement: %+v (alpha has more SLA headroom, better availability and lower cost)", web)
	}
	if st := byAddr["storage.results"]; st == nil || len(st.Sites) != 2 {
		t.Fatalf("storage placement: %+v, want two copies", st)
	}
	got := actions(p)
	for _, a := range []string{"deployment.web.indigo_file.index", "deployment.web.indigo_service.http", "storage.results.indigo_storage_copy.copy_alpha", "storage.results.indigo_storage_copy.copy_beta"} {
		if got[a] != plan.Create {
			t.Errorf("%s: %v, want create (all: %v)", a, got[a], got)
		}
	}
	if diags := e.apply(p); diags.HasErrors() {
		t.Fatalf("apply: %s", diagText(diags))
	}
	t.Cleanup(func() {
		// Stop the web server whatever happens.
		if p := e.plan(planner.Options{Mode: plan.DestroyMode, Vars: opts.Vars}); p != nil {
			e.apply(p)
		}
	})
	resp, err := http.Get("http://127.0.0.1:" + itoa(port) + "/index.html")
	if err != nil {
		t.Fatalf("the web deployment does not answer: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "Hello from indigo") {
		t.Fatalf("page: %q", body)
	}
	for _, site := range []string{"alpha", "beta"} {
		b, err := os.ReadFile(filepath.Join(e.dir, "sites", site, "storage", "results", ".indigo-qos.json"))
		if err != nil || !strings.Contains(string(b), `"copies":2`) {
			t.Errorf("copy on site %s: %q %v", site, b, err)
		}
	}
	p = e.plan(opts)
	if p.Changed() || p.Applyable {
		t.Fatalf("second plan is not empty: %v", actions(p))
	}

	// A result written to the primary copy makes the replica stale: the
	// plan says so, and apply carries the file over.
	primary, replica := st0(p, "storage.results")
	result := []byte("run 1: 42\n")
	if err := os.WriteFile(filepath.Join(e.dir, "sites", primary, "storage", "results", "run-1.txt"), result, 0o644); err != nil {
		t.Fatal(err)
	}
	p = e.plan(opts)
	if got := actions(p)["storage.results.indigo_storage_copy.copy_"+replica]; got != plan.Update {
		t.Fatalf("the stale replica on %s plans %v, want an update (all: %v)", replica, got, actions(p))
	}
	if diags := e.apply(p); diags.HasErrors() {
		t.Fatalf("apply: %s", diagText(diags))
	}
	if b, err := os.ReadFile(filepath.Join(e.dir, "sites", replica, "storage", "results", "run-1.txt")); err != nil || string(b) != string(result) {
		t.Errorf("the replica on %s holds %q, %v", replica, b, err)
	}
	if p = e.plan(opts); p.Changed() {
		t.Fatalf("plan after the sync is not empty: %v", actions(p))
	}
	m := e.open()
	st := m.State()
	m.Close(context.Background())
	if pl := st.Placements[byAddr["deployment.web"].Addr]; pl == nil || pl.Sites[0] != "alpha" {
		t.Fatalf("placement not recorded: %+v", pl)
	}
	if o := st.Outputs["web_site"]; o == nil || string(o.Value) != `"alpha"` {
		t.Fatalf("output web_site: %+v", o)
	}
}

// TestPlacementFallback applies examples/placement: site alpha ranks first
// but cannot be written to; the deployment falls back to beta, the
// runner-up, and nothing is left recorded on alpha.
func TestPlacementFallback(t *testing.T) {
	e := newEnv(t, nil)
	copyDir(t, "../examples/placement", e.dir)
	p := e.plan(planner.Options{})
	if len(p.Placements) != 1 {
		t.Fatalf("placements: %+v", p.Placements)
	}
	rk := p.Placements[0].Ranking
	if p.Placements[0].Sites[0] != "alpha" {
		t.Fatalf("alpha should rank first: %+v", rk)
	}
	var gamma bool
	for _, s := range rk.Scored {
		if s.Site == "gamma" && s.Rejected && len(s.Reasons) > 0 {
			gamma = true
		}
	}
	if !gamma {
		t.Fatalf("gamma must be rejected with a reason: %+v", rk.Scored)
	}
	m := e.open()
	out, diags := planner.ApplyWithFallback(context.Background(), e.config(), p, m, e.prov, planner.Options{}, nil)
	st := m.State()
	if err := m.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if diags.HasErrors() {
		t.Fatalf("the apply should succeed on beta: %s", diagText(diags))
	}
	if len(out.Moves) != 1 || out.Moves[0].From != "alpha" || out.Moves[0].To != "beta" {
		t.Fatalf("moves: %+v", out.Moves)
	}
	for _, addr := range st.AllInstances() {
		if obj := st.ResourceInstance(addr); obj.Site != "beta" {
			t.Errorf("%s is recorded on site %q", addr, obj.Site)
		}
	}
	if pl := st.Placements[p.Placements[0].Addr]; pl == nil || pl.Sites[0] != "beta" {
		t.Fatalf("recorded placement: %+v", pl)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "sites", "beta", "analysis", "job.sh")); err != nil {
		t.Fatalf("the job is not on beta: %v", err)
	}
	// A new plan keeps it on beta and has nothing to do.
	p = e.plan(planner.Options{})
	if p.Changed() {
		t.Fatalf("after the fallback a plan has changes: %v", actions(p))
	}
}

// st0 returns the primary and the first replica of a placed storage.
func st0(p *plan.Plan, addr string) (string, string) {
	for _, pl := range p.Placements {
		if pl.Addr.String() == addr && len(pl.Sites) > 1 {
			return pl.Sites[0], pl.Sites[1]
		}
	}
	return "", ""
}
