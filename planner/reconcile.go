package planner

import (
	"context"
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/providers/plugin"
	"github.com/indigo-cloud/indigo/state"
)

// InFlightRecorder is what Reconcile needs of the state: the operations
// left in flight and a way to record their outcome.
type InFlightRecorder interface {
	State() *state.State
	InFlight() []state.Intent
	Result(ctx context.Context, r state.Result) error
}

// importIDAttributes are the attributes of a planned object tried, in this
// order, as the import id of an object whose create was interrupted before
// its result was recorded.
var importIDAttributes = []string{"id", "path", "name"}

// Reconcile settles the operations an interrupted run left in flight (a
// crash, a kill -9, an abandoned apply), so that no object exists without
// being recorded:
//
//   - an update or a delete: the recorded object is read again with
//     ReadResource, and whatever exists is recorded (nothing if it is gone);
//   - a create: the object may or may not exist, and its id never came
//     back. Each of the planned object's known "id", "path" and "name"
//     attributes is tried as an import id (ImportResourceState, then
//     ReadResource); the first that finds the object records it. When none
//     does, nothing was created (or nothing can be found) and the next plan
//     creates it again.
//
// It returns one line per operation saying what was found.
func Reconcile(ctx context.Context, cfg *config.Config, rec InFlightRecorder, provs Providers, opts Options) ([]string, hcl.Diagnostics) {
	intents := rec.InFlight()
	if len(intents) == 0 {
		return nil, nil
	}
	r := newRun(cloneTree(cfg), rec.State().DeepCopy(), provs, opts)
	r.prefetch.off = true
	defer r.providers.closeAll()
	// Configure the providers the intents need, evaluating what their
	// configurations depend on. Placing first declares the providers that
	// sites build from their settings (an s3 site's); a configuration that
	// no longer places is reported by the plan that follows, and does not
	// stop the other providers from reconciling.
	r.opts.Targets = nil
	r.opts.Excludes = nil
	_ = r.place(ctx)
	g, diags := r.buildGraph(planMaker{r})
	if diags.HasErrors() {
		return nil, diags
	}
	var roots []string
	for _, in := range intents {
		roots = append(roots, keyProvider(in.Provider.Config()))
	}
	g.restrictTo(roots, true)
	diags = append(diags, g.walk(ctx)...)
	if diags.HasErrors() {
		return nil, diags
	}
	var report []string
	for _, in := range intents {
		line, d := r.reconcileOne(ctx, rec, in)
		diags = append(diags, d...)
		if line != "" {
			report = append(report, line)
		}
	}
	return report, diags
}

func (r *run) reconcileOne(ctx context.Context, rec InFlightRecorder, in state.Intent) (string, hcl.Diagnostics) {
	inst, err := r.configuredProvider(ctx, in.Provider, nil)
	if err != nil {
		return "", hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot reconcile an interrupted operation", Detail: fmt.Sprintf("%s of %s was interrupted, and its provider could not start: %s", in.Op, in.Addr, err)}}
	}
	schema, ok := inst.resourceSchema(in.Addr.Resource.Mode, in.Addr.Resource.Type)
	if !ok {
		return "", hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot reconcile an interrupted operation", Detail: fmt.Sprintf("Provider %s has no resource type %q.", in.Provider.Provider.ForDisplay(), in.Addr.Resource.Type)}}
	}
	ty := schema.Block.ImpliedType()
	cur := rec.State()
	var obj *state.Object
	if in.Deposed != "" {
		obj = cur.DeposedObject(in.Addr, in.Deposed)
	} else {
		obj = cur.ResourceInstance(in.Addr)
	}
	ch := &plan.ResourceChange{Addr: in.Addr, Provider: in.Provider}
	if in.Planned != nil {
		ch.Dependencies, ch.Site, ch.CreateBeforeDestroy = in.Planned.Dependencies, in.Planned.Site, in.Planned.CreateBeforeDestroy
	} else if obj != nil {
		ch.Dependencies, ch.Site, ch.CreateBeforeDestroy = obj.Dependencies, obj.Site, obj.CreateBeforeDestroy
	}
	record := func(v cty.Value, private []byte, identity cty.Value, what string) (string, hcl.Diagnostics) {
		var o *state.Object
		if v != cty.NilVal && !v.IsNull() {
			o = withIdentity(r.stateObject(v, private, schema, ch, nil), identity, schema)
		}
		if err := rec.Result(ctx, state.Result{IntentID: in.ID, Object: o}); err != nil {
			return "", hcl.Diagnostics{journalDiag(in.Addr, err)}
		}
		return fmt.Sprintf("%s (interrupted %s): %s", in.Addr, in.Op, what), nil
	}
	if obj != nil && in.Op != state.OpCreate {
		prior, err := decodeAttrs(obj.AttrsJSON, ty)
		if err != nil {
			return "", hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot reconcile an interrupted operation", Detail: fmt.Sprintf("The recorded object of %s does not decode: %s", in.Addr, err)}}
		}
		identity, d := r.recordedIdentity(ctx, in.Addr, obj, inst, schema)
		if d.HasErrors() {
			return "", d
		}
		resp := inst.p.ReadResource(ctx, plugin.ReadRequest{Addr: in.Addr.String(), TypeName: in.Addr.Resource.Type, PriorState: prior, PriorIdentity: identity, Private: obj.Private})
		if resp.Diagnostics.HasErrors() {
			return "", toDiags(resp.Diagnostics, in.Addr.String(), "ReadResource (reconciling)", nil)
		}
		if resp.NewState == cty.NilVal || resp.NewState.IsNull() {
			return record(cty.NilVal, nil, cty.NilVal, "it no longer exists")
		}
		next, d := nextIdentity(in.Addr, inst, "ReadResource", identity, resp.NewIdentity)
		if d.HasErrors() {
			return "", d
		}
		return record(resp.NewState, resp.Private, next, "recorded as it exists now")
	}
	// An interrupted create: look for the object.
	if in.Planned != nil {
		planned, err := decodeAttrs(in.Planned.AttrsJSON, ty)
		if err == nil && !planned.IsNull() {
			for _, attr := range importIDAttributes {
				if !planned.Type().HasAttribute(attr) {
					continue
				}
				idv := planned.GetAttr(attr)
				if !idv.IsKnown() || idv.IsNull() || idv.Type() != cty.String || idv.AsString() == "" {
					continue
				}
				v, private, identity, d := r.importObject(ctx, in.Addr, importTarget{id: idv.AsString()}, inst, schema)
				if d.HasErrors() || v == cty.NilVal || v.IsNull() {
					continue
				}
				return record(v, private, identity, fmt.Sprintf("found by its %s %q and recorded", attr, idv.AsString()))
			}
		}
	}
	return record(cty.NilVal, nil, cty.NilVal, "nothing was found; the next plan creates it")
}
