package eval

import (
	"fmt"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"weak"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/customdecode"
	"github.com/hashicorp/hcl/v2/ext/dynblock"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/indigo-cloud/indigo/lang/config"
)

// Data supplies the values that references resolve to. The validator
// implements it with unknown values; the planner with planned and recorded
// values. Every method reports a located diagnostic for a reference to
// something that does not exist, and returns cty.DynamicVal then so that
// evaluation can go on and find further problems.
type Data interface {
	Variable(mod config.ModuleInstance, name string, rng hcl.Range) (cty.Value, hcl.Diagnostics)
	Local(mod config.ModuleInstance, name string, rng hcl.Range) (cty.Value, hcl.Diagnostics)
	// Resource returns the value of a whole resource: an object for a single
	// instance, a tuple for count, an object for for_each.
	Resource(mod config.ModuleInstance, addr config.ResourceAddr, rng hcl.Range) (cty.Value, hcl.Diagnostics)
	// ModuleCall returns an object of the called module's outputs, or a tuple
	// or object of such objects when the call uses count or for_each.
	ModuleCall(mod config.ModuleInstance, ref config.ModuleCallRef, rng hcl.Range) (cty.Value, hcl.Diagnostics)
	// Object returns the value of one of indigo's own objects.
	Object(mod config.ModuleInstance, ref config.ObjectRef, rng hcl.Range) (cty.Value, hcl.Diagnostics)
	// Path returns path.module, path.root or path.cwd.
	Path(mod config.ModuleInstance, name string) cty.Value
	// Workspace returns the workspace name.
	Workspace() cty.Value
}

// Iteration holds count.index or each.key and each.value for one instance
// of a repeated block.
type Iteration struct {
	// Count is true when the block uses count; CountIndex is then its index
	// (unknown while validating).
	Count      bool
	CountIndex cty.Value
	// ForEach is true when the block uses for_each.
	ForEach   bool
	EachKey   cty.Value
	EachValue cty.Value
}

// Scope evaluates expressions of one module instance.
type Scope struct {
	Data      Data
	Module    config.ModuleInstance
	Functions map[string]function.Function
	Iteration Iteration
	// Self is the value of self, or cty.NilVal where self is not allowed.
	Self cty.Value
	// Extra are additional root variables (dynamic block iterators are
	// handled by dynblock; this is for tests and special scopes).
	Extra map[string]cty.Value
}

// Child returns a copy of s with a different iteration.
func (s *Scope) WithIteration(it Iteration) *Scope {
	c := *s
	c.Iteration = it
	return &c
}

// EvalContext builds the evaluation context for an expression that makes
// the given traversals.
func (s *Scope) EvalContext(travs []hcl.Traversal) (*hcl.EvalContext, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	vars := map[string]cty.Value{}
	varVals := map[string]cty.Value{}
	localVals := map[string]cty.Value{}
	moduleVals := map[string]cty.Value{}
	dataVals := map[string]map[string]cty.Value{}
	ephemeralVals := map[string]map[string]cty.Value{}
	resVals := map[string]map[string]cty.Value{}
	objVals := map[string]map[string]cty.Value{}
	pathVals := map[string]cty.Value{}
	var each, count map[string]cty.Value

	for _, trav := range travs {
		root := trav.RootName()
		if _, ok := s.Extra[root]; ok {
			continue
		}
		ref, rd := config.ParseRef(trav)
		diags = append(diags, rd...)
		if ref == nil {
			continue
		}
		switch sub := ref.Subject.(type) {
		case config.VariableRef:
			if _, done := varVals[sub.Name]; !done {
				v, d := s.Data.Variable(s.Module, sub.Name, ref.Range)
				diags = append(diags, d...)
				varVals[sub.Name] = v
			}
		case config.LocalRef:
			if _, done := localVals[sub.Name]; !done {
				v, d := s.Data.Local(s.Module, sub.Name, ref.Range)
				diags = append(diags, d...)
				localVals[sub.Name] = v
			}
		case config.ResourceRef:
			target := resVals
			switch sub.Resource.Mode {
			case config.DataMode:
				target = dataVals
			case config.EphemeralMode:
				target = ephemeralVals
			}
			if target[sub.Resource.Type] == nil {
				target[sub.Resource.Type] = map[string]cty.Value{}
			}
			if _, done := target[sub.Resource.Type][sub.Resource.Name]; !done {
				v, d := s.Data.Resource(s.Module, sub.Resource, ref.Range)
				diags = append(diags, d...)
				target[sub.Resource.Type][sub.Resource.Name] = v
			}
		case config.ModuleCallRef:
			// Each reference is checked (it may name an output that does not
			// exist); after a bad one the module's value is unknown, so the
			// problem is reported once, not again as a missing attribute.
			prev, done := moduleVals[sub.Name]
			v, d := s.Data.ModuleCall(s.Module, sub, ref.Range)
			diags = append(diags, d...)
			switch {
			case d.HasErrors():
				moduleVals[sub.Name] = cty.DynamicVal
			case !done:
				moduleVals[sub.Name] = v
			default:
				moduleVals[sub.Name] = prev
			}
		case config.ObjectRef:
			kw := sub.Kind.Keyword()
			if objVals[kw] == nil {
				objVals[kw] = map[string]cty.Value{}
			}
			if d := s.siteWithoutKey(sub, ref); d != nil {
				diags = append(diags, d)
				objVals[kw][sub.Name] = cty.DynamicVal
				continue
			}
			if _, done := objVals[kw][sub.Name]; !done {
				v, d := s.Data.Object(s.Module, sub, ref.Range)
				diags = append(diags, d...)
				objVals[kw][sub.Name] = v
			}
		case config.CountRef:
			if !s.Iteration.Count {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  `Reference to "count" in a block without count`,
					Detail:   "count.index can only be used in a block that sets count. Add count = N to this block, or remove the reference.",
					Subject:  ref.Range.Ptr(),
				})
				count = map[string]cty.Value{"index": cty.UnknownVal(cty.Number)}
				continue
			}
			count = map[string]cty.Value{"index": s.Iteration.CountIndex}
		case config.EachRef:
			if !s.Iteration.ForEach {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  `Reference to "each" in a block without for_each`,
					Detail:   "each.key and each.value can only be used in a block that sets for_each. Add for_each to this block, or remove the reference.",
					Subject:  ref.Range.Ptr(),
				})
				each = map[string]cty.Value{"key": cty.UnknownVal(cty.String), "value": cty.DynamicVal}
				continue
			}
			each = map[string]cty.Value{"key": s.Iteration.EachKey, "value": s.Iteration.EachValue}
		case config.PathRef:
			pathVals[sub.Name] = s.Data.Path(s.Module, sub.Name)
		case config.WorkspaceRef:
			vars[root] = cty.ObjectVal(map[string]cty.Value{"workspace": s.Data.Workspace()})
		case config.SelfRef:
			if s.Self == cty.NilVal {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid reference to self",
					Detail:   "self refers to the resource itself and can only be used in provisioner and connection blocks and in postconditions.",
					Subject:  ref.Range.Ptr(),
				})
				vars["self"] = cty.DynamicVal
				continue
			}
			vars["self"] = s.Self
		}
	}
	if len(varVals) > 0 {
		vars["var"] = cty.ObjectVal(varVals)
	}
	if len(localVals) > 0 {
		vars["local"] = cty.ObjectVal(localVals)
	}
	if len(moduleVals) > 0 {
		vars["module"] = cty.ObjectVal(moduleVals)
	}
	if len(dataVals) > 0 {
		types := map[string]cty.Value{}
		for t, names := range dataVals {
			types[t] = cty.ObjectVal(names)
		}
		vars["data"] = cty.ObjectVal(types)
	}
	if len(ephemeralVals) > 0 {
		types := map[string]cty.Value{}
		for t, names := range ephemeralVals {
			types[t] = cty.ObjectVal(names)
		}
		vars["ephemeral"] = cty.ObjectVal(types)
	}
	for t, names := range resVals {
		if _, clash := vars[t]; clash {
			continue
		}
		vars[t] = cty.ObjectVal(names)
	}
	if len(resVals) > 0 {
		// resource.TYPE.NAME is the unambiguous spelling of the same values.
		types := map[string]cty.Value{}
		for t, names := range resVals {
			types[t] = cty.ObjectVal(names)
		}
		vars["resource"] = cty.ObjectVal(types)
	}
	for kw, names := range objVals {
		vars[kw] = cty.ObjectVal(names)
	}
	if len(pathVals) > 0 {
		vars["path"] = cty.ObjectVal(pathVals)
	}
	if each != nil {
		vars["each"] = cty.ObjectVal(each)
	}
	if count != nil {
		vars["count"] = cty.ObjectVal(count)
	}
	for k, v := range s.Extra {
		vars[k] = v
	}
	return &hcl.EvalContext{Variables: vars, Functions: s.Functions}, diags
}

// EvalExpr evaluates expr and converts the result to want
// (cty.DynamicPseudoType for any type).
func (s *Scope) EvalExpr(expr hcl.Expression, want cty.Type) (cty.Value, hcl.Diagnostics) {
	if expr == nil {
		return cty.NullVal(want), nil
	}
	ctx, diags := s.EvalContext(variables(expr))
	val, vd := expr.Value(ctx)
	diags = append(diags, vd...)
	if want == cty.DynamicPseudoType {
		return val, diags
	}
	conv, err := convert.Convert(val, want)
	if err != nil {
		rng := expr.Range()
		diags = append(diags, &hcl.Diagnostic{
			Severity:    hcl.DiagError,
			Summary:     "Incorrect value type",
			Detail:      fmt.Sprintf("A value of type %s is required here: %s.", want.FriendlyName(), err),
			Subject:     &rng,
			Expression:  expr,
			EvalContext: ctx,
		})
		return cty.UnknownVal(want), diags
	}
	return conv, diags
}

// variables returns the traversals of expr, with the names that for
// expressions and similar constructs declare themselves already removed.
func variables(expr hcl.Expression) []hcl.Traversal {
	if e, ok := expr.(hclsyntax.Expression); ok {
		return hclsyntax.Variables(e)
	}
	return expr.Variables()
}

// EvalBlock decodes body against spec, expanding dynamic blocks first.
// A native body of arguments only, decoded with a spec of attributes
// only (most resources), takes decodeAttrs's single pass.
func (s *Scope) EvalBlock(body hcl.Body, spec hcldec.Spec) (cty.Value, hcl.Diagnostics) {
	if syn, ok := body.(*hclsyntax.Body); ok && len(syn.Blocks) == 0 {
		if val, diags, ok := s.attrsDecoded(body, spec); ok {
			return val, diags
		}
	}
	return s.evalBlock(body, spec, blockTraversals(body, spec))
}

// attrsDecoded decodes body with decodeAttrs when spec is an object of
// attribute specs (attrsOnly); ok is false otherwise.
func (s *Scope) attrsDecoded(body hcl.Body, spec hcldec.Spec) (val cty.Value, diags hcl.Diagnostics, ok bool) {
	obj, as := attrsOnly(spec)
	if as == nil {
		return cty.NilVal, nil, false
	}
	val, diags = decodeAttrs(body, obj, as, s.EvalContext)
	return val, diags, true
}

// evalBlockOnce is EvalBlock for a body decoded once (validate): keeping
// its traversals would cost more than finding them. A plain body (no
// dynamic blocks, plainBody) is decoded without dynblock's wrapping.
func (s *Scope) evalBlockOnce(body hcl.Body, spec hcldec.Spec, plain bool) (cty.Value, hcl.Diagnostics) {
	if !plain {
		return s.evalBlock(body, spec, dynblock.VariablesHCLDec(body, spec))
	}
	if val, diags, ok := s.attrsDecoded(body, spec); ok {
		return val, diags
	}
	ctx, diags := s.EvalContext(hcldec.Variables(body, spec))
	val, vd := hcldec.Decode(body, spec, ctx)
	return val, append(diags, vd...)
}

// decodeAttrs is hcldec.Variables, evalContext and hcldec.Decode of body
// with spec, an object of attribute specs whose implied schema is schema,
// finding the body's content once instead of three times (hcldec finds
// the schema and the content again in each call). The results and
// diagnostics are hcldec's: the same content check, the same decoding of
// each attribute (attrSpecValue).
func decodeAttrs(body hcl.Body, spec hcldec.ObjectSpec, as *attrSchema, evalContext func([]hcl.Traversal) (*hcl.EvalContext, hcl.Diagnostics)) (cty.Value, hcl.Diagnostics) {
	content, ok := as.plainContent(body)
	var cd hcl.Diagnostics
	if !ok {
		content, cd = body.Content(as.schema)
	}
	var travs []hcl.Traversal
	if ok {
		// Every argument is decoded, no block: the body's traversals,
		// which the search for cycles finds (and keeps) beside the walk.
		travs = BodyTraversals(body)
	} else {
		for _, as := range spec {
			if a, ok := content.Attributes[as.(*hcldec.AttrSpec).Name]; ok {
				travs = append(travs, a.Expr.Variables()...)
			}
		}
	}
	ctx, diags := evalContext(travs)
	diags = append(diags, cd...)
	vals := make(map[string]cty.Value, len(spec))
	for k, as := range spec {
		var d hcl.Diagnostics
		vals[k], d = attrSpecValue(as.(*hcldec.AttrSpec), content, ctx)
		diags = append(diags, d...)
	}
	return cty.ObjectVal(vals), diags
}

// attrSpecValue decodes one attribute spec from content as hcldec does
// (a missing attribute is null; a value that does not convert is an
// error and unknown), for types without a custom decoder (attrsOnly).
func attrSpecValue(as *hcldec.AttrSpec, content *hcl.BodyContent, ctx *hcl.EvalContext) (cty.Value, hcl.Diagnostics) {
	attr, ok := content.Attributes[as.Name]
	if !ok {
		return cty.NullVal(as.Type.WithoutOptionalAttributesDeep()), nil
	}
	val, diags := attr.Expr.Value(ctx)
	conv, err := convert.Convert(val, as.Type)
	if err != nil {
		return cty.UnknownVal(as.Type.WithoutOptionalAttributesDeep()), append(diags, &hcl.Diagnostic{
			Severity:    hcl.DiagError,
			Summary:     "Incorrect attribute value type",
			Detail:      fmt.Sprintf("Inappropriate value for attribute %q: %s.", as.Name, err.Error()),
			Subject:     attr.Expr.Range().Ptr(),
			Context:     hcl.RangeBetween(attr.NameRange, attr.Expr.Range()).Ptr(),
			Expression:  attr.Expr,
			EvalContext: ctx,
		})
	}
	return conv, diags
}

// attrsOnly returns spec as an object spec and its schema when every
// member is an attribute spec whose type has no custom expression decoder
// (decodeAttrs decodes those), else nil. The answer is remembered per
// spec: providers' specs are shared by every block of a type.
func attrsOnly(spec hcldec.Spec) (hcldec.ObjectSpec, *attrSchema) {
	obj, ok := spec.(hcldec.ObjectSpec)
	if !ok || obj == nil {
		return nil, nil
	}
	key := reflect.ValueOf(obj).UnsafePointer()
	if v, ok := attrSchemas.Load(key); ok {
		return obj, v.(attrsEntry).schema
	}
	as := &attrSchema{names: map[string]bool{}}
	for _, member := range obj {
		a, ok := member.(*hcldec.AttrSpec)
		if !ok || customdecode.CustomExpressionDecoderForType(a.Type) != nil {
			as = nil
			break
		}
		as.names[a.Name] = true
		if a.Required {
			as.required = append(as.required, a.Name)
		}
	}
	if as != nil {
		as.schema = hcldec.ImpliedSchema(obj)
	}
	// The entry holds the spec, so its address is not reused while the
	// entry exists. Specs are few (one per schema block) and live as long
	// as their provider's schema.
	attrSchemas.Store(key, attrsEntry{spec: obj, schema: as})
	return obj, as
}

// attrSchema is the schema of an object spec of attribute specs.
type attrSchema struct {
	schema   *hcl.BodySchema
	names    map[string]bool // of the attributes
	required []string
}

// plainContent is body.Content(schema) for a native body that has no
// blocks, only arguments of the schema and every required one: what
// Content would find without complaint. ok is false for any other body,
// which Content decodes with its diagnostics.
func (as *attrSchema) plainContent(body hcl.Body) (*hcl.BodyContent, bool) {
	syn, ok := body.(*hclsyntax.Body)
	if !ok || len(syn.Blocks) > 0 {
		return nil, false
	}
	// JustAttributes leaves out what an earlier PartialContent consumed
	// (a resource's count or provider), as Content does.
	attrs, _ := syn.JustAttributes()
	for name := range attrs {
		if !as.names[name] {
			return nil, false
		}
	}
	for _, name := range as.required {
		if _, ok := attrs[name]; !ok {
			return nil, false
		}
	}
	return &hcl.BodyContent{Attributes: attrs, MissingItemRange: syn.MissingItemRange()}, true
}

type attrsEntry struct {
	spec   hcldec.ObjectSpec
	schema *attrSchema
}

var attrSchemas sync.Map // map pointer of an hcldec.ObjectSpec -> attrsEntry

func (s *Scope) evalBlock(body hcl.Body, spec hcldec.Spec, travs []hcl.Traversal) (cty.Value, hcl.Diagnostics) {
	ctx, diags := s.EvalContext(travs)
	expanded := dynblock.Expand(body, ctx)
	val, vd := hcldec.Decode(expanded, spec, ctx)
	return val, append(diags, vd...)
}

// blockTraversals returns what dynblock.VariablesHCLDec does, remembered
// per native-syntax body and spec: the planner decodes the same body with
// the same spec for every instance and on every pass.
func blockTraversals(body hcl.Body, spec hcldec.Spec) []hcl.Traversal {
	syn, ok := body.(*hclsyntax.Body)
	rv := reflect.ValueOf(spec)
	if !ok || (rv.Kind() != reflect.Map && rv.Kind() != reflect.Pointer) {
		return dynblock.VariablesHCLDec(body, spec)
	}
	key := blockKey{body: weak.Make(syn), spec: uintptr(rv.UnsafePointer())}
	if v, ok := blockTravs.Load(key); ok {
		return v.(blockEntry).travs
	}
	travs := dynblock.VariablesHCLDec(body, spec)
	travs = travs[:len(travs):len(travs)]
	// The entry holds the spec, so its address is not reused while the
	// entry exists; the entry goes when the body does.
	if _, loaded := blockTravs.LoadOrStore(key, blockEntry{spec: spec, travs: travs}); !loaded {
		runtime.AddCleanup(syn, func(k blockKey) { blockTravs.Delete(k) }, key)
	}
	return travs
}

type blockKey struct {
	body weak.Pointer[hclsyntax.Body]
	spec uintptr
}

type blockEntry struct {
	spec  hcldec.Spec
	travs []hcl.Traversal
}

var blockTravs sync.Map // blockKey -> blockEntry

// EvalBody evaluates every argument of a body whose schema is not known (a
// resource before its provider is available), recursing into nested blocks
// and dynamic blocks, and returns the problems found. Arguments are
// evaluated but their values are discarded.
func (s *Scope) EvalBody(body hcl.Body) hcl.Diagnostics {
	return s.evalBody(body, nil)
}

func (s *Scope) evalBody(body hcl.Body, iter map[string]cty.Value) hcl.Diagnostics {
	attrs, blocks := bodyItems(body)
	var diags hcl.Diagnostics
	sc := s.withIter(iter)
	for _, name := range sortedAttrNames(attrs) {
		_, d := sc.EvalExpr(attrs[name].Expr, cty.DynamicPseudoType)
		diags = append(diags, d...)
	}
	for _, blk := range blocks {
		if blk.Type == "dynamic" {
			if syn, ok := blk.Body.(*hclsyntax.Body); ok {
				diags = append(diags, s.evalDynamic(syn, blk, iter)...)
				continue
			}
		}
		inner := s
		if rep, rng := nestedRepetition(blk.Body); rep != "" && !(s.Iteration.ForEach || s.Iteration.Count) {
			// A nested block cannot repeat by itself: the provider's schema
			// will reject the argument. Until the schema is known, say so
			// and go on checking the block's expressions.
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  fmt.Sprintf("%s in a nested block", rep),
				Detail:   fmt.Sprintf("Nested %q blocks do not repeat with %s; use a dynamic %q block with for_each and a content block. The provider's schema will reject this argument when the configuration is planned.", blk.Type, rep, blk.Type),
				Subject:  rng.Ptr(),
			})
			inner = s.WithIteration(unknownIteration(nil, nil))
			inner.Iteration = Iteration{Count: true, CountIndex: cty.UnknownVal(cty.Number), ForEach: true, EachKey: cty.UnknownVal(cty.String), EachValue: cty.DynamicVal}
		}
		diags = append(diags, inner.evalBody(blk.Body, iter)...)
	}
	return diags
}

// nestedRepetition reports whether a nested body sets count or for_each as
// an argument, and where.
func nestedRepetition(body hcl.Body) (string, hcl.Range) {
	syn, ok := body.(*hclsyntax.Body)
	if !ok {
		return "", hcl.Range{}
	}
	for _, name := range []string{"for_each", "count"} {
		if a, ok := syn.Attributes[name]; ok {
			return name, a.NameRange
		}
	}
	return "", hcl.Range{}
}

// bodyItems returns the arguments and nested blocks of a body whose schema
// is not known, leaving out what an earlier PartialContent call already
// consumed (meta-arguments such as count or lifecycle).
func bodyItems(body hcl.Body) (hcl.Attributes, []*hcl.Block) {
	syn, ok := body.(*hclsyntax.Body)
	if !ok {
		attrs, _ := body.JustAttributes()
		return attrs, nil
	}
	// JustAttributes leaves out the consumed arguments and only complains
	// about blocks; PartialContent finds the blocks not consumed.
	attrs, _ := syn.JustAttributes()
	if len(syn.Blocks) == 0 {
		return attrs, nil
	}
	schema := &hcl.BodySchema{}
	seen := map[string]bool{}
	for _, blk := range syn.Blocks {
		if seen[blk.Type] {
			continue
		}
		seen[blk.Type] = true
		labels := make([]string, len(blk.Labels))
		for i := range labels {
			labels[i] = fmt.Sprintf("label%d", i)
		}
		schema.Blocks = append(schema.Blocks, hcl.BlockHeaderSchema{Type: blk.Type, LabelNames: labels})
	}
	content, _, _ := syn.PartialContent(schema)
	return attrs, content.Blocks
}

// maxDynamicValidate bounds how many elements of a known for_each are
// checked one by one; beyond that the content is checked once with an
// unknown iterator.
const maxDynamicValidate = 64

func (s *Scope) evalDynamic(body *hclsyntax.Body, blk *hcl.Block, iter map[string]cty.Value) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if len(blk.Labels) != 1 {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid dynamic block", Detail: "A dynamic block has one label: the type of the blocks it generates.", Subject: blk.DefRange.Ptr()}}
	}
	iterName := blk.Labels[0]
	var forEach hcl.Expression
	var labels hcl.Expression
	for name, a := range body.Attributes {
		switch name {
		case "for_each":
			forEach = a.Expr
		case "iterator":
			trav, td := hcl.AbsTraversalForExpr(a.Expr)
			if td.HasErrors() || len(trav) != 1 {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid dynamic iterator", Detail: "iterator is a single name without quotes.", Subject: a.Expr.Range().Ptr()})
				continue
			}
			iterName = trav.RootName()
		case "labels":
			labels = a.Expr
		default:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported argument in dynamic block", Detail: fmt.Sprintf("A dynamic block takes for_each, iterator, labels and a content block; %q is not one of them.", name), Subject: a.NameRange.Ptr()})
		}
	}
	var content *hclsyntax.Block
	for _, b := range body.Blocks {
		if b.Type == "content" && content == nil {
			content = b
			continue
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unexpected block in dynamic block", Detail: "A dynamic block holds exactly one content block.", Subject: b.DefRange().Ptr()})
	}
	if forEach == nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing for_each in dynamic block", Detail: "A dynamic block needs for_each: the collection it repeats over.", Subject: blk.DefRange.Ptr()})
		return diags
	}
	if content == nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing content block", Detail: "A dynamic block needs a content block: the body of each generated block.", Subject: blk.DefRange.Ptr()})
		return diags
	}
	coll, d := s.withIter(iter).EvalExpr(forEach, cty.DynamicPseudoType)
	diags = append(diags, d...)
	if d.HasErrors() {
		return diags
	}
	ty := coll.Type()
	if !coll.IsKnown() {
		// As hcl's dynblock does, an unknown for_each produces an unknown
		// block whose content is not evaluated: it is checked when the
		// collection is known, at plan time.
		return diags
	}
	if !(ty.IsListType() || ty.IsSetType() || ty.IsMapType() || ty.IsTupleType() || ty.IsObjectType()) || coll.IsNull() {
		return append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid dynamic for_each value",
			Detail:   fmt.Sprintf("Cannot use a %s value in for_each. A dynamic block repeats over a list, set, map or object.", ty.FriendlyName()),
			Subject:  forEach.Range().Ptr(),
		})
	}
	plain, _ := coll.UnmarkDeep()
	if !plain.IsWhollyKnown() && !ty.IsMapType() && !ty.IsObjectType() && !ty.IsTupleType() && !ty.IsListType() {
		// A set with unknown elements has no known length.
		return diags
	}
	n := 0
	for it := plain.ElementIterator(); it.Next(); {
		k, v := it.Element()
		diags = append(diags, s.evalDynamicContent(content, labels, iter, iterName, k, v)...)
		n++
		if n >= maxDynamicValidate {
			break
		}
	}
	return diags
}

func (s *Scope) evalDynamicContent(content *hclsyntax.Block, labels hcl.Expression, iter map[string]cty.Value, name string, k, v cty.Value) hcl.Diagnostics {
	inner := map[string]cty.Value{}
	for n, x := range iter {
		inner[n] = x
	}
	inner[name] = cty.ObjectVal(map[string]cty.Value{"key": k, "value": v})
	var diags hcl.Diagnostics
	if labels != nil {
		_, d := s.withIter(inner).EvalExpr(labels, cty.List(cty.String))
		diags = append(diags, d...)
	}
	return append(diags, s.evalBody(content.Body, inner)...)
}

func (s *Scope) withIter(iter map[string]cty.Value) *Scope {
	if len(iter) == 0 {
		return s
	}
	c := *s
	c.Extra = make(map[string]cty.Value, len(s.Extra)+len(iter))
	for k, v := range s.Extra {
		c.Extra[k] = v
	}
	for k, v := range iter {
		c.Extra[k] = v
	}
	return &c
}

func sortedAttrNames(attrs hcl.Attributes) []string {
	out := make([]string, 0, len(attrs))
	for n := range attrs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func sortedSynAttrNames(attrs hclsyntax.Attributes) []string {
	out := make([]string, 0, len(attrs))
	for n := range attrs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Suggest returns " Did you mean X?" (X prefixed by prefix) when a
// candidate is a likely typo of given, else "": for messages about names a
// configuration got wrong.
func Suggest(given string, candidates []string, prefix string) string {
	return suggest(given, candidates, prefix)
}

// suggest returns " Did you mean X?" when a candidate is a likely typo of
// given, else "".
func suggest(given string, candidates []string, prefix string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := levenshtein.Distance(given, c, nil); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" Did you mean %s%s?", prefix, best)
}

func joinNames(names []string) string {
	if len(names) > 8 {
		return strings.Join(names[:8], ", ") + fmt.Sprintf(" and %d more", len(names)-8)
	}
	return strings.Join(names, ", ")
}

// SiteEachData is implemented by Data that knows which sites of a module
// instance have for_each.
type SiteEachData interface {
	SiteForEach(mod config.ModuleInstance, name string) bool
}

// siteWithoutKey is the error of reading an attribute of a site with
// for_each without choosing an instance (site.os.location): site.os is
// the object of its instances, by key.
func (s *Scope) siteWithoutKey(sub config.ObjectRef, ref *config.Reference) *hcl.Diagnostic {
	if sub.Kind != config.SiteKind || len(ref.Remaining) == 0 {
		return nil
	}
	attr, ok := ref.Remaining[0].(hcl.TraverseAttr)
	if !ok {
		return nil
	}
	if d, ok := s.Data.(SiteEachData); !ok || !d.SiteForEach(s.Module, sub.Name) {
		return nil
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Site instance not chosen",
		Detail:   fmt.Sprintf("Site %q has for_each, so site.%s is its instances by key: choose one with a key, e.g. site.%s[\"KEY\"].%s.", sub.Name, sub.Name, sub.Name, attr.Name),
		Subject:  hcl.RangeBetween(ref.Range, attr.SrcRange).Ptr(),
	}
}
