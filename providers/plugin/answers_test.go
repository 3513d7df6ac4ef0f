package plugin

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
)

// answerRig runs "plans" of indigotest_noop resources against the test
// provider the way the planner does (validate and configure the provider;
// per resource: ReadResource, ValidateResourceConfig, PlanResourceChange),
// one provider process per run, and counts the calls that reached the
// provider (INDIGO_TESTPROVIDER_CALLS).
type answerRig struct {
	t        *testing.T
	protocol int
	calls    string
	cache    *AnswerCache
	key      string
	env      []string
	prefix   string
	// unknownPrefix configures the provider with an unknown prefix.
	unknownPrefix bool
	// ephemeralConfig validates and configures the provider as the
	// planner does when its configuration holds an ephemeral value.
	ephemeralConfig bool
	// secret, when set, is the value of each resource's write-only
	// secret_wo.
	secret string
	// inputs are the resources' configured inputs, states their applied
	// states and privates their private data.
	inputs   map[string]string
	states   map[string]cty.Value
	privates map[string][]byte
}

func newAnswerRig(t *testing.T, protocol int) *answerRig {
	dir := t.TempDir()
	return &answerRig{
		t: t, protocol: protocol,
		calls:  filepath.Join(dir, "calls"),
		cache:  &AnswerCache{Dir: filepath.Join(dir, "answers")},
		key:    "sha256-of-the-binary " + testProviderName,
		prefix: "p",
		inputs: map[string]string{"a": "one", "b": "two", "c": "three"},
		states: map[string]cty.Value{}, privates: map[string][]byte{},
	}
}

// start starts the provider with the rig's cache (nil: none) and configures
// it.
func (r *answerRig) start(cache *AnswerCache) *Provider {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	env := append([]string{"INDIGO_TESTPROVIDER_CALLS=" + r.calls}, r.env...)
	p, err := Start(ctx, StartOptions{Name: testProviderName, Cmd: providerCmd(r.t, r.protocol, env...), Logger: testLogger(), CacheKey: r.key, Answers: cache})
	if err != nil {
		r.t.Fatalf("starting the test provider: %v", err)
	}
	r.t.Cleanup(func() { _ = p.Close() })
	s, err := p.Schema(ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	cfg := objectOf(s.Provider, map[string]cty.Value{"prefix": cty.StringVal(r.prefix)})
	if r.unknownPrefix {
		cfg = objectOf(s.Provider, map[string]cty.Value{"prefix": cty.UnknownVal(cty.String)})
	}
	cctx := ctx
	if r.ephemeralConfig {
		cctx = WithEphemeral(ctx)
	}
	prepared, diags := p.ValidateProviderConfig(cctx, cfg)
	if diags.HasErrors() {
		r.t.Fatalf("ValidateProviderConfig: %v", diags.Err())
	}
	if diags := p.ConfigureProvider(cctx, ConfigureRequest{Config: prepared}); diags.HasErrors() {
		r.t.Fatalf("ConfigureProvider: %v", diags.Err())
	}
	return p
}

func (r *answerRig) noop(p *Provider) *Block {
	s, err := p.Schema(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	return s.Resources["indigotest_noop"].Block
}

// apply creates the resources.
func (r *answerRig) apply() {
	r.t.Helper()
	ctx := context.Background()
	p := r.start(nil)
	defer p.Close()
	b := r.noop(p)
	for name, input := range r.inputs {
		cfg := objectOf(b, map[string]cty.Value{"input": cty.StringVal(input)})
		null := cty.NullVal(b.ImpliedType())
		plan := p.PlanResourceChange(ctx, PlanRequest{Addr: "indigotest_noop." + name, TypeName: "indigotest_noop", PriorState: null, ProposedNewState: cfg, Config: cfg})
		if plan.Diagnostics.HasErrors() {
			r.t.Fatalf("plan create %s: %v", name, plan.Diagnostics.Err())
		}
		applied := p.ApplyResourceChange(ctx, ApplyRequest{Addr: "indigotest_noop." + name, TypeName: "indigotest_noop", PriorState: null, PlannedState: plan.PlannedState, Config: cfg, PlannedPrivate: plan.PlannedPrivate})
		if applied.Diagnostics.HasErrors() {
			r.t.Fatalf("apply %s: %v", name, applied.Diagnostics.Err())
		}
		r.states[name], r.privates[name] = applied.NewState, applied.Private
	}
}

// planRun is what one run saw.
type planRun struct {
	planned map[string]cty.Value
	calls   map[string]int
	stats   AnswerStats
}

// fresh returns the rig's cache as a new run of indigo sees it: the same
// directory, and nothing an earlier run remembered in memory.
func (r *answerRig) fresh() *AnswerCache {
	return &AnswerCache{Dir: r.cache.Dir, Impure: r.cache.Impure}
}

// plan makes one plan with cache (nil: none); refresh false skips
// ReadResource.
func (r *answerRig) plan(cache *AnswerCache, refresh bool) planRun {
	r.t.Helper()
	if err := os.Remove(r.calls); err != nil && !os.IsNotExist(err) {
		r.t.Fatal(err)
	}
	ctx := context.Background()
	p := r.start(cache)
	b := r.noop(p)
	run := planRun{planned: map[string]cty.Value{}, calls: map[string]int{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, input := range r.inputs {
		wg.Go(func() {
			addr := "indigotest_noop." + name
			prior, private := r.states[name], r.privates[name]
			if refresh {
				read := p.ReadResource(ctx, ReadRequest{Addr: addr, TypeName: "indigotest_noop", PriorState: prior, Private: private})
				if read.Diagnostics.HasErrors() {
					r.t.Errorf("read %s: %v", name, read.Diagnostics.Err())
					return
				}
				prior, private = read.NewState, read.Private
			}
			secret := cty.NullVal(cty.String)
			if r.secret != "" {
				secret = cty.StringVal(r.secret)
			}
			cfg := objectOf(b, map[string]cty.Value{"input": cty.StringVal(input), "secret_wo": secret})
			if d := p.ValidateResourceConfig(ctx, ValidateRequest{Addr: addr, TypeName: "indigotest_noop", Config: cfg}); d.HasErrors() {
				r.t.Errorf("validate %s: %v", name, d.Err())
			}
			proposed := objectOf(b, map[string]cty.Value{"id": prior.GetAttr("id"), "input": cty.StringVal(input), "secret_wo": secret})
			plan := p.PlanResourceChange(ctx, PlanRequest{Addr: addr, TypeName: "indigotest_noop", PriorState: prior, ProposedNewState: proposed, Config: cfg, PriorPrivate: private})
			if plan.Diagnostics.HasErrors() {
				r.t.Errorf("plan %s: %v", name, plan.Diagnostics.Err())
				return
			}
			mu.Lock()
			run.planned[name] = plan.PlannedState
			mu.Unlock()
		})
	}
	wg.Wait()
	run.stats = p.AnswerStats()
	_ = p.Close()
	raw, err := os.ReadFile(r.calls)
	if err != nil && !os.IsNotExist(err) {
		r.t.Fatal(err)
	}
	for _, line := range strings.Fields(string(raw)) {
		run.calls[line]++
	}
	return run
}

// wantCalls checks the provider calls of a run.
func wantCalls(t *testing.T, what string, run planRun, want map[string]int) {
	t.Helper()
	for op, n := range want {
		if run.calls[op] != n {
			t.Errorf("%s: %d %s calls reached the provider, want %d (all: %v, cache %+v)", what, run.calls[op], op, n, run.calls, run.stats)
		}
	}
}

// samePlans checks two runs planned the same states.
func samePlans(t *testing.T, what string, got, want planRun) {
	t.Helper()
	if len(got.planned) != len(want.planned) {
		t.Fatalf("%s: %d plans, want %d", what, len(got.planned), len(want.planned))
	}
	for name, v := range want.planned {
		if !got.planned[name].RawEquals(v) {
			t.Errorf("%s: %s planned %#v, want %#v", what, name, got.planned[name], v)
		}
	}
}

// TestAnswerCache: a second plan of unchanged resources asks the provider
// nothing but ReadResource and plans the same; a change of configuration,
// of provider configuration, of provider binary or environment, a missing
// refresh, an impure provider, a damaged file and the switch all go back
// to the provider.
func TestAnswerCache(t *testing.T) {
	for _, protocol := range []int{5, 6} {
		t.Run(fmt.Sprintf("protocol%d", protocol), func(t *testing.T) {
			t.Parallel()
			r := newAnswerRig(t, protocol)
			r.apply()
			all := map[string]int{"ReadResource": 3, "ValidateResourceConfig": 3, "PlanResourceChange": 3, "ValidateProviderConfig": 1}

			first := r.plan(r.fresh(), true)
			wantCalls(t, "first plan", first, all)
			for name, v := range first.planned {
				if !v.RawEquals(r.states[name]) {
					t.Fatalf("first plan of %s = %#v, want no change from %#v", name, v, r.states[name])
				}
			}

			second := r.plan(r.fresh(), true)
			wantCalls(t, "second plan", second, map[string]int{"ReadResource": 3, "ValidateResourceConfig": 0, "PlanResourceChange": 0, "ValidateProviderConfig": 0, "ConfigureProvider": 1})
			samePlans(t, "second plan", second, first)
			if second.stats.Hits != 7 {
				t.Errorf("second plan: %+v, want 7 hits", second.stats)
			}

			// A fresh AnswerCache reads the same file, as the next
			// indigo process does.
			third := r.plan(&AnswerCache{Dir: r.cache.Dir}, true)
			wantCalls(t, "plan from the file", third, map[string]int{"ValidateResourceConfig": 0, "PlanResourceChange": 0})
			samePlans(t, "plan from the file", third, first)

			// Without a refresh, nothing confirms the prior state.
			noRefresh := r.plan(r.fresh(), false)
			wantCalls(t, "plan without refresh", noRefresh, map[string]int{"ReadResource": 0, "ValidateResourceConfig": 0, "PlanResourceChange": 3})
			samePlans(t, "plan without refresh", noRefresh, first)

			// A changed configuration: b is validated and planned again,
			// and the plan shows the change.
			r.inputs["b"] = "two, changed"
			changed := r.plan(r.fresh(), true)
			wantCalls(t, "changed configuration", changed, map[string]int{"ValidateResourceConfig": 1, "PlanResourceChange": 1})
			if got := changed.planned["b"].GetAttr("input"); !got.RawEquals(cty.StringVal("two, changed")) {
				t.Errorf("changed configuration: b planned with input %#v", got)
			}
			r.inputs["b"] = "two"

			// Another provider configuration: every plan is asked for.
			r.prefix = "q"
			reconfigured := r.plan(r.fresh(), true)
			wantCalls(t, "other provider configuration", reconfigured, map[string]int{"ValidateProviderConfig": 1, "ValidateResourceConfig": 3, "PlanResourceChange": 3})
			samePlans(t, "other provider configuration", reconfigured, first)
			// A configuration with unknown values: nothing is taken
			// from the cache, twice.
			r.unknownPrefix = true
			for range 2 {
				wantCalls(t, "unknown provider configuration", r.plan(r.fresh(), true), map[string]int{"ValidateResourceConfig": 3, "PlanResourceChange": 3})
			}
			r.prefix, r.unknownPrefix = "p", false

			// Another binary, or another environment.
			r.key = "sha256-of-another-binary " + testProviderName
			wantCalls(t, "other binary", r.plan(r.fresh(), true), all)
			r.key = "sha256-of-the-binary " + testProviderName
			r.env = []string{"SOME_PROVIDER_SETTING=1"}
			wantCalls(t, "other environment", r.plan(r.fresh(), true), all)
			// Logging, profiling and the Go runtime's tuning are not
			// part of the identity.
			r.env = []string{"INDIGO_LOG=debug", "TF_LOG_PATH=" + filepath.Join(t.TempDir(), "log"),
				"INDIGO_CPUPROFILE=" + filepath.Join(t.TempDir(), "cpu.pprof"), "INDIGO_TRACE=" + filepath.Join(t.TempDir(), "trace"),
				"INDIGO_PARSE_CACHE=off", "GOGC=400", "GOMEMLIMIT=1GiB", "GOMAXPROCS=1"}
			wantCalls(t, "logging on", r.plan(r.fresh(), true), map[string]int{"ValidateResourceConfig": 0, "PlanResourceChange": 0})
			r.env = nil

			// An impure provider's plans are not cached; its validations
			// are.
			impure := &AnswerCache{Dir: r.cache.Dir, Impure: []string{"indigo-cloud/indigotest"}}
			wantCalls(t, "impure provider", r.plan(impure, true), map[string]int{"ValidateResourceConfig": 0, "PlanResourceChange": 3})
			impureType := &AnswerCache{Dir: r.cache.Dir, Impure: []string{"indigotest_noop"}}
			wantCalls(t, "impure resource type", r.plan(impureType, true), map[string]int{"ValidateResourceConfig": 0, "PlanResourceChange": 3})

			// The switch: no cache, every call.
			wantCalls(t, "cache off", r.plan(nil, true), all)

			// A damaged file is ignored, and rewritten.
			files, _ := filepath.Glob(filepath.Join(r.cache.Dir, "*.answers"))
			if len(files) != 2 {
				t.Fatalf("cache files %v, want one per binary", files)
			}
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				b[len(b)-3] ^= 0x20
				if err := os.WriteFile(f, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			damaged := r.plan(&AnswerCache{Dir: r.cache.Dir}, true)
			wantCalls(t, "damaged file", damaged, all)
			samePlans(t, "damaged file", damaged, first)
			repaired := r.plan(&AnswerCache{Dir: r.cache.Dir}, true)
			wantCalls(t, "rewritten file", repaired, map[string]int{"ValidateResourceConfig": 0, "PlanResourceChange": 0})
		})
	}
}

// TestAnswerCacheEphemeral: requests holding what must not outlive the run
// (a write-only argument's value, a provider configured with an ephemeral
// value) are neither answered from the cache nor kept, run after run, and
// leave the cache file as it was; a plain run still finds its answers.
func TestAnswerCacheEphemeral(t *testing.T) {
	for _, protocol := range []int{5, 6} {
		t.Run(fmt.Sprintf("protocol%d", protocol), func(t *testing.T) {
			t.Parallel()
			r := newAnswerRig(t, protocol)
			r.apply()
			r.plan(r.fresh(), true)
			file := func() []byte {
				t.Helper()
				files, _ := filepath.Glob(filepath.Join(r.cache.Dir, "*.answers"))
				if len(files) != 1 {
					t.Fatalf("cache files %v, want one", files)
				}
				b, err := os.ReadFile(files[0])
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			kept := file()
			asked := map[string]int{"ReadResource": 3, "ValidateResourceConfig": 3, "PlanResourceChange": 3}

			r.secret = "hunter2"
			for i := range 2 {
				run := r.plan(r.fresh(), true)
				wantCalls(t, fmt.Sprintf("write-only value, run %d", i+1), run, asked)
				if run.stats.Kept != 0 || run.stats.Hits != 1 {
					t.Errorf("write-only value, run %d: %+v, want only the provider configuration's validation from the cache", i+1, run.stats)
				}
				if !bytes.Equal(file(), kept) {
					t.Errorf("write-only value, run %d: the cache file changed", i+1)
				}
			}
			r.secret = ""

			r.ephemeralConfig = true
			for i := range 2 {
				run := r.plan(r.fresh(), true)
				wantCalls(t, fmt.Sprintf("ephemeral provider configuration, run %d", i+1), run, map[string]int{"ValidateProviderConfig": 1, "ValidateResourceConfig": 3, "PlanResourceChange": 3})
				if run.stats != (AnswerStats{}) {
					t.Errorf("ephemeral provider configuration, run %d: %+v, want the cache untouched", i+1, run.stats)
				}
				if !bytes.Equal(file(), kept) {
					t.Errorf("ephemeral provider configuration, run %d: the cache file changed", i+1)
				}
			}
			r.ephemeralConfig = false

			plain := r.plan(r.fresh(), true)
			wantCalls(t, "plain run", plain, map[string]int{"ReadResource": 3, "ValidateResourceConfig": 0, "PlanResourceChange": 0, "ValidateProviderConfig": 0})
		})
	}
}

// TestAnswerCacheDiagnostics: warnings are replayed with their attribute
// paths; errors are never kept.
func TestAnswerCacheDiagnostics(t *testing.T) {
	r := newAnswerRig(t, 6)
	ctx := context.Background()
	validate := func(value string) (Diagnostics, int) {
		t.Helper()
		_ = os.Remove(r.calls)
		p := r.start(&AnswerCache{Dir: r.cache.Dir})
		s, _ := p.Schema(ctx)
		cfg := objectOf(s.Resources["indigotest_thing"].Block, map[string]cty.Value{"name": cty.StringVal("n"), "value": cty.StringVal(value)})
		d := p.ValidateResourceConfig(ctx, ValidateRequest{Addr: "indigotest_thing.n", TypeName: "indigotest_thing", Config: cfg})
		_ = p.Close()
		raw, _ := os.ReadFile(r.calls)
		return d, strings.Count(string(raw), "ValidateResourceConfig\n")
	}
	warned, n := validate("suspicious")
	if n != 1 || len(warned) != 1 || warned[0].Severity != Warning {
		t.Fatalf("first validation: %d calls, %#v", n, warned)
	}
	replayed, n := validate("suspicious")
	if n != 0 {
		t.Errorf("second validation: %d calls, want 0", n)
	}
	if len(replayed) != 1 || replayed[0].Severity != Warning || replayed[0].Summary != warned[0].Summary ||
		replayed[0].Detail != warned[0].Detail || !replayed[0].Attribute.Equals(warned[0].Attribute) || FormatPath(replayed[0].Attribute) != "value" {
		t.Errorf("replayed %#v, want %#v", replayed, warned)
	}
	for range 2 {
		d, n := validate("invalid")
		if n != 1 || !d.HasErrors() {
			t.Errorf("validation with an error: %d calls, %v; want 1 call and the error every time", n, d)
		}
	}
}

// TestAnswerCacheConcurrent: several providers sharing one cache, and
// several caches (processes) sharing one directory, plan at once; the file
// stays whole and later runs use it.
func TestAnswerCacheConcurrent(t *testing.T) {
	r := newAnswerRig(t, 6)
	r.apply()
	for name := range r.inputs {
		r.inputs[name] += " "
	}
	for i := range 10 {
		r.inputs[fmt.Sprint("x", i)] = fmt.Sprint(i)
	}
	r.apply()
	shared := &AnswerCache{Dir: r.cache.Dir}
	var wg sync.WaitGroup
	for i := range 4 {
		cache := shared
		if i%2 == 1 {
			cache = &AnswerCache{Dir: r.cache.Dir}
		}
		wg.Go(func() { r.plan(cache, true) })
	}
	wg.Wait()
	files, _ := filepath.Glob(filepath.Join(r.cache.Dir, "*.answers"))
	if len(files) != 1 {
		t.Fatalf("cache files %v, want 1", files)
	}
	if _, err := readAnswers(files[0], r.key); err != nil {
		t.Fatalf("cache file after concurrent runs: %v", err)
	}
	// Every run kept all of its answers, so whichever file won holds
	// them all.
	run := r.plan(&AnswerCache{Dir: r.cache.Dir}, true)
	wantCalls(t, "after concurrent runs", run, map[string]int{"ReadResource": 13, "ValidateResourceConfig": 0, "PlanResourceChange": 0})
}

// TestAnswerBookPruning: an answer no run uses is forgotten once keepRuns
// runs have written the file since it was last used; one in use stays, with
// its warnings.
func TestAnswerBookPruning(t *testing.T) {
	dir := t.TempDir()
	old, kept := answerKey{1}, answerKey{2}
	b := (&AnswerCache{Dir: dir}).book("k")
	b.keep(old, nil, false)
	b.keep(kept, Diagnostics{{Severity: Warning, Summary: "w", Attribute: cty.GetAttrPath("tags").Index(cty.StringVal("x")).Index(cty.NumberIntVal(2))}}, true)
	if err := b.flush(); err != nil {
		t.Fatal(err)
	}
	inFile := func(k answerKey) bool {
		t.Helper()
		f, err := readAnswers(b.path, "k")
		if err != nil {
			t.Fatal(err)
		}
		for _, sa := range f.Answers {
			if sa.ID == k.id() {
				return true
			}
		}
		return false
	}
	for run := 2; run <= keepRuns+1; run++ {
		b := (&AnswerCache{Dir: dir}).book("k")
		warnings, legacy, ok := b.lookup(kept)
		if !ok || !legacy || len(warnings) != 1 || warnings[0].Severity != Warning || FormatPath(warnings[0].Attribute) != `tags["x"][2]` {
			t.Fatalf("run %d: kept answer %v %v %#v", run, ok, legacy, warnings)
		}
		// A new answer each run, so that the file is written.
		b.keep(answerKey{3, byte(run)}, nil, false)
		if err := b.flush(); err != nil {
			t.Fatal(err)
		}
		if got, want := inFile(old), run < keepRuns+1; got != want {
			t.Fatalf("after run %d: unused answer in the file %v, want %v", run, got, want)
		}
		if !inFile(kept) {
			t.Fatalf("after run %d: the answer in use is gone", run)
		}
	}
}

// TestAnswerCacheDefaultImpure: the resource types whose plans read the
// clock are impure by default, their provider's other types are not, and
// an explicit list replaces the default.
func TestAnswerCacheDefaultImpure(t *testing.T) {
	whole, types := (&AnswerCache{}).impure("registry.terraform.io/hashicorp/tls")
	if whole || !types["tls_self_signed_cert"] || !types["tls_locally_signed_cert"] || types["tls_private_key"] {
		t.Errorf("hashicorp/tls by default: whole %v, types %v", whole, types)
	}
	if whole, _ := (&AnswerCache{}).impure("hashicorp/time"); !whole {
		t.Error("hashicorp/time is not impure by default")
	}
	whole, types = (&AnswerCache{Impure: []string{}}).impure("hashicorp/tls")
	if whole || len(types) != 0 {
		t.Errorf("empty list: whole %v, types %v", whole, types)
	}
}

// TestAnswerBookSealsWarnings: a warning's text and the map keys of its
// path never reach the file in clear; the same request opens them again,
// and an entry whose seal was tampered with is a miss.
func TestAnswerBookSealsWarnings(t *testing.T) {
	dir := t.TempDir()
	k := answerKey{7}
	warning := Diagnostic{Severity: Warning, Summary: "weak password hunter2-secret", Detail: "the value s3cr3t-detail is too short",
		Attribute: cty.GetAttrPath("tags").Index(cty.StringVal("private-map-key"))}
	b := (&AnswerCache{Dir: dir}).book("k")
	b.keep(k, Diagnostics{warning}, false)
	if err := b.flush(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(b.path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := readAnswers(b.path, "k")
	if err != nil || len(f.Answers) != 1 || len(f.Answers[0].Sealed) == 0 {
		t.Fatalf("file %+v, %v; want one answer with sealed warnings", f, err)
	}
	// The raw file, and the sealed bytes (base64 in the file).
	for _, clear := range []string{"hunter2-secret", "s3cr3t-detail", "private-map-key", "weak password", hex.EncodeToString(k[:])} {
		if bytes.Contains(raw, []byte(clear)) || bytes.Contains(f.Answers[0].Sealed, []byte(clear)) {
			t.Errorf("the cache file holds %q in clear:\n%s", clear, raw)
		}
	}
	got, _, ok := (&AnswerCache{Dir: dir}).book("k").lookup(k)
	if !ok || len(got) != 1 || got[0].Summary != warning.Summary || got[0].Detail != warning.Detail || FormatPath(got[0].Attribute) != `tags["private-map-key"]` {
		t.Fatalf("replayed %v %#v, want %#v", ok, got, warning)
	}
	if _, _, ok := (&AnswerCache{Dir: dir}).book("k").lookup(answerKey{8}); ok {
		t.Error("another request found the answer")
	}

	// Flip a bit of the sealed warnings and rewrite the file with a
	// good header: the answer no longer opens, so it is not used.
	f.Answers[0].Sealed[len(f.Answers[0].Sealed)-1] ^= 1
	if err := writeAnswers(dir, b.path, "k", f); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := (&AnswerCache{Dir: dir}).book("k").lookup(k); ok {
		t.Error("an answer whose warnings do not open was used")
	}
}

// TestAnswerPlanKey: a plan's key tells apart every input the provider
// answers from (prior state, proposed state, configuration, prior private
// data, provider_meta, provider configuration, schema), and a plan is not
// cacheable without a read that confirmed its prior state, with unknown
// values, for an impure type or after an unsure configuration.
func TestAnswerPlanKey(t *testing.T) {
	block := &Block{Attributes: map[string]*Attribute{
		"id":    {Type: cty.String, Computed: true},
		"input": {Type: cty.String, Optional: true},
	}}
	meta := &Block{Attributes: map[string]*Attribute{"m": {Type: cty.String, Optional: true}}}
	schema := func(version int64) *loadedSchema {
		identity := &IdentitySchema{Attributes: map[string]*IdentityAttribute{"id": {Type: cty.String}}}
		return newLoadedSchema(&Schema{Provider: &Block{}, ProviderMeta: meta, Resources: map[string]ResourceSchema{"t_x": {Version: version, Block: block, Identity: identity}}})
	}
	newProvider := func(configured byte) *Provider {
		p := &Provider{}
		p.ans.book = (&AnswerCache{Dir: t.TempDir()}).book("k")
		p.ans.configured.Store(&[32]byte{configured})
		return p
	}
	obj := func(id, input string) cty.Value {
		return objectOf(block, map[string]cty.Value{"id": cty.StringVal(id), "input": cty.StringVal(input)})
	}
	base := PlanRequest{Addr: "t_x.a", TypeName: "t_x", PriorState: obj("1", "in"), ProposedNewState: obj("1", "in"),
		Config: objectOf(block, map[string]cty.Value{"input": cty.StringVal("in")}), PriorPrivate: []byte("private"),
		ProviderMeta:  objectOf(meta, map[string]cty.Value{"m": cty.StringVal("meta")}),
		PriorIdentity: cty.ObjectVal(map[string]cty.Value{"id": cty.StringVal("1")})}
	// key returns the request's key on p with schema ls, after a read
	// that confirmed its prior state when read is set.
	key := func(p *Provider, ls *loadedSchema, req PlanRequest, read bool) (answerKey, bool) {
		t.Helper()
		ty := ls.resources[req.TypeName]
		var enc encoder
		call := planCall{typeName: req.TypeName, prior: enc.value("prior", req.PriorState, ty), proposed: enc.value("proposed", req.ProposedNewState, ty),
			config: enc.value("config", req.Config, ty), meta: enc.meta(ls, req.ProviderMeta), priorPrivate: req.PriorPrivate,
			priorIdentity: enc.identity("identity", req.PriorIdentity, ls.identityType(req.TypeName))}
		if enc.err != nil {
			t.Fatal(enc.err)
		}
		if read {
			p.ans.unchanged.Store(readKey(req.Addr, req.TypeName, call.prior, call.priorIdentity, req.PriorPrivate), struct{}{})
		}
		k, _, keep := p.planKey(context.Background(), ls, req, call)
		return k, keep
	}
	p, ls := newProvider(1), schema(1)
	if _, ok := key(p, ls, base, false); ok {
		t.Error("a plan whose prior state no read confirmed is cacheable")
	}
	baseKey, ok := key(p, ls, base, true)
	if !ok {
		t.Fatal("the base plan is not cacheable")
	}
	if again, _ := key(newProvider(1), schema(1), base, true); again != baseKey {
		t.Error("the same request has another key in another process")
	}
	variants := map[string]func(*PlanRequest){
		"prior state":    func(r *PlanRequest) { r.PriorState = obj("2", "in") },
		"proposed state": func(r *PlanRequest) { r.ProposedNewState = obj("1", "other") },
		"configuration": func(r *PlanRequest) {
			r.Config = objectOf(block, map[string]cty.Value{"input": cty.StringVal("other")})
		},
		"prior private": func(r *PlanRequest) { r.PriorPrivate = []byte("other private") },
		"prior identity": func(r *PlanRequest) {
			r.PriorIdentity = cty.ObjectVal(map[string]cty.Value{"id": cty.StringVal("2")})
		},
		"no prior identity": func(r *PlanRequest) { r.PriorIdentity = cty.NilVal },
		"provider_meta": func(r *PlanRequest) {
			r.ProviderMeta = objectOf(meta, map[string]cty.Value{"m": cty.StringVal("other")})
		},
	}
	for what, change := range variants {
		req := base
		change(&req)
		if k, ok := key(p, ls, req, true); !ok || k == baseKey {
			t.Errorf("another %s: cacheable %v, same key %v", what, ok, k == baseKey)
		}
	}
	if k, ok := key(newProvider(2), ls, base, true); !ok || k == baseKey {
		t.Errorf("another provider configuration: cacheable %v, same key %v", ok, k == baseKey)
	}
	if k, ok := key(newProvider(1), schema(2), base, true); !ok || k == baseKey {
		t.Errorf("another schema version: cacheable %v, same key %v", ok, k == baseKey)
	}
	unknown := base
	unknown.ProposedNewState = objectOf(block, map[string]cty.Value{"id": cty.StringVal("1"), "input": cty.UnknownVal(cty.String)})
	if _, ok := key(p, ls, unknown, true); ok {
		t.Error("a plan with unknown values is cacheable")
	}
	impure := newProvider(1)
	impure.ans.impureTypes = map[string]bool{"t_x": true}
	if _, ok := key(impure, ls, base, true); ok {
		t.Error("an impure type's plan is cacheable")
	}
	unsure := newProvider(1)
	unsure.ans.unsure.Store(true)
	if _, ok := key(unsure, ls, base, true); ok {
		t.Error("a plan after an unsure configuration is cacheable")
	}
}

// TestAnswerValidationKey: a validation's key is the same for the same
// configuration in another process and differs for any other
// configuration or type, whether the fast encoder or cty's encoded it; a
// configuration with an unknown value anywhere is not cacheable.
func TestAnswerValidationKey(t *testing.T) {
	block := &Block{Attributes: map[string]*Attribute{
		"input": {Type: cty.String, Optional: true},
		"size":  {Type: cty.Number, Optional: true},
		"tags":  {Type: cty.List(cty.String), Optional: true},
	}}
	ls := newLoadedSchema(&Schema{Provider: &Block{}, Resources: map[string]ResourceSchema{"t_x": {Block: block}, "t_y": {Block: block}}})
	newProvider := func() *Provider {
		p := &Provider{}
		p.ans.book = (&AnswerCache{Dir: t.TempDir()}).book("k")
		p.ans.configured.Store(&[32]byte{1})
		return p
	}
	cfg := func(input string, size cty.Value, tags ...cty.Value) cty.Value {
		list := cty.NullVal(cty.List(cty.String))
		if len(tags) > 0 {
			list = cty.ListVal(tags)
		}
		return objectOf(block, map[string]cty.Value{"input": cty.StringVal(input), "size": size, "tags": list})
	}
	key := func(p *Provider, typeName string, v cty.Value) (answerKey, bool, bool) {
		t.Helper()
		var enc encoder
		dv := enc.value("configuration", v, ls.resources[typeName])
		if enc.err != nil {
			t.Fatal(enc.err)
		}
		k, ok := p.validationKey(context.Background(), ls, "ValidateResourceConfig", "r", typeName, v, dv)
		return k, ok, dv.known
	}
	p := newProvider()
	seen := map[answerKey]string{}
	for name, v := range map[string]cty.Value{
		"base":          cfg("in", cty.NumberIntVal(1)),
		"other input":   cfg("other", cty.NumberIntVal(1)),
		"empty input":   cfg("", cty.NumberIntVal(1)),
		"null size":     cfg("in", cty.NullVal(cty.Number)),
		"float size":    cfg("in", cty.NumberFloatVal(1.5)),
		"other float":   cfg("in", cty.NumberFloatVal(2.5)),
		"one tag":       cfg("in", cty.NumberIntVal(1), cty.StringVal("a")),
		"two tags":      cfg("in", cty.NumberIntVal(1), cty.StringVal("a"), cty.StringVal("b")),
		"tags reversed": cfg("in", cty.NumberIntVal(1), cty.StringVal("b"), cty.StringVal("a")),
	} {
		k, ok, _ := key(p, "t_x", v)
		if !ok {
			t.Errorf("%s: not cacheable", name)
			continue
		}
		if other, dup := seen[k]; dup {
			t.Errorf("%s has the key of %s", name, other)
		}
		seen[k] = name
		if again, _, _ := key(newProvider(), "t_x", v); again != k {
			t.Errorf("%s: another key in another process", name)
		}
		if y, _, _ := key(p, "t_y", v); y == k {
			t.Errorf("%s: the same key for another type", name)
		}
	}
	if _, _, known := key(p, "t_x", cfg("in", cty.NumberFloatVal(1.5))); known {
		t.Error("a float went through the fast encoder: the test no longer covers cty's")
	}
	for name, v := range map[string]cty.Value{
		"unknown input": objectOf(block, map[string]cty.Value{"input": cty.UnknownVal(cty.String)}),
		"unknown float": objectOf(block, map[string]cty.Value{"size": cty.UnknownVal(cty.Number), "input": cty.StringVal("x")}),
		"unknown tag":   cfg("in", cty.NumberFloatVal(1.5), cty.UnknownVal(cty.String)),
		"unknown list":  objectOf(block, map[string]cty.Value{"tags": cty.UnknownVal(cty.List(cty.String))}),
	} {
		if _, ok, _ := key(p, "t_x", v); ok {
			t.Errorf("%s: cacheable", name)
		}
	}
}

// TestAnswerReplan: indigo apply plans each change, then plans it again,
// from another process of the provider, just before applying it. A request
// this run has asked already is answered with the provider's first answer
// (a create's too, unknown values and all); a new run, a changed request,
// an impure type and the cache turned off ask the provider.
func TestAnswerReplan(t *testing.T) {
	for _, protocol := range []int{5, 6} {
		t.Run(fmt.Sprintf("protocol%d", protocol), func(t *testing.T) {
			t.Parallel()
			r := newAnswerRig(t, protocol)
			ctx := context.Background()
			// phase plans a create of each resource, its input with
			// suffix, from a provider started with cache: the answers,
			// the calls that reached the provider and the cache's counts.
			phase := func(cache *AnswerCache, suffix string) (map[string]PlanResponse, map[string]int, AnswerStats) {
				t.Helper()
				if err := os.Remove(r.calls); err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				p := r.start(cache)
				b := r.noop(p)
				out := map[string]PlanResponse{}
				for name, input := range r.inputs {
					cfg := objectOf(b, map[string]cty.Value{"input": cty.StringVal(input + suffix)})
					null := cty.NullVal(b.ImpliedType())
					resp := p.PlanResourceChange(ctx, PlanRequest{Addr: "indigotest_noop." + name, TypeName: "indigotest_noop", PriorState: null, ProposedNewState: cfg, Config: cfg})
					if resp.Diagnostics.HasErrors() {
						t.Fatalf("plan create %s: %v", name, resp.Diagnostics.Err())
					}
					out[name] = resp
				}
				st := p.AnswerStats()
				_ = p.Close()
				raw, err := os.ReadFile(r.calls)
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				calls := map[string]int{}
				for _, line := range strings.Fields(string(raw)) {
					calls[line]++
				}
				return out, calls, st
			}
			run := r.fresh()
			first, calls, _ := phase(run, "")
			if calls["PlanResourceChange"] != 3 {
				t.Fatalf("plan: %d plans reached the provider, want 3", calls["PlanResourceChange"])
			}
			again, calls, st := phase(run, "")
			if calls["PlanResourceChange"] != 0 || st.Again != 3 {
				t.Errorf("the same plans again in the same run: %d reached the provider, %d answered again; want 0 and 3", calls["PlanResourceChange"], st.Again)
			}
			for name, want := range first {
				got := again[name]
				if want.PlannedState.IsWhollyKnown() {
					t.Errorf("%s: the create's planned id is known: %#v", name, want.PlannedState)
				}
				if !got.PlannedState.RawEquals(want.PlannedState) || !bytes.Equal(got.PlannedPrivate, want.PlannedPrivate) ||
					len(got.RequiresReplace) != len(want.RequiresReplace) || got.LegacyTypeSystem != want.LegacyTypeSystem {
					t.Errorf("%s answered again as %#v, the provider said %#v", name, got, want)
				}
			}
			for _, c := range []struct {
				what   string
				cache  *AnswerCache
				suffix string
				// plans is how many times to plan: an impure type's
				// answers, and answers without a cache, are not
				// remembered either.
				plans int
			}{
				{"another run", r.fresh(), "", 1},
				{"a changed configuration", run, " changed", 1},
				{"an impure resource type", &AnswerCache{Dir: r.cache.Dir, Impure: []string{"indigotest_noop"}}, "", 2},
				{"no cache", nil, "", 2},
			} {
				for i := range c.plans {
					if _, calls, _ := phase(c.cache, c.suffix); calls["PlanResourceChange"] != 3 {
						t.Errorf("%s, plan %d: %d plans reached the provider, want 3", c.what, i+1, calls["PlanResourceChange"])
					}
				}
			}
		})
	}
}

// TestAnswersFileFormat: the binary payload gives back what was written,
// and a payload cut, extended or with unknown flags does not decode.
func TestAnswersFileFormat(t *testing.T) {
	f := answersFile{Generation: 7, Answers: []storedAnswer{
		{ID: answerID{1}, Used: 7},
		{ID: answerID{2}, Used: 300, Legacy: true, Sealed: []byte("sealed warnings")},
		{ID: answerID{3, 4}, Used: 1 << 40},
	}}
	data := f.marshal()
	var got answersFile
	if err := got.unmarshal(data); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, f) {
		t.Fatalf("decoded %+v, want %+v", got, f)
	}
	badFlags := bytes.Clone(data)
	badFlags[2+32+1] = 2 // the first answer's flags
	for name, bad := range map[string][]byte{
		"cut":       data[:len(data)-1],
		"extended":  append(bytes.Clone(data), 0),
		"flags":     badFlags,
		"empty":     nil,
		"too many":  append([]byte{7, 200}, data[2:]...),
		"long seal": append(bytes.Clone(data[:len(data)-1]), 0xff),
	} {
		var f answersFile
		if err := f.unmarshal(bad); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

func FuzzAnswersFile(f *testing.F) {
	f.Add((&answersFile{Generation: 2, Answers: []storedAnswer{{ID: answerID{9}, Used: 2, Sealed: []byte("x")}}}).marshal())
	f.Fuzz(func(t *testing.T, data []byte) {
		var a answersFile
		if a.unmarshal(data) == nil {
			var b answersFile
			if err := b.unmarshal(a.marshal()); err != nil || !reflect.DeepEqual(a, b) {
				t.Fatalf("a decoded file does not encode back: %v", err)
			}
		}
	})
}
