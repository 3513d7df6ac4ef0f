package planner

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/planner/plan"
)

// removedBlock is a removed block with the module it is written in.
type removedBlock struct {
	rm *config.Removed
	in config.ModulePath
	// module is the module path it removes; "" with resource set.
	module   config.ModulePath
	resource config.ResourceAddr
	isModule bool
}

// removedBlocks reads the removed blocks of the configuration. A block
// whose target the configuration still declares is an error at it, as in
// Terraform: the block says the configuration is gone.
func (r *run) removedBlocks() ([]removedBlock, hcl.Diagnostics) {
	var out []removedBlock
	var diags hcl.Diagnostics
	r.cfg.Walk(func(c *config.Config) {
		for _, rm := range c.Module.Removed {
			rb := removedBlock{rm: rm, in: c.Path}
			t := rm.From
			if config.RootName(t) == "module" {
				rb.isModule = true
				rb.module = c.Path
				for i := 0; i+1 < len(t); i += 2 {
					name := ""
					switch s := t[i+1].(type) {
					case hcl.TraverseAttr:
						name = s.Name
					default:
						diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid removed address",
							Detail: "from names a module or a resource without instance keys (module.NAME, TYPE.NAME): a removed block removes every instance.", Subject: rm.DeclRange.Ptr()})
						return
					}
					rb.module = rb.module.Child(config.ModuleStep, name)
				}
				if len(t)%2 != 0 {
					// module.a.aws_instance.b: a resource in a module.
					rb.isModule = false
				}
			}
			if !rb.isModule {
				addr, d := config.InstanceAddrFromTraversal(t)
				if d.HasErrors() || addr.Key != config.NoKey {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid removed address",
						Detail: "from names a module or a resource without instance keys (module.NAME, TYPE.NAME): a removed block removes every instance.", Subject: rm.DeclRange.Ptr()})
					continue
				}
				rb.module = c.Path
				for _, s := range addr.Module.Steps() {
					rb.module = rb.module.Child(s.Kind, s.Name)
				}
				rb.resource = addr.Resource
				if m := r.cfg.Descendant(rb.module); m != nil && m.Module.Resource(rb.resource) != nil {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Removed resource still declared",
						Detail: fmt.Sprintf("A removed block removes %s, which the configuration still declares. Remove the resource block, or the removed block.", config.TraversalString(t)), Subject: rm.DeclRange.Ptr()})
					continue
				}
			} else if len(rm.Provisioners) > 0 {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Provisioners of a removed module",
					Detail: "Destroy-time provisioners belong to a removed block of one resource (from = TYPE.NAME), not of a module.", Subject: rm.Provisioners[0].DeclRange.Ptr()})
				continue
			} else if r.cfg.Descendant(rb.module) != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Removed module still declared",
					Detail: fmt.Sprintf("A removed block removes %s, which the configuration still calls. Remove the module block, or the removed block.", config.TraversalString(t)), Subject: rm.DeclRange.Ptr()})
				continue
			}
			out = append(out, rb)
		}
	})
	return out, diags
}

// removedFor returns the removed block that covers addr, an object whose
// configuration is gone, or nil.
func (r *run) removedFor(addr config.InstanceAddr) *config.Removed {
	static := addr.Module.Static()
	for _, rb := range r.removed {
		if rb.isModule {
			if static == rb.module || strings.HasPrefix(string(static), string(rb.module)+".") {
				return rb.rm
			}
			continue
		}
		if static == rb.module && addr.Resource == rb.resource {
			return rb.rm
		}
	}
	return nil
}

// planForget plans an object a removed block with destroy = false covers:
// forgotten, not destroyed.
func (r *run) planForget(addr config.InstanceAddr, prov config.ProviderConfigAddr, ty cty.Type) {
	r.recordChange(&plan.ResourceChange{Addr: addr, PrevAddr: addr, Provider: prov, Action: plan.Forget, Reason: plan.ReasonRemoved,
		Type: ty, Before: cty.NullVal(ty), After: cty.NullVal(ty)})
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
