package launch

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/providers/builtin"
	"github.com/indigo-cloud/indigo/providers/plugin"
)

func TestMain(m *testing.M) {
	builtin.MaybeServe()
	os.Exit(m.Run())
}

func startBuiltin(t testing.TB, l *Launcher) *plugin.Provider {
	t.Helper()
	p, err := l.Start(context.Background(), config.BuiltinProvider)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// TestBuiltinProviderAndSchemaCache starts the built-in provider as a
// separate process (this test binary re-executed in plugin mode), and a
// second time from the schema cache.
func TestBuiltinProviderAndSchemaCache(t *testing.T) {
	cache := &plugin.SchemaCache{Dir: t.TempDir()}
	l := &Launcher{Cache: cache}
	p := startBuiltin(t, l)
	s, err := p.Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Resources["indigo_noop"]; !ok || p.ProtocolVersion() != 6 {
		t.Fatalf("built-in provider: protocol %d, resources %v", p.ProtocolVersion(), s.Resources)
	}
	// The schema and, beside it, the identity schemas.
	files, _ := filepath.Glob(filepath.Join(cache.Dir, "*"))
	if len(files) != 2 {
		t.Fatalf("schema cache files: %v", files)
	}
	if _, err := l.Start(context.Background(), config.Provider{Hostname: config.BuiltinHostname, Namespace: "builtin", Type: "nosuch"}); err == nil {
		t.Fatal("an unknown built-in provider must be refused")
	}
	if _, err := l.Start(context.Background(), config.Provider{Hostname: config.BuiltinHostname, Namespace: "builtin", Type: "terraform"}); err == nil {
		t.Fatal("the terraform provider under indigo's hostname must be refused: it is terraform.io/builtin/terraform")
	}
	if _, err := l.Start(context.Background(), config.ImpliedProvider("aws")); err == nil {
		t.Fatal("a provider that is not installed must be refused with advice")
	}
}

// BenchmarkNoopRoundTrip is one PlanResourceChange + ApplyResourceChange
// of indigo_noop against the built-in provider process over go-plugin.
func BenchmarkNoopRoundTrip(b *testing.B) {
	p := startBuiltin(b, &Launcher{})
	ctx := context.Background()
	s, err := p.Schema(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if d := p.ConfigureProvider(ctx, plugin.ConfigureRequest{Config: cty.NullVal(s.Provider.ImpliedType())}); d.HasErrors() {
		b.Fatal(d.Err())
	}
	ty := s.Resources["indigo_noop"].Block.ImpliedType()
	cfg := cty.ObjectVal(map[string]cty.Value{
		"id": cty.NullVal(cty.String), "input": cty.StringVal("x"),
		"output": cty.NullVal(cty.DynamicPseudoType), "triggers_replace": cty.NullVal(cty.DynamicPseudoType),
	})
	cfg, _ = convert.Convert(cfg, ty)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pr := p.PlanResourceChange(ctx, plugin.PlanRequest{TypeName: "indigo_noop", PriorState: cty.NullVal(ty), ProposedNewState: cfg, Config: cfg})
		if pr.Diagnostics.HasErrors() {
			b.Fatal(pr.Diagnostics.Err())
		}
		ar := p.ApplyResourceChange(ctx, plugin.ApplyRequest{TypeName: "indigo_noop", PriorState: cty.NullVal(ty), PlannedState: pr.PlannedState, Config: cfg})
		if ar.Diagnostics.HasErrors() {
			b.Fatal(ar.Diagnostics.Err())
		}
	}
}
