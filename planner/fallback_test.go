package planner_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/planner/internal/mockprovider"
)

var _ planner.Provider = (*mockprovider.Provider)(nil)

// threeSites places deployment.app, a VM and a disk attached to it, on
// sites alpha, beta and gamma, preferring them in that order, with
// fallback.
const threeSites = `
provider "mock" {
  alias = "alpha"
  name  = "alpha"
}
provider "mock" {
  alias = "beta"
  name  = "beta"
}
provider "mock" {
  alias = "gamma"
  name  = "gamma"
}

site "alpha" {
  provider = mock.alpha
  kind     = "local"
  location = "IT"
}
site "beta" {
  provider = mock.beta
  kind     = "local"
  location = "IT"
}
site "gamma" {
  provider = mock.gamma
  kind     = "local"
  location = "DE"
}

deployment "app" {
  placement {
    sites    = [site.alpha, site.beta, site.gamma]
    prefer   = [site.alpha]
    fallback = true
  }

  resource "mock_vm" "web" {
    size = "small"
  }

  resource "mock_disk" "data" {
    vm   = mock_vm.web.id
    size = 10
  }
}

output "app_site" {
  value = deployment.app.site
}
`

func newMock() *mockprovider.Mock {
	return mockprovider.New(map[string]map[string]mockprovider.Attr{
		"mock_vm": {
			"size":    {Type: cty.String, Required: true},
			"address": {Type: cty.String, Computed: true},
		},
		"mock_disk": {
			"vm":   {Type: cty.String, Required: true},
			"size": {Type: cty.Number, Optional: true},
		},
	})
}

// newMockEnv is newEnv with providers from mock instead of the built-in
// ones.
func newMockEnv(t *testing.T, mock *mockprovider.Mock, files map[string]string) *env {
	e := newEnv(t, files)
	e.prov = planner.ProvidersFunc(func(ctx context.Context, a config.Provider) (planner.Provider, error) {
		return mock.Start(ctx, a)
	})
	return e
}

// applyWithFallback applies the plan of the configuration and returns what
// it did, its diagnostics, and the objects the state records, as "site
// type id" strings.
func (e *env) applyWithFallback() (planner.Outcome, hcl.Diagnostics, []string) {
	e.t.Helper()
	p := e.plan(planner.Options{})
	if len(p.Placements) != 1 || len(p.Placements[0].Sites) == 0 || p.Placements[0].Sites[0] != "alpha" {
		e.t.Fatalf("alpha should be chosen first: %+v", p.Placements)
	}
	m := e.open()
	out, diags := planner.ApplyWithFallback(context.Background(), e.config(), p, m, e.prov, planner.Options{}, nil)
	st := m.State()
	if err := m.Close(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	var recorded []string
	for _, addr := range st.AllInstances() {
		obj := st.ResourceInstance(addr)
		recorded = append(recorded, obj.Site+" "+addr.Resource.Type+" "+idOfJSON(e.t, obj.AttrsJSON))
	}
	return out, diags, recorded
}

func idOfJSON(t *testing.T, raw []byte) string {
	t.Helper()
	var attrs struct{ ID string }
	if err := json.Unmarshal(raw, &attrs); err != nil || attrs.ID == "" {
		t.Fatalf("no id in %s (%v)", raw, err)
	}
	return attrs.ID
}

// existing lists what the fake cloud holds, as "site type id" strings.
func existing(mock *mockprovider.Mock) []string {
	var out []string
	for _, o := range mock.Objects("") {
		out = append(out, o.Name+" "+o.Type+" "+o.ID)
	}
	return out
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	count := map[string]int{}
	for _, s := range a {
		count[s]++
	}
	for _, s := range b {
		count[s]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}

// TestFallbackToSecondSite: the VM cannot be created on alpha, the first
// choice; the deployment moves to beta, the runner-up, and nothing is left
// on alpha, in the cloud or in the state.
func TestFallbackToSecondSite(t *testing.T) {
	mock := newMock()
	mock.FailCreate("alpha", "mock_vm", mockprovider.Failure{Message: "alpha: quota exceeded"})
	e := newMockEnv(t, mock, map[string]string{"main.hcl": threeSites})

	out, diags, recorded := e.applyWithFallback()
	if diags.HasErrors() {
		t.Fatalf("the apply should succeed on beta:\n%s", diagText(diags))
	}
	if text := diagText(diags); strings.Count(text, "alpha: quota exceeded") != 1 {
		t.Errorf("the warnings do not say once why alpha was left:\n%s", text)
	}
	if len(out.Moves) != 1 || out.Moves[0].From != "alpha" || out.Moves[0].To != "beta" {
		t.Errorf("moves %+v, want one from alpha to beta", out.Moves)
	}
	if got := existing(mock); !sameSet(got, recorded) {
		t.Errorf("the state records %q, the cloud holds %q", recorded, got)
	}
	if objs := mock.Objects("beta"); len(objs) != 2 {
		t.Errorf("beta holds %d objects, want the VM and its disk", len(objs))
	}
	if objs := mock.Objects("alpha"); len(objs) != 0 {
		t.Errorf("alpha still holds %q", existing(mock))
	}
	// The disk was never tried on alpha: it depends on the VM.
	want := []string{"alpha create mock_vm", "beta create mock_vm", "beta create mock_disk"}
	if got := mock.Applies(); strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("applies %q, want %q", got, want)
	}
	if n := mock.Running(); n != 0 {
		t.Errorf("%d provider processes left running", n)
	}

	// A new plan keeps everything on beta and has nothing to do.
	p := e.plan(planner.Options{})
	if p.Changed() {
		t.Fatalf("after the fallback a plan has changes: %v", actions(p))
	}
	m := e.open()
	st := m.State()
	m.Close(context.Background())
	if o := st.Outputs["app_site"]; o == nil || string(o.Value) != `"beta"` {
		t.Errorf("output app_site: %+v", o)
	}
}

// TestFallbackCleansUpPartialCreate: on alpha the VM is created but fails
// (it exists and is returned with the error); the fallback destroys it
// there before moving to beta.
func TestFallbackCleansUpPartialCreate(t *testing.T) {
	mock := newMock()
	mock.FailCreate("alpha", "mock_vm", mockprovider.Failure{Message: "alpha: VM never became healthy", Partial: true})
	e := newMockEnv(t, mock, map[string]string{"main.hcl": threeSites})

	out, diags, recorded := e.applyWithFallback()
	if diags.HasErrors() {
		t.Fatalf("the apply should succeed on beta:\n%s", diagText(diags))
	}
	if len(out.Moves) != 1 || out.Moves[0].From != "alpha" || out.Moves[0].To != "beta" {
		t.Errorf("moves %+v, want one from alpha to beta", out.Moves)
	}
	if objs := mock.Objects("alpha"); len(objs) != 0 {
		t.Errorf("the half-created VM is still on alpha: the cloud holds %q", existing(mock))
	}
	if got := existing(mock); !sameSet(got, recorded) {
		t.Errorf("the state records %q, the cloud holds %q", recorded, got)
	}
	want := []string{"alpha create mock_vm", "alpha delete mock_vm", "beta create mock_vm", "beta create mock_disk"}
	if got := mock.Applies(); strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("applies %q, want %q", got, want)
	}
}

// failEverywhere makes creating the VM fail on every site.
func failEverywhere(mock *mockprovider.Mock) {
	for _, site := range []string{"alpha", "beta", "gamma"} {
		mock.FailCreate(site, "mock_vm", mockprovider.Failure{Message: site + ": no capacity left"})
	}
}

// TestNoSiteCanTakeIt: creating the VM fails on every candidate. The apply
// fails, reports each site's error, names only real sites, tried each
// site once, records every move (the last to no site), and the state
// records exactly what exists: nothing. TestNoSiteCanTakeItOutcome asks
// for more.
func TestNoSiteCanTakeIt(t *testing.T) {
	mock := newMock()
	failEverywhere(mock)
	e := newMockEnv(t, mock, map[string]string{"main.hcl": threeSites})

	out, diags, recorded := e.applyWithFallback()
	if !diags.HasErrors() {
		t.Fatalf("the apply succeeded with no site able to take the VM:\n%s", diagText(diags))
	}
	text := diagText(diags)
	for _, site := range []string{"alpha", "beta", "gamma"} {
		if !strings.Contains(text, site+": no capacity left") {
			t.Errorf("the error of site %s is not reported:\n%s", site, text)
		}
	}
	if strings.Contains(text, "(none left)") {
		t.Errorf("the diagnostics show a made-up site name:\n%s", text)
	}
	if got := existing(mock); len(got) != 0 || len(recorded) != 0 {
		t.Errorf("the cloud holds %q and the state records %q; want nothing", got, recorded)
	}
	want := []string{"alpha create mock_vm", "beta create mock_vm", "gamma create mock_vm"}
	if got := mock.Applies(); strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("applies %q, want %q", got, want)
	}
	if n := mock.Running(); n != 0 {
		t.Errorf("%d provider processes left running", n)
	}
	wantMoves := []struct{ Component, From, To string }{
		{"deployment.app", "alpha", "beta"},
		{"deployment.app", "beta", "gamma"},
		{"deployment.app", "gamma", ""},
	}
	if len(out.Moves) != len(wantMoves) {
		t.Fatalf("moves %+v, want %+v", out.Moves, wantMoves)
	}
	for i, mv := range out.Moves {
		if mv.Component.String() != wantMoves[i].Component || mv.From != wantMoves[i].From || mv.To != wantMoves[i].To {
			t.Errorf("move %d is %+v, want %+v", i, mv, wantMoves[i])
		}
	}
}

// TestNoSiteCanTakeItOutcome: when every candidate failed, the user reads
// each site's error once, on lines that end cleanly, and the last error
// says which sites were tried.
func TestNoSiteCanTakeItOutcome(t *testing.T) {
	mock := newMock()
	failEverywhere(mock)
	e := newMockEnv(t, mock, map[string]string{"main.hcl": threeSites})

	_, diags, _ := e.applyWithFallback()
	text := diagText(diags)
	for _, site := range []string{"alpha", "beta", "gamma"} {
		if n := strings.Count(text, site+": no capacity left"); n != 1 {
			t.Errorf("the error of site %s is reported %d times, want once:\n%s", site, n, text)
		}
	}
	if strings.Contains(text, ": \n") {
		t.Errorf("a line ends in a stray colon:\n%s", text)
	}
	var last *hcl.Diagnostic
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			last = d
		}
	}
	if last == nil || !strings.Contains(last.Summary+" "+last.Detail, "alpha") || !strings.Contains(last.Summary+" "+last.Detail, "gamma") {
		t.Errorf("the last error does not say which sites were tried: %v", last)
	}
}

// TestNoSiteCanTakeItPartial: every site half-creates the VM and fails.
// The fallback destroys each half-created VM on its own site, the last one
// too: nothing is left in the cloud or in the state.
func TestNoSiteCanTakeItPartial(t *testing.T) {
	mock := newMock()
	for _, site := range []string{"alpha", "beta", "gamma"} {
		mock.FailCreate(site, "mock_vm", mockprovider.Failure{Message: site + ": VM never became healthy", Partial: true})
	}
	e := newMockEnv(t, mock, map[string]string{"main.hcl": threeSites})

	_, diags, recorded := e.applyWithFallback()
	if !diags.HasErrors() {
		t.Fatalf("the apply succeeded with no site able to take the VM:\n%s", diagText(diags))
	}
	if got := existing(mock); len(got) != 0 || len(recorded) != 0 {
		t.Errorf("the cloud holds %q and the state records %q; want nothing", got, recorded)
	}
	want := []string{
		"alpha create mock_vm", "alpha delete mock_vm",
		"beta create mock_vm", "beta delete mock_vm",
		"gamma create mock_vm", "gamma delete mock_vm",
	}
	if got := mock.Applies(); strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("applies %q, want %q", got, want)
	}
}
