package planner

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/providers/plugin"
	"github.com/indigo-cloud/indigo/state"
)

// Resource identity (protocol 5.9/6.9): a provider may declare for a
// resource type a small object that names one remote object for good. The
// planner sends the identity it knows with every read, plan and apply of the
// object, records what the provider answers beside the state, and refuses an
// answer that names another object. Values are cty.NilVal for a type
// without an identity schema, null while none is known.

// recordedIdentity is the identity the state records for obj, in the
// current identity schema's type (upgraded by the provider when recorded
// under an older version).
func (r *run) recordedIdentity(ctx context.Context, addr config.InstanceAddr, obj *state.Object, inst *providerInstance, schema *plugin.ResourceSchema) (cty.Value, hcl.Diagnostics) {
	if schema.Identity == nil {
		return cty.NilVal, nil
	}
	ty := schema.Identity.ImpliedType()
	// An object moved from another type has the other type's identity:
	// the refresh gives it its own.
	if obj == nil || len(obj.IdentityJSON) == 0 || r.crossMoves[addr] != nil {
		return cty.NullVal(ty), nil
	}
	resp := inst.p.UpgradeResourceIdentity(ctx, plugin.UpgradeIdentityRequest{Addr: addr.String(), TypeName: addr.Resource.Type,
		Version: obj.IdentitySchemaVersion, RawIdentityJSON: obj.IdentityJSON})
	if resp.Diagnostics.HasErrors() {
		return cty.NullVal(ty), toDiags(resp.Diagnostics, addr.String(), "UpgradeResourceIdentity", r.declRange(addr))
	}
	return resp.UpgradedIdentity, nil
}

// knownIdentity reports whether v is an identity worth sending and keeping.
func knownIdentity(v cty.Value) bool {
	return v != cty.NilVal && !v.IsNull() && v.IsWhollyKnown()
}

// nextIdentity is the identity after a provider's answer got: got when it
// says one, else the one it was sent (prior). An answer that names another
// object than prior is an error naming the resource: a provider may fill in
// an identity, or the attributes of one it left null (an import block
// need not give those optional for an import), never change it.
func nextIdentity(addr config.InstanceAddr, inst *providerInstance, op string, prior, got cty.Value) (cty.Value, hcl.Diagnostics) {
	if got == cty.NilVal || got.IsNull() {
		return prior, nil
	}
	if knownIdentity(prior) && got.IsWhollyKnown() && !fillsIn(prior, got) {
		return prior, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Provider changed the resource identity",
			Detail: fmt.Sprintf("Provider %s answered %s of %s with the identity %s, but the object's identity is %s: an identity names one object for good. This is a bug in the provider; report it to its developers.",
				inst.addr.Provider.ForDisplay(), op, addr, identityString(got), identityString(prior)),
		}}
	}
	return got, nil
}

// fillsIn reports whether identity got is prior with, at most, some of
// prior's null attributes set.
func fillsIn(prior, got cty.Value) bool {
	if got.RawEquals(prior) {
		return true
	}
	if !prior.Type().IsObjectType() || !got.Type().Equals(prior.Type()) {
		return false
	}
	for name := range prior.Type().AttributeTypes() {
		if p := prior.GetAttr(name); !p.IsNull() && !p.RawEquals(got.GetAttr(name)) {
			return false
		}
	}
	return true
}

// sameIdentity reports whether a and b are the same identity, or both
// none.
func sameIdentity(a, b cty.Value) bool {
	if a == cty.NilVal || b == cty.NilVal {
		return a == b
	}
	return a.RawEquals(b)
}

// identityString renders an identity for a message, e.g. {"path":"/srv/a"}.
func identityString(v cty.Value) string {
	b, err := identityJSON(v)
	if err != nil || b == nil {
		return "(none)"
	}
	return string(b)
}

// identityJSON encodes an identity for the state; nil when there is none to
// record.
func identityJSON(v cty.Value) (json.RawMessage, error) {
	if !knownIdentity(v) {
		return nil, nil
	}
	v, _ = v.UnmarkDeep()
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return nil, err
	}
	return b, nil
}

// withIdentity sets the identity of o, as the provider gave it, and the
// identity schema version it is recorded under.
func withIdentity(o *state.Object, identity cty.Value, schema *plugin.ResourceSchema) *state.Object {
	if o == nil || schema.Identity == nil {
		return o
	}
	if b, err := identityJSON(identity); err == nil && b != nil {
		o.IdentityJSON, o.IdentitySchemaVersion = b, schema.Identity.Version
	}
	return o
}

// newIdentity reports whether identity is one to record for obj, which
// records none, another, or this one under an older identity schema
// version (upgraded at each plan until it is recorded again).
func newIdentity(obj *state.Object, identity cty.Value, schema *plugin.ResourceSchema) bool {
	b, err := identityJSON(identity)
	if err != nil || b == nil || schema.Identity == nil {
		return false
	}
	return string(b) != string(obj.IdentityJSON) || obj.IdentitySchemaVersion != schema.Identity.Version
}

// importTarget is what an import looks for: an id, or an identity (a value
// of the identity schema's type).
type importTarget struct {
	id       string
	identity cty.Value
	// im is the import block, when there is one: an identity from it is
	// checked against the identity schema (checked) before it is used.
	im *config.Import
}

// checked is t with its identity checked and converted to the identity
// schema's type.
func (t importTarget) checked(addr config.InstanceAddr, inst *providerInstance, schema *plugin.ResourceSchema) (importTarget, hcl.Diagnostics) {
	if t.identity == cty.NilVal || t.im == nil {
		return t, nil
	}
	v, diags := importIdentity(addr, t.im, t.identity, inst, schema)
	t.identity = v
	return t, diags
}

func (t importTarget) empty() bool { return t.id == "" && t.identity == cty.NilVal }

// String describes the target in messages: id "x" or identity {...}.
func (t importTarget) String() string {
	if t.identity != cty.NilVal {
		return "identity " + identityString(t.identity)
	}
	return fmt.Sprintf("id %q", t.id)
}

// importIdentity checks the identity of an import block into addr, v, with
// the identity schema of the resource type, and converts it to the
// schema's type: every attribute it names must be one of the schema's, of
// its type, and those the provider requires for an import must be there.
// Problems point at the attribute in the block when they can.
func importIdentity(addr config.InstanceAddr, im *config.Import, v cty.Value, inst *providerInstance, schema *plugin.ResourceSchema) (cty.Value, hcl.Diagnostics) {
	rng := im.DeclRange
	if im.Identity != nil {
		rng = im.Identity.Range()
	}
	if schema.Identity == nil {
		return cty.NilVal, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Resource type has no identity",
			Detail:   fmt.Sprintf("Provider %s declares no resource identity for %s, so %s cannot be imported by identity: give its import id with id = \"...\" instead.", inst.addr.Provider.ForDisplay(), addr.Resource.Type, addr),
			Subject:  rng.Ptr(),
		}}
	}
	is := schema.Identity
	names := is.AttributeNames()
	var diags hcl.Diagnostics
	given := map[string]cty.Value{}
	for it := v.ElementIterator(); it.Next(); {
		k, x := it.Element()
		given[k.AsString()] = x
	}
	attrs := make(map[string]cty.Value, len(is.Attributes))
	// reported: attributes already wrong (or misspelt: a typo of a
	// required one is not also a missing one).
	reported := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(given)) {
		x := given[name]
		reported[name] = true
		a, ok := is.Attributes[name]
		if !ok {
			suggestion := eval.Suggest(name, names, "")
			for _, n := range names {
				if suggestion == eval.Suggest(name, []string{n}, "") && suggestion != "" {
					reported[n] = true
				}
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unsupported identity attribute",
				Detail: fmt.Sprintf("The identity of %s has no attribute %q; its attributes are %s.%s",
					addr.Resource.Type, name, strings.Join(names, ", "), suggestion),
				Subject: identityItemRange(im.Identity, name, rng).Ptr(),
			})
			continue
		}
		conv, err := convert.Convert(x, a.Type)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid identity attribute",
				Detail:   fmt.Sprintf("The identity attribute %q of %s must be %s: %s.", name, addr.Resource.Type, a.Type.FriendlyName(), err),
				Subject:  identityItemRange(im.Identity, name, rng).Ptr(),
			})
			continue
		}
		attrs[name] = conv
		reported[name] = false
	}
	for _, name := range names {
		a := is.Attributes[name]
		if x, ok := attrs[name]; ok && !x.IsNull() {
			continue
		}
		if a.RequiredForImport && !reported[name] {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Missing identity attribute",
				Detail:   fmt.Sprintf("Provider %s needs the identity attribute %q to import %s: give it a value in the identity (%s = ...).", inst.addr.Provider.ForDisplay(), name, addr.Resource.Type, name),
				Subject:  rng.Ptr(),
			})
		}
		attrs[name] = cty.NullVal(a.Type)
	}
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	return cty.ObjectVal(attrs), nil
}

// identityItemRange is the range of the item name of an identity written
// as an object constructor, else whole.
func identityItemRange(expr hcl.Expression, name string, whole hcl.Range) hcl.Range {
	obj, ok := expr.(*hclsyntax.ObjectConsExpr)
	if !ok {
		return whole
	}
	for _, item := range obj.Items {
		k, diags := item.KeyExpr.Value(nil)
		if diags.HasErrors() || k.Type() != cty.String || !k.IsKnown() || k.IsNull() {
			continue
		}
		if k.AsString() == name {
			return hcl.RangeBetween(item.KeyExpr.Range(), item.ValueExpr.Range())
		}
	}
	return whole
}
