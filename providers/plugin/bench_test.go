package plugin

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// BenchmarkPlanApply is one PlanResourceChange plus one ApplyResourceChange
// (a create) against a framework provider over loopback gRPC with mTLS: the
// per-resource cost of talking to a provider. "noop" is a two-attribute
// resource and measures the protocol; "thing" has a dozen attributes, nested
// blocks and plan modifiers, and mostly measures the framework's own work in
// the provider process.
func BenchmarkPlanApply(b *testing.B) {
	for _, protocol := range []int{5, 6} {
		for _, typeName := range []string{"indigotest_noop", "indigotest_thing"} {
			b.Run(fmt.Sprintf("protocol%d/%s", protocol, strings.TrimPrefix(typeName, "indigotest_")), func(b *testing.B) {
				p := startProvider(b, protocol)
				ctx := context.Background()
				s, err := p.Schema(ctx)
				if err != nil {
					b.Fatal(err)
				}
				block := s.Resources[typeName].Block
				null := cty.NullVal(block.ImpliedType())
				vals := map[string]cty.Value{"input": cty.StringVal("v")}
				if typeName == "indigotest_thing" {
					vals = map[string]cty.Value{"name": cty.StringVal("bench"), "value": cty.StringVal("v")}
				}
				cfg := objectOf(block, vals)
				b.ReportAllocs()
				for b.Loop() {
					plan := p.PlanResourceChange(ctx, PlanRequest{Addr: "x.b", TypeName: typeName, PriorState: null, ProposedNewState: cfg, Config: cfg})
					if plan.Diagnostics.HasErrors() {
						b.Fatal(plan.Diagnostics.Err())
					}
					apply := p.ApplyResourceChange(ctx, ApplyRequest{Addr: "x.b", TypeName: typeName, PriorState: null, PlannedState: plan.PlannedState, Config: cfg, PlannedPrivate: plan.PlannedPrivate})
					if apply.Diagnostics.HasErrors() {
						b.Fatal(apply.Diagnostics.Err())
					}
				}
			})
		}
	}
}

// BenchmarkStartSchema is starting a provider process and getting its
// schema, from the provider and from the on-disk cache. Close is not timed.
// "openstack" (a large legacy-SDK provider, installed on first use) shows
// what the cache is for.
func BenchmarkStartSchema(b *testing.B) {
	for _, provider := range []string{"indigotest", "openstack"} {
		for _, cached := range []bool{false, true} {
			name := provider + "/nocache"
			if cached {
				name = provider + "/cache"
			}
			b.Run(name, func(b *testing.B) { benchmarkStartSchema(b, provider, cached) })
		}
	}
}

func benchmarkStartSchema(b *testing.B, provider string, cached bool) {
	var cache *SchemaCache
	if cached {
		cache = &SchemaCache{Dir: filepath.Join(b.TempDir(), "cache")}
	}
	cmd := func() *exec.Cmd { return providerCmd(b, 6) }
	if provider == "openstack" {
		bin := realProvider(b, openstackModule, openstackVer)
		cmd = func() *exec.Cmd { return exec.Command(bin) }
	}
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p, err := Start(ctx, StartOptions{Name: provider, Cmd: cmd(), Cache: cache, CacheKey: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Schema(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		_ = p.Close()
		b.StartTimer()
	}
}

// BenchmarkParseSchema is turning a GetProviderSchema response into a
// Schema, the work a cache hit still does.
func BenchmarkParseSchema(b *testing.B) {
	p := startProvider(b, 6)
	raw, err := p.proto.getProviderSchema(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, _, err := p.proto.parseSchema(raw); err != nil {
			b.Fatal(err)
		}
	}
}
