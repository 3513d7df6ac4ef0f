package planner_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/planner/internal/mockprovider"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/planner/planfile"
	"github.com/indigo-cloud/indigo/state"
)

const identityConfig = `
provider "mock" {
  name = "alpha"
}

resource "mock_vm" "web" {
  size = "small"
}

resource "mock_disk" "data" {
  vm = mock_vm.web.id
}
`

// recorded is what the state records of addr.
func (e *env) recorded(addr string) *state.Object {
	e.t.Helper()
	m := e.open()
	defer m.Close(context.Background())
	return m.State().ResourceInstance(mustAddr(e.t, addr))
}

// editRecorded changes the object the state records of addr with edit.
func (e *env) editRecorded(addr string, edit func(*state.Object)) {
	e.t.Helper()
	m := e.open()
	defer m.Close(context.Background())
	a := mustAddr(e.t, addr)
	obj := m.State().ResourceInstance(a).DeepCopy()
	edit(obj)
	if err := m.SetObject(context.Background(), a, "", m.State().Resource(a.ContainingResource()).Provider, obj); err != nil {
		e.t.Fatal(err)
	}
}

// planDiags plans and returns the plan's diagnostics, errors included.
func (e *env) planDiags() hcl.Diagnostics {
	e.t.Helper()
	m := e.open()
	defer m.Close(context.Background())
	_, diags := planner.Plan(context.Background(), e.config(), m.State(), e.prov, planner.Options{})
	return diags
}

// identityCalls lists the identities the planner sent with method, as
// "addr identity" strings.
func identityCalls(mock *mockprovider.Mock, method string) []string {
	var out []string
	for _, c := range mock.Calls() {
		if c.Method == method {
			out = append(out, c.Addr+" "+c.Identity)
		}
	}
	return out
}

// TestIdentityRecordedAndSentBack: the identity a provider gives with a
// create is recorded beside the state (of the types that have one only),
// sent back with the next plan's reads and plans, and a provider that
// then answers another identity for the same object is an error naming
// the resource.
func TestIdentityRecordedAndSentBack(t *testing.T) {
	mock := newMock().WithIdentity("mock_vm")
	e := newMockEnv(t, mock, map[string]string{"main.hcl": identityConfig})
	e.applyOK(e.plan(planner.Options{}))

	vm := e.recorded("mock_vm.web")
	id := idOfJSON(t, vm.AttrsJSON)
	want := `{"id":"` + id + `","site":"alpha"}`
	if string(vm.IdentityJSON) != want || vm.IdentitySchemaVersion != 1 {
		t.Fatalf("mock_vm.web recorded with identity %s, want %s", vm.IdentityJSON, want)
	}
	if disk := e.recorded("mock_disk.data"); disk.IdentityJSON != nil {
		t.Errorf("mock_disk.data, a type without identity, recorded with identity %s", disk.IdentityJSON)
	}

	p := e.plan(planner.Options{})
	if a := actions(p); a["mock_vm.web"] != 0 || a["mock_disk.data"] != 0 {
		t.Errorf("second plan: %v, want no changes", a)
	}
	for _, method := range []string{"ReadResource", "PlanResourceChange"} {
		calls := identityCalls(mock, method)
		if !slices.Contains(calls, "mock_vm.web "+want) {
			t.Errorf("%s calls %q: none sent mock_vm.web's identity %s", method, calls, want)
		}
		if !slices.Contains(calls, "mock_disk.data ") {
			t.Errorf("%s calls %q: mock_disk.data was sent an identity", method, calls)
		}
	}
	if c := p.Change(mustAddr(t, "mock_vm.web")); c == nil || !c.BeforeIdentity.RawEquals(cty.ObjectVal(map[string]cty.Value{"id": cty.StringVal(id), "site": cty.StringVal("alpha")})) {
		t.Errorf("plan's change of mock_vm.web carries identity %#v", c)
	}

	// The provider now says the object is another one.
	mock.ChangeIdentity(id, "alpha-vm-999")
	diags := e.planDiags()
	text := diagText(diags)
	if !diags.HasErrors() || !strings.Contains(text, "Provider changed the resource identity") || !strings.Contains(text, "mock_vm.web") || !strings.Contains(text, "alpha-vm-999") {
		t.Errorf("plan after the identity changed: %s", text)
	}
}

// TestIdentityFilledInForOldState: an object recorded without an identity
// (before its provider had identities) gets the one its refresh answers
// recorded by the next apply, even though nothing else changes.
func TestIdentityFilledInForOldState(t *testing.T) {
	mock := newMock()
	e := newMockEnv(t, mock, map[string]string{"main.hcl": identityConfig})
	e.applyOK(e.plan(planner.Options{}))
	if vm := e.recorded("mock_vm.web"); vm.IdentityJSON != nil {
		t.Fatalf("recorded identity %s before the type had one", vm.IdentityJSON)
	}
	mock.WithIdentity("mock_vm")
	p := e.plan(planner.Options{})
	if a := actions(p); a["mock_vm.web"] != 0 {
		t.Fatalf("plan: %v, want no change", a)
	}
	e.applyOK(p)
	vm := e.recorded("mock_vm.web")
	if want := `{"id":"` + idOfJSON(t, vm.AttrsJSON) + `","site":"alpha"}`; string(vm.IdentityJSON) != want {
		t.Errorf("identity after the apply: %s, want %s", vm.IdentityJSON, want)
	}
}

const importIdentityConfig = `
provider "mock" {
  name = "alpha"
}

locals {
  vms = @VMS@
}

resource "mock_vm" "imported" {
  for_each = local.vms
  size     = "small"
}

import {
  for_each = local.vms
  to       = mock_vm.imported[each.key]
  identity = {
    id = each.value
  }
}
`

// TestImportByIdentityForEach: an import block with for_each finds each
// object by its identity; the plan shows it, the apply records the objects
// with their identities, and the next plan has nothing to do.
func TestImportByIdentityForEach(t *testing.T) {
	mock := newMock().WithIdentity("mock_vm")
	// Two VMs made by hand, by another configuration.
	maker := newMockEnv(t, mock, map[string]string{"main.hcl": `
provider "mock" {
  name = "alpha"
}
resource "mock_vm" "a" {
  size = "small"
}
resource "mock_vm" "b" {
  size = "small"
}
`})
	maker.applyOK(maker.plan(planner.Options{}))
	ids := map[string]string{}
	for _, name := range []string{"a", "b"} {
		ids[name] = idOfJSON(t, maker.recorded("mock_vm."+name).AttrsJSON)
	}
	vms := `{ first = "` + ids["a"] + `", second = "` + ids["b"] + `" }`
	e := newMockEnv(t, mock, map[string]string{"main.hcl": strings.ReplaceAll(importIdentityConfig, "@VMS@", vms)})
	p := e.plan(planner.Options{})
	for key, name := range map[string]string{"first": "a", "second": "b"} {
		c := p.Change(mustAddr(t, `mock_vm.imported["`+key+`"]`))
		if c == nil || c.Importing == nil || c.Importing.ID != "" {
			t.Fatalf("%s: %+v, want an import by identity", key, c)
		}
		// As the block gives it: the site, optional for an import, is null.
		want := cty.ObjectVal(map[string]cty.Value{"id": cty.StringVal(ids[name]), "site": cty.NullVal(cty.String)})
		if !c.Importing.Identity.RawEquals(want) {
			t.Errorf("%s imports by %#v, want %#v", key, c.Importing.Identity, want)
		}
	}
	imports := identityCalls(mock, "ImportResourceState")
	if !slices.Contains(imports, `mock_vm.imported["first"] {"id":"`+ids["a"]+`","site":null}`) {
		t.Errorf("ImportResourceState calls %q", imports)
	}
	e.applyOK(p)
	for key, name := range map[string]string{"first": "a", "second": "b"} {
		obj := e.recorded(`mock_vm.imported["` + key + `"]`)
		// The provider filled in the site.
		if obj == nil || idOfJSON(t, obj.AttrsJSON) != ids[name] || string(obj.IdentityJSON) != `{"id":"`+ids[name]+`","site":"alpha"}` {
			t.Errorf("%s recorded with identity %s", key, obj.IdentityJSON)
		}
	}
	for _, c := range e.plan(planner.Options{}).Changes {
		if c.Action != plan.NoOp || c.Importing != nil {
			t.Errorf("plan after the import: %s %v importing %+v, want nothing to do", c.Addr, c.Action, c.Importing)
		}
	}
}

// TestImportIdentityErrors: an identity that does not fit the resource
// type's identity schema is refused where it is written.
func TestImportIdentityErrors(t *testing.T) {
	for _, tc := range []struct {
		name, identity, typ string
		want                []string
	}{
		{"unknown attribute", `{ idd = "x" }`, "mock_vm", []string{"Unsupported identity attribute", `no attribute "idd"`, "Did you mean id?", "main.hcl:10,16-25"}},
		{"missing attribute", `{}`, "mock_vm", []string{"Missing identity attribute", `"id"`, "main.hcl:10,14-16"}},
		{"wrong type", `{ id = ["x"] }`, "mock_vm", []string{"Invalid identity attribute", "must be string", "main.hcl:10,16-26"}},
		{"type without identity", `{ id = "x" }`, "mock_disk", []string{"Resource type has no identity", "id = ", "main.hcl:10,14-26"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mock := newMock().WithIdentity("mock_vm")
			e := newMockEnv(t, mock, map[string]string{"main.hcl": `
provider "mock" {
  name = "alpha"
}
resource "` + tc.typ + `" "x" {
  ` + map[bool]string{true: `vm = "v"`, false: `size = "small"`}[tc.typ == "mock_disk"] + `
}
import {
  to       = ` + tc.typ + `.x
  identity = ` + tc.identity + `
}
`})
			diags := e.planDiags()
			text := diagText(diags)
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("diagnostics lack %q:\n%s", w, text)
				}
			}
		})
	}
}

// TestIndigoFileIdentity: the built-in provider's indigo_file is known by
// its path. Importing one by identity records it with that identity, the
// next plan has nothing to do, and a file it creates is recorded with its
// identity too.
func TestIndigoFileIdentity(t *testing.T) {
	e := newEnv(t, map[string]string{"main.hcl": siteProvider + `
resource "indigo_file" "old" {
  path    = "old.txt"
  content = "by hand"
}
resource "indigo_file" "new" {
  path    = "new.txt"
  content = "by indigo"
}
import {
  to       = indigo_file.old
  identity = { path = "old.txt" }
}
`})
	if err := os.MkdirAll(filepath.Join(e.dir, "site"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.dir, "site", "old.txt"), []byte("by hand"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := e.plan(planner.Options{})
	if c := p.Change(mustAddr(t, "indigo_file.old")); c == nil || c.Importing == nil || c.Action != plan.NoOp {
		t.Fatalf("indigo_file.old: %+v, want an import with no change", c)
	}
	e.applyOK(p)
	for addr, want := range map[string]string{"indigo_file.old": `{"path":"old.txt"}`, "indigo_file.new": `{"path":"new.txt"}`} {
		if obj := e.recorded(addr); obj == nil || string(obj.IdentityJSON) != want {
			t.Errorf("%s recorded as %+v, want identity %s", addr, obj, want)
		}
	}
	for _, c := range e.plan(planner.Options{}).Changes {
		if c.Action != plan.NoOp {
			t.Errorf("plan after the apply: %s %v", c.Addr, c.Action)
		}
	}

	// An update in place keeps the identity (the provider is sent the
	// planned one, and answers with it).
	if err := os.WriteFile(filepath.Join(e.dir, "site", "new.txt"), []byte("changed by hand"), 0o644); err != nil {
		t.Fatal(err)
	}
	p = e.plan(planner.Options{})
	if c := p.Change(mustAddr(t, "indigo_file.new")); c == nil || c.Action != plan.Update {
		t.Fatalf("indigo_file.new after a change by hand: %+v, want an update", c)
	}
	e.applyOK(p)
	if obj := e.recorded("indigo_file.new"); string(obj.IdentityJSON) != `{"path":"new.txt"}` {
		t.Errorf("identity after the update: %s", obj.IdentityJSON)
	}
}

// TestImportIdentityNotKnown: an identity computed from what only the
// apply knows is refused at the plan, where it is written.
func TestImportIdentityNotKnown(t *testing.T) {
	e := newMockEnv(t, newMock().WithIdentity("mock_vm"), map[string]string{"main.hcl": `
provider "mock" {
  name = "alpha"
}
resource "mock_vm" "a" {
  size = "small"
}
resource "mock_vm" "b" {
  size = "small"
}
import {
  to       = mock_vm.b
  identity = { id = mock_vm.a.id }
}
`})
	diags := e.planDiags()
	if text := diagText(diags); !strings.Contains(text, "main.hcl:13,14-35: Import identity not known") {
		t.Errorf("diagnostics:\n%s", text)
	}
}

// TestIdentityUpgrade: an identity recorded under another identity schema
// version goes through the provider's UpgradeResourceIdentity, whose
// refusal is an error naming the resource.
func TestIdentityUpgrade(t *testing.T) {
	mock := newMock().WithIdentity("mock_vm")
	e := newMockEnv(t, mock, map[string]string{"main.hcl": identityConfig})
	e.applyOK(e.plan(planner.Options{}))
	e.editRecorded("mock_vm.web", func(obj *state.Object) { obj.IdentitySchemaVersion = 7 })
	diags := e.planDiags()
	text := diagText(diags)
	if !strings.Contains(text, "no identity version 7") || !slices.Contains(diagAddresses(diags), "mock_vm.web") {
		t.Errorf("diagnostics (about %q):\n%s", diagAddresses(diags), text)
	}
	if calls := identityCalls(mock, "UpgradeResourceIdentity"); !slices.Contains(calls, "mock_vm.web ") {
		t.Errorf("UpgradeResourceIdentity calls %q", calls)
	}
}

// TestIdentityUpgraded: an identity recorded under an older identity
// schema version ({ id } of version 0) is upgraded by the provider, sent
// in its new shape, and recorded so by the next apply, with the new
// version, though nothing else changes.
func TestIdentityUpgraded(t *testing.T) {
	mock := newMock().WithIdentity("mock_vm")
	e := newMockEnv(t, mock, map[string]string{"main.hcl": identityConfig})
	e.applyOK(e.plan(planner.Options{}))
	var id string
	e.editRecorded("mock_vm.web", func(obj *state.Object) {
		id = idOfJSON(t, obj.AttrsJSON)
		obj.IdentityJSON, obj.IdentitySchemaVersion = []byte(`{"id":"`+id+`"}`), 0
	})
	p := e.plan(planner.Options{})
	want := `{"id":"` + id + `","site":"alpha"}`
	if calls := identityCalls(mock, "ReadResource"); !slices.Contains(calls, "mock_vm.web "+want) {
		t.Errorf("ReadResource calls %q, want one with the upgraded identity", calls)
	}
	e.applyOK(p)
	if got := e.recorded("mock_vm.web"); string(got.IdentityJSON) != want || got.IdentitySchemaVersion != 1 {
		t.Errorf("recorded identity %s version %d, want %s version 1", got.IdentityJSON, got.IdentitySchemaVersion, want)
	}
}

// TestIdentityFilledInByRefreshOnlyApply: an object recorded without an
// identity gets the one its refresh answers recorded by a refresh-only
// apply too (the plan, saved and read back, says so though no value
// drifted), and the next refresh-only plan has nothing to apply.
func TestIdentityFilledInByRefreshOnlyApply(t *testing.T) {
	mock := newMock()
	e := newMockEnv(t, mock, map[string]string{"main.hcl": identityConfig})
	e.applyOK(e.plan(planner.Options{}))
	mock.WithIdentity("mock_vm")
	p := e.plan(planner.Options{Mode: plan.RefreshOnlyMode})
	if len(p.Drift) != 0 || len(p.Identities) != 1 || p.Identities[0].Addr.String() != "mock_vm.web" || !p.Applyable {
		t.Fatalf("refresh-only plan: drift %v, identities %v, applyable %v; want the identity of mock_vm.web alone, applyable", p.Drift, p.Identities, p.Applyable)
	}
	var saved bytes.Buffer
	if err := planfile.Write(&saved, p); err != nil {
		t.Fatal(err)
	}
	read, err := planfile.Read(&saved)
	if err != nil {
		t.Fatal(err)
	}
	if len(read.Identities) != 1 || !reflect.DeepEqual(read.Identities[0], p.Identities[0]) {
		t.Fatalf("identities read back %v, want %v", read.Identities, p.Identities)
	}
	e.applyOK(read)
	vm := e.recorded("mock_vm.web")
	if want := `{"id":"` + idOfJSON(t, vm.AttrsJSON) + `","site":"alpha"}`; string(vm.IdentityJSON) != want {
		t.Errorf("identity after the refresh-only apply: %s, want %s", vm.IdentityJSON, want)
	}
	if disk := e.recorded("mock_disk.data"); disk.IdentityJSON != nil {
		t.Errorf("mock_disk.data, of a type without identity, records %s", disk.IdentityJSON)
	}
	if again := e.plan(planner.Options{Mode: plan.RefreshOnlyMode}); again.Applyable || len(again.Identities) != 0 {
		t.Fatalf("second refresh-only plan: identities %v, applyable %v; want nothing", again.Identities, again.Applyable)
	}
}

// TestPlanCarriesPriorDependencies: each change starting from a recorded
// object carries the dependencies the state records of it (the JSON plan's
// prior_state shows them as depends_on).
func TestPlanCarriesPriorDependencies(t *testing.T) {
	e := newMockEnv(t, newMock(), map[string]string{"main.hcl": identityConfig})
	e.applyOK(e.plan(planner.Options{}))
	p := e.plan(planner.Options{})
	disk := p.Change(mustAddr(t, "mock_disk.data"))
	if disk == nil {
		t.Fatal("no change for mock_disk.data")
	}
	var deps []string
	for _, d := range disk.PriorDependencies {
		deps = append(deps, d.String())
	}
	if !slices.Equal(deps, []string{"mock_vm.web"}) {
		t.Errorf("prior dependencies of mock_disk.data %v, want [mock_vm.web]", deps)
	}
	if vm := p.Change(mustAddr(t, "mock_vm.web")); vm == nil || len(vm.PriorDependencies) != 0 {
		t.Errorf("mock_vm.web: %+v, want a change without prior dependencies", vm)
	}
}
