package eval

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/config"
)

// RemovedTarget is what a removed block removes: a module (IsModule, every
// resource under Module) or the resource Resource of module Module.
type RemovedTarget struct {
	Removed  *config.Removed
	Module   config.ModulePath
	Resource config.ResourceAddr
	IsModule bool
}

// RemovedTargets reads the removed blocks of the configuration. A block
// whose target the configuration still declares, or that names instance
// keys, or has provisioners where none can run, is an error at it, as in
// Terraform: the block says the configuration is gone.
func RemovedTargets(root *config.Config) ([]RemovedTarget, hcl.Diagnostics) {
	var out []RemovedTarget
	var diags hcl.Diagnostics
	root.Walk(func(c *config.Config) {
		for _, rm := range c.Module.Removed {
			rb := RemovedTarget{Removed: rm}
			t := rm.From
			if config.RootName(t) == "module" {
				rb.IsModule = true
				rb.Module = c.Path
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
					rb.Module = rb.Module.Child(config.ModuleStep, name)
				}
				if len(t)%2 != 0 {
					// module.a.aws_instance.b: a resource in a module.
					rb.IsModule = false
				}
			}
			if !rb.IsModule {
				addr, d := config.InstanceAddrFromTraversal(t)
				if d.HasErrors() || addr.Key != config.NoKey {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid removed address",
						Detail: "from names a module or a resource without instance keys (module.NAME, TYPE.NAME): a removed block removes every instance.", Subject: rm.DeclRange.Ptr()})
					continue
				}
				rb.Module = c.Path
				for _, s := range addr.Module.Steps() {
					rb.Module = rb.Module.Child(s.Kind, s.Name)
				}
				rb.Resource = addr.Resource
				if m := root.Descendant(rb.Module); m != nil && m.Module.Resource(rb.Resource) != nil {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Removed resource still declared",
						Detail: fmt.Sprintf("A removed block removes %s, which the configuration still declares. Remove the resource block, or the removed block.", config.TraversalString(t)), Subject: rm.DeclRange.Ptr()})
					continue
				}
			} else if len(rm.Provisioners) > 0 {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Provisioners of a removed module",
					Detail: "Destroy-time provisioners belong to a removed block of one resource (from = TYPE.NAME), not of a module.", Subject: rm.Provisioners[0].DeclRange.Ptr()})
				continue
			} else if root.Descendant(rb.Module) != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Removed module still declared",
					Detail: fmt.Sprintf("A removed block removes %s, which the configuration still calls. Remove the module block, or the removed block.", config.TraversalString(t)), Subject: rm.DeclRange.Ptr()})
				continue
			}
			out = append(out, rb)
		}
	})
	return out, diags
}
