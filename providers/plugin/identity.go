package plugin

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// IdentitySchema is the shape of a resource type's identity (protocol 5.9
// and 6.9): a flat object of attributes that name one remote object for
// good, recorded beside its state and usable to import it. Version counts
// changes of this shape, apart from the resource schema's version; an
// identity recorded under an older one goes through UpgradeResourceIdentity.
type IdentitySchema struct {
	Version    int64
	Attributes map[string]*IdentityAttribute
}

// IdentityAttribute is one attribute of an identity. An import by identity
// must give those RequiredForImport; those OptionalForImport the provider
// can work out itself.
type IdentityAttribute struct {
	Type              cty.Type
	RequiredForImport bool
	OptionalForImport bool
	Description       string
}

// ImpliedType is the object type of the identity's values.
func (s *IdentitySchema) ImpliedType() cty.Type {
	attrs := make(map[string]cty.Type, len(s.Attributes))
	for name, a := range s.Attributes {
		attrs[name] = a.Type
	}
	return cty.Object(attrs)
}

// AttributeNames are the identity's attribute names, sorted.
func (s *IdentitySchema) AttributeNames() []string {
	return slices.Sorted(maps.Keys(s.Attributes))
}

// UpgradeIdentityRequest asks the provider to bring an identity recorded
// under an older identity schema version up to the current one.
type UpgradeIdentityRequest struct {
	Addr     string
	TypeName string
	// Version is the identity schema version the identity was recorded with.
	Version int64
	// RawIdentityJSON is the identity as the state file keeps it.
	RawIdentityJSON []byte
}

// UpgradeIdentityResponse holds the identity in the current identity
// schema's type.
type UpgradeIdentityResponse struct {
	UpgradedIdentity cty.Value
	Diagnostics      Diagnostics
}

// identityType is the type of typeName's identity, or cty.NilType when the
// type has none.
func (ls *loadedSchema) identityType(typeName string) cty.Type {
	if ty, ok := ls.identities[typeName]; ok {
		return ty
	}
	return cty.NilType
}

// identity encodes an identity for a request. Nothing is sent for a type
// without an identity schema or for a null (not yet known) identity.
func (e *encoder) identity(what string, v cty.Value, ty cty.Type) *dynamicValue {
	if ty == cty.NilType || v == cty.NilVal || v.IsNull() {
		return nil
	}
	return e.value(what, v, ty)
}

// decodeIdentity decodes an identity from a response: cty.NilVal for a type
// without an identity schema, null when the provider sent none.
func decodeIdentity(dv *dynamicValue, ty cty.Type) (cty.Value, error) {
	if ty == cty.NilType {
		return cty.NilVal, nil
	}
	if dv == nil || (len(dv.msgpack) == 0 && len(dv.json) == 0) {
		return cty.NullVal(ty), nil
	}
	v, err := decodeValue(dv, ty)
	if err != nil {
		return cty.NilVal, fmt.Errorf("identity: %w", err)
	}
	return v, nil
}

// loadIdentitySchemas fetches the provider's identity schemas (the
// GetResourceIdentitySchemas RPC) and sets them on s. A provider that does
// not implement the RPC has none. With a schema cache, the answer is kept
// beside the schema, under the same conditions.
func (p *Provider) loadIdentitySchemas(ctx context.Context, s *Schema, fromCache bool) error {
	const op = "GetResourceIdentitySchemas"
	useCache := p.cache != nil && p.cacheKey != ""
	key := p.cacheKey + "\x00identity"
	var raw []byte
	if useCache && fromCache {
		if b, err := p.cache.load(key, p.version); err == nil {
			raw = b
		}
	}
	fetched := false
	if raw == nil {
		b, err := p.proto.getResourceIdentitySchemas(ctx)
		if err != nil {
			ce := p.callError(ctx, op, "", err)
			if !errors.Is(ce, errors.ErrUnsupported) {
				return ce
			}
			b = []byte{} // older provider: no identities, and that is worth keeping too
		}
		raw, fetched = b, true
	}
	schemas, diags, err := p.proto.parseIdentitySchemas(raw)
	if err != nil && !fetched {
		// A cache entry that does not parse: the provider is asked.
		return p.loadIdentitySchemas(ctx, s, false)
	}
	if err != nil {
		return p.callError(ctx, op, "", err)
	}
	if diags.HasErrors() {
		return fmt.Errorf("provider %s: %s: %w", p.name, op, diags.Err())
	}
	for name, is := range schemas {
		rs, ok := s.Resources[name]
		if !ok {
			p.logger.Warn("identity schema for an unknown resource type", "provider", p.name, "type", name)
			continue
		}
		rs.Identity = is
		s.Resources[name] = rs
	}
	if useCache && fetched {
		if err := p.cache.store(key, p.version, raw); err != nil {
			p.logger.Warn("could not cache provider identity schemas", "provider", p.name, "error", err)
		}
	}
	return nil
}

// identityAttribute converts one attribute of an identity schema from the
// wire, for both protocol versions.
func identityAttribute(name string, typ []byte, required, optional bool, description string) (*IdentityAttribute, error) {
	ty, err := decodeType(typ)
	if err != nil {
		return nil, fmt.Errorf("identity attribute %q: %w", name, err)
	}
	return &IdentityAttribute{Type: ty, RequiredForImport: required, OptionalForImport: optional, Description: description}, nil
}

// UpgradeResourceIdentity turns a recorded identity into a value of the
// current identity schema's type: decoded here when it was recorded under
// the current version, converted by the provider (the
// UpgradeResourceIdentity RPC) when under another. For a type without an
// identity schema, UpgradedIdentity is cty.NilVal.
func (p *Provider) UpgradeResourceIdentity(ctx context.Context, req UpgradeIdentityRequest) UpgradeIdentityResponse {
	const op = "UpgradeResourceIdentity"
	ls, err := p.loadSchema(ctx)
	if err != nil {
		return UpgradeIdentityResponse{Diagnostics: errorDiags(err)}
	}
	if _, diags := p.resourceType(ls, req.TypeName); diags != nil {
		return UpgradeIdentityResponse{Diagnostics: diags}
	}
	ty := ls.identityType(req.TypeName)
	if ty == cty.NilType {
		return UpgradeIdentityResponse{UpgradedIdentity: cty.NilVal}
	}
	if req.Version == ls.schema.Resources[req.TypeName].Identity.Version {
		v, err := ctyjson.Unmarshal(req.RawIdentityJSON, ty)
		if err != nil {
			return UpgradeIdentityResponse{Diagnostics: Diagnostics{{
				Severity: Error,
				Summary:  "Recorded identity does not match the provider's schema",
				Detail:   fmt.Sprintf("The identity recorded for %s does not fit the identity schema of %s (version %d) of provider %s: %v.", req.Addr, req.TypeName, req.Version, p.name, err),
				Err:      err,
			}}}
		}
		return UpgradeIdentityResponse{UpgradedIdentity: v}
	}
	raw, diags, err := p.proto.upgradeResourceIdentity(ctx, req.TypeName, req.Version, req.RawIdentityJSON)
	if err != nil {
		return UpgradeIdentityResponse{Diagnostics: p.failed(ctx, op, req.Addr, err)}
	}
	if diags.HasErrors() {
		return UpgradeIdentityResponse{UpgradedIdentity: cty.NullVal(ty), Diagnostics: diags}
	}
	v, err := decodeIdentity(raw, ty)
	if err != nil {
		return UpgradeIdentityResponse{Diagnostics: append(diags, p.failed(ctx, op, req.Addr, err)...)}
	}
	return UpgradeIdentityResponse{UpgradedIdentity: v, Diagnostics: diags}
}
