package jsonplan

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/planner/plan"
)

// relevantAttributes is relevant_attributes, as Terraform's JSON plan
// means it: the attributes of resources that the configuration of each
// resource the plan changes refers to, directly or through locals, module
// outputs and the arguments a module's variables are given; a reference
// to a whole resource is an empty attribute path. References in count and
// for_each, and in the configuration of the resources referred to, are not
// followed. Without the configuration there is nothing to say.
func relevantAttributes(cfg *config.Config, changes []*plan.ResourceChange) []jsonRelevant {
	if cfg == nil {
		return nil
	}
	w := &relevantWalk{seen: map[string]bool{}, followed: map[string]bool{}}
	for _, c := range sortedChanges(changes) {
		if c.Action == plan.NoOp {
			continue
		}
		node := cfg.Descendant(c.Addr.Module.Static())
		if node == nil {
			continue
		}
		if res := node.Module.Resource(c.Addr.Resource); res != nil && res.Config != nil {
			w.traversals(node, c.Addr.Module, eval.BodyTraversals(res.Config))
		}
	}
	slices.SortFunc(w.out, func(a, b jsonRelevant) int {
		return cmp.Or(cmp.Compare(a.Resource, b.Resource), cmp.Compare(fmt.Sprint(a.Attribute), fmt.Sprint(b.Attribute)))
	})
	return w.out
}

type relevantWalk struct {
	out []jsonRelevant
	// seen holds the attributes listed, followed the locals, outputs and
	// variables whose expressions were walked (each once: a cycle ends).
	seen, followed map[string]bool
}

func (w *relevantWalk) traversals(c *config.Config, mod config.ModuleInstance, travs []hcl.Traversal) {
	for _, t := range travs {
		ref, _ := config.ParseRef(t)
		if ref == nil {
			continue
		}
		switch s := ref.Subject.(type) {
		case config.ResourceRef:
			addr := config.InstanceAddr{Module: scopeInstance(c, mod, s), Resource: s.Resource, Key: s.Key}
			w.add(addr.String(), attributePath(ref.Remaining))
		case config.LocalRef:
			scope := c.ScopeFor(s)
			if l := scope.Module.Locals[s.Name]; l != nil && w.follow(scopeInstance(c, mod, s), "local."+s.Name) {
				w.traversals(scope, scopeInstance(c, mod, s), l.Expr.Variables())
			}
		case config.ModuleCallRef:
			child := c.Children[config.Step{Kind: config.ModuleStep, Name: s.Name}]
			if child == nil {
				continue
			}
			childMod := mod.Child(config.ModuleStep, s.Name, s.Key)
			for _, name := range slices.Sorted(maps.Keys(child.Module.Outputs)) {
				if s.Output != "" && name != s.Output {
					continue
				}
				if o := child.Module.Outputs[name]; o.Expr != nil && w.follow(childMod, "output."+name) {
					w.traversals(child, childMod, o.Expr.Variables())
				}
			}
		case config.VariableRef:
			parentMod, step := mod.Parent()
			if c.Parent == nil || step.Kind != config.ModuleStep {
				continue
			}
			call := c.Parent.Module.ModuleCalls[step.Name]
			if call == nil || call.Config == nil {
				continue
			}
			attrs, _ := call.Config.JustAttributes()
			if a := attrs[s.Name]; a != nil && w.follow(mod, "var."+s.Name) {
				w.traversals(c.Parent, parentMod, a.Expr.Variables())
			}
		}
	}
}

// scopeInstance is the module instance that declares what ref names, seen
// from module c's instance mod: mod itself, or the enclosing instance a
// deployment's scope reaches.
func scopeInstance(c *config.Config, mod config.ModuleInstance, ref config.Referenceable) config.ModuleInstance {
	for scope := c; scope != c.ScopeFor(ref) && !mod.IsRoot(); scope = scope.Parent {
		mod, _ = mod.Parent()
	}
	return mod
}

func (w *relevantWalk) follow(mod config.ModuleInstance, what string) bool {
	k := mod.String() + "\x00" + what
	if w.followed[k] {
		return false
	}
	w.followed[k] = true
	return true
}

func (w *relevantWalk) add(resource string, attr []any) {
	k := resource + "\x00" + fmt.Sprintf("%#v", attr)
	if w.seen[k] {
		return
	}
	w.seen[k] = true
	w.out = append(w.out, jsonRelevant{Resource: resource, Attribute: attr})
}

// attributePath is the path a reference reads from a resource: names, and
// index keys (strings, numbers), up to the first step of another kind.
func attributePath(t hcl.Traversal) []any {
	path := []any{}
	for _, step := range t {
		switch s := step.(type) {
		case hcl.TraverseAttr:
			path = append(path, s.Name)
		case hcl.TraverseIndex:
			k := s.Key
			switch {
			case !k.IsKnown() || k.IsNull() || k.IsMarked():
				return path
			case k.Type() == cty.String:
				path = append(path, k.AsString())
			case k.Type() == cty.Number:
				path = append(path, jsonNumber(k))
			default:
				return path
			}
		default:
			return path
		}
	}
	return path
}
