package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/cmd/indigo/view"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/planner/planfile"
	"github.com/indigo-cloud/indigo/state"
)

// runFlags are the flags of plan, apply and destroy.
type runFlags struct {
	varFlags
	file             string
	out              string
	json             bool
	destroy          bool
	refreshOnly      bool
	detailedExitcode bool
	refresh          bool
	targets          []string
	excludes         []string
	replace          []string
	parallelism      int
	lock             bool
	replan           bool
	autoApprove      bool
	noColor          bool
	providerTimeout  time.Duration
	providerCache    bool
}

func (f *runFlags) register(cmd *cobra.Command, forApply bool) {
	f.varFlags.register(cmd)
	fl := cmd.Flags()
	fl.StringVarP(&f.file, "file", "f", "", "plan a TOSCA template (a deployment of its own) instead of the configuration directory")
	fl.BoolVar(&f.json, "json", false, "print Terraform's machine-readable UI: one JSON message a line (docs/json-ui.md); the whole plan as JSON is indigo show -json PLANFILE")
	fl.BoolVar(&f.refresh, "refresh", true, "read the real state of every object first (-refresh=false skips it)")
	fl.StringArrayVar(&f.targets, "target", nil, "limit the run to this resource, module, deployment or storage and what it depends on (repeatable)")
	fl.StringArrayVar(&f.excludes, "exclude", nil, "leave this resource, module, deployment or storage and what depends on it out of the run; a destroy also keeps what it depends on (repeatable)")
	fl.StringArrayVar(&f.replace, "replace", nil, "replace this resource instance even if nothing changed (repeatable)")
	fl.IntVar(&f.parallelism, "parallelism", 10, "how many provider operations run at once")
	fl.BoolVar(&f.lock, "lock", true, "hold the state lock while running")
	fl.BoolVar(&f.replan, "replan", false, "let placed components move to a better-ranked site (they stay where they are otherwise)")
	fl.BoolVar(&f.refreshOnly, "refresh-only", false, "only update the state from the real world")
	fl.BoolVar(&f.noColor, "no-color", false, "accepted for Terraform compatibility; output has no color")
	fl.BoolVar(&f.destroy, "destroy", false, "plan to destroy everything the state records")
	fl.DurationVar(&f.providerTimeout, "provider-timeout", f.timeoutDefault(), "give up on a provider call that takes longer (default from INDIGO_PROVIDER_TIMEOUT, else 30m)")
	fl.BoolVar(&f.providerCache, "provider-cache", providerCacheDefault(), "reuse provider answers that are pure functions of their inputs from earlier runs (-provider-cache=false, or INDIGO_PROVIDER_CACHE=off: ask the provider every time)")
	if forApply {
		fl.BoolVar(&f.autoApprove, "auto-approve", false, "apply without asking for confirmation")
	} else {
		fl.StringVar(&f.out, "out", "", "save the plan to this file, for indigo apply FILE")
		fl.BoolVar(&f.detailedExitcode, "detailed-exitcode", false, "exit 0 when there is nothing to do, 2 when there are changes, 1 on errors")
	}
}

func (a *app) planCommand() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "plan [flags] [DIR]",
		Short: "Show what would change, and where each component goes",
		Long: `Plan compares the configuration with the recorded state and the real world and
shows what apply would create, update, replace and destroy. Every deployment
and storage is placed on its best-ranked site; the plan shows the chosen site,
the runners-up with their scores and why each rejected site was rejected.
Nothing is changed.

Save the plan with -out to apply exactly it later with indigo apply FILE.`,
		Example: `  indigo plan
  indigo plan -var region=IT -out tonight.plan
  indigo plan -f templates/galaxy.yaml
  indigo plan -destroy
  indigo plan -json | jq -r 'select(.type == "planned_change") | .change.action'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runPlan(cmd.Context(), pathArg(args, f.file), &f)
		},
	}
	f.register(cmd, false)
	return cmd
}

func pathArg(args []string, file string) string {
	if file != "" {
		return file
	}
	if len(args) == 1 {
		return args[0]
	}
	return "."
}

// planOptions converts flags into planner options.
func (w *workspace) planOptions(f *runFlags) (planner.Options, error) {
	if len(f.targets) > 0 && len(f.excludes) > 0 {
		return planner.Options{}, &exitError{code: 1, msg: "-target and -exclude cannot be used together: -target keeps only what it names, -exclude leaves out what it names; use one of them"}
	}
	w.providerCache = &f.providerCache
	vars, ranges, err := w.variables(&f.varFlags)
	if err != nil {
		return planner.Options{}, err
	}
	opts := planner.Options{
		Vars: vars, VarRanges: ranges, Targets: f.targets, Excludes: f.excludes, SkipRefresh: !f.refresh,
		Parallelism: f.parallelism, Replan: f.replan, Logger: w.logger, ProviderTimeout: f.providerTimeout,
	}
	if opts.Workspace, err = currentWorkspace(w.dir); err != nil {
		return opts, &exitError{code: 1, msg: err.Error()}
	}
	if f.destroy {
		opts.Mode = plan.DestroyMode
	}
	if f.refreshOnly {
		opts.Mode = plan.RefreshOnlyMode
	}
	for _, r := range f.replace {
		addr, diags := config.ParseInstanceAddr(r)
		if diags.HasErrors() {
			return opts, &exitError{code: 1, msg: fmt.Sprintf("-replace=%s is not a resource instance address (write it as aws_instance.web or module.m.aws_instance.web[0])", r)}
		}
		opts.Replace = append(opts.Replace, addr)
	}
	return opts, nil
}

func (a *app) runPlan(ctx context.Context, path string, f *runFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	a.startStream(f.json)
	w, err := a.loadWorkspace(path)
	if err != nil {
		return err
	}
	opts, err := w.planOptions(f)
	if err != nil {
		return err
	}
	provs, err := w.providersEarly()
	if err != nil {
		return err
	}
	if err := w.checkTakeover(ctx); err != nil {
		return err
	}
	mgr, err := w.openState(ctx, "plan", f.lock)
	if err != nil {
		return err
	}
	defer mgr.Close(context.Background())
	if d := w.reconcile(ctx, mgr, provs, opts); d.HasErrors() {
		w.diags(d)
		return exitCode(1)
	}
	if !f.json {
		opts.Progress = a.progressPrinter(false)
	} else if a.stream != nil {
		opts.Progress = a.streamProgress
	}
	if a.tf.generateOut != "" {
		if err := a.generateConfig(ctx, w, path, mgr.State(), provs, opts); err != nil {
			return err
		}
	}
	p, diags := planner.Plan(ctx, w.res.Config, mgr.State(), provs, opts)
	if p != nil {
		p.ConfigDigest = configDigest(w)
	}
	return a.showPlan(w, p, diags, f)
}

// showPlan renders a plan (or only the problems when there is none), saves
// it with -out, and maps the result to an exit status.
func (a *app) showPlan(w *workspace, p *plan.Plan, diags hcl.Diagnostics, f *runFlags) error {
	if a.stream != nil && p != nil && (!p.Errored || p.Changed() || len(p.Drift) > 0) {
		a.stream.Plan(p)
	} else if a.stream == nil && p != nil && (!p.Errored || p.Changed() || len(p.Drift) > 0) {
		// A plan that stopped on errors before finding any change has
		// nothing to show but the errors.
		view.Plan(a.stdout, p, view.PlanOptions{})
	}
	w.diags(diags)
	if diags.HasErrors() || p == nil {
		return exitCode(1)
	}
	if f.out != "" {
		if err := writePlanFile(w, f.out, p); err != nil {
			return &exitError{code: 1, msg: fmt.Sprintf("saving the plan: %s", err)}
		}
		if !f.json {
			fmt.Fprintf(a.stdout, "%s\nSaved the plan to %s.%s\n", a.hint("\n"+view.Rule+"\n"), f.out, a.hint(" To apply exactly this plan, run:\n  indigo apply "+f.out))
		}
	} else if !f.json && a.stream == nil && p.Applyable {
		// As Terraform does, say that apply will plan again, below a rule.
		fmt.Fprint(a.stdout, a.hint("\n"+view.Rule+"\n\nNote: this plan was not saved (-out=FILE), so `indigo apply` will plan again\nand may find other changes than these.\n"))
	}
	if f.detailedExitcode && p.Applyable {
		return exitCode(2)
	}
	return nil
}

func writePlanFile(w *workspace, path string, p *plan.Plan) error {
	var buf bytes.Buffer
	if err := planfile.Write(&buf, p); err != nil {
		return err
	}
	data, err := w.sealPlanFile(buf.Bytes())
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// configDigest hashes the configuration files, so a saved plan is not
// applied to a configuration that changed since.
func configDigest(w *workspace) string {
	h := sha256.New()
	var names []string
	w.res.Config.Walk(func(c *config.Config) {
		names = append(names, c.Module.Files...)
		if c.SourceAddr != "" && strings.HasSuffix(c.SourceAddr, ".yaml") || strings.HasSuffix(c.SourceAddr, ".yml") {
			names = append(names, filepath.Join(c.Module.SourceDir, c.SourceAddr))
		}
	})
	if w.res.Template != "" {
		names = append(names, w.res.Template)
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			continue
		}
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.Base(n), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// progressPrinter prints what long operations are doing, Terraform style.
func (a *app) progressPrinter(apply bool) func(planner.Event) {
	var mu sync.Mutex
	return func(e planner.Event) {
		mu.Lock()
		defer mu.Unlock()
		past := map[string]string{"Creating": "Creation", "Modifying": "Modifications", "Destroying": "Destruction", "Reading": "Read"}
		if e.Deposed != "" {
			e.Addr += " (deposed object " + e.Deposed + ")"
		}
		switch e.Kind {
		case "refresh":
			if e.Detail != "" {
				fmt.Fprintf(a.stdout, "%s: Refreshing state... [%s]\n", e.Addr, e.Detail)
			} else {
				fmt.Fprintf(a.stdout, "%s: Refreshing state...\n", e.Addr)
			}
		case "start":
			if e.Detail != "" {
				fmt.Fprintf(a.stdout, "%s: %s... [%s]\n", e.Addr, e.Action, e.Detail)
			} else {
				fmt.Fprintf(a.stdout, "%s: %s...\n", e.Addr, e.Action)
			}
		case "still":
			id := ""
			if e.Detail != "" {
				id = e.Detail + ", "
			}
			fmt.Fprintf(a.stdout, "%s: Still %s... [%s%s elapsed]\n", e.Addr, strings.ToLower(e.Action), id, e.Elapsed.Round(time.Second))
		case "done":
			detail := ""
			if e.Detail != "" {
				detail = " [" + e.Detail + "]"
			}
			fmt.Fprintf(a.stdout, "%s: %s complete after %s%s\n", e.Addr, past[e.Action], e.Elapsed.Round(time.Second), detail)
		case "error":
			fmt.Fprintf(a.stdout, "%s: %s failed after %s\n", e.Addr, e.Action, e.Elapsed.Round(time.Second))
		case "fallback":
			fmt.Fprintf(a.stdout, "%s: %s %s\n", e.Addr, e.Action, e.Detail)
		case "provision_start":
			fmt.Fprintf(a.stdout, "%s: Provisioning with '%s'...\n", e.Addr, e.Action)
		case "provision_progress":
			fmt.Fprintf(a.stdout, "%s (%s): %s\n", e.Addr, e.Action, e.Detail)
		}
	}
}

func (a *app) applyCommand() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "apply [flags] [DIR | PLANFILE]",
		Short: "Create or update infrastructure",
		Long: `Apply makes the real world match the configuration: it plans, shows the plan,
asks for confirmation (unless -auto-approve), and carries it out. Given a plan
file saved by indigo plan -out, it applies exactly that plan, and refuses if
the state or the configuration changed since.

Independent objects are handled in parallel (-parallelism); a failure skips
only what depends on it. Every operation is recorded in the state journal as
it happens, so an interrupted apply loses nothing. A placed component whose
placement allows fallback moves to the next-ranked site when it cannot be
created on its own, after cleaning up what it left there.

Ctrl-C once stops starting new operations and lets running ones finish;
twice abandons them (the next run reconciles them with the providers).`,
		Example: `  indigo apply
  indigo apply -auto-approve -var region=IT
  indigo apply tonight.plan`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runApply(cmd.Context(), args, &f, false)
		},
	}
	f.register(cmd, true)
	return cmd
}

func (a *app) destroyCommand() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "destroy [flags] [DIR]",
		Short: "Destroy everything the state records",
		Long: `Destroy plans the destruction of every object recorded in the state, shows it,
asks for confirmation (unless -auto-approve) and carries it out, dependents
before what they depend on. It is apply with -destroy.`,
		Example: `  indigo destroy
  indigo destroy -auto-approve
  indigo destroy -target deployment.galaxy`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.destroy = true
			return a.runApply(cmd.Context(), args, &f, true)
		},
	}
	f.register(cmd, true)
	return cmd
}

// signalContexts returns the context that stops the walk (first Ctrl-C)
// and the one that abandons running operations (second Ctrl-C).
func (a *app) signalContexts(parent context.Context) (stop, abandon context.Context, cleanup func()) {
	stop, cancelStop := context.WithCancel(parent)
	abandon, cancelAbandon := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		n := 0
		for {
			select {
			case <-done:
				return
			case <-ch:
				n++
				if n == 1 {
					fmt.Fprintln(a.stderr, "\nInterrupt received: letting running operations finish and recording them. Press Ctrl-C again to abandon them.")
					cancelStop()
				} else {
					fmt.Fprintln(a.stderr, "\nSecond interrupt: abandoning running operations. The state journal keeps what was started; the next run reconciles it.")
					cancelAbandon()
					return
				}
			}
		}
	}()
	return stop, abandon, func() {
		signal.Stop(ch)
		close(done)
		cancelStop()
		cancelAbandon()
	}
}

func (a *app) runApply(ctx context.Context, args []string, f *runFlags, destroy bool) error {
	if ctx == nil {
		ctx = context.Background()
	}
	stop, abandon, cleanup := a.signalContexts(ctx)
	defer cleanup()
	a.startStream(f.json)
	// A plan file?
	if len(args) == 1 && f.file == "" {
		if st, err := os.Stat(args[0]); err == nil && !st.IsDir() && !strings.HasSuffix(args[0], ".yaml") && !strings.HasSuffix(args[0], ".yml") {
			return a.applyPlanFile(stop, abandon, args[0], f)
		}
	}
	load := a.loadWorkspace
	if destroy && len(f.targets) == 0 && len(f.excludes) == 0 {
		load = a.loadBrokenWorkspace
	}
	w, err := load(pathArg(args, f.file))
	if err != nil {
		return err
	}
	opts, err := w.planOptions(f)
	if err != nil {
		return err
	}
	provs, err := w.providersEarly()
	if err != nil {
		return err
	}
	op := "apply"
	if destroy {
		op = "destroy"
	}
	if err := w.checkTakeover(ctx); err != nil {
		return err
	}
	mgr, err := w.openState(ctx, op, f.lock)
	if err != nil {
		return err
	}
	defer a.closeState(w, mgr)
	if d := w.reconcile(ctx, mgr, provs, opts); d.HasErrors() {
		w.diags(d)
		return exitCode(1)
	}
	if a.stream == nil {
		opts.Progress = a.progressPrinter(false)
	} else {
		opts.Progress = a.streamProgress
	}
	cfg := w.res.Config
	var p *plan.Plan
	diags := w.broken
	if w.broken == nil {
		p, diags = planner.Plan(stop, cfg, mgr.State(), provs, opts)
	}
	// stuck are the objects a destroy from state alone cannot reach, and
	// why.
	var stuck, why hcl.Diagnostics
	if destroy && len(f.targets) == 0 && len(f.excludes) == 0 && diags.HasErrors() && stop.Err() == nil {
		w.diags(asWarnings(diags))
		w.diags(hcl.Diagnostics{{Severity: hcl.DiagWarning, Summary: "Destroying from the state alone",
			Detail: "The configuration cannot be planned (see above), so destroy plans from what the state records: every object is deleted with the provider configuration the state records for it, configured from what the configuration still gives."}})
		var sd *planner.StateDestroy
		sd, diags = planner.PlanDestroyFromState(stop, w.res.Config, mgr.State(), provs, opts)
		if sd != nil {
			p, cfg, opts, why, stuck = sd.Plan, sd.Config, sd.Options, sd.Why, sd.Stuck
		}
	}
	if p != nil && (!p.Errored || p.Changed()) {
		if a.stream != nil {
			a.stream.Plan(p)
		} else {
			view.Plan(a.stdout, p, view.PlanOptions{})
		}
	}
	w.diags(diags)
	if diags.HasErrors() || p == nil {
		return exitCode(1)
	}
	if !p.Applyable {
		a.printOutputs(mgr.State())
		w.diags(why)
		w.diags(stuck)
		if stuck.HasErrors() {
			return exitCode(1)
		}
		return nil
	}
	if !f.autoApprove && a.stream != nil {
		return &exitError{code: 1, msg: "apply -json needs -auto-approve (or a saved plan): the machine-readable UI cannot ask for confirmation"}
	}
	if !f.autoApprove {
		ws, _ := currentWorkspace(w.dir)
		ok, err := a.confirm(destroy, ws)
		if err != nil {
			return err
		}
		if !ok {
			if destroy {
				fmt.Fprintln(a.stdout, "\nDestroy cancelled.")
			} else {
				fmt.Fprintln(a.stdout, "\nApply cancelled.")
			}
			return exitCode(1)
		}
		// A blank line under the answer; with -auto-approve or a saved
		// plan, the progress follows at once, as Terraform's does.
		fmt.Fprintln(a.stdout)
	}
	err = a.carryOut(stop, abandon, w, cfg, mgr, provs, p, opts)
	if stuck.HasErrors() {
		w.diags(why)
		w.diags(stuck)
		return exitCode(1)
	}
	return err
}

// asWarnings returns copies of diags as warnings: the problems of a
// configuration destroy works around.
func asWarnings(diags hcl.Diagnostics) hcl.Diagnostics {
	out := make(hcl.Diagnostics, len(diags))
	for i, d := range diags {
		c := *d
		c.Severity = hcl.DiagWarning
		out[i] = &c
	}
	return out
}

// carryOut applies a plan made from cfg and reports the result.
func (a *app) carryOut(stop, abandon context.Context, w *workspace, cfg *config.Config, mgr *state.Manager, provs planner.Providers, p *plan.Plan, opts planner.Options) error {
	if a.stream != nil {
		return a.carryOutStream(stop, abandon, w, cfg, mgr, provs, p, opts)
	}
	opts.Progress = a.progressPrinter(true)
	out, diags := planner.ApplyWithFallback(stop, cfg, p, mgr, provs, opts, abandon)
	for _, fb := range out.Moves {
		if fb.To != "" {
			fmt.Fprintf(a.stdout, "\n%s could not be created on site %s and was placed on site %s instead.\n", fb.Component, fb.From, fb.To)
		} else {
			fmt.Fprintf(a.stdout, "\n%s could not be created on site %s, and no other site was left.\n", fb.Component, fb.From)
		}
	}
	w.diags(diags)
	if err := mgr.Persist(context.Background()); err != nil {
		a.stateNotSaved(w, mgr, err)
		return exitCode(1)
	}
	add, change, destroy, _, imports := out.Applied.Counts()
	if stop.Err() != nil {
		fmt.Fprintln(a.stdout, "\nApply interrupted; what was done is recorded in the state.")
		return exitCode(1)
	}
	if diags.HasErrors() {
		fmt.Fprintln(a.stdout, view.Fold("\nApply failed; what did succeed is recorded in the state. Fix the errors above and run indigo apply again."))
		return exitCode(1)
	}
	if p.Mode == plan.DestroyMode {
		fmt.Fprintf(a.stdout, "\nDestroy complete! Resources: %d destroyed.\n", destroy)
		return nil
	}
	if imports > 0 {
		fmt.Fprintf(a.stdout, "\nApply complete! Resources: %d imported, %d added, %d changed, %d destroyed.\n", imports, add, change, destroy)
	} else {
		fmt.Fprintf(a.stdout, "\nApply complete! Resources: %d added, %d changed, %d destroyed.\n", add, change, destroy)
	}
	for _, pl := range out.Applied.Placements {
		fmt.Fprintf(a.stdout, "%s is on %s.\n", pl.Addr, siteList(pl.Sites))
	}
	a.printOutputs(mgr.State())
	return nil
}

func siteList(sites []string) string {
	if len(sites) == 1 {
		return "site " + sites[0]
	}
	return "sites " + strings.Join(sites, ", ")
}

// confirm asks the user to type yes, with Terraform's words: the
// workspace is named unless it is the default one.
func (a *app) confirm(destroy bool, workspace string) (bool, error) {
	if !a.tf.input {
		return false, &exitError{code: 1, msg: "apply needs a confirmation, and input is disabled (-input=false or TF_INPUT=0): run with -auto-approve, or apply a plan saved with plan -out"}
	}
	in := ""
	if workspace != "" && workspace != "default" {
		in = fmt.Sprintf(" in workspace %q", workspace)
	}
	if destroy {
		return a.confirmText("Do you really want to destroy all resources"+in+"?",
			"indigo will destroy all your managed infrastructure, as shown above.",
			"There is no undo. Only 'yes' will be accepted to confirm.")
	}
	return a.confirmText("Do you want to perform these actions"+in+"?",
		"indigo will perform the actions described above.",
		"Only 'yes' will be accepted to approve.")
}

// confirmText asks question, explained by the lines of desc, and reads the
// answer: only yes is yes.
func (a *app) confirmText(q string, desc ...string) (bool, error) {
	if !a.tf.input {
		return false, &exitError{code: 1, msg: "this needs a confirmation, and input is disabled (-input=false or TF_INPUT=0): run with -auto-approve"}
	}
	fmt.Fprintf(a.stdout, "\n%s\n", q)
	for _, l := range desc {
		fmt.Fprintf(a.stdout, "  %s\n", l)
	}
	fmt.Fprint(a.stdout, "\n  Enter a value: ")
	line, err := bufio.NewReader(a.stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return false, err
	}
	if err == io.EOF && strings.TrimSpace(line) == "" {
		fmt.Fprintln(a.stdout)
		return false, &exitError{code: 1, msg: "no confirmation: standard input is closed. Run with -auto-approve to apply without asking."}
	}
	return strings.TrimSpace(line) == "yes", nil
}

// applyPlanFile applies a saved plan.
func (a *app) applyPlanFile(stop, abandon context.Context, path string, f *runFlags) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return &exitError{code: 1, msg: fmt.Sprintf("reading the plan file: %s", err)}
	}
	w, err := a.loadWorkspace(".")
	if err != nil {
		return err
	}
	if b, err = a.openPlanFile(path, b, w); err != nil {
		return err
	}
	p, err := planfile.Read(bytes.NewReader(b))
	if err != nil {
		return &exitError{code: 1, msg: fmt.Sprintf("%s is not a valid plan file: %s", path, err)}
	}
	if p.ConfigDigest != "" && p.ConfigDigest != configDigest(w) {
		return &exitError{code: 1, msg: "the configuration changed since the plan was saved: run indigo plan again"}
	}
	provs, err := w.providersEarly()
	if err != nil {
		return err
	}
	op := "apply"
	if p.Mode == plan.DestroyMode {
		op = "destroy"
	}
	mgr, err := w.openState(stop, op, f.lock)
	if err != nil {
		return err
	}
	defer a.closeState(w, mgr)
	var now map[string]cty.Value
	if eph := planner.EphemeralVars(w.res.Config); len(eph) > 0 {
		// Ephemeral variables are not in the plan file: this run gives
		// them again (-var, -var-file, TF_VAR_).
		if now, _, err = w.variables(&f.varFlags); err != nil {
			return err
		}
	}
	vars := planner.ApplyVars(w.res.Config, p.Variables, now)
	opts := planner.Options{Parallelism: f.parallelism, Logger: w.logger, Vars: vars, Targets: p.Targets, Excludes: p.Excludes, Saved: true, ProviderTimeout: f.providerTimeout}
	opts.Workspace, _ = currentWorkspace(w.dir)
	return a.carryOut(stop, abandon, w, w.res.Config, mgr, provs, p, opts)
}

// reconcile settles operations an interrupted run left in flight.
func (w *workspace) reconcile(ctx context.Context, mgr *state.Manager, provs planner.Providers, opts planner.Options) hcl.Diagnostics {
	in := mgr.InFlight()
	if len(in) == 0 {
		return nil
	}
	fmt.Fprintf(w.a.stderr, "Reconciling %d operation(s) an interrupted run left unfinished...\n", len(in))
	report, diags := planner.Reconcile(ctx, w.res.Config, mgr, provs, opts)
	for _, line := range report {
		fmt.Fprintf(w.a.stderr, "  %s\n", line)
	}
	return diags
}

// printOutputs prints the root outputs recorded in state.
func (a *app) printOutputs(s *state.State) {
	if a.stream != nil {
		a.stream.Outputs(s)
		return
	}
	if len(s.Outputs) == 0 {
		return
	}
	fmt.Fprint(a.stdout, "\nOutputs:\n\n")
	view.Outputs(a.stdout, s)
}

// generatedHeader opens a file of -generate-config-out.
const generatedHeader = `# __generated__ by indigo
# These resource blocks describe the objects the import blocks import, as
# the providers read them. Review them, keep what the configuration should
# set, and move them among the other files.

`

// generateConfig carries out plan -generate-config-out: it writes a
// resource block for each import block whose resource the configuration
// lacks, as its provider reads the object, to a new file in the
// configuration's directory, and loads the configuration again with it, so
// that the plan that follows imports the objects with their blocks (and
// shows where a generated block needs care). With nothing to generate no
// file is written.
func (a *app) generateConfig(ctx context.Context, w *workspace, path string, st *state.State, provs planner.Providers, opts planner.Options) error {
	out := a.tf.generateOut
	if !filepath.IsAbs(out) {
		out = filepath.Join(w.dir, out)
	}
	if _, err := os.Lstat(out); err == nil {
		return &exitError{code: 1, msg: fmt.Sprintf("-generate-config-out=%s: the file exists; indigo writes only a new file. Move or delete it, or name another.", a.tf.generateOut)}
	}
	n, diags := planner.AddGeneratedResources(w.res.Config)
	if diags.HasErrors() {
		w.diags(diags)
		return exitCode(1)
	}
	if n == 0 {
		return nil
	}
	gen, diags := planner.GenerateImportConfig(ctx, w.res.Config, st, provs, opts)
	if len(gen) > 0 {
		var b bytes.Buffer
		b.WriteString(generatedHeader)
		for i, g := range gen {
			if i > 0 {
				b.WriteByte('\n')
			}
			b.Write(g.HCL)
		}
		if err := writeNewFile(out, b.Bytes()); err != nil {
			return &exitError{code: 1, msg: fmt.Sprintf("-generate-config-out: %s", err)}
		}
		fmt.Fprintf(a.stdout, "Wrote %d resource block(s) for import blocks to %s.\n\n", len(gen), a.tf.generateOut)
	}
	if diags.HasErrors() {
		w.diags(diags)
		return exitCode(1)
	}
	w.warnings(diags)
	// Load the configuration again, with the new file.
	again, err := a.loadWorkspace(path)
	if err != nil {
		return err
	}
	w.res, w.src = again.res, again.src
	return nil
}

// writeNewFile writes data to a file that must not exist yet.
func writeNewFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
