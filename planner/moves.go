package planner

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
)

// applyMoves applies the configuration's moved blocks to the planner's
// copy of the prior state, remembering each instance's previous address so
// the plan can say "has moved to" and the apply can record the move.
func (r *run) applyMoves() hcl.Diagnostics {
	r.prev = map[config.InstanceAddr]config.InstanceAddr{}
	var diags hcl.Diagnostics
	r.cfg.Walk(func(c *config.Config) {
		for _, mv := range c.Module.Moved {
			diags = append(diags, r.applyMove(c, mv)...)
		}
	})
	return diags
}

func (r *run) applyMove(c *config.Config, mv *config.Moved) hcl.Diagnostics {
	base := c.Path.UnkeyedInstance()
	fromMod, fromOK := moduleEndpoint(base, mv.From)
	toMod, toOK := moduleEndpoint(base, mv.To)
	if fromOK && toOK {
		// Move every instance under one module instance to another.
		for _, a := range r.prior.AllInstances() {
			if !underModule(a.Module, fromMod) {
				continue
			}
			newMod := config.ModuleInstance(string(toMod) + strings.TrimPrefix(string(a.Module), string(fromMod)))
			to := config.InstanceAddr{Module: newMod, Resource: a.Resource, Key: a.Key}
			r.moveOne(a, to, mv)
		}
		return nil
	}
	from, d1 := config.InstanceAddrFromTraversal(mv.From)
	to, d2 := config.InstanceAddrFromTraversal(mv.To)
	if d1.HasErrors() || d2.HasErrors() {
		return append(d1, d2...)
	}
	from.Module = prefix(base, from.Module)
	to.Module = prefix(base, to.Module)
	if from.Resource.Type != to.Resource.Type {
		// Cross-type moves need the provider's MoveResourceState; not yet.
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Moves between resource types are not supported yet",
			Detail:   fmt.Sprintf("Moving %s to %s changes the resource type; indigo moves objects within one type today. Use indigo state mv and import instead.", from, to),
			Subject:  mv.DeclRange.Ptr(),
		}}
	}
	keyed := hasIndex(mv.From) || hasIndex(mv.To)
	for _, a := range r.prior.AllInstances() {
		if a.Module != from.Module || a.Resource != from.Resource {
			continue
		}
		if keyed {
			if a.Key == from.Key {
				r.moveOne(a, to, mv)
			}
			continue
		}
		dest := config.InstanceAddr{Module: to.Module, Resource: to.Resource, Key: a.Key}
		r.moveOne(a, dest, mv)
	}
	return nil
}

func (r *run) moveOne(from, to config.InstanceAddr, mv *config.Moved) {
	if from == to {
		return
	}
	if r.prior.ResourceInstance(to) != nil {
		r.addNote(planNote(to.String(), fmt.Sprintf("Moved object still exists: %s was not moved to %s, which is already recorded (moved block at %s).", from, to, mv.DeclRange)))
		return
	}
	if err := r.prior.Move(from, to); err != nil {
		r.addNote(planNote(from.String(), fmt.Sprintf("Cannot move %s to %s: %s.", from, to, err)))
		return
	}
	orig := from
	if p, ok := r.prev[from]; ok {
		orig = p
		delete(r.prev, from)
	}
	r.prev[to] = orig
}

// prevAddr returns the address an instance had in the prior state.
func (r *run) prevAddr(a config.InstanceAddr) config.InstanceAddr {
	if p, ok := r.prev[a]; ok {
		return p
	}
	return a
}

func (r *run) movesPending() bool { return len(r.prev) > 0 }

// moduleEndpoint reads module.a or module.a[k] as a module instance,
// relative to base.
func moduleEndpoint(base config.ModuleInstance, t hcl.Traversal) (config.ModuleInstance, bool) {
	if config.RootName(t) != "module" {
		return "", false
	}
	mod := config.ModuleInstance(traversalString(t))
	steps := mod.Steps()
	if len(steps) == 0 {
		return "", false
	}
	var out config.ModuleInstance
	for _, s := range steps {
		out = out.Child(s.Kind, s.Name, s.Key)
	}
	if string(out) != traversalString(t) {
		return "", false
	}
	return prefix(base, out), true
}

func prefix(base, m config.ModuleInstance) config.ModuleInstance {
	if base == "" {
		return m
	}
	if m == "" {
		return base
	}
	return config.ModuleInstance(string(base) + "." + string(m))
}

func underModule(m, prefix config.ModuleInstance) bool {
	return m == prefix || strings.HasPrefix(string(m), string(prefix)+".")
}

func hasIndex(t hcl.Traversal) bool {
	if len(t) == 0 {
		return false
	}
	_, ok := t[len(t)-1].(hcl.TraverseIndex)
	return ok
}

// traversalString renders a traversal in address syntax.
func traversalString(t hcl.Traversal) string {
	var b strings.Builder
	for i, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.Name)
		case hcl.TraverseIndex:
			if k, err := config.ParseInstanceKey(s.Key); err == nil {
				b.WriteString(k.String())
			}
		}
	}
	return b.String()
}

// evalImports evaluates the import blocks of the root module: which
// instance to import and by which id.
func (r *run) evalImports() hcl.Diagnostics {
	r.imports = map[config.InstanceAddr]string{}
	var diags hcl.Diagnostics
	for _, im := range r.cfg.Module.Imports {
		to, d := config.InstanceAddrFromTraversal(im.To)
		diags = append(diags, d...)
		if d.HasErrors() || im.ID == nil {
			continue
		}
		if im.ForEach != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "for_each in import blocks is not supported yet", Detail: "Write one import block per object for now.", Subject: im.DeclRange.Ptr()})
			continue
		}
		sc := r.scope(config.RootModule, emptyIteration())
		id, d := sc.EvalExpr(im.ID, cty.String)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		id, _ = id.Unmark()
		if !id.IsKnown() || id.IsNull() {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Import id must be known", Detail: "The id of an import block must be known when planning: use a constant, a variable or a local.", Subject: im.ID.Range().Ptr()})
			continue
		}
		if r.prior.ResourceInstance(to) != nil {
			continue // already managed: nothing to import
		}
		r.imports[to] = id.AsString()
	}
	return diags
}

// importFor returns the id to import addr with, or "".
func (r *run) importFor(addr config.InstanceAddr) string { return r.imports[addr] }
