package main

import (
	"github.com/hashicorp/hcl/v2"

	"context"
	"fmt"

	"github.com/indigo-cloud/indigo/cmd/indigo/view"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/state"
)

// startStream switches the run to the machine-readable UI (-json) and
// writes its first message.
func (a *app) startStream(on bool) {
	if !on || a.stream != nil {
		return
	}
	a.stream = view.NewStream(a.stdout)
	a.stream.Version(indigoVersion())
}

// streamProgress writes a plan's or an apply's progress events as the
// stream's hook messages.
func (a *app) streamProgress(e planner.Event) {
	a.stream.Hook(e.Kind, e.Addr, e.Action, e.Elapsed, e.Detail)
}

// carryOutStream is carryOut for -json: every operation is an
// apply_start and apply_complete (or apply_errored) message, and the run
// ends with a change_summary and the outputs.
func (a *app) carryOutStream(stop, abandon context.Context, w *workspace, cfg *config.Config, mgr *state.Manager, provs planner.Providers, p *plan.Plan, opts planner.Options) error {
	opts.Progress = a.streamProgress
	out, diags := planner.ApplyWithFallback(stop, cfg, p, mgr, provs, opts, abandon)
	for _, fb := range out.Moves {
		if fb.To != "" {
			a.stream.Log(fmt.Sprintf("%s could not be created on site %s and was placed on site %s instead.", fb.Component, fb.From, fb.To))
		} else {
			a.stream.Log(fmt.Sprintf("%s could not be created on site %s, and no other site was left.", fb.Component, fb.From))
		}
	}
	w.diags(diags)
	if err := mgr.Persist(context.Background()); err != nil {
		w.diags(errorDiag("Saving the state failed", err.Error()))
		return exitCode(1)
	}
	add, change, destroy, _, imports := out.Applied.Counts()
	switch {
	case stop.Err() != nil:
		a.stream.Log("Apply interrupted; what was done is recorded in the state.")
		return exitCode(1)
	case diags.HasErrors():
		return exitCode(1)
	case p.Mode == plan.DestroyMode:
		a.stream.Summary("destroy", fmt.Sprintf("Destroy complete! Resources: %d destroyed.", destroy), add, change, destroy, imports)
	default:
		a.stream.Summary("apply", fmt.Sprintf("Apply complete! Resources: %d added, %d changed, %d destroyed.", add, change, destroy), add, change, destroy, imports)
	}
	for _, pl := range out.Applied.Placements {
		a.stream.Log(fmt.Sprintf("%s is on %s.", pl.Addr, siteList(pl.Sites)))
	}
	if err := a.stream.Outputs(mgr.State()); err != nil {
		return err
	}
	return nil
}

// errorDiag is one error without a place in the configuration.
func errorDiag(summary, detail string) hcl.Diagnostics {
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail}}
}
