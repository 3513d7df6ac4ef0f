package plugin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
)

// TestProvider drives a real provider process through every RPC, once per
// protocol version: the same framework provider served as 5 and as 6.
func TestProvider(t *testing.T) {
	for _, protocol := range []int{5, 6} {
		t.Run(fmt.Sprintf("protocol%d", protocol), func(t *testing.T) {
			t.Parallel()
			testProvider(t, protocol)
		})
	}
}

func testProvider(t *testing.T, protocol int) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := startProvider(t, protocol)
	if got := p.ProtocolVersion(); got != protocol {
		t.Fatalf("ProtocolVersion() = %d, want %d", got, protocol)
	}

	// Schema.
	schema, err := p.Schema(ctx)
	if err != nil {
		t.Fatalf("Schema: %v", err)
	}
	thingSchema, ok := schema.Resources["indigotest_thing"]
	if !ok {
		t.Fatalf("schema has no indigotest_thing: %v", schema.Resources)
	}
	thing := thingSchema.Block
	if thingSchema.Version != 1 {
		t.Errorf("indigotest_thing schema version %d, want 1", thingSchema.Version)
	}
	if a := thing.Attributes["secret"]; a == nil || !a.Sensitive || !a.Optional || a.Type != cty.String {
		t.Errorf("attribute secret = %+v, want optional sensitive string", a)
	}
	if a := thing.Attributes["id"]; a == nil || !a.Computed || a.Optional {
		t.Errorf("attribute id = %+v, want computed only", a)
	}
	if a := thing.Attributes["tags"]; a == nil || !a.Type.Equals(cty.Map(cty.String)) {
		t.Errorf("attribute tags = %+v, want map(string)", a)
	}
	if nb := thing.BlockTypes["rule"]; nb == nil || nb.Nesting != NestingList || nb.Block.Attributes["port"] == nil {
		t.Errorf("block rule = %+v, want a list block with port", nb)
	}
	switch protocol {
	case 6:
		a := thing.Attributes["settings"]
		if a == nil || a.NestedType == nil || a.NestedType.Nesting != NestingSingle || !a.NestedType.Attributes["token"].Sensitive {
			t.Errorf("protocol 6 settings = %+v, want a single nested attribute with sensitive token", a)
		}
	case 5:
		if nb := thing.BlockTypes["settings"]; nb == nil || nb.Nesting != NestingSingle {
			t.Errorf("protocol 5 settings = %+v, want a single block", nb)
		}
	}
	if _, ok := schema.DataSources["indigotest_echo"]; !ok {
		t.Errorf("schema has no data source indigotest_echo")
	}
	if schema.ProviderMeta == nil || schema.ProviderMeta.Attributes["module_name"] == nil {
		t.Errorf("provider_meta schema = %+v, want module_name", schema.ProviderMeta)
	}
	if !schema.Capabilities.GetProviderSchemaOptional || !schema.Capabilities.MoveResourceState {
		t.Errorf("capabilities = %+v", schema.Capabilities)
	}
	if f, ok := schema.Functions["join"]; !ok || f.VariadicParameter == nil || f.ReturnType != cty.String {
		t.Errorf("function join = %+v", f)
	}

	// Metadata.
	md, err := p.Metadata(ctx)
	if err != nil {
		t.Fatalf("Metadata: %v", err)
	}
	if !slices.Contains(md.Resources, "indigotest_thing") || !slices.Contains(md.DataSources, "indigotest_echo") || !slices.Contains(md.Functions, "upper") {
		t.Errorf("Metadata = %+v", md)
	}

	// Provider configuration: validation with an attribute path, then
	// configure.
	bad := objectOf(schema.Provider, map[string]cty.Value{"prefix": cty.StringVal("bad")})
	if _, diags := p.ValidateProviderConfig(ctx, bad); !hasDiag(diags, Error, "Invalid prefix", cty.GetAttrPath("prefix")) {
		t.Errorf("ValidateProviderConfig(prefix=bad) = %v, want an error on prefix", diags)
	}
	cfg := objectOf(schema.Provider, map[string]cty.Value{
		"prefix": cty.StringVal("p-"),
		"secret": cty.StringVal("hush").Mark("sensitive"),
	})
	prepared, diags := p.ValidateProviderConfig(ctx, cfg)
	if diags.HasErrors() {
		t.Fatalf("ValidateProviderConfig: %v", diags.Err())
	}
	if got := prepared.GetAttr("prefix"); !got.RawEquals(cty.StringVal("p-")) {
		t.Errorf("prepared prefix = %#v", got)
	}
	if diags := p.ConfigureProvider(ctx, ConfigureRequest{Config: cfg}); diags.HasErrors() {
		t.Fatalf("ConfigureProvider: %v", diags.Err())
	}

	// Resource validation: diagnostics with attribute paths into lists and
	// maps, warnings.
	rule := func(port int64) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{"port": cty.NumberIntVal(port), "protocol": cty.NullVal(cty.String)})
	}
	validate := func(vals map[string]cty.Value) Diagnostics {
		return p.ValidateResourceConfig(ctx, ValidateRequest{Addr: "indigotest_thing.v", TypeName: "indigotest_thing", Config: objectOf(thing, vals)})
	}
	if diags := validate(map[string]cty.Value{"name": cty.StringVal("a"), "value": cty.StringVal("invalid")}); !hasDiag(diags, Error, "Invalid value", cty.GetAttrPath("value")) {
		t.Errorf("validate value=invalid: %v", diags)
	}
	if diags := validate(map[string]cty.Value{"name": cty.StringVal("a"), "rule": cty.ListVal([]cty.Value{rule(80), rule(-1)})}); !hasDiag(diags, Error, "Invalid port", cty.GetAttrPath("rule").IndexInt(1).GetAttr("port")) {
		t.Errorf("validate rule[1].port=-1: %v", diags)
	}
	if diags := validate(map[string]cty.Value{"name": cty.StringVal("a"), "tags": cty.MapVal(map[string]cty.Value{"forbidden": cty.StringVal("x")})}); !hasDiag(diags, Error, "Forbidden tag", cty.GetAttrPath("tags").IndexString("forbidden")) {
		t.Errorf("validate tags[forbidden]: %v", diags)
	}
	if diags := validate(map[string]cty.Value{"name": cty.StringVal("a"), "value": cty.StringVal("suspicious")}); diags.HasErrors() || !hasDiag(diags, Warning, "Suspicious value", cty.GetAttrPath("value")) {
		t.Errorf("validate value=suspicious: %v", diags)
	}
	if diags := validate(map[string]cty.Value{"name": cty.StringVal("a"), "value": cty.StringVal("fine")}); len(diags) != 0 {
		t.Errorf("validate a good config: %v", diags)
	}
	echo := schema.DataSources["indigotest_echo"].Block
	if diags := p.ValidateDataResourceConfig(ctx, ValidateRequest{Addr: "data.indigotest_echo.e", TypeName: "indigotest_echo", Config: objectOf(echo, map[string]cty.Value{"input": cty.StringVal("x")})}); len(diags) != 0 {
		t.Errorf("ValidateDataResourceConfig: %v", diags)
	}
	if diags := validate(map[string]cty.Value{"name": cty.StringVal("a"), "rule": cty.StringVal("not a list")}); len(diags) != 1 || diags[0].Summary != "Value does not match the provider's schema" {
		t.Errorf("validate a value of the wrong type: %v", diags)
	}

	// Create: plan (unknowns), apply (provider_meta, provider configuration
	// reach the resource).
	meta := cty.ObjectVal(map[string]cty.Value{"module_name": cty.StringVal("mod")})
	config := objectOf(thing, map[string]cty.Value{
		"name":   cty.StringVal("a"),
		"value":  cty.StringVal("one"),
		"secret": cty.StringVal("pssst").Mark("sensitive"),
		"rule":   cty.ListVal([]cty.Value{rule(443)}),
	})
	const addr = `indigotest_thing.a["x"]`
	plan := p.PlanResourceChange(ctx, PlanRequest{
		Addr: addr, TypeName: "indigotest_thing",
		PriorState: cty.NullVal(thing.ImpliedType()), ProposedNewState: config, Config: config, ProviderMeta: meta,
	})
	if plan.Diagnostics.HasErrors() {
		t.Fatalf("plan create: %v", plan.Diagnostics.Err())
	}
	for _, name := range []string{"id", "revision"} {
		if v := plan.PlannedState.GetAttr(name); v.IsKnown() {
			t.Errorf("planned %s = %#v, want unknown", name, v)
		}
	}
	if got := plan.PlannedState.GetAttr("value"); !got.RawEquals(cty.StringVal("one")) {
		t.Errorf("planned value = %#v", got)
	}
	if !strings.Contains(string(plan.PlannedPrivate), "plan_note") {
		t.Errorf("planned private = %q, want the provider's plan_note", plan.PlannedPrivate)
	}
	applied := p.ApplyResourceChange(ctx, ApplyRequest{
		Addr: addr, TypeName: "indigotest_thing",
		PriorState: cty.NullVal(thing.ImpliedType()), PlannedState: plan.PlannedState, Config: config,
		PlannedPrivate: plan.PlannedPrivate, ProviderMeta: meta,
	})
	if applied.Diagnostics.HasErrors() {
		t.Fatalf("apply create: %v", applied.Diagnostics.Err())
	}
	state := applied.NewState
	wantAttrs(t, "created", state, map[string]cty.Value{
		"id":          cty.StringVal("thing-a"),
		"revision":    cty.NumberIntVal(1),
		"meta_seen":   cty.StringVal("mod"),
		"prefix_seen": cty.StringVal("p-"),
		"secret":      cty.StringVal("pssst"),
	})
	if !strings.Contains(string(applied.Private), "created") {
		t.Errorf("private after create = %q", applied.Private)
	}
	paths := thing.SensitivePaths(state)
	if !containsPath(paths, cty.GetAttrPath("secret")) {
		t.Errorf("SensitivePaths(state) = %#v, want secret", paths)
	}

	// Read: the private data from apply comes back to the provider.
	read := p.ReadResource(ctx, ReadRequest{Addr: addr, TypeName: "indigotest_thing", PriorState: state, Private: applied.Private, ProviderMeta: meta})
	if read.Diagnostics.HasErrors() {
		t.Fatalf("read: %v", read.Diagnostics.Err())
	}
	wantAttrs(t, "read", read.NewState, map[string]cty.Value{"private_seen": cty.StringVal(`{"by":"create"}`), "id": cty.StringVal("thing-a")})
	if read.Unchanged {
		t.Errorf("a read that changed private_seen is reported Unchanged")
	}
	if !strings.Contains(string(read.Private), "read") {
		t.Errorf("private after read = %q", read.Private)
	}

	// Update: planned private data reaches the apply.
	config2 := objectOf(thing, map[string]cty.Value{"name": cty.StringVal("a"), "value": cty.StringVal("two")})
	proposed := objectOf(thing, map[string]cty.Value{
		"id": state.GetAttr("id"), "name": cty.StringVal("a"), "value": cty.StringVal("two"),
		"revision": state.GetAttr("revision"), "private_seen": state.GetAttr("private_seen"),
		"meta_seen": state.GetAttr("meta_seen"), "prefix_seen": state.GetAttr("prefix_seen"),
	})
	plan2 := p.PlanResourceChange(ctx, PlanRequest{Addr: addr, TypeName: "indigotest_thing", PriorState: state, ProposedNewState: proposed, Config: config2, PriorPrivate: read.Private})
	if plan2.Diagnostics.HasErrors() {
		t.Fatalf("plan update: %v", plan2.Diagnostics.Err())
	}
	if id := plan2.PlannedState.GetAttr("id"); !id.RawEquals(cty.StringVal("thing-a")) {
		t.Errorf("planned id on update = %#v, want the prior id", id)
	}
	if rev := plan2.PlannedState.GetAttr("revision"); rev.IsKnown() {
		t.Errorf("planned revision on update = %#v, want unknown", rev)
	}
	if len(plan2.RequiresReplace) != 0 {
		t.Errorf("RequiresReplace on a value change = %#v", plan2.RequiresReplace)
	}
	applied2 := p.ApplyResourceChange(ctx, ApplyRequest{Addr: addr, TypeName: "indigotest_thing", PriorState: state, PlannedState: plan2.PlannedState, Config: config2, PlannedPrivate: plan2.PlannedPrivate})
	if applied2.Diagnostics.HasErrors() {
		t.Fatalf("apply update: %v", applied2.Diagnostics.Err())
	}
	wantAttrs(t, "updated", applied2.NewState, map[string]cty.Value{
		"revision":     cty.NumberIntVal(2),
		"private_seen": cty.StringVal(`{"planned_value":"two"}`),
	})

	// A name change requires replacement.
	config3 := objectOf(thing, map[string]cty.Value{"name": cty.StringVal("b"), "value": cty.StringVal("two")})
	proposed3 := objectOf(thing, map[string]cty.Value{"id": state.GetAttr("id"), "name": cty.StringVal("b"), "value": cty.StringVal("two"), "revision": cty.NumberIntVal(2)})
	plan3 := p.PlanResourceChange(ctx, PlanRequest{Addr: addr, TypeName: "indigotest_thing", PriorState: applied2.NewState, ProposedNewState: proposed3, Config: config3})
	if plan3.Diagnostics.HasErrors() {
		t.Fatalf("plan rename: %v", plan3.Diagnostics.Err())
	}
	if !containsPath(plan3.RequiresReplace, cty.GetAttrPath("name")) {
		t.Errorf("RequiresReplace = %#v, want name", plan3.RequiresReplace)
	}

	// Destroy.
	destroyed := p.ApplyResourceChange(ctx, ApplyRequest{Addr: addr, TypeName: "indigotest_thing", PriorState: applied2.NewState, PlannedState: cty.NullVal(thing.ImpliedType()), Config: cty.NullVal(thing.ImpliedType())})
	if destroyed.Diagnostics.HasErrors() || !destroyed.NewState.IsNull() {
		t.Errorf("destroy: state %#v, %v", destroyed.NewState, destroyed.Diagnostics.Err())
	}

	// Read of an object that is gone: null state.
	gone := objectOf(thing, map[string]cty.Value{"id": cty.StringVal("thing-vanish"), "name": cty.StringVal("vanish")})
	if read := p.ReadResource(ctx, ReadRequest{Addr: "indigotest_thing.gone", TypeName: "indigotest_thing", PriorState: gone}); read.Diagnostics.HasErrors() || !read.NewState.IsNull() {
		t.Errorf("read of a vanished object: %#v, %v", read.NewState, read.Diagnostics.Err())
	}

	// Import.
	imp := p.ImportResourceState(ctx, ImportRequest{Addr: "indigotest_thing.imp", TypeName: "indigotest_thing", ID: "thing-imp"})
	if imp.Diagnostics.HasErrors() || len(imp.Imported) != 1 {
		t.Fatalf("import: %+v, %v", imp.Imported, imp.Diagnostics.Err())
	}
	if got := imp.Imported[0]; got.TypeName != "indigotest_thing" || !got.State.GetAttr("name").RawEquals(cty.StringVal("imp")) || !strings.Contains(string(got.Private), "imported") {
		t.Errorf("imported %+v", got)
	}
	if imp := p.ImportResourceState(ctx, ImportRequest{Addr: "indigotest_thing.imp", TypeName: "indigotest_thing", ID: "nonsense"}); !hasDiag(imp.Diagnostics, Error, "Invalid import ID", nil) {
		t.Errorf("import of a bad ID: %v", imp.Diagnostics)
	}

	// Upgrade from schema version 0 (and the no-op upgrade of current state).
	up := p.UpgradeResourceState(ctx, UpgradeRequest{Addr: "indigotest_thing.old", TypeName: "indigotest_thing", Version: 0, RawStateJSON: []byte(`{"id":"thing-old","title":"old","value":"v"}`)})
	if up.Diagnostics.HasErrors() {
		t.Fatalf("upgrade: %v", up.Diagnostics.Err())
	}
	wantAttrs(t, "upgraded", up.UpgradedState, map[string]cty.Value{"name": cty.StringVal("old"), "value": cty.StringVal("v"), "id": cty.StringVal("thing-old")})
	current := []byte(`{"id":"thing-c","name":"c","value":null,"secret":null,"revision":3,"tags":null,"private_seen":null,"meta_seen":null,"prefix_seen":null,"rule":[],"settings":null}`)
	if up := p.UpgradeResourceState(ctx, UpgradeRequest{TypeName: "indigotest_thing", Version: 1, RawStateJSON: current}); up.Diagnostics.HasErrors() || !up.UpgradedState.GetAttr("revision").RawEquals(cty.NumberIntVal(3)) {
		t.Errorf("upgrade of current state: %#v, %v", up.UpgradedState, up.Diagnostics.Err())
	}

	// Move from another resource type.
	mv := p.MoveResourceState(ctx, MoveRequest{
		Addr: "indigotest_thing.moved", SourceProviderAddress: testProviderName, SourceTypeName: "indigotest_legacy",
		SourceStateJSON: []byte(`{"id":"thing-m","title":"moved","value":"mv"}`), TargetTypeName: "indigotest_thing",
	})
	if mv.Diagnostics.HasErrors() {
		t.Fatalf("move: %v", mv.Diagnostics.Err())
	}
	wantAttrs(t, "moved", mv.TargetState, map[string]cty.Value{"name": cty.StringVal("moved"), "value": cty.StringVal("mv")})

	// Data source.
	data := p.ReadDataSource(ctx, ReadDataRequest{Addr: "data.indigotest_echo.e", TypeName: "indigotest_echo", Config: objectOf(echo, map[string]cty.Value{"input": cty.StringVal("x")}), ProviderMeta: meta})
	if data.Diagnostics.HasErrors() {
		t.Fatalf("read data: %v", data.Diagnostics.Err())
	}
	wantAttrs(t, "data", data.State, map[string]cty.Value{"output": cty.StringVal("p-x")})
	if !containsPath(echo.SensitivePaths(data.State), cty.GetAttrPath("secret_output")) {
		t.Errorf("data source sensitive paths = %#v", echo.SensitivePaths(data.State))
	}

	// Functions.
	fns, err := p.Functions(ctx)
	if err != nil {
		t.Fatalf("Functions: %v", err)
	}
	if f, ok := fns["upper"]; !ok || len(f.Parameters) != 1 || f.Parameters[0].Type != cty.String || f.Summary == "" {
		t.Errorf("Functions()[upper] = %+v", f)
	}
	if v, err := p.CallFunction(ctx, "upper", []cty.Value{cty.StringVal("abc")}); err != nil || !v.RawEquals(cty.StringVal("ABC")) {
		t.Errorf("upper(abc) = %#v, %v", v, err)
	}
	var ferr *FunctionError
	if _, err := p.CallFunction(ctx, "upper", []cty.Value{cty.StringVal("")}); !errors.As(err, &ferr) || ferr.Argument != 0 || !strings.Contains(ferr.Text, "empty") {
		t.Errorf(`upper("") error = %v, want a FunctionError on argument 0`, err)
	}
	if v, err := p.CallFunction(ctx, "join", []cty.Value{cty.StringVal(","), cty.StringVal("a"), cty.StringVal("b"), cty.NumberIntVal(3)}); err != nil || !v.RawEquals(cty.StringVal("a,b,3")) {
		t.Errorf("join(\",\", a, b, 3) = %#v, %v", v, err)
	}
	if v, err := p.CallFunction(ctx, "upper", []cty.Value{cty.UnknownVal(cty.String)}); err != nil || v.IsKnown() {
		t.Errorf("upper(unknown) = %#v, %v; want unknown", v, err)
	}
	if _, err := p.CallFunction(ctx, "nope", nil); err == nil {
		t.Errorf("calling an undeclared function succeeded")
	}

	// Stop.
	if err := p.Stop(ctx); err != nil {
		t.Errorf("Stop: %v", err)
	}
}

// TestProviderConcurrentCalls plans from many goroutines at once, the first
// of them racing to load the schema. Run with -race.
func TestProviderConcurrentCalls(t *testing.T) {
	p := startProvider(t, 6)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Go(func() {
			s, err := p.Schema(ctx)
			if err != nil {
				errs <- err
				return
			}
			thing := s.Resources["indigotest_thing"].Block
			cfg := objectOf(thing, map[string]cty.Value{"name": cty.StringVal(fmt.Sprint("n", i))})
			resp := p.PlanResourceChange(ctx, PlanRequest{Addr: fmt.Sprintf("indigotest_thing.c[%d]", i), TypeName: "indigotest_thing", PriorState: cty.NullVal(thing.ImpliedType()), ProposedNewState: cfg, Config: cfg})
			if err := resp.Diagnostics.Err(); err != nil {
				errs <- err
				return
			}
			if got := resp.PlannedState.GetAttr("name"); !got.RawEquals(cty.StringVal(fmt.Sprint("n", i))) {
				errs <- fmt.Errorf("plan %d answered with name %#v", i, got)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestUnknownTypes: a type the provider does not have is a diagnostic, not a
// call.
func TestUnknownTypes(t *testing.T) {
	p := startProvider(t, 6)
	ctx := context.Background()
	resp := p.PlanResourceChange(ctx, PlanRequest{Addr: "nope.x", TypeName: "nope"})
	if !hasDiag(resp.Diagnostics, Error, "Unknown resource type", nil) {
		t.Errorf("plan of an unknown type: %v", resp.Diagnostics)
	}
	data := p.ReadDataSource(ctx, ReadDataRequest{Addr: "data.nope.x", TypeName: "nope"})
	if !hasDiag(data.Diagnostics, Error, "Unknown data source", nil) {
		t.Errorf("read of an unknown data source: %v", data.Diagnostics)
	}
}

func hasDiag(diags Diagnostics, sev Severity, summary string, path cty.Path) bool {
	for _, d := range diags {
		if d.Severity == sev && d.Summary == summary && (path == nil || d.Attribute.Equals(path)) {
			return true
		}
	}
	return false
}

func containsPath(paths []cty.Path, want cty.Path) bool {
	return slices.ContainsFunc(paths, want.Equals)
}

func wantAttrs(t *testing.T, what string, v cty.Value, want map[string]cty.Value) {
	t.Helper()
	if v.IsNull() || !v.IsKnown() {
		t.Errorf("%s: state is %#v", what, v)
		return
	}
	for name, w := range want {
		if got := v.GetAttr(name); !got.RawEquals(w) {
			t.Errorf("%s: %s = %#v, want %#v", what, name, got, w)
		}
	}
}
