package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/spf13/cobra"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/indigo-cloud/indigo/cmd/indigo/view"
	"github.com/indigo-cloud/indigo/cmd/indigo/view/jsonstate"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/lang/funcs"
	hcllang "github.com/indigo-cloud/indigo/lang/hcl"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/state"
)

func (a *app) consoleCommand() *cobra.Command {
	var f varFlags
	var planMode bool
	cmd := &cobra.Command{
		Use:   "console [flags] [DIR]",
		Short: "Evaluate expressions against the configuration and the recorded state",
		Long: `Console reads one expression a line from standard input and prints its value:
variables (var.x, from -var, -var-file, *.auto.tfvars and defaults), locals,
functions (provider::NAME::FUNCTION too, for the providers the root module
declares), terraform.workspace, and the root module's resources as the state
records them (aws_instance.web.id). With -plan it plans first (changing
nothing) and evaluates against the planned values instead: resources and
module outputs as apply would make them. A value only apply can know prints
as (known after apply); a sensitive one as (sensitive value). Type exit, or
end the input, to leave.`,
		Example: `  echo 'upper(var.region)' | indigo console
  indigo console -var region=IT`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runConsole(cmd.Context(), pathArg(args, ""), &f, planMode)
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&planMode, "plan", false, "plan first, and evaluate against the planned values (what only apply knows is (known after apply)): locals, outputs of modules and resources as the plan would make them")
	return cmd
}

func (a *app) runConsole(ctx context.Context, path string, f *varFlags, planMode bool) error {
	if ctx == nil {
		ctx = context.Background()
	}
	w, err := a.loadWorkspace(path)
	if err != nil {
		return err
	}
	vars, ranges, err := w.variables(f)
	if err != nil {
		return err
	}
	ws, err := currentWorkspace(w.dir)
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	mgr, err := w.openState(ctx, "console", false)
	if err != nil {
		return err
	}
	defer mgr.Close(context.Background())
	st := mgr.State()
	var data eval.Data = eval.StaticData(w.res.Config, eval.ValidateOptions{Vars: vars, VarRanges: ranges, Workspace: ws,
		Recorded: func(mod config.ModuleInstance, addr config.ResourceAddr) (cty.Value, bool) {
			return recordedResource(st, mod, addr)
		}})
	if planMode {
		// Plan, and read what the plan's walk computed.
		provs, err := w.providers()
		if err != nil {
			return err
		}
		var planned eval.Data
		opts := planner.Options{Vars: vars, VarRanges: ranges, Workspace: ws, Logger: w.logger,
			Inspect: func(d eval.Data, _ map[string]cty.Value) { planned = d }}
		if _, diags := planner.Plan(ctx, w.res.Config, mgr.State(), provs, opts); diags.HasErrors() || planned == nil {
			w.diags(diags)
			return exitCode(1)
		}
		data = planned
	}
	builtins := funcs.Table(funcs.Options{BaseDir: w.res.Config.Module.SourceDir, PureOnly: true})
	sc := &eval.Scope{Data: data, Module: config.RootModule, Functions: builtins}
	pf := &consoleProviderFunctions{ctx: ctx, w: w, started: map[config.Provider]planner.Provider{}}
	defer pf.close()
	in := bufio.NewScanner(a.stdin)
	in.Buffer(make([]byte, 64*1024), 1024*1024)
	failed := false
	for n := 1; in.Scan(); n++ {
		line := strings.TrimSpace(in.Text())
		if line == "" {
			continue
		}
		if line == "exit" {
			break
		}
		expr, diags := hclsyntax.ParseExpression([]byte(line), "<console-input>", hcl.Pos{Line: n, Column: 1, Byte: 0})
		if !diags.HasErrors() {
			sc.Functions, diags = pf.functions(builtins, expr)
		}
		if !diags.HasErrors() {
			var v cty.Value
			v, diags = sc.EvalExpr(expr, cty.DynamicPseudoType)
			if !diags.HasErrors() {
				view.ConsoleValue(a.stdout, v)
				continue
			}
		}
		failed = true
		w.diags(diags)
	}
	if failed {
		return exitCode(1)
	}
	return nil
}

// consoleProviderFunctions gives the console's expressions the
// provider-defined functions they call, through the root module's
// required_providers; a provider is started on its first call and closed
// when the console ends.
type consoleProviderFunctions struct {
	ctx     context.Context
	w       *workspace
	provs   planner.Providers
	started map[config.Provider]planner.Provider
}

// functions returns the functions expr may call: builtins and the
// provider-defined ones it calls.
func (pf *consoleProviderFunctions) functions(builtins map[string]function.Function, expr hclsyntax.Expression) (map[string]function.Function, hcl.Diagnostics) {
	calls := hcllang.ProviderFunctionCalls(nil, expr)
	if len(calls) == 0 {
		return builtins, nil
	}
	root := *pf.w.res.Config.Module
	root.ProviderFunctionCalls = calls
	return eval.ModuleFunctionsDeclared(builtins, &root, pf.call, pf.decl)
}

// provider returns the running provider addr, starting it on first use.
func (pf *consoleProviderFunctions) provider(addr config.Provider) (planner.Provider, error) {
	if p := pf.started[addr]; p != nil {
		return p, nil
	}
	if pf.provs == nil {
		provs, err := pf.w.providers()
		if err != nil {
			return nil, fmt.Errorf("finding provider %s: %w", addr.ForDisplay(), err)
		}
		pf.provs = provs
	}
	p, err := pf.provs.Start(pf.ctx, addr)
	if err != nil {
		return nil, fmt.Errorf("starting provider %s: %w", addr.ForDisplay(), err)
	}
	pf.started[addr] = p
	return p, nil
}

// decl is what the schema of provider addr declares of its function fn,
// so that a call is checked as plan and validate check it; unknown when
// the provider does not start (its call then says why).
func (pf *consoleProviderFunctions) decl(addr config.Provider, fn string) (*eval.FunctionDecl, bool) {
	p, err := pf.provider(addr)
	if err != nil {
		return nil, false
	}
	s, err := p.Schema(pf.ctx)
	if err != nil {
		return nil, false
	}
	fd, ok := s.Functions[fn]
	if !ok {
		return nil, true
	}
	return planner.FunctionDecl(fd), true
}

func (pf *consoleProviderFunctions) call(addr config.Provider, name string, args []cty.Value) (cty.Value, error) {
	p, err := pf.provider(addr)
	if err != nil {
		return cty.NilVal, err
	}
	v, err := p.CallFunction(pf.ctx, name, args)
	return v, planner.FunctionCallError(err, len(args))
}

func (pf *consoleProviderFunctions) close() {
	for _, p := range pf.started {
		_ = p.Close()
	}
}

// recordedResource is the value the state records for a resource of a
// module instance, as the console's expressions read it: an object for a
// single instance, a tuple for count, an object for for_each, with the
// sensitive attributes marked; ok is false when the state has none.
func recordedResource(st *state.State, mod config.ModuleInstance, addr config.ResourceAddr) (cty.Value, bool) {
	r := st.Resource(config.AbsResource{Module: mod, Resource: addr})
	if r == nil {
		return cty.NilVal, false
	}
	decode := func(o *state.Object) cty.Value {
		if o == nil {
			return cty.DynamicVal
		}
		raw := unwrappedAttrs(o.AttrsJSON)
		ty, err := ctyjson.ImpliedType(raw)
		if err != nil {
			return cty.DynamicVal
		}
		v, err := ctyjson.Unmarshal(raw, ty)
		if err != nil {
			return cty.DynamicVal
		}
		for _, p := range o.SensitivePaths {
			v, _ = cty.Transform(v, func(path cty.Path, v cty.Value) (cty.Value, error) {
				if path.Equals(p) {
					return v.Mark(marks.Sensitive), nil
				}
				return v, nil
			})
		}
		return v
	}
	switch r.EachMode {
	case state.EachList:
		vals := make([]cty.Value, 0, len(r.Instances))
		for i := 0; ; i++ {
			inst := r.Instances[config.IntKey(i)]
			if inst == nil {
				break
			}
			vals = append(vals, decode(inst.Current))
		}
		return cty.TupleVal(vals), true
	case state.EachMap:
		vals := map[string]cty.Value{}
		for k, inst := range r.Instances {
			if sk, ok := k.(config.StringKey); ok {
				vals[string(sk)] = decode(inst.Current)
			}
		}
		return cty.ObjectVal(vals), true
	}
	for _, inst := range r.Instances {
		return decode(inst.Current), true
	}
	return cty.DynamicVal, true
}

// unwrappedAttrs returns recorded attributes with the values of
// dynamically-typed attributes out of the {"value", "type"} wrapper state
// keeps them in, so that terraform_data.x.output is the value itself.
func unwrappedAttrs(attrs []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(attrs))
	dec.UseNumber()
	var doc any
	if dec.Decode(&doc) != nil {
		return attrs
	}
	out, err := json.Marshal(jsonstate.UnwrapDynamic(doc))
	if err != nil {
		return attrs
	}
	return out
}

func (a *app) refreshCommand() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "refresh [flags] [DIR]",
		Short: "Update the state from the real world (apply -refresh-only -auto-approve)",
		Long: `Refresh reads every recorded object from its provider and records what it finds,
without changing any object. It is apply -refresh-only -auto-approve, as in
Terraform, where plan -refresh-only then apply -refresh-only is the careful way.`,
		Example: `  indigo refresh
  indigo refresh -target indigo_file.notes`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.refreshOnly, f.autoApprove = true, true
			return a.runApply(cmd.Context(), args, &f, false)
		},
	}
	f.register(cmd, true)
	return cmd
}
