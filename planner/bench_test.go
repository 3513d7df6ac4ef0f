package planner_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/load"
	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/providers/plugin"
	"github.com/indigo-cloud/indigo/state"
)

// memProvider is an in-process provider with one resource type, bench_thing
// {input, computed id and output}: it lets the benchmarks measure the
// engine alone, without process boundaries. (The end-to-end figures with
// the real built-in provider are make bench's.)
type memProvider struct{ n atomic.Int64 }

var benchSchema = &plugin.Schema{
	Provider: &plugin.Block{},
	Resources: map[string]plugin.ResourceSchema{"bench_thing": {Block: &plugin.Block{Attributes: map[string]*plugin.Attribute{
		"input":  {Type: cty.String, Optional: true},
		"id":     {Type: cty.String, Computed: true},
		"output": {Type: cty.String, Computed: true},
	}}},
		// bench_file has the shape of hashicorp/local's local_file: many
		// attributes, most computed, one sensitive.
		"bench_file": {Block: &plugin.Block{Attributes: map[string]*plugin.Attribute{
			"filename":             {Type: cty.String, Required: true},
			"content":              {Type: cty.String, Optional: true},
			"sensitive_content":    {Type: cty.String, Optional: true, Sensitive: true},
			"content_base64":       {Type: cty.String, Optional: true},
			"source":               {Type: cty.String, Optional: true},
			"file_permission":      {Type: cty.String, Optional: true, Computed: true},
			"directory_permission": {Type: cty.String, Optional: true, Computed: true},
			"id":                   {Type: cty.String, Computed: true},
			"content_md5":          {Type: cty.String, Computed: true},
			"content_sha1":         {Type: cty.String, Computed: true},
			"content_sha256":       {Type: cty.String, Computed: true},
			"content_sha512":       {Type: cty.String, Computed: true},
			"content_base64sha256": {Type: cty.String, Computed: true},
			"content_base64sha512": {Type: cty.String, Computed: true},
		}}},
	},
}

func (m *memProvider) Schema(context.Context) (*plugin.Schema, error) { return benchSchema, nil }
func (m *memProvider) ValidateProviderConfig(_ context.Context, v cty.Value) (cty.Value, plugin.Diagnostics) {
	return v, nil
}
func (m *memProvider) ConfigureProvider(context.Context, plugin.ConfigureRequest) plugin.Diagnostics {
	return nil
}
func (m *memProvider) ValidateResourceConfig(context.Context, plugin.ValidateRequest) plugin.Diagnostics {
	return nil
}
func (m *memProvider) ValidateDataResourceConfig(context.Context, plugin.ValidateRequest) plugin.Diagnostics {
	return nil
}
func (m *memProvider) UpgradeResourceState(_ context.Context, r plugin.UpgradeRequest) plugin.UpgradeResponse {
	// The schema never changes: a recorded object that does not decode
	// cannot be upgraded either.
	return plugin.UpgradeResponse{Diagnostics: plugin.Diagnostics{{Severity: plugin.Error, Summary: "cannot upgrade " + r.Addr}}}
}
func (m *memProvider) ReadResource(_ context.Context, r plugin.ReadRequest) plugin.ReadResponse {
	return plugin.ReadResponse{NewState: r.PriorState, Private: r.Private}
}
func (m *memProvider) PlanResourceChange(_ context.Context, r plugin.PlanRequest) plugin.PlanResponse {
	if r.ProposedNewState.IsNull() {
		return plugin.PlanResponse{PlannedState: r.ProposedNewState}
	}
	attrs := r.ProposedNewState.AsValueMap()
	if r.TypeName == "bench_file" {
		// Computed attributes are known once created, and kept.
		for name, a := range benchSchema.Resources["bench_file"].Block.Attributes {
			if a.Computed && attrs[name].IsNull() {
				attrs[name] = cty.UnknownVal(cty.String)
			}
		}
		return plugin.PlanResponse{PlannedState: cty.ObjectVal(attrs)}
	}
	if r.PriorState.IsNull() {
		attrs["id"] = cty.UnknownVal(cty.String)
		attrs["output"] = cty.UnknownVal(cty.String)
	} else if !r.PriorState.GetAttr("input").RawEquals(attrs["input"]) {
		attrs["output"] = cty.UnknownVal(cty.String)
	}
	return plugin.PlanResponse{PlannedState: cty.ObjectVal(attrs)}
}
func (m *memProvider) ApplyResourceChange(_ context.Context, r plugin.ApplyRequest) plugin.ApplyResponse {
	if r.PlannedState.IsNull() {
		return plugin.ApplyResponse{NewState: r.PlannedState}
	}
	attrs := r.PlannedState.AsValueMap()
	if r.TypeName == "bench_file" {
		for name, v := range attrs {
			if !v.IsKnown() {
				attrs[name] = cty.StringVal(fmt.Sprint(name, m.n.Add(1)))
			}
		}
		return plugin.ApplyResponse{NewState: cty.ObjectVal(attrs)}
	}
	if !attrs["id"].IsKnown() {
		attrs["id"] = cty.StringVal(fmt.Sprint(m.n.Add(1)))
	}
	attrs["output"] = attrs["input"]
	return plugin.ApplyResponse{NewState: cty.ObjectVal(attrs)}
}
func (m *memProvider) ImportResourceState(context.Context, plugin.ImportRequest) plugin.ImportResponse {
	return plugin.ImportResponse{}
}
func (m *memProvider) UpgradeResourceIdentity(context.Context, plugin.UpgradeIdentityRequest) plugin.UpgradeIdentityResponse {
	return plugin.UpgradeIdentityResponse{}
}
func (m *memProvider) MoveResourceState(context.Context, plugin.MoveRequest) plugin.MoveResponse {
	return plugin.MoveResponse{}
}
func (m *memProvider) ReadDataSource(context.Context, plugin.ReadDataRequest) plugin.ReadDataResponse {
	return plugin.ReadDataResponse{}
}
func (m *memProvider) CallFunction(_ context.Context, name string, _ []cty.Value) (cty.Value, error) {
	return cty.NilVal, fmt.Errorf("memProvider has no function %s", name)
}
func (m *memProvider) Stop(context.Context) error { return nil }
func (m *memProvider) Close() error               { return nil }

// benchConfig writes a configuration of n bench_thing resources,
// independent or each depending on the previous one.
func benchConfig(b testing.TB, n int, chained bool) *config.Config {
	dir := b.TempDir()
	var sb strings.Builder
	sb.WriteString("terraform {\n  required_providers {\n    bench = { source = \"example.com/test/bench\" }\n  }\n}\n")
	if chained {
		sb.WriteString("resource \"bench_thing\" \"r0\" {\n  input = \"r0\"\n}\n")
		for i := 1; i < n; i++ {
			fmt.Fprintf(&sb, "resource \"bench_thing\" \"r%d\" {\n  input = bench_thing.r%d.output\n}\n", i, i-1)
		}
	} else {
		fmt.Fprintf(&sb, "resource \"bench_thing\" \"r\" {\n  count = %d\n  input = \"r${count.index}\"\n}\n", n)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	res, diags := load.Path(dir, load.Options{})
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	return res.Config
}

func memProviders() planner.Providers {
	p := &memProvider{}
	return planner.ProvidersFunc(func(context.Context, config.Provider) (planner.Provider, error) { return p, nil })
}

// memRecorder is a StateRecorder over a state in memory, without a
// journal: the benchmarks measure the engine, state has its own.
type memRecorder struct {
	mu      sync.Mutex
	st      *state.State
	intents map[string]state.Intent
}

func (m *memRecorder) State() *state.State { return m.st.DeepCopy() }
func (m *memRecorder) Intent(_ context.Context, in state.Intent) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.intents == nil {
		m.intents = map[string]state.Intent{}
	}
	m.intents[in.ID] = in
	return in.ID, nil
}
func (m *memRecorder) Result(_ context.Context, r state.Result) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	in := m.intents[r.IntentID]
	if r.Object == nil {
		m.st.RemoveResourceInstance(in.Addr)
	} else {
		m.st.SetResourceInstance(in.Addr, in.Provider, r.Object)
	}
	return nil
}
func (m *memRecorder) SetObject(_ context.Context, a config.InstanceAddr, _ string, p config.ProviderConfigAddr, o *state.Object) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.st.SetResourceInstance(a, p, o)
	return nil
}
func (m *memRecorder) RemoveInstance(_ context.Context, a config.InstanceAddr) error {
	m.st.RemoveResourceInstance(a)
	return nil
}
func (m *memRecorder) Depose(context.Context, config.InstanceAddr) (string, error) { return "", nil }
func (m *memRecorder) Move(_ context.Context, f, t config.InstanceAddr) error      { return m.st.Move(f, t) }
func (m *memRecorder) MoveReplacing(_ context.Context, f, t config.InstanceAddr, p config.ProviderConfigAddr, o *state.Object) error {
	if err := m.st.Move(f, t); err != nil {
		return err
	}
	m.st.SetResourceInstance(t, p, o)
	return nil
}
func (m *memRecorder) SetOutput(_ context.Context, n string, o *state.Output) error {
	m.st.SetOutput(n, o)
	return nil
}
func (m *memRecorder) SetPlacement(_ context.Context, a config.ObjectAddr, p *state.Placement) error {
	m.st.SetPlacement(a, p)
	return nil
}

// BenchmarkPlanCreate10k plans 10,000 new resources (graph build and walk)
// with an in-process provider.
func BenchmarkPlanCreate10k(b *testing.B) {
	for _, chained := range []bool{false, true} {
		b.Run(fmt.Sprintf("chained=%v", chained), func(b *testing.B) {
			cfg := benchConfig(b, 10000, chained)
			provs := memProviders()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p, diags := planner.Plan(context.Background(), cfg, state.New(), provs, planner.Options{})
				if diags.HasErrors() || len(p.Changes) != 10000 {
					b.Fatal(diags.Error())
				}
			}
		})
	}
}

// BenchmarkNoChangePlan10k plans 10,000 recorded resources that match the
// configuration: refresh, speculative pass and walk.
func BenchmarkNoChangePlan10k(b *testing.B) {
	for _, chained := range []bool{false, true} {
		b.Run(fmt.Sprintf("chained=%v", chained), func(b *testing.B) {
			benchNoChange(b, benchConfig(b, 10000, chained))
		})
	}
}

// BenchmarkNoChangePlanFiles1k plans 1,000 recorded resources shaped like
// hashicorp/local's local_file (the side-by-side benchmark's resource)
// that match the configuration: the engine's own work per resource in a
// no-change plan, without the provider's process and wire encoding.
func BenchmarkNoChangePlanFiles1k(b *testing.B) {
	benchNoChange(b, loadSource(b, "resource \"bench_file\" \"r\" {\n  count    = 1000\n  filename = \"${path.module}/out/r${count.index}.txt\"\n  content  = \"r${count.index}\\n\"\n}\n"))
}

// benchNoChange applies cfg, then measures no-change plans of it.
func benchNoChange(b *testing.B, cfg *config.Config) {
	provs := memProviders()
	rec := applied(b, cfg, provs)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, diags := planner.Plan(context.Background(), cfg, rec.st, provs, planner.Options{})
		if diags.HasErrors() || p.Changed() {
			b.Fatalf("%s changed=%v", diags.Error(), p.Changed())
		}
	}
}

// applied plans and applies cfg on an empty state, and returns the state.
func applied(tb testing.TB, cfg *config.Config, provs planner.Providers) *memRecorder {
	p, diags := planner.Plan(context.Background(), cfg, state.New(), provs, planner.Options{})
	if diags.HasErrors() {
		tb.Fatal(diags.Error())
	}
	rec := &memRecorder{st: state.New()}
	if d := planner.Apply(context.Background(), cfg, p, rec, provs, planner.Options{}, nil); d.HasErrors() {
		tb.Fatal(d.Error())
	}
	return rec
}

// loadSource loads a configuration of the bench provider's resources.
func loadSource(tb testing.TB, resources string) *config.Config {
	dir := tb.TempDir()
	src := "terraform {\n  required_providers {\n    bench = { source = \"example.com/test/bench\" }\n  }\n}\n" + resources
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src), 0o644); err != nil {
		tb.Fatal(err)
	}
	res, diags := load.Path(dir, load.Options{})
	if diags.HasErrors() {
		tb.Fatal(diags.Error())
	}
	return res.Config
}
