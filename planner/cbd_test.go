package planner_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/planner/internal/mockprovider"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/state"
)

// newReplaceableMock has mock_thing, replaced when v or dep changes, and
// mock_user, updated in place.
func newReplaceableMock() *mockprovider.Mock {
	return mockprovider.New(map[string]map[string]mockprovider.Attr{
		"mock_thing": {
			"v":    {Type: cty.String, Optional: true, ForceNew: true},
			"dep":  {Type: cty.String, Optional: true, ForceNew: true},
			"note": {Type: cty.String, Optional: true},
		},
		"mock_user": {
			"dep":  {Type: cty.String, Optional: true},
			"note": {Type: cty.String, Optional: true},
		},
	})
}

// cbdChains has dependents with create_before_destroy over dependencies
// without it: directly (a on b), through a resource and a local (e on c on
// d, d saying false), across a module boundary (f on module.m's b, j by
// depends_on the module) and through a data source (i on h on g). plain
// depends on nothing and x only on b: both are replaced destroy-first.
const cbdChains = `
provider "mock" {}

variable "v" {
  default = "1"
}

resource "mock_thing" "b" {
  v = var.v
}
resource "mock_thing" "a" {
  dep = mock_thing.b.id
  lifecycle {
    create_before_destroy = true
  }
}
resource "mock_thing" "x" {
  dep = mock_thing.b.id
}

resource "mock_thing" "d" {
  v = var.v
  lifecycle {
    create_before_destroy = false
  }
}
resource "mock_thing" "c" {
  dep = mock_thing.d.id
}
locals {
  c = mock_thing.c.id
}
resource "mock_thing" "e" {
  dep = local.c
  lifecycle {
    create_before_destroy = true
  }
}

module "m" {
  source = "./m"
  v      = var.v
}
resource "mock_thing" "f" {
  dep = module.m.id
  lifecycle {
    create_before_destroy = true
  }
}
resource "mock_thing" "j" {
  v          = var.v
  depends_on = [module.m]
  lifecycle {
    create_before_destroy = true
  }
}

resource "mock_thing" "g" {
  v = var.v
}
data "mock_thing" "h" {
  dep = mock_thing.g.id
}
resource "mock_thing" "i" {
  dep = data.mock_thing.h.dep
  lifecycle {
    create_before_destroy = true
  }
}

resource "mock_thing" "plain" {
  v = var.v
}
`

const cbdModule = `
variable "v" {}
resource "mock_thing" "b" {
  v = var.v
}
output "id" {
  value = mock_thing.b.id
}
`

// applyCalls returns the ApplyResourceChange calls made after the first
// skip calls, as "action addr" strings.
func applyCalls(mock *mockprovider.Mock, skip int) []string {
	var out []string
	for _, c := range mock.Calls()[skip:] {
		if c.Method == "ApplyResourceChange" {
			out = append(out, c.Action+" "+c.Addr)
		}
	}
	return out
}

// before reports whether x comes before y in calls, both present.
func before(calls []string, x, y string) bool {
	ix, iy := -1, -1
	for i, c := range calls {
		if c == x && ix < 0 {
			ix = i
		}
		if c == y && iy < 0 {
			iy = i
		}
	}
	return ix >= 0 && iy >= 0 && ix < iy
}

func TestCreateBeforeDestroyPropagatesToDependencies(t *testing.T) {
	mock := newReplaceableMock()
	e := newMockEnv(t, mock, map[string]string{"main.hcl": cbdChains, "m/main.hcl": cbdModule})
	e.applyOK(e.plan(planner.Options{}))

	// The first apply records the effective setting already.
	m := e.open()
	st := m.State()
	m.Close(context.Background())
	recorded := func(st *state.State, addr string) bool {
		t.Helper()
		obj := st.ResourceInstance(mustAddr(t, addr))
		if obj == nil {
			t.Fatalf("%s is not recorded", addr)
		}
		return obj.CreateBeforeDestroy
	}
	forced := []string{"mock_thing.b", "mock_thing.c", "mock_thing.d", "module.m.mock_thing.b", "mock_thing.g"}
	for _, addr := range forced {
		if !recorded(st, addr) {
			t.Errorf("%s: the state does not record the create_before_destroy its dependent forces", addr)
		}
	}
	for _, addr := range []string{"mock_thing.plain", "mock_thing.x"} {
		if recorded(st, addr) {
			t.Errorf("%s: create_before_destroy recorded, but nothing asks for it", addr)
		}
	}

	p := e.plan(planner.Options{Vars: map[string]cty.Value{"v": cty.StringVal("2")}})
	got := actions(p)
	replaced := append([]string{"mock_thing.a", "mock_thing.e", "mock_thing.f", "mock_thing.j", "mock_thing.i"}, forced...)
	for _, addr := range replaced {
		if got[addr] != plan.CreateThenDelete {
			t.Errorf("%s: %v, want create then delete (all %v)", addr, got[addr], got)
		}
	}
	for _, addr := range []string{"mock_thing.plain", "mock_thing.x"} {
		if got[addr] != plan.DeleteThenCreate {
			t.Errorf("%s: %v, want delete then create", addr, got[addr])
		}
	}
	if c := p.Change(mustAddr(t, "mock_thing.d")); c == nil || !c.CreateBeforeDestroy {
		t.Errorf("mock_thing.d: the change does not say create_before_destroy: %+v", c)
	}

	skip := len(mock.Calls())
	e.applyOK(p)
	calls := applyCalls(mock, skip)
	for _, addr := range replaced {
		if !before(calls, "create "+addr, "delete "+addr) {
			t.Errorf("%s: the new object is not created before the old one is deleted: %q", addr, calls)
		}
	}
	// dependent, dependency: the dependent's new object uses the
	// dependency's new one; its old object goes before the dependency's.
	for _, pair := range [][2]string{
		{"mock_thing.a", "mock_thing.b"},
		{"mock_thing.e", "mock_thing.c"},
		{"mock_thing.c", "mock_thing.d"},
		{"mock_thing.f", "module.m.mock_thing.b"},
		{"mock_thing.j", "module.m.mock_thing.b"},
		{"mock_thing.i", "mock_thing.g"},
	} {
		dependent, dependency := pair[0], pair[1]
		if !before(calls, "create "+dependency, "create "+dependent) {
			t.Errorf("%s is created before %s: %q", dependent, dependency, calls)
		}
		if !before(calls, "delete "+dependent, "delete "+dependency) {
			t.Errorf("the old %s is deleted before the old %s: %q", dependency, dependent, calls)
		}
	}
	// x, destroy-first, depends on b, create-first: x's old object goes
	// before its new one, made after the new b and before the old b goes.
	if !before(calls, "delete mock_thing.x", "create mock_thing.x") || !before(calls, "create mock_thing.b", "create mock_thing.x") || !before(calls, "create mock_thing.x", "delete mock_thing.b") {
		t.Errorf("mock_thing.x is not replaced between the new and the old mock_thing.b: %q", calls)
	}
	if n := len(mock.Objects("")); n != 12 {
		t.Errorf("the cloud holds %d objects after the replacements, want 12", n)
	}
	if p := e.plan(planner.Options{Vars: map[string]cty.Value{"v": cty.StringVal("2")}}); p.Changed() {
		t.Errorf("a plan after the apply has changes: %v", actions(p))
	}

	// Destroying everything orders the deletions by the recorded
	// dependencies, with the recorded setting.
	p = e.plan(planner.Options{Mode: plan.DestroyMode, Vars: map[string]cty.Value{"v": cty.StringVal("2")}})
	skip = len(mock.Calls())
	e.applyOK(p)
	calls = applyCalls(mock, skip)
	if !before(calls, "delete mock_thing.e", "delete mock_thing.c") || !before(calls, "delete mock_thing.c", "delete mock_thing.d") {
		t.Errorf("destroy order: %q", calls)
	}
	if n := len(mock.Objects("")); n != 0 {
		t.Errorf("the cloud holds %d objects after destroy", n)
	}
}

// TestCreateBeforeDestroyRecordedOrdersOrphans: an instance left without
// configuration (the count shrank) whose state records
// create_before_destroy is deleted after its dependents are changed, even
// when no dependent asks for the setting any more.
func TestCreateBeforeDestroyRecordedOrdersOrphans(t *testing.T) {
	mock := newReplaceableMock()
	files := func(n, note, lifecycle string) string {
		return `
provider "mock" {}
resource "mock_thing" "b" {
  count = ` + n + `
  v     = "x${count.index}"
}
resource "mock_user" "a" {
  dep  = join(",", mock_thing.b[*].id)
  note = "` + note + `"
  ` + lifecycle + `
}
`
	}
	e := newMockEnv(t, mock, map[string]string{"main.hcl": files("2", "one", "lifecycle {\n    create_before_destroy = true\n  }")})
	e.applyOK(e.plan(planner.Options{}))
	m := e.open()
	obj := m.State().ResourceInstance(mustAddr(t, "mock_thing.b[1]"))
	m.Close(context.Background())
	if obj == nil || !obj.CreateBeforeDestroy {
		t.Fatalf("mock_thing.b[1] does not record the create_before_destroy mock_user.a forces: %+v", obj)
	}

	// Without the lifecycle block and with one instance less: a is
	// updated, b[1] deleted, after the update (which is slow, so a
	// deletion not ordered after it would start first).
	e.write("main.hcl", files("1", "two", ""))
	mock.Delay("mock_user", 300*time.Millisecond)
	p := e.plan(planner.Options{})
	got := actions(p)
	if got["mock_user.a"] != plan.Update || got["mock_thing.b[1]"] != plan.Delete {
		t.Fatalf("actions %v, want mock_user.a updated and mock_thing.b[1] deleted", got)
	}
	skip := len(mock.Calls())
	e.applyOK(p)
	calls := applyCalls(mock, skip)
	if want := "update mock_user.a, delete mock_thing.b[1]"; strings.Join(calls, ", ") != want {
		t.Errorf("applies %q, want %q", calls, want)
	}
	// b[0], unchanged, records that nothing forces the setting now.
	m = e.open()
	obj = m.State().ResourceInstance(mustAddr(t, "mock_thing.b[0]"))
	m.Close(context.Background())
	if obj == nil || obj.CreateBeforeDestroy {
		t.Errorf("mock_thing.b[0] still records create_before_destroy: %+v", obj)
	}
}
