package planner

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/planner/plan"
)

// removedBlocks reads the configuration's removed blocks; their problems
// are validation's (eval.RemovedTargets), reported before any plan.
func (r *run) removedBlocks() ([]eval.RemovedTarget, hcl.Diagnostics) {
	return eval.RemovedTargets(r.cfg)
}

// removedFor returns the removed block that covers addr, an object whose
// configuration is gone, or nil.
func (r *run) removedFor(addr config.InstanceAddr) *config.Removed {
	static := addr.Module.Static()
	for _, rb := range r.removed {
		if rb.IsModule {
			if static == rb.Module || strings.HasPrefix(string(static), string(rb.Module)+".") {
				return rb.Removed
			}
			continue
		}
		if static == rb.Module && addr.Resource == rb.Resource {
			return rb.Removed
		}
	}
	return nil
}

// planForget plans an object a removed block with destroy = false covers:
// forgotten, not destroyed.
func (r *run) planForget(addr config.InstanceAddr, prov config.ProviderConfigAddr, ty cty.Type, before cty.Value) {
	r.recordChange(&plan.ResourceChange{Addr: addr, PrevAddr: addr, Provider: prov, Action: plan.Forget, Reason: plan.ReasonRemoved,
		Type: ty, Before: before, After: cty.NullVal(ty)})
}

// removedResource is the resource whose destroy-time provisioners a removed
// block gives the objects it destroys, or nil.
func removedResource(rm *config.Removed, addr config.InstanceAddr) *config.Resource {
	if rm == nil || !rm.Destroy || len(rm.Provisioners) == 0 {
		return nil
	}
	return &config.Resource{Mode: config.ManagedMode, Type: addr.Resource.Type, Name: addr.Resource.Name, DeclRange: rm.DeclRange,
		Managed: &config.ManagedResource{Provisioners: rm.Provisioners, Connection: rm.Connection}}
}
