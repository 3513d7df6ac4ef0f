package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/providers/plugin"
	"github.com/indigo-cloud/indigo/state"
)

// builtinEnvVar puts a re-executed binary in indigo's plugin mode; it is
// providers/builtin.EnvVar, which this package cannot import (builtin
// serves this provider).
const builtinEnvVar = "INDIGO_BUILTIN_PROVIDER"

// providers starts the providers a configuration needs: built-in ones by
// re-executing the running binary in plugin mode, in dir.
func providers(dir string) planner.Providers {
	return planner.ProvidersFunc(func(ctx context.Context, addr config.Provider) (planner.Provider, error) {
		if !addr.IsBuiltin() {
			return nil, fmt.Errorf("provider %s is not built into indigo: configurations run by the Terraform provider may use indigo's built-in providers only (declare the others' resources in Terraform itself)", addr.ForDisplay())
		}
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("finding this executable to run the built-in %s provider: %w", addr.Type, err)
		}
		cmd := exec.Command(exe)
		cmd.Env = append(os.Environ(), builtinEnvVar+"="+addr.Type)
		cmd.Dir = dir
		p, err := plugin.Start(ctx, plugin.StartOptions{Name: addr.ForDisplay(), Cmd: cmd})
		if err != nil {
			return nil, err
		}
		return p, nil
	})
}

// job is one object's configuration, run against its own indigo state.
type job struct {
	site *Site
	id   string
	cfg  *config.Config
	vars map[string]cty.Value
	// dir is the directory providers run in (relative paths of local
	// sites resolve from it).
	dir string
}

// open opens the object's state; lock takes its lock for a run that
// writes.
func (j *job) open(ctx context.Context, op string, lock bool) (*state.Manager, diag.Diagnostics) {
	var diags diag.Diagnostics
	b, err := j.site.backend(ctx, j.id)
	if err != nil {
		diags.AddError("Cannot reach the indigo state", fmt.Sprintf("The state of %q (%s): %v.", j.id, j.site.where(j.id), err))
		return nil, diags
	}
	m, err := state.Open(ctx, b, state.OpenOptions{Operation: op, Version: "terraform-provider-indigo", ReadOnly: !lock, LockTimeout: lockWait})
	if err != nil {
		var le *state.LockedError
		if errors.As(err, &le) {
			diags.AddError("The indigo state is locked", le.Error())
		} else {
			diags.AddError("Cannot open the indigo state", fmt.Sprintf("%s: %v.", j.site.where(j.id), err))
		}
		return nil, diags
	}
	return m, diags
}

// lockWait is how long a run waits for another run on the same object.
const lockWait = 30 * time.Second

// result is what a run leaves: the state it recorded and the plan it
// made.
type result struct {
	State *state.State
	Plan  *plan.Plan
}

// apply converges the real system on the configuration (destroy: removes
// everything the state records) and returns the state.
func (j *job) apply(ctx context.Context, destroy bool) (*result, diag.Diagnostics) {
	op := "apply"
	if destroy {
		op = "destroy"
	}
	m, diags := j.open(ctx, op, true)
	if diags.HasError() {
		return nil, diags
	}
	defer func() {
		if err := m.Close(context.Background()); err != nil {
			diags.AddError("Cannot save the indigo state", fmt.Sprintf("%s: %v.", j.site.where(j.id), err))
		}
	}()
	provs := providers(j.dir)
	opts := planner.Options{Vars: j.vars}
	if destroy {
		opts.Mode = plan.DestroyMode
	}
	if len(m.InFlight()) > 0 {
		_, hd := planner.Reconcile(ctx, j.cfg, m, provs, opts)
		if diags.Append(hclDiags(hd)...); diags.HasError() {
			return nil, diags
		}
	}
	cfg := j.cfg
	p, hd := planner.Plan(ctx, cfg, m.State(), provs, opts)
	if destroy && hd.HasErrors() {
		// The configuration cannot be planned any more (a template was
		// removed): destroy what the state records.
		sd, sdd := planner.PlanDestroyFromState(ctx, cfg, m.State(), provs, opts)
		if sd != nil && !sdd.HasErrors() {
			p, cfg, opts, hd = sd.Plan, sd.Config, sd.Options, sdd
		}
	}
	if diags.Append(hclDiags(hd)...); diags.HasError() || p == nil {
		return nil, diags
	}
	if p.Applyable {
		out, ad := planner.ApplyWithFallback(ctx, cfg, p, m, provs, opts, ctx)
		diags.Append(hclDiags(ad)...)
		if err := m.Persist(context.Background()); err != nil {
			diags.AddError("Cannot save the indigo state", fmt.Sprintf("%s: %v.", j.site.where(j.id), err))
		}
		if out.Applied != nil {
			p = out.Applied
		}
	}
	return &result{State: m.State().DeepCopy(), Plan: p}, diags
}

// inspect plans the configuration against the recorded state with a
// refresh, changing nothing. The state is nil when none was ever recorded.
func (j *job) inspect(ctx context.Context) (*result, diag.Diagnostics) {
	m, diags := j.open(ctx, "refresh", false)
	if diags.HasError() {
		return nil, diags
	}
	defer m.Close(context.Background())
	st := m.State()
	if empty(st) {
		return &result{}, diags
	}
	res := &result{State: st.DeepCopy()}
	if j.cfg == nil {
		return res, diags
	}
	p, hd := planner.Plan(ctx, j.cfg, st, providers(j.dir), planner.Options{Vars: j.vars})
	diags.Append(hclDiags(hd)...)
	res.Plan = p
	return res, diags
}

// empty reports whether a state records nothing (never applied, or
// destroyed).
func empty(s *state.State) bool {
	return s == nil || len(s.Resources) == 0 && len(s.Placements) == 0 && len(s.Outputs) == 0
}

// changes lists, for people, what a plan would do: the resources it would
// change and the objects that changed outside indigo.
func changes(p *plan.Plan) []string {
	if p == nil {
		return nil
	}
	var out []string
	for _, c := range p.Drift {
		out = append(out, fmt.Sprintf("%s changed outside indigo", c.Addr))
	}
	for _, c := range p.Changes {
		if c.Action != plan.NoOp && c.Action != plan.Read {
			out = append(out, fmt.Sprintf("%s: %s", c.Addr, c.Action))
		}
	}
	return out
}
