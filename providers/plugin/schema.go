package plugin

import (
	"sync/atomic"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// Schema is everything a provider declares about itself: the shape of its
// own configuration, of each resource and data source type, its functions and
// the optional protocol features it offers.
type Schema struct {
	// Provider is the schema of the provider block. Never nil.
	Provider *Block
	// ProviderMeta is the schema of the provider_meta block that modules may
	// set for this provider; nil when the provider declares none.
	ProviderMeta *Block
	Resources    map[string]ResourceSchema
	DataSources  map[string]ResourceSchema
	// EphemeralResources are the ephemeral resource types (protocol 5.7
	// and 6.7); their Version is unused.
	EphemeralResources map[string]ResourceSchema
	Functions          map[string]FunctionDecl
	Capabilities       Capabilities
}

// ResourceSchema is the schema of one resource or data source type. Version
// is the state schema version; state recorded under an older version must go
// through UpgradeResourceState before any other call.
type ResourceSchema struct {
	Version int64
	Block   *Block
	// Identity is the resource type's identity schema; nil when the type
	// (or the provider, older than protocol 5.9/6.9) has none. Data
	// sources have none.
	Identity *IdentitySchema
}

// Capabilities are the optional protocol features a provider offers.
type Capabilities struct {
	// PlanDestroy: the provider wants PlanResourceChange for deletions too
	// (with a null proposed new state).
	PlanDestroy bool
	// GetProviderSchemaOptional: the provider works without a
	// GetProviderSchema call, so a cached schema may stand in for it.
	GetProviderSchemaOptional bool
	// MoveResourceState: the provider accepts MoveResourceState, moving state
	// across resource types (and providers).
	MoveResourceState bool
	// GenerateResourceConfig: the provider can generate configuration for an
	// imported resource. indigo does not call it yet.
	GenerateResourceConfig bool
}

// Block is a configuration block: attributes and nested block types. The
// value of a block is an object with one attribute per attribute and per
// nested block type (see ImpliedType).
//
// A Block is not changed once it is in use: ImpliedType and DecoderSpec
// are computed on first use and remembered, since the planner asks for
// them for every resource instance.
type Block struct {
	Attributes  map[string]*Attribute
	BlockTypes  map[string]*NestedBlock
	Description string
	// MarkdownDescription says Description is Markdown, not plain text.
	MarkdownDescription bool
	Deprecated          bool
	// SensitiveKeys maps an attribute holding an object to the attribute
	// (a list of strings) naming which of its keys are sensitive. The
	// protocol cannot mark part of a value, so terraform_remote_state lists
	// the outputs its state marks sensitive: {"outputs": "sensitive_outputs"}.
	// SensitivePaths includes those keys' paths.
	SensitiveKeys map[string]string
	// MarksFollow maps an attribute to the one whose value the provider
	// copies into it: terraform_data's and indigo_noop's output is their
	// input, so {"output": "input"}. What marks the configuration puts on
	// the source (sensitive, ephemeral) the caller puts on the copy too, or
	// a sensitive input would come back in clear as output.
	MarksFollow map[string]string

	derived atomic.Pointer[blockDerived]
}

// blockDerived holds what is computed from a Block once.
type blockDerived struct {
	implied cty.Type
	spec    hcldec.Spec
}

// derive returns the values computed from b, computing them on first use.
// Two goroutines may both compute them; the results are equal and one is
// kept.
func (b *Block) derive() *blockDerived {
	if d := b.derived.Load(); d != nil {
		return d
	}
	d := &blockDerived{implied: b.impliedType(), spec: b.decoderSpec()}
	if b.derived.CompareAndSwap(nil, d) {
		return d
	}
	return b.derived.Load()
}

// Attribute is one attribute of a block. Exactly one of Type and NestedType
// is set: NestedType (protocol 6 only) describes an attribute whose value is
// an object, or a collection of objects, with attributes of its own.
type Attribute struct {
	Type       cty.Type
	NestedType *Object

	Required, Optional, Computed bool
	Sensitive                    bool
	Deprecated                   bool
	// DeprecationMessage says what to use instead, when Deprecated.
	DeprecationMessage string
	// WriteOnly attributes are accepted in configuration but never returned
	// in state or plan; the caller must not persist them.
	WriteOnly   bool
	Description string
	// MarkdownDescription says Description is Markdown, not plain text.
	MarkdownDescription bool
}

// Object is the type of a nested attribute: a set of attributes, nested as a
// single object or as a list, set or map of objects.
type Object struct {
	Attributes map[string]*Attribute
	// Nesting is NestingSingle, NestingList, NestingSet or NestingMap.
	Nesting NestingMode
}

// NestedBlock is a block type nested in another block. MinItems and MaxItems
// bound the number of blocks (zero MaxItems: no limit).
type NestedBlock struct {
	Block    Block
	Nesting  NestingMode
	MinItems int
	MaxItems int
}

// NestingMode says how many nested blocks (or nested attribute objects) a
// parent may hold and how they are told apart.
type NestingMode int

const (
	// NestingInvalid is the zero value; a schema never contains it.
	NestingInvalid NestingMode = iota
	// NestingSingle: at most one; the value is an object or null.
	NestingSingle
	// NestingGroup: exactly one; when absent from configuration the value is
	// an object whose attributes are all null, never null itself.
	NestingGroup
	// NestingList: an ordered list of objects.
	NestingList
	// NestingSet: an unordered set of objects.
	NestingSet
	// NestingMap: a map of objects, keyed by the block's label.
	NestingMap
)

// String returns the mode's name as the protocol spells it.
func (m NestingMode) String() string {
	switch m {
	case NestingSingle:
		return "SINGLE"
	case NestingGroup:
		return "GROUP"
	case NestingList:
		return "LIST"
	case NestingSet:
		return "SET"
	case NestingMap:
		return "MAP"
	default:
		return "INVALID"
	}
}

// FunctionDecl declares a provider-defined function.
type FunctionDecl struct {
	Parameters []Parameter
	// VariadicParameter, when set, accepts any number of trailing arguments.
	VariadicParameter  *Parameter
	ReturnType         cty.Type
	Summary            string
	Description        string
	DeprecationMessage string
}

// Parameter is one parameter of a provider-defined function. Unless
// AllowNullValue (AllowUnknownValues) is set, the caller must not pass null
// (unknown) values for it.
type Parameter struct {
	Name               string
	Type               cty.Type
	AllowNullValue     bool
	AllowUnknownValues bool
	Description        string
}

// ImpliedType is the cty type of the block's values: an object with one
// attribute per attribute and per nested block type.
//
// A list or map of nested blocks whose contents contain dynamically-typed
// attributes cannot be a cty list or map (their elements may differ in type),
// so such a block type is cty.DynamicPseudoType and its value a tuple or
// object. This is the protocol's rule; a provider expects exactly this type.
func (b *Block) ImpliedType() cty.Type {
	if b == nil {
		return cty.EmptyObject
	}
	return b.derive().implied
}

func (b *Block) impliedType() cty.Type {
	atys := make(map[string]cty.Type, len(b.Attributes)+len(b.BlockTypes))
	for name, a := range b.Attributes {
		atys[name] = a.ImpliedType()
	}
	for name, nb := range b.BlockTypes {
		atys[name] = nb.impliedType()
	}
	return cty.Object(atys)
}

// ImpliedType is the cty type of the attribute's values.
func (a *Attribute) ImpliedType() cty.Type {
	if a.NestedType != nil {
		return a.NestedType.ImpliedType()
	}
	return a.Type
}

// ImpliedType is the cty type of a nested attribute's values.
func (o *Object) ImpliedType() cty.Type {
	atys := make(map[string]cty.Type, len(o.Attributes))
	for name, a := range o.Attributes {
		atys[name] = a.ImpliedType()
	}
	return o.nest(cty.Object(atys))
}

// configType is ImpliedType with every non-required attribute of nested
// objects marked optional, so that configuration may leave them out.
func (o *Object) configType() cty.Type {
	atys := make(map[string]cty.Type, len(o.Attributes))
	var optional []string
	for name, a := range o.Attributes {
		if a.NestedType != nil {
			atys[name] = a.NestedType.configType()
		} else {
			atys[name] = a.Type
		}
		if !a.Required {
			optional = append(optional, name)
		}
	}
	return o.nest(cty.ObjectWithOptionalAttrs(atys, optional))
}

func (o *Object) nest(obj cty.Type) cty.Type {
	switch o.Nesting {
	case NestingList:
		return cty.List(obj)
	case NestingSet:
		return cty.Set(obj)
	case NestingMap:
		return cty.Map(obj)
	default:
		return obj
	}
}

func (nb *NestedBlock) impliedType() cty.Type {
	obj := nb.Block.ImpliedType()
	switch nb.Nesting {
	case NestingList:
		if obj.HasDynamicTypes() {
			return cty.DynamicPseudoType
		}
		return cty.List(obj)
	case NestingSet:
		return cty.Set(obj)
	case NestingMap:
		if obj.HasDynamicTypes() {
			return cty.DynamicPseudoType
		}
		return cty.Map(obj)
	default:
		return obj
	}
}

// emptyValue is the value of the block when the configuration holds none of
// its attributes or nested blocks: null attributes, no nested blocks.
func (b *Block) emptyValue() cty.Value {
	vals := make(map[string]cty.Value, len(b.Attributes)+len(b.BlockTypes))
	for name, a := range b.Attributes {
		vals[name] = cty.NullVal(a.ImpliedType())
	}
	for name, nb := range b.BlockTypes {
		vals[name] = nb.emptyValue()
	}
	return cty.ObjectVal(vals)
}

func (nb *NestedBlock) emptyValue() cty.Value {
	ty := nb.impliedType()
	switch nb.Nesting {
	case NestingGroup:
		return nb.Block.emptyValue()
	case NestingList:
		if ty == cty.DynamicPseudoType {
			return cty.EmptyTupleVal
		}
		return cty.ListValEmpty(ty.ElementType())
	case NestingSet:
		return cty.SetValEmpty(ty.ElementType())
	case NestingMap:
		if ty == cty.DynamicPseudoType {
			return cty.EmptyObjectVal
		}
		return cty.MapValEmpty(ty.ElementType())
	default:
		return cty.NullVal(ty)
	}
}

// SensitivePaths returns the paths, within v, of the attributes the schema
// declares sensitive, so that the caller can mark them (cty.Value.MarkWithPaths).
// v must be a value of the block's type. Paths go into nested blocks and
// nested attribute objects as far as v has known, non-null values; an
// attribute that is sensitive as a whole is reported once, not its insides.
func (b *Block) SensitivePaths(v cty.Value) []cty.Path {
	if b == nil {
		return nil
	}
	var paths []cty.Path
	b.sensitivePaths(v, nil, &paths)
	return paths
}

func (b *Block) sensitivePaths(v cty.Value, path cty.Path, out *[]cty.Path) {
	if v.IsNull() || !v.IsKnown() || !v.Type().IsObjectType() {
		return
	}
	for obj, list := range b.SensitiveKeys {
		listedKeys(v, obj, list, path, out)
	}
	for name, a := range b.Attributes {
		// Most attributes are neither sensitive nor hold any: no path.
		if !a.Sensitive && (a.NestedType == nil || !a.NestedType.containsSensitive()) || !v.Type().HasAttribute(name) {
			continue
		}
		p := appendPath(path, cty.GetAttrStep{Name: name})
		if a.Sensitive {
			*out = append(*out, p)
			continue
		}
		a.NestedType.sensitivePaths(v.GetAttr(name), p, out)
	}
	for name, nb := range b.BlockTypes {
		if !v.Type().HasAttribute(name) || !nb.Block.containsSensitive() {
			continue
		}
		p := appendPath(path, cty.GetAttrStep{Name: name})
		bv := v.GetAttr(name)
		switch nb.Nesting {
		case NestingSingle, NestingGroup:
			nb.Block.sensitivePaths(bv, p, out)
		default:
			eachElement(bv, p, func(ev cty.Value, ep cty.Path) { nb.Block.sensitivePaths(ev, ep, out) })
		}
	}
}

// noteListedKeys sets SensitiveKeys on the schema of a data source that
// lists its sensitive keys: terraform_remote_state, whose outputs are marked
// as the state it reads marks them.
func noteListedKeys(typeName string, b *Block) {
	if typeName != "terraform_remote_state" || b == nil {
		return
	}
	out, list := b.Attributes["outputs"], b.Attributes["sensitive_outputs"]
	if out != nil && list != nil && out.Computed && list.Computed && list.Type.Equals(cty.List(cty.String)) {
		b.SensitiveKeys = map[string]string{"outputs": "sensitive_outputs"}
	}
}

// noteCopies sets MarksFollow on the schema of a resource type whose
// output is its input (terraform_data, indigo_noop).
func noteCopies(typeName string, b *Block) {
	if typeName != "terraform_data" && typeName != "indigo_noop" || b == nil {
		return
	}
	if in, out := b.Attributes["input"], b.Attributes["output"]; in != nil && out != nil && out.Computed && !out.Optional {
		b.MarksFollow = map[string]string{"output": "input"}
	}
}

// listedKeys adds the paths of v.obj's keys that v.list names.
func listedKeys(v cty.Value, obj, list string, path cty.Path, out *[]cty.Path) {
	ty := v.Type()
	if !ty.HasAttribute(obj) || !ty.HasAttribute(list) {
		return
	}
	o, names := v.GetAttr(obj), v.GetAttr(list)
	if o.IsNull() || !o.IsKnown() || !o.Type().IsObjectType() || names.IsNull() || !names.IsKnown() || !names.CanIterateElements() {
		return
	}
	for it := names.ElementIterator(); it.Next(); {
		_, n := it.Element()
		if !n.IsKnown() || n.IsNull() || n.Type() != cty.String || !o.Type().HasAttribute(n.AsString()) {
			continue
		}
		*out = append(*out, appendPath(appendPath(path, cty.GetAttrStep{Name: obj}), cty.GetAttrStep{Name: n.AsString()}))
	}
}

func (o *Object) sensitivePaths(v cty.Value, path cty.Path, out *[]cty.Path) {
	if !o.containsSensitive() {
		return
	}
	visit := func(ev cty.Value, ep cty.Path) {
		if ev.IsNull() || !ev.IsKnown() || !ev.Type().IsObjectType() {
			return
		}
		for name, a := range o.Attributes {
			if !a.Sensitive && (a.NestedType == nil || !a.NestedType.containsSensitive()) || !ev.Type().HasAttribute(name) {
				continue
			}
			p := appendPath(ep, cty.GetAttrStep{Name: name})
			if a.Sensitive {
				*out = append(*out, p)
			} else {
				a.NestedType.sensitivePaths(ev.GetAttr(name), p, out)
			}
		}
	}
	if o.Nesting == NestingSingle || o.Nesting == NestingGroup {
		visit(v, path)
		return
	}
	eachElement(v, path, visit)
}

// eachElement calls f for every element of a known, non-null collection (or
// tuple, or object standing for a map of dynamic blocks), with its path.
func eachElement(v cty.Value, path cty.Path, f func(cty.Value, cty.Path)) {
	if v.IsNull() || !v.IsKnown() || !v.CanIterateElements() {
		return
	}
	isObject := v.Type().IsObjectType()
	for it := v.ElementIterator(); it.Next(); {
		k, ev := it.Element()
		var step cty.PathStep = cty.IndexStep{Key: k}
		if isObject {
			step = cty.GetAttrStep{Name: k.AsString()}
		}
		f(ev, appendPath(path, step))
	}
}

// appendPath extends path without sharing its backing array with any other
// path built from the same prefix.
func appendPath(path cty.Path, step cty.PathStep) cty.Path {
	p := make(cty.Path, len(path), len(path)+1)
	copy(p, path)
	return append(p, step)
}

func (b *Block) containsSensitive() bool {
	if len(b.SensitiveKeys) > 0 {
		return true
	}
	for _, a := range b.Attributes {
		if a.Sensitive || (a.NestedType != nil && a.NestedType.containsSensitive()) {
			return true
		}
	}
	for _, nb := range b.BlockTypes {
		if nb.Block.containsSensitive() {
			return true
		}
	}
	return false
}

func (o *Object) containsSensitive() bool {
	for _, a := range o.Attributes {
		if a.Sensitive || (a.NestedType != nil && a.NestedType.containsSensitive()) {
			return true
		}
	}
	return false
}
