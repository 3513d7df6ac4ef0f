package plugin

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
)

// TestIdentity carries a resource's identity through every call that has
// one, with a framework provider whose indigotest_thing is known by its
// name, over both protocol versions.
func TestIdentity(t *testing.T) {
	for _, protocol := range []int{5, 6} {
		t.Run(fmt.Sprintf("protocol%d", protocol), func(t *testing.T) {
			t.Parallel()
			testIdentity(t, protocol)
		})
	}
}

func testIdentity(t *testing.T, protocol int) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := startProvider(t, protocol)
	schema, err := p.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rs := schema.Resources["indigotest_thing"]
	if rs.Identity == nil {
		t.Fatal("indigotest_thing has no identity schema")
	}
	if a := rs.Identity.Attributes["name"]; a == nil || a.Type != cty.String || !a.RequiredForImport {
		t.Fatalf("identity attribute name = %+v, want a string required for import", a)
	}
	if got := rs.Identity.ImpliedType(); !got.Equals(cty.Object(map[string]cty.Type{"name": cty.String})) {
		t.Errorf("identity type %#v", got)
	}
	if other, ok := schema.Resources["indigotest_noop"]; !ok || other.Identity != nil {
		t.Errorf("indigotest_noop: %v, identity schema %+v, want one without", ok, other.Identity)
	}
	thing := rs.Block
	want := cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("a")})
	const addr = "indigotest_thing.a"

	config := objectOf(thing, map[string]cty.Value{"name": cty.StringVal("a")})
	null := cty.NullVal(thing.ImpliedType())
	plan := p.PlanResourceChange(ctx, PlanRequest{Addr: addr, TypeName: "indigotest_thing", PriorState: null, ProposedNewState: config, Config: config})
	if plan.Diagnostics.HasErrors() {
		t.Fatalf("plan: %v", plan.Diagnostics.Err())
	}
	applied := p.ApplyResourceChange(ctx, ApplyRequest{Addr: addr, TypeName: "indigotest_thing", PriorState: null,
		PlannedState: plan.PlannedState, PlannedIdentity: plan.PlannedIdentity, Config: config, PlannedPrivate: plan.PlannedPrivate})
	if applied.Diagnostics.HasErrors() {
		t.Fatalf("apply: %v", applied.Diagnostics.Err())
	}
	if !applied.NewIdentity.RawEquals(want) {
		t.Fatalf("identity after create = %#v, want %#v", applied.NewIdentity, want)
	}

	read := p.ReadResource(ctx, ReadRequest{Addr: addr, TypeName: "indigotest_thing", PriorState: applied.NewState, PriorIdentity: applied.NewIdentity, Private: applied.Private})
	if read.Diagnostics.HasErrors() || !read.NewIdentity.RawEquals(want) {
		t.Errorf("read: identity %#v, %v", read.NewIdentity, read.Diagnostics.Err())
	}
	// A state recorded before the provider had identities: the read fills
	// one in.
	read = p.ReadResource(ctx, ReadRequest{Addr: addr, TypeName: "indigotest_thing", PriorState: applied.NewState, Private: applied.Private})
	if read.Diagnostics.HasErrors() || !read.NewIdentity.RawEquals(want) {
		t.Errorf("read without a prior identity: identity %#v, %v", read.NewIdentity, read.Diagnostics.Err())
	}

	replan := p.PlanResourceChange(ctx, PlanRequest{Addr: addr, TypeName: "indigotest_thing", PriorState: read.NewState, PriorIdentity: read.NewIdentity,
		ProposedNewState: read.NewState, Config: config, PriorPrivate: read.Private})
	if replan.Diagnostics.HasErrors() || !replan.PlannedIdentity.RawEquals(want) {
		t.Errorf("plan of an existing object: identity %#v, %v", replan.PlannedIdentity, replan.Diagnostics.Err())
	}

	imp := p.ImportResourceState(ctx, ImportRequest{Addr: "indigotest_thing.imp", TypeName: "indigotest_thing",
		Identity: cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("imp")})})
	if imp.Diagnostics.HasErrors() || len(imp.Imported) != 1 {
		t.Fatalf("import by identity: %+v, %v", imp.Imported, imp.Diagnostics.Err())
	}
	got := imp.Imported[0]
	if !got.State.GetAttr("id").RawEquals(cty.StringVal("thing-imp")) || !got.Identity.RawEquals(cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("imp")})) {
		t.Errorf("imported %#v with identity %#v", got.State, got.Identity)
	}

	noID := p.ImportResourceState(ctx, ImportRequest{Addr: "indigotest_noop.imp", TypeName: "indigotest_noop",
		Identity: cty.ObjectVal(map[string]cty.Value{"id": cty.StringVal("x")})})
	if !hasDiag(noID.Diagnostics, Error, "Resource type has no identity", nil) {
		t.Errorf("import by identity of a type without one: %v", noID.Diagnostics)
	}

	// An identity recorded under the current version is decoded without
	// asking the provider; a wrong one is a diagnostic, not a panic.
	up := p.UpgradeResourceIdentity(ctx, UpgradeIdentityRequest{Addr: addr, TypeName: "indigotest_thing", Version: 0, RawIdentityJSON: []byte(`{"name":"a"}`)})
	if up.Diagnostics.HasErrors() || !up.UpgradedIdentity.RawEquals(want) {
		t.Errorf("identity from JSON: %#v, %v", up.UpgradedIdentity, up.Diagnostics.Err())
	}
	up = p.UpgradeResourceIdentity(ctx, UpgradeIdentityRequest{Addr: addr, TypeName: "indigotest_thing", Version: 0, RawIdentityJSON: []byte(`{"nom":"a"}`)})
	if !hasDiag(up.Diagnostics, Error, "Recorded identity does not match the provider's schema", nil) {
		t.Errorf("identity with an unknown attribute: %v", up.Diagnostics)
	}
	// The framework has no upgrader for a version 3 it never declared.
	up = p.UpgradeResourceIdentity(ctx, UpgradeIdentityRequest{Addr: addr, TypeName: "indigotest_thing", Version: 3, RawIdentityJSON: []byte(`{"name":"a"}`)})
	if !up.Diagnostics.HasErrors() {
		t.Errorf("upgrade from an undeclared version: %#v, no error", up.UpgradedIdentity)
	}
}
