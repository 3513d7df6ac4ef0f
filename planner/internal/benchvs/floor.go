package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/providers/plugin"
)

// The floor: what the provider alone costs. For the independent shape it
// makes, from this process, the calls indigo's commands make to the
// provider (counted from the provider's protocol log by -profile), with
// the same parallelism, and nothing else: no configuration to load, no
// state to read or write, no plan to render, no cache. Each phase starts
// the provider afresh, as each command does, with the collector setting
// indigo gives a small provider (GOGC=400, GOMEMLIMIT=512MiB). Its wall
// time is the least any tool making these calls could take on this
// machine; OpenTofu's time over it is the highest ratio to OpenTofu
// within reach.
//
//   - plan: ValidateResourceConfig and PlanResourceChange (a create) per
//     resource;
//   - apply: the same and ApplyResourceChange, which writes the files;
//   - no-change, the first plan after apply: ReadResource and
//     PlanResourceChange per resource (the states are new, so no kept
//     answer matches), each plan checked to change nothing;
//   - again: ReadResource per resource (the plans are kept answers).
//
// The client is indigo's own (package plugin), so the figures include its
// encoding and gRPC client; the profile of indigo's plan shows them to be
// a small part of its CPU.

// floorRow is the floor of each phase: wall time, and CPU of the provider
// and of this process.
type floorRow struct {
	plan, apply, noChange, again floorPhase
}

type floorPhase struct {
	wall, providerCPU, clientCPU time.Duration
	calls                        int
}

// localFile is what the floor's configuration sets on one local_file: the
// independent shape's arguments, with path.module ".".
func localFile(i int) (filename, content string) {
	return "./out/r" + strconv.Itoa(i) + ".txt", "r" + strconv.Itoa(i) + "\n"
}

func (b *bench) floor(provider string) (floorRow, error) {
	dir := filepath.Join(b.work, "floor-independent")
	if err := os.MkdirAll(filepath.Join(dir, "out"), 0o755); err != nil {
		return floorRow{}, err
	}
	var fr floorRow
	var err error
	n := b.opts.n
	if b.opts.floorProfile != "" {
		out, err := os.Create(b.opts.floorProfile)
		if err != nil {
			return fr, err
		}
		defer out.Close()
		if err := pprof.StartCPUProfile(out); err != nil {
			return fr, err
		}
		defer pprof.StopCPUProfile()
	}
	if fr.plan, err = b.floorPhase(provider, dir, func(ctx context.Context, f *floorCalls, i int) error {
		_, err := f.create(ctx, i, false)
		return err
	}); err != nil {
		return fr, fmt.Errorf("plan: %w", err)
	}
	// The states apply gives, for the plans after it.
	states := make([]cty.Value, n)
	if fr.apply, err = b.floorPhase(provider, dir, func(ctx context.Context, f *floorCalls, i int) error {
		st, err := f.create(ctx, i, true)
		states[i] = st
		return err
	}); err != nil {
		return fr, fmt.Errorf("apply: %w", err)
	}
	if err := checkFiles(dir, n, "independent"); err != nil {
		return fr, fmt.Errorf("after apply: %w", err)
	}
	if fr.noChange, err = b.floorPhase(provider, dir, func(ctx context.Context, f *floorCalls, i int) error {
		return f.unchanged(ctx, i, states[i], true)
	}); err != nil {
		return fr, fmt.Errorf("no-change: %w", err)
	}
	if fr.again, err = b.floorPhase(provider, dir, func(ctx context.Context, f *floorCalls, i int) error {
		return f.unchanged(ctx, i, states[i], false)
	}); err != nil {
		return fr, fmt.Errorf("again: %w", err)
	}
	return fr, nil
}

// floorCalls is one started provider and local_file's schema.
type floorCalls struct {
	p     *plugin.Provider
	block *plugin.Block
	ty    cty.Type
	calls int
	mu    sync.Mutex
}

func (f *floorCalls) count(n int) {
	f.mu.Lock()
	f.calls += n
	f.mu.Unlock()
}

// config is the configuration of resource i: filename and content, every
// other attribute null.
func (f *floorCalls) config(i int) cty.Value {
	filename, content := localFile(i)
	attrs := map[string]cty.Value{}
	for name, a := range f.block.Attributes {
		attrs[name] = cty.NullVal(a.Type)
	}
	attrs["filename"], attrs["content"] = cty.StringVal(filename), cty.StringVal(content)
	return cty.ObjectVal(attrs)
}

// proposed is the proposed new state of a top-level-attributes-only
// object: what the configuration sets, else the prior value of a computed
// attribute (unknown when there is none), else null.
func (f *floorCalls) proposed(prior, cfg cty.Value) cty.Value {
	attrs := map[string]cty.Value{}
	for name, a := range f.block.Attributes {
		v := cfg.GetAttr(name)
		switch {
		case !v.IsNull():
		case a.Computed && prior.IsNull():
			v = cty.UnknownVal(a.Type)
		case a.Computed:
			v = prior.GetAttr(name)
		}
		attrs[name] = v
	}
	return cty.ObjectVal(attrs)
}

func diagErr(op string, d plugin.Diagnostics) error {
	if !d.HasErrors() {
		return nil
	}
	var msgs []string
	for _, x := range d {
		msgs = append(msgs, x.Summary+": "+x.Detail)
	}
	return fmt.Errorf("%s: %s", op, strings.Join(msgs, "; "))
}

// create validates and plans the creation of resource i, and applies it
// when apply is set, returning the new state.
func (f *floorCalls) create(ctx context.Context, i int, apply bool) (cty.Value, error) {
	addr := "local_file.r[" + strconv.Itoa(i) + "]"
	cfg := f.config(i)
	if err := diagErr("ValidateResourceConfig", f.p.ValidateResourceConfig(ctx, plugin.ValidateRequest{Addr: addr, TypeName: "local_file", Config: cfg})); err != nil {
		return cty.NilVal, err
	}
	prior := cty.NullVal(f.ty)
	plan := f.p.PlanResourceChange(ctx, plugin.PlanRequest{Addr: addr, TypeName: "local_file", PriorState: prior, ProposedNewState: f.proposed(prior, cfg), Config: cfg})
	if err := diagErr("PlanResourceChange", plan.Diagnostics); err != nil {
		return cty.NilVal, err
	}
	f.count(2)
	if !apply {
		return cty.NilVal, nil
	}
	resp := f.p.ApplyResourceChange(ctx, plugin.ApplyRequest{Addr: addr, TypeName: "local_file", PriorState: prior, PlannedState: plan.PlannedState, Config: cfg, PlannedPrivate: plan.PlannedPrivate})
	f.count(1)
	return resp.NewState, diagErr("ApplyResourceChange", resp.Diagnostics)
}

// unchanged reads resource i and, when plan is set, plans it, failing
// unless the plan keeps the object as it is.
func (f *floorCalls) unchanged(ctx context.Context, i int, state cty.Value, plan bool) error {
	addr := "local_file.r[" + strconv.Itoa(i) + "]"
	read := f.p.ReadResource(ctx, plugin.ReadRequest{Addr: addr, TypeName: "local_file", PriorState: state})
	f.count(1)
	if err := diagErr("ReadResource", read.Diagnostics); err != nil {
		return err
	}
	if read.NewState.IsNull() {
		return fmt.Errorf("%s: the provider finds no file", addr)
	}
	if !plan {
		return nil
	}
	cfg := f.config(i)
	proposed := f.proposed(read.NewState, cfg)
	resp := f.p.PlanResourceChange(ctx, plugin.PlanRequest{Addr: addr, TypeName: "local_file", PriorState: read.NewState,
		ProposedNewState: proposed, ProposedIsPrior: proposed.RawEquals(read.NewState), Config: cfg})
	f.count(1)
	if err := diagErr("PlanResourceChange", resp.Diagnostics); err != nil {
		return err
	}
	if !resp.PlannedState.RawEquals(read.NewState) || len(resp.RequiresReplace) > 0 {
		return fmt.Errorf("%s: the provider plans a change", addr)
	}
	return nil
}

// floorPhase starts the provider in dir, configures it, runs call for each
// resource on b.opts.parallelism goroutines, and stops it.
func (b *bench) floorPhase(provider, dir string, call func(context.Context, *floorCalls, int) error) (floorPhase, error) {
	ctx := context.Background()
	var ph floorPhase
	clientStart := processCPU(os.Getpid())
	start := time.Now()
	cmd := exec.Command(provider)
	cmd.Dir = dir
	cmd.Env = append(append([]string{}, b.env...), "GOGC=400", "GOMEMLIMIT=512MiB")
	p, err := plugin.Start(ctx, plugin.StartOptions{Name: "registry.terraform.io/hashicorp/local", Cmd: cmd})
	if err != nil {
		return ph, err
	}
	defer p.Close()
	schema, err := p.Schema(ctx)
	if err != nil {
		return ph, err
	}
	rs, ok := schema.Resources["local_file"]
	if !ok {
		return ph, errors.New("the provider has no local_file")
	}
	if err := diagErr("ConfigureProvider", p.ConfigureProvider(ctx, plugin.ConfigureRequest{TerraformVersion: "1.11.4", Config: cty.EmptyObjectVal})); err != nil {
		return ph, err
	}
	f := &floorCalls{p: p, block: rs.Block, ty: rs.Block.ImpliedType()}
	work := make(chan int)
	errs := make(chan error, b.opts.parallelism)
	var wg sync.WaitGroup
	for range b.opts.parallelism {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := call(ctx, f, i); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for i := range b.opts.n {
		work <- i
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		return ph, err
	default:
	}
	ph.providerCPU = processCPU(cmd.Process.Pid)
	p.Close()
	ph.wall = time.Since(start)
	ph.clientCPU = processCPU(os.Getpid()) - clientStart
	ph.calls = f.calls
	return ph, nil
}

// processCPU is the user and system CPU a live process has used, from
// /proc (0 where there is none).
func processCPU(pid int) time.Duration {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: fields count
	// from after its closing parenthesis (utime and stime are the 14th
	// and 15th of the line, the 12th and 13th after it).
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(fields[11], 10, 64)
	st, _ := strconv.ParseInt(fields[12], 10, 64)
	// USER_HZ is 100 on every Linux that Go supports.
	return time.Duration(ut+st) * (time.Second / 100)
}

// printFloor prints the floor beside indigo's and OpenTofu's figures.
func (b *bench) printFloor(fr floorRow, results map[string]row) {
	fmt.Println()
	fmt.Printf("The provider alone (the calls indigo makes, from one client doing nothing else, -parallelism=%d):\n", b.opts.parallelism)
	fmt.Printf("%-24s %10s %10s %10s %10s\n", "", "plan", "apply", "no-change", "again")
	phases := []floorPhase{fr.plan, fr.apply, fr.noChange, fr.again}
	line := func(label string, f func(floorPhase) string) {
		fmt.Printf("%-24s", label)
		for _, ph := range phases {
			fmt.Printf(" %10s", f(ph))
		}
		fmt.Println()
	}
	line("provider calls", func(ph floorPhase) string { return strconv.Itoa(ph.calls) })
	line("wall", func(ph floorPhase) string { return secs(ph.wall) })
	line("provider CPU", func(ph floorPhase) string { return secs(ph.providerCPU) })
	line("client CPU", func(ph floorPhase) string { return secs(ph.clientCPU) })
	me, mine := results["indigo"]
	if mine {
		walls := []time.Duration{me.plan, me.apply, me.noChange, me.again}
		fmt.Printf("%-24s", "indigo ÷ floor")
		for i, ph := range phases {
			fmt.Printf(" %10s", ratio(walls[i], ph.wall))
		}
		fmt.Println()
	}
	if tofu, ok := results["tofu"]; ok {
		walls := []time.Duration{tofu.plan, tofu.apply, tofu.noChange, tofu.again}
		fmt.Printf("%-24s", "OpenTofu ÷ floor")
		for i, ph := range phases {
			fmt.Printf(" %10s", ratio(walls[i], ph.wall))
		}
		fmt.Println()
	}
	fmt.Println("(OpenTofu ÷ floor is the highest ratio to OpenTofu that a tool making these calls could reach here)")
}
