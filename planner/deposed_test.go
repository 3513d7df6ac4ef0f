package planner_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/planner/internal/mockprovider"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/state"
)

// deposedConfig has two resources replaced create-first when v changes,
// a (with a dependent, u, updated when note changes) and o, and other,
// unrelated to both.
func deposedConfig(v, note string, withO bool) string {
	s := `
provider "mock" {}
resource "mock_thing" "a" {
  v = "` + v + `"
  lifecycle {
    create_before_destroy = true
  }
}
resource "mock_user" "u" {
  dep  = mock_thing.a.id
  note = "` + note + `"
}
resource "mock_user" "other" {
  note = "x"
}
`
	if withO {
		s += `
resource "mock_thing" "o" {
  v = "` + v + `"
  lifecycle {
    create_before_destroy = true
  }
}
`
	}
	return s
}

// deposedEnv applies the configuration with v = "1", then replaces a and
// o with v = "2" while deletes fail: the state keeps their old objects
// deposed. It returns the deposed keys of a and o by address.
func deposedEnv(t *testing.T, mock *mockprovider.Mock) (*env, map[string]string) {
	t.Helper()
	e := newMockEnv(t, mock, map[string]string{"main.hcl": deposedConfig("1", "", true)})
	e.applyOK(e.plan(planner.Options{}))
	e.write("main.hcl", deposedConfig("2", "", true))
	mock.FailDelete("", "mock_thing", "the object is locked")
	p := e.plan(planner.Options{})
	if got := actions(p); got["mock_thing.a"] != plan.CreateThenDelete || got["mock_thing.o"] != plan.CreateThenDelete {
		t.Fatalf("actions %v, want a and o replaced create-first", got)
	}
	if d := e.apply(p); !d.HasErrors() || !strings.Contains(diagText(d), "the object is locked") {
		t.Fatalf("apply with failing deletes: %s", diagText(d))
	}
	mock.ClearFailures()
	keys := map[string]string{}
	st := e.state()
	for _, addr := range []string{"mock_thing.a", "mock_thing.o"} {
		in := st.Instance(mustAddr(t, addr))
		if in == nil || in.Current == nil || len(in.Deposed) != 1 {
			t.Fatalf("%s after the failed deletion: %+v, want a current and a deposed object", addr, in)
		}
		for k := range in.Deposed {
			keys[addr] = k
		}
	}
	return e, keys
}

func (e *env) state() *state.State {
	e.t.Helper()
	m := e.open()
	defer m.Close(context.Background())
	return m.State()
}

// deposedID returns the id attribute of a deposed object.
func deposedID(t *testing.T, st *state.State, addr, key string) string {
	t.Helper()
	obj := st.DeposedObject(mustAddr(t, addr), key)
	if obj == nil {
		t.Fatalf("%s has no deposed object %s", addr, key)
	}
	var attrs struct {
		ID string `json:"id"`
		V  string `json:"v"`
	}
	if err := json.Unmarshal(obj.AttrsJSON, &attrs); err != nil {
		t.Fatal(err)
	}
	return attrs.ID
}

// deposedChanges returns the plan's changes of deposed objects as
// "action addr key" strings.
func deposedChanges(p *plan.Plan) []string {
	var out []string
	for _, c := range p.Changes {
		if c.DeposedKey != "" {
			out = append(out, c.Action.String()+" "+c.Addr.String()+" "+c.DeposedKey)
		}
	}
	return out
}

func countCalls(mock *mockprovider.Mock, skip int, method string) int {
	n := 0
	for _, c := range mock.Calls()[skip:] {
		if c.Method == method {
			n++
		}
	}
	return n
}

// TestDeposedObjectsDeleted: deposed objects, of a configured resource and
// of one whose configuration is gone, are planned for deletion and deleted
// after their dependents change; nothing is left deposed.
func TestDeposedObjectsDeleted(t *testing.T) {
	mock := newReplaceableMock()
	e, keys := deposedEnv(t, mock)
	if n := len(mock.Objects("")); n != 6 {
		t.Fatalf("the cloud holds %d objects, want 6 (two deposed)", n)
	}
	st := e.state()
	oldA := deposedID(t, st, "mock_thing.a", keys["mock_thing.a"])

	e.write("main.hcl", deposedConfig("2", "", false))
	p := e.plan(planner.Options{})
	want := []string{
		"delete mock_thing.a " + keys["mock_thing.a"],
		"delete mock_thing.o " + keys["mock_thing.o"],
	}
	if got := deposedChanges(p); !slices.Equal(got, want) {
		t.Fatalf("deposed changes %q, want %q", got, want)
	}
	if c := p.Change(mustAddr(t, "mock_thing.o")); c == nil || c.Action != plan.Delete || c.Reason != plan.ReasonNoResourceConfig {
		t.Errorf("mock_thing.o (no configuration): %+v, want deleted", c)
	}
	for _, c := range p.Changes {
		if c.DeposedKey == "" {
			continue
		}
		if c.Reason != plan.ReasonNone || c.Provider.Provider.Type != "mock" {
			t.Errorf("%s deposed %s: reason %q, provider %s", c.Addr, c.DeposedKey, c.Reason, c.Provider)
		}
		if v := c.Before.GetAttr("v"); v.AsString() != "1" {
			t.Errorf("%s deposed %s: before has v = %s, want the old object's 1", c.Addr, c.DeposedKey, v.GoString())
		}
	}
	if c := p.Change(mustAddr(t, "mock_thing.a")); c != nil && c.Action != plan.NoOp {
		t.Errorf("the current mock_thing.a changes: %v", c.Action)
	}
	if _, _, destroy, _, _ := p.Counts(); destroy != 3 {
		t.Errorf("the plan destroys %d, want 3", destroy)
	}
	if !p.Changed() || !p.Applyable {
		t.Errorf("changed %v, applyable %v: a plan of deletions is applyable", p.Changed(), p.Applyable)
	}

	skip := len(mock.Calls())
	e.applyOK(p)
	calls := applyCalls(mock, skip)
	slices.Sort(calls)
	if want := []string{"delete mock_thing.a", "delete mock_thing.o", "delete mock_thing.o"}; !slices.Equal(calls, want) {
		t.Errorf("applies %q, want %q", calls, want)
	}
	for _, o := range mock.Objects("") {
		if o.ID == oldA {
			t.Errorf("the deposed object %s still exists", oldA)
		}
	}
	st = e.state()
	for _, addr := range st.AllInstances() {
		if in := st.Instance(addr); len(in.Deposed) > 0 {
			t.Errorf("%s still has deposed objects %v", addr, in.Deposed)
		}
	}
	if st.Instance(mustAddr(t, "mock_thing.o")) != nil {
		t.Errorf("mock_thing.o is still recorded")
	}
	if p := e.plan(planner.Options{}); p.Changed() {
		t.Errorf("a plan after the apply has changes: %v", actions(p))
	}
}

// TestDeposedObjectOrder: a deposed object is deleted after its dependent
// is updated, and after the instance's new object when it is replaced
// again (with no change to the current object too, as the old object of
// a create_before_destroy replacement is).
func TestDeposedObjectOrder(t *testing.T) {
	for _, tc := range []struct {
		name, v, note string
		action        plan.Action // of mock_thing.a's current object
		deletes       int         // of mock_thing.a's objects
	}{
		{"replaced again", "3", "", plan.CreateThenDelete, 2},
		{"unchanged", "2", "changed", plan.NoOp, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mock := newReplaceableMock()
			e, keys := deposedEnv(t, mock)
			e.write("main.hcl", deposedConfig(tc.v, tc.note, true))
			// The update is slow: a deletion not ordered after it
			// starts first.
			mock.Delay("mock_user", 200*time.Millisecond)
			p := e.plan(planner.Options{})
			if a, u := p.Change(mustAddr(t, "mock_thing.a")), p.Change(mustAddr(t, "mock_user.u")); a == nil || a.Action != tc.action || u == nil || u.Action != plan.Update {
				t.Fatalf("actions %v, want a %v and u updated", actions(p), tc.action)
			}
			if got := deposedChanges(p); !slices.Contains(got, "delete mock_thing.a "+keys["mock_thing.a"]) {
				t.Fatalf("deposed changes %q", got)
			}
			skip := len(mock.Calls())
			e.applyOK(p)
			calls := applyCalls(mock, skip)
			// The first delete of a is of one of its old objects: all
			// come after the dependent's update and any new object.
			if !before(calls, "update mock_user.u", "delete mock_thing.a") {
				t.Errorf("a deposed object is deleted before its dependent is updated: %q", calls)
			}
			if tc.action == plan.CreateThenDelete && !before(calls, "create mock_thing.a", "delete mock_thing.a") {
				t.Errorf("a deposed object is deleted before the new object is made: %q", calls)
			}
			n := 0
			for _, c := range calls {
				if c == "delete mock_thing.a" {
					n++
				}
			}
			if n != tc.deletes {
				t.Errorf("%d deletes of mock_thing.a, want %d: %q", n, tc.deletes, calls)
			}
			if in := e.state().Instance(mustAddr(t, "mock_thing.a")); in == nil || in.Current == nil || len(in.Deposed) != 0 {
				t.Errorf("mock_thing.a after the apply: %+v", in)
			}
		})
	}
}

// TestDeposedObjectGone: a deposed object the provider no longer finds is
// not deleted but dropped from the state, by a refresh-only apply as by a
// normal one.
func TestDeposedObjectGone(t *testing.T) {
	for _, mode := range []plan.Mode{plan.RefreshOnlyMode, plan.NormalMode} {
		t.Run(mode.String(), func(t *testing.T) {
			mock := newReplaceableMock()
			e, keys := deposedEnv(t, mock)
			key := keys["mock_thing.a"]
			if !mock.Remove("", deposedID(t, e.state(), "mock_thing.a", key)) {
				t.Fatal("the deposed object is not in the cloud")
			}
			p := e.plan(planner.Options{Mode: mode})
			var drift []string
			for _, c := range p.Drift {
				drift = append(drift, c.Action.String()+" "+c.Addr.String()+" "+c.DeposedKey)
			}
			if want := []string{"delete mock_thing.a " + key}; !slices.Equal(drift, want) {
				t.Errorf("drift %q, want %q", drift, want)
			}
			got := deposedChanges(p)
			switch mode {
			case plan.RefreshOnlyMode:
				if len(got) != 0 {
					t.Errorf("a refresh-only plan changes deposed objects: %q", got)
				}
			default:
				if slices.Contains(got, "delete mock_thing.a "+key) || !slices.Contains(got, "forget mock_thing.a "+key) {
					t.Errorf("deposed changes %q, want mock_thing.a's forgotten, not deleted", got)
				}
				if _, _, destroy, _, _ := p.Counts(); destroy != 1 {
					t.Errorf("the plan destroys %d, want 1 (o's deposed object)", destroy)
				}
			}
			if !p.Applyable {
				t.Fatal("the plan is not applyable")
			}
			skip := len(mock.Calls())
			e.applyOK(p)
			for _, c := range applyCalls(mock, skip) {
				if c == "delete mock_thing.a" {
					t.Errorf("the apply deleted mock_thing.a: %q", applyCalls(mock, skip))
				}
			}
			in := e.state().Instance(mustAddr(t, "mock_thing.a"))
			if in == nil || in.Current == nil || len(in.Deposed) != 0 {
				t.Errorf("mock_thing.a after the apply: %+v, want its current object only", in)
			}
		})
	}
}

// TestDeposedObjectWithoutRefresh: with refresh off the deletion is
// planned without reading the object.
func TestDeposedObjectWithoutRefresh(t *testing.T) {
	mock := newReplaceableMock()
	e, keys := deposedEnv(t, mock)
	skip := len(mock.Calls())
	p := e.plan(planner.Options{SkipRefresh: true})
	if n := countCalls(mock, skip, "ReadResource"); n != 0 {
		t.Errorf("%d ReadResource calls with refresh off", n)
	}
	want := []string{"delete mock_thing.a " + keys["mock_thing.a"], "delete mock_thing.o " + keys["mock_thing.o"]}
	if got := deposedChanges(p); !slices.Equal(got, want) {
		t.Errorf("deposed changes %q, want %q", got, want)
	}
}

// TestDeposedObjectDestroy: destroying the configuration deletes the
// deposed objects too.
func TestDeposedObjectDestroy(t *testing.T) {
	mock := newReplaceableMock()
	e, keys := deposedEnv(t, mock)
	p := e.plan(planner.Options{Mode: plan.DestroyMode})
	want := []string{"delete mock_thing.a " + keys["mock_thing.a"], "delete mock_thing.o " + keys["mock_thing.o"]}
	if got := deposedChanges(p); !slices.Equal(got, want) {
		t.Errorf("deposed changes %q, want %q", got, want)
	}
	e.applyOK(p)
	if objs := mock.Objects(""); len(objs) != 0 {
		t.Errorf("the cloud holds %d objects after destroy", len(objs))
	}
	if all := e.state().AllInstances(); len(all) != 0 {
		t.Errorf("the state records %v after destroy", all)
	}
}

// TestDeposedObjectDeleteFails: a deletion that fails keeps the object
// deposed, under the same key, and the next plan deletes it again.
func TestDeposedObjectDeleteFails(t *testing.T) {
	mock := newReplaceableMock()
	e, keys := deposedEnv(t, mock)
	key := keys["mock_thing.a"]
	mock.FailDelete("", "mock_thing", "still locked")
	if d := e.apply(e.plan(planner.Options{})); !d.HasErrors() || !strings.Contains(diagText(d), "still locked") {
		t.Fatalf("apply with failing deletes: %s", diagText(d))
	}
	if e.state().DeposedObject(mustAddr(t, "mock_thing.a"), key) == nil {
		t.Fatalf("the deposed object %s is no longer recorded after its deletion failed", key)
	}
	mock.ClearFailures()
	p := e.plan(planner.Options{})
	if got := deposedChanges(p); !slices.Contains(got, "delete mock_thing.a "+key) {
		t.Fatalf("deposed changes %q after the failure", got)
	}
	e.applyOK(p)
	if p := e.plan(planner.Options{}); p.Changed() {
		t.Errorf("a plan after the apply has changes: %v", actions(p))
	}
}

// TestDeposedObjectTargets: -target naming the resource includes its
// deposed objects, a target elsewhere leaves them, and -exclude of the
// resource leaves them.
func TestDeposedObjectTargets(t *testing.T) {
	mock := newReplaceableMock()
	e, keys := deposedEnv(t, mock)
	a := "delete mock_thing.a " + keys["mock_thing.a"]
	o := "delete mock_thing.o " + keys["mock_thing.o"]
	for _, tc := range []struct {
		name string
		opts planner.Options
		want []string
	}{
		{"target", planner.Options{Targets: []string{"mock_thing.a"}}, []string{a}},
		{"target elsewhere", planner.Options{Targets: []string{"mock_user.other"}}, nil},
		{"exclude", planner.Options{Excludes: []string{"mock_thing.a"}}, []string{o}},
	} {
		p, diags := planner.Plan(context.Background(), e.config(), e.state(), e.prov, tc.opts)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", tc.name, diagText(diags))
		}
		if got := deposedChanges(p); !slices.Equal(got, tc.want) {
			t.Errorf("%s: deposed changes %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestDeposedObjectInModule: a deposed object of a resource in a module is
// deleted while the module is configured, and with the resource when the
// module is removed.
func TestDeposedObjectInModule(t *testing.T) {
	mod := func(v string) string {
		return `
provider "mock" {}
module "m" {
  source = "./m"
  v      = "` + v + `"
}
`
	}
	const child = `
variable "v" {}
resource "mock_thing" "a" {
  count = 2
  v     = "${var.v}-${count.index}"
  lifecycle {
    create_before_destroy = true
  }
}
`
	mock := newReplaceableMock()
	e := newMockEnv(t, mock, map[string]string{"main.hcl": mod("1"), "m/main.hcl": child})
	e.applyOK(e.plan(planner.Options{}))
	e.write("main.hcl", mod("2"))
	mock.FailDelete("", "mock_thing", "the object is locked")
	if d := e.apply(e.plan(planner.Options{})); !d.HasErrors() {
		t.Fatal("apply with failing deletes succeeded")
	}
	mock.ClearFailures()
	st := e.state()
	var want []string
	for _, addr := range []string{"module.m.mock_thing.a[0]", "module.m.mock_thing.a[1]"} {
		in := st.Instance(mustAddr(t, addr))
		if in == nil || len(in.Deposed) != 1 {
			t.Fatalf("%s: %+v, want one deposed object", addr, in)
		}
		for k := range in.Deposed {
			want = append(want, "delete "+addr+" "+k)
		}
	}
	p := e.plan(planner.Options{})
	if got := deposedChanges(p); !slices.Equal(got, want) {
		t.Errorf("deposed changes %q, want %q", got, want)
	}

	// Without the module: the current objects and the deposed ones go.
	e.write("main.hcl", `provider "mock" {}`)
	p = e.plan(planner.Options{})
	if got := deposedChanges(p); !slices.Equal(got, want) {
		t.Errorf("without the module: deposed changes %q, want %q", got, want)
	}
	if _, _, destroy, _, _ := p.Counts(); destroy != 4 {
		t.Errorf("without the module the plan destroys %d, want 4", destroy)
	}
	e.applyOK(p)
	if objs := mock.Objects(""); len(objs) != 0 {
		t.Errorf("the cloud holds %d objects", len(objs))
	}
	if all := e.state().AllInstances(); len(all) != 0 {
		t.Errorf("the state records %v", all)
	}
}
