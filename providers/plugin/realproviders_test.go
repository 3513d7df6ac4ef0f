package plugin

import (
	"context"
	"github.com/indigo-cloud/indigo/providers/plugin/plugintest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
)

// The real providers' modules and versions live in plugintest, shared with
// the CLI's tests.
const (
	localModule     = plugintest.LocalModule
	localVersion    = plugintest.LocalVersion
	openstackModule = plugintest.OpenStackModule
	openstackVer    = plugintest.OpenStackVersion
)

func realProvider(t testing.TB, module, version string) string {
	t.Helper()
	return plugintest.RealProvider(t, module, version)
}

func startReal(t *testing.T, name, bin string) *Provider {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := Start(ctx, StartOptions{Name: name, Cmd: exec.Command(bin), Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// TestRealLocalProvider manages a real file with hashicorp/local: create,
// refresh, drift (the file deleted behind its back), data source, destroy.
func TestRealLocalProvider(t *testing.T) {
	bin := realProvider(t, localModule, localVersion)
	p := startReal(t, "registry.terraform.io/hashicorp/local", bin)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	s, err := p.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("hashicorp/local speaks protocol %d", p.ProtocolVersion())
	fileSchema, ok := s.Resources["local_file"]
	if !ok {
		t.Fatalf("no local_file in %v", s.Resources)
	}
	file := fileSchema.Block
	if a := file.Attributes["sensitive_content"]; a == nil || !a.Sensitive {
		t.Errorf("local_file.sensitive_content = %+v, want a sensitive attribute", a)
	}
	if _, diags := p.ValidateProviderConfig(ctx, objectOf(s.Provider, nil)); diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	if diags := p.ConfigureProvider(ctx, ConfigureRequest{Config: objectOf(s.Provider, nil)}); diags.HasErrors() {
		t.Fatal(diags.Err())
	}

	path := filepath.Join(t.TempDir(), "hello.txt")
	cfg := objectOf(file, map[string]cty.Value{"filename": cty.StringVal(path), "content": cty.StringVal("hello from indigo\n")})
	const addr = "local_file.hello"
	if diags := p.ValidateResourceConfig(ctx, ValidateRequest{Addr: addr, TypeName: "local_file", Config: cfg}); diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	null := cty.NullVal(file.ImpliedType())
	plan := p.PlanResourceChange(ctx, PlanRequest{Addr: addr, TypeName: "local_file", PriorState: null, ProposedNewState: cfg, Config: cfg})
	if plan.Diagnostics.HasErrors() {
		t.Fatal(plan.Diagnostics.Err())
	}
	if id := plan.PlannedState.GetAttr("id"); id.IsKnown() {
		t.Errorf("planned id %#v, want unknown", id)
	}
	apply := p.ApplyResourceChange(ctx, ApplyRequest{Addr: addr, TypeName: "local_file", PriorState: null, PlannedState: plan.PlannedState, Config: cfg, PlannedPrivate: plan.PlannedPrivate})
	if apply.Diagnostics.HasErrors() {
		t.Fatal(apply.Diagnostics.Err())
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "hello from indigo\n" {
		t.Fatalf("file after apply: %q, %v", b, err)
	}

	read := p.ReadResource(ctx, ReadRequest{Addr: addr, TypeName: "local_file", PriorState: apply.NewState, Private: apply.Private})
	if read.Diagnostics.HasErrors() || !read.NewState.RawEquals(apply.NewState) {
		t.Errorf("refresh changed the state: %#v, %v", read.NewState, read.Diagnostics.Err())
	}
	// The provider sent back the state it was sent, byte for byte: the
	// response says so instead of decoding it again.
	if !read.Unchanged {
		t.Errorf("a refresh that changed nothing is not reported Unchanged")
	}

	echoSchema := s.DataSources["local_file"].Block
	data := p.ReadDataSource(ctx, ReadDataRequest{Addr: "data.local_file.hello", TypeName: "local_file", Config: objectOf(echoSchema, map[string]cty.Value{"filename": cty.StringVal(path)})})
	if data.Diagnostics.HasErrors() || !data.State.GetAttr("content").RawEquals(cty.StringVal("hello from indigo\n")) {
		t.Errorf("data source: %#v, %v", data.State, data.Diagnostics.Err())
	}

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if read := p.ReadResource(ctx, ReadRequest{Addr: addr, TypeName: "local_file", PriorState: apply.NewState}); read.Diagnostics.HasErrors() || !read.NewState.IsNull() || read.Unchanged {
		t.Errorf("refresh of a deleted file: %#v (unchanged: %v), %v", read.NewState, read.Unchanged, read.Diagnostics.Err())
	}
	destroy := p.ApplyResourceChange(ctx, ApplyRequest{Addr: addr, TypeName: "local_file", PriorState: apply.NewState, PlannedState: null, Config: null})
	if destroy.Diagnostics.HasErrors() || !destroy.NewState.IsNull() {
		t.Errorf("destroy: %#v, %v", destroy.NewState, destroy.Diagnostics.Err())
	}
	if fns, err := p.Functions(ctx); err != nil {
		t.Errorf("Functions: %v", err)
	} else {
		t.Logf("hashicorp/local functions: %d", len(fns))
	}
}

// TestRealOpenStackProvider checks a legacy-SDK provider offline: a big
// schema, validation, PrepareProviderConfig and a plan with the legacy type
// system flag.
func TestRealOpenStackProvider(t *testing.T) {
	bin := realProvider(t, openstackModule, openstackVer)
	p := startReal(t, "registry.terraform.io/terraform-provider-openstack/openstack", bin)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if v := p.ProtocolVersion(); v != 5 {
		t.Errorf("OpenStack speaks protocol %d, want 5", v)
	}
	s, err := p.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("OpenStack: %d resource types, capabilities %+v", len(s.Resources), s.Capabilities)
	if len(s.Resources) < 50 {
		t.Errorf("only %d resource types", len(s.Resources))
	}
	inst, ok := s.Resources["openstack_compute_instance_v2"]
	if !ok {
		t.Fatal("no openstack_compute_instance_v2")
	}
	if nb := inst.Block.BlockTypes["network"]; nb == nil || nb.Nesting != NestingList {
		t.Errorf("instance network block = %+v", nb)
	}

	prepared, diags := p.ValidateProviderConfig(ctx, objectOf(s.Provider, map[string]cty.Value{"auth_url": cty.StringVal("http://127.0.0.1:1/v3")}))
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	if got := prepared.GetAttr("auth_url"); !got.RawEquals(cty.StringVal("http://127.0.0.1:1/v3")) {
		t.Errorf("prepared auth_url = %#v", got)
	}

	cfg := objectOf(inst.Block, map[string]cty.Value{"name": cty.StringVal("vm"), "image_name": cty.StringVal("debian"), "flavor_name": cty.StringVal("m1.small")})
	const addr = "openstack_compute_instance_v2.vm"
	if diags := p.ValidateResourceConfig(ctx, ValidateRequest{Addr: addr, TypeName: "openstack_compute_instance_v2", Config: cfg}); diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	bad := objectOf(inst.Block, map[string]cty.Value{"name": cty.StringVal("vm"), "power_state": cty.StringVal("levitating")})
	if diags := p.ValidateResourceConfig(ctx, ValidateRequest{Addr: addr, TypeName: "openstack_compute_instance_v2", Config: bad}); !diags.HasErrors() {
		t.Errorf("an invalid power_state validated")
	}
	plan := p.PlanResourceChange(ctx, PlanRequest{Addr: addr, TypeName: "openstack_compute_instance_v2", PriorState: cty.NullVal(inst.Block.ImpliedType()), ProposedNewState: cfg, Config: cfg})
	if plan.Diagnostics.HasErrors() {
		t.Fatal(plan.Diagnostics.Err())
	}
	if !plan.LegacyTypeSystem {
		t.Errorf("a legacy SDK plan without LegacyTypeSystem")
	}
	if id := plan.PlannedState.GetAttr("id"); id.IsKnown() {
		t.Errorf("planned id %#v, want unknown", id)
	}
}
