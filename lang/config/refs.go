package config

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// Referenceable is anything an expression can refer to. Each implementation
// is a small comparable value, so a set of references is a map.
type Referenceable interface {
	referenceable()
	// String returns the reference as written: var.region, aws_instance.web[0].
	String() string
}

// VariableRef is var.NAME.
type VariableRef struct{ Name string }

// LocalRef is local.NAME.
type LocalRef struct{ Name string }

// ResourceRef is a reference to a resource, or to one instance of it when
// Key is set: aws_instance.web, data.aws_ami.x, aws_instance.web["a"].
type ResourceRef struct {
	Resource ResourceAddr
	Key      InstanceKey
	// Keyed is true when the reference carried an index, even one that was
	// not known when the reference was parsed (Key then stays nil).
	Keyed bool
}

// ModuleCallRef is a reference to a module call's outputs: module.NAME,
// module.NAME[KEY], and module.NAME.OUTPUT when Output is set.
type ModuleCallRef struct {
	Name   string
	Key    InstanceKey
	Keyed  bool
	Output string
}

// CountRef is count.index.
type CountRef struct{ Name string }

// EachRef is each.key or each.value.
type EachRef struct{ Name string }

// PathRef is path.module, path.root or path.cwd.
type PathRef struct{ Name string }

// WorkspaceRef is terraform.workspace (also indigo.workspace).
type WorkspaceRef struct{ Name string }

// SelfRef is self, valid in provisioners, connections and postconditions.
type SelfRef struct{}

// ObjectRef is a reference to one of indigo's own objects: site.cnaf,
// deployment.galaxy, storage.archive, policy.x, group.cms, component.web.
type ObjectRef struct {
	Kind ObjectKind
	Name string
}

func (VariableRef) referenceable()   {}
func (LocalRef) referenceable()      {}
func (ResourceRef) referenceable()   {}
func (ModuleCallRef) referenceable() {}
func (CountRef) referenceable()      {}
func (EachRef) referenceable()       {}
func (PathRef) referenceable()       {}
func (WorkspaceRef) referenceable()  {}
func (SelfRef) referenceable()       {}
func (ObjectRef) referenceable()     {}

func (r VariableRef) String() string { return "var." + r.Name }
func (r LocalRef) String() string    { return "local." + r.Name }
func (r ResourceRef) String() string { return r.Resource.String() + KeyString(r.Key) }
func (r ModuleCallRef) String() string {
	s := "module." + r.Name + KeyString(r.Key)
	if r.Output != "" {
		s += "." + r.Output
	}
	return s
}
func (r CountRef) String() string     { return "count." + r.Name }
func (r EachRef) String() string      { return "each." + r.Name }
func (r PathRef) String() string      { return "path." + r.Name }
func (r WorkspaceRef) String() string { return "terraform." + r.Name }
func (SelfRef) String() string        { return "self" }
func (r ObjectRef) String() string    { return r.Kind.Keyword() + "." + r.Name }

// Reference is one reference found in an expression.
type Reference struct {
	Subject Referenceable
	// Range covers the part of the traversal that names Subject.
	Range hcl.Range
	// Remaining is what the expression reads from the subject's value
	// (.id, ["key"], ...).
	Remaining hcl.Traversal
}

// ParseRef reads the subject of a traversal. Traversals whose root name is
// not a known reference kind (and is not the name of a local iterator the
// caller already removed) are reported as errors with what the user can
// write instead.
func ParseRef(trav hcl.Traversal) (*Reference, hcl.Diagnostics) {
	if len(trav) == 0 || trav.IsRelative() {
		return nil, nil
	}
	root := trav.RootName()
	rng := trav.SourceRange()
	errAt := func(r hcl.Range, summary, detail string) hcl.Diagnostics {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: r.Ptr()}}
	}
	attrAfterRoot := func(what string) (string, hcl.Range, hcl.Diagnostics) {
		if len(trav) < 2 {
			return "", rng, errAt(rng, "Invalid reference",
				fmt.Sprintf("The %q object cannot be used on its own: write %s.NAME to read one %s.", root, root, what))
		}
		attr, ok := trav[1].(hcl.TraverseAttr)
		if !ok {
			return "", rng, errAt(trav[1].SourceRange(), "Invalid reference",
				fmt.Sprintf("A %s is read with an attribute, as in %s.NAME, not with an index.", what, root))
		}
		return attr.Name, hcl.RangeBetween(trav[0].SourceRange(), trav[1].SourceRange()), nil
	}
	switch root {
	case "var":
		name, r, diags := attrAfterRoot("variable")
		if diags.HasErrors() {
			return nil, diags
		}
		return &Reference{Subject: VariableRef{Name: name}, Range: r, Remaining: trav[2:]}, nil
	case "local":
		name, r, diags := attrAfterRoot("local value")
		if diags.HasErrors() {
			return nil, diags
		}
		return &Reference{Subject: LocalRef{Name: name}, Range: r, Remaining: trav[2:]}, nil
	case "count":
		name, r, diags := attrAfterRoot("count attribute")
		if diags.HasErrors() {
			return nil, diags
		}
		if name != "index" {
			return nil, errAt(r, "Invalid count attribute", fmt.Sprintf("count has one attribute, count.index; %q is not one.", name))
		}
		return &Reference{Subject: CountRef{Name: name}, Range: r, Remaining: trav[2:]}, nil
	case "each":
		name, r, diags := attrAfterRoot("each attribute")
		if diags.HasErrors() {
			return nil, diags
		}
		if name != "key" && name != "value" {
			return nil, errAt(r, "Invalid each attribute", fmt.Sprintf("each has two attributes, each.key and each.value; %q is not one.", name))
		}
		return &Reference{Subject: EachRef{Name: name}, Range: r, Remaining: trav[2:]}, nil
	case "path":
		name, r, diags := attrAfterRoot("path attribute")
		if diags.HasErrors() {
			return nil, diags
		}
		if name != "module" && name != "root" && name != "cwd" {
			return nil, errAt(r, "Invalid path attribute", fmt.Sprintf("path has path.module, path.root and path.cwd; %q is not one.", name))
		}
		return &Reference{Subject: PathRef{Name: name}, Range: r, Remaining: trav[2:]}, nil
	case "terraform", "indigo":
		name, r, diags := attrAfterRoot("attribute")
		if diags.HasErrors() {
			return nil, diags
		}
		if name != "workspace" {
			return nil, errAt(r, "Invalid "+root+" attribute", fmt.Sprintf("%s has one attribute, %s.workspace; %q is not one.", root, root, name))
		}
		return &Reference{Subject: WorkspaceRef{Name: name}, Range: r, Remaining: trav[2:]}, nil
	case "self":
		return &Reference{Subject: SelfRef{}, Range: trav[0].SourceRange(), Remaining: trav[1:]}, nil
	case "module":
		name, r, diags := attrAfterRoot("module call")
		if diags.HasErrors() {
			return nil, diags
		}
		ref := ModuleCallRef{Name: name}
		rest := trav[2:]
		if len(rest) > 0 {
			if idx, ok := rest[0].(hcl.TraverseIndex); ok {
				ref.Keyed = true
				if k, err := ParseInstanceKey(idx.Key); err == nil {
					ref.Key = k
				}
				r = hcl.RangeBetween(r, idx.SourceRange())
				rest = rest[1:]
			}
		}
		if len(rest) > 0 {
			if attr, ok := rest[0].(hcl.TraverseAttr); ok {
				ref.Output = attr.Name
				r = hcl.RangeBetween(r, attr.SourceRange())
				rest = rest[1:]
			}
		}
		return &Reference{Subject: ref, Range: r, Remaining: rest}, nil
	case "site", "deployment", "storage", "policy", "group", "component":
		kind, _ := ObjectKindFor(root)
		name, r, diags := attrAfterRoot(root)
		if diags.HasErrors() {
			return nil, diags
		}
		return &Reference{Subject: ObjectRef{Kind: kind, Name: name}, Range: r, Remaining: trav[2:]}, nil
	case "data":
		if len(trav) < 3 {
			return nil, errAt(rng, "Invalid data source reference", "A data source is read as data.TYPE.NAME.")
		}
		typ, ok1 := trav[1].(hcl.TraverseAttr)
		name, ok2 := trav[2].(hcl.TraverseAttr)
		if !ok1 || !ok2 {
			return nil, errAt(rng, "Invalid data source reference", "A data source is read as data.TYPE.NAME, with attributes, not indexes.")
		}
		return resourceRef(ResourceAddr{Mode: DataMode, Type: typ.Name, Name: name.Name}, hcl.RangeBetween(trav[0].SourceRange(), name.SourceRange()), trav[3:])
	case "ephemeral":
		if len(trav) < 3 {
			return nil, errAt(rng, "Invalid ephemeral resource reference", "An ephemeral resource is read as ephemeral.TYPE.NAME.")
		}
		typ, ok1 := trav[1].(hcl.TraverseAttr)
		name, ok2 := trav[2].(hcl.TraverseAttr)
		if !ok1 || !ok2 {
			return nil, errAt(rng, "Invalid ephemeral resource reference", "An ephemeral resource is read as ephemeral.TYPE.NAME, with attributes, not indexes.")
		}
		return resourceRef(ResourceAddr{Mode: EphemeralMode, Type: typ.Name, Name: name.Name}, hcl.RangeBetween(trav[0].SourceRange(), name.SourceRange()), trav[3:])
	case "resource":
		// resource.TYPE.NAME is the unambiguous form (Terraform 1.x accepts it
		// for types whose names clash with reserved words).
		if len(trav) < 3 {
			return nil, errAt(rng, "Invalid resource reference", "A resource is read as TYPE.NAME or resource.TYPE.NAME.")
		}
		typ, ok1 := trav[1].(hcl.TraverseAttr)
		name, ok2 := trav[2].(hcl.TraverseAttr)
		if !ok1 || !ok2 {
			return nil, errAt(rng, "Invalid resource reference", "A resource is read as resource.TYPE.NAME.")
		}
		return resourceRef(ResourceAddr{Mode: ManagedMode, Type: typ.Name, Name: name.Name}, hcl.RangeBetween(trav[0].SourceRange(), name.SourceRange()), trav[3:])
	}
	if len(trav) < 2 {
		return nil, errAt(rng, "Invalid reference",
			fmt.Sprintf("There is no object named %q here. A reference is var.NAME, local.NAME, TYPE.NAME for a resource, data.TYPE.NAME, ephemeral.TYPE.NAME, module.NAME, site.NAME, deployment.NAME, storage.NAME, group.NAME or policy.NAME.", root))
	}
	name, ok := trav[1].(hcl.TraverseAttr)
	if !ok {
		return nil, errAt(trav[1].SourceRange(), "Invalid reference",
			fmt.Sprintf("A resource is read as %s.NAME; an index cannot follow the resource type directly.", root))
	}
	return resourceRef(ResourceAddr{Mode: ManagedMode, Type: root, Name: name.Name}, hcl.RangeBetween(trav[0].SourceRange(), name.SourceRange()), trav[2:])
}

func resourceRef(addr ResourceAddr, r hcl.Range, rest hcl.Traversal) (*Reference, hcl.Diagnostics) {
	ref := ResourceRef{Resource: addr}
	if len(rest) > 0 {
		if idx, ok := rest[0].(hcl.TraverseIndex); ok {
			ref.Keyed = true
			if k, err := ParseInstanceKey(idx.Key); err == nil {
				ref.Key = k
			}
			r = hcl.RangeBetween(r, idx.SourceRange())
			rest = rest[1:]
		}
	}
	return &Reference{Subject: ref, Range: r, Remaining: rest}, nil
}

// RootName returns the name a traversal starts with, or "" for an empty or
// relative traversal (where hcl's RootName would panic).
func RootName(t hcl.Traversal) string {
	if len(t) == 0 || t.IsRelative() {
		return ""
	}
	return t.RootName()
}

// ReferencesIn parses every traversal in travs. Diagnostics for traversals
// that are not references are collected; the valid ones are returned.
func ReferencesIn(travs []hcl.Traversal) ([]*Reference, hcl.Diagnostics) {
	var refs []*Reference
	var diags hcl.Diagnostics
	for _, t := range travs {
		ref, d := ParseRef(t)
		diags = append(diags, d...)
		if ref != nil {
			refs = append(refs, ref)
		}
	}
	return refs, diags
}
