package planner_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/providers/plugin"
)

// hangAfterApply is a real provider that carries out ApplyResourceChange
// and then, instead of answering, hangs until its caller gives up: a
// provider that froze (or lost its network) after creating the object.
type hangAfterApply struct {
	planner.Provider
	calls atomic.Int64
}

func (h *hangAfterApply) ApplyResourceChange(ctx context.Context, req plugin.ApplyRequest) plugin.ApplyResponse {
	h.calls.Add(1)
	h.Provider.ApplyResourceChange(context.WithoutCancel(ctx), req)
	<-ctx.Done()
	err := &plugin.CallError{Provider: "hang", Addr: req.Addr, Operation: "ApplyResourceChange", Err: ctx.Err()}
	return plugin.ApplyResponse{Diagnostics: plugin.Diagnostics{{Severity: plugin.Error, Summary: "Provider did not answer in time", Detail: err.Error(), Err: err}}}
}

// TestProviderTimeout: a provider call that hangs is cancelled after
// Options.ProviderTimeout with an error naming the provider, the resource
// and the operation; the provider is not called again in the run; the
// operation whose answer never came stays in flight (the object it made
// is not forgotten), and Reconcile records it.
func TestProviderTimeout(t *testing.T) {
	e := newEnv(t, map[string]string{"main.tf": basic})
	real := e.prov
	var hung *hangAfterApply
	e.prov = planner.ProvidersFunc(func(ctx context.Context, a config.Provider) (planner.Provider, error) {
		// Not bounded by the (short) timeout of this test: a slow start
		// (the race detector) is not what is tested here.
		p, err := real.Start(context.WithoutCancel(ctx), a)
		if err != nil {
			return nil, err
		}
		hung = &hangAfterApply{Provider: p}
		return hung, nil
	})
	p := e.plan(planner.Options{})
	m := e.open()
	start := time.Now()
	diags := planner.Apply(context.Background(), e.config(), p, m, e.prov, planner.Options{ProviderTimeout: 300 * time.Millisecond}, nil)
	took := time.Since(start)
	text := diagText(diags)
	for _, want := range []string{"Provider call timed out", "indigo_file.a", "ApplyResourceChange", "300ms", "-provider-timeout", "Outcome unknown: left in flight"} {
		if !strings.Contains(text, want) {
			t.Errorf("the errors do not say %q:\n%s", want, text)
		}
	}
	if took > 20*time.Second {
		t.Errorf("the apply took %s: the timeout did not stop it", took)
	}
	if n := hung.calls.Load(); n != 1 {
		t.Errorf("the hung provider was asked to apply %d times; after its first timeout it must not be called again", n)
	}
	inFlight := m.InFlight()
	if err := m.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(inFlight) != 1 || inFlight[0].Addr.String() != "indigo_file.a" {
		t.Fatalf("in flight after the timeout: %v; want the create of indigo_file.a", inFlight)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "root", "a.txt")); err != nil {
		t.Fatalf("the provider did create the file: %v", err)
	}

	// The next run reconciles it with a provider that answers.
	e.prov = real
	m = e.open()
	lines, rd := planner.Reconcile(context.Background(), e.config(), m, e.prov, planner.Options{})
	if rd.HasErrors() {
		t.Fatalf("reconcile: %s", diagText(rd))
	}
	st := m.State()
	m.Close(context.Background())
	if len(st.InFlight()) != 0 || st.Instance(mustInstance(t, "indigo_file.a")) == nil {
		t.Fatalf("after reconciling (%v): in flight %v, recorded %v", lines, st.InFlight(), st.AllInstances())
	}
	if a := actions(e.plan(planner.Options{})); a["indigo_file.a"] != plan.NoOp {
		t.Errorf("after reconciling, indigo_file.a is planned %v", a["indigo_file.a"])
	}
}

func mustInstance(t *testing.T, s string) config.InstanceAddr {
	t.Helper()
	a, diags := config.ParseInstanceAddr(s)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return a
}
