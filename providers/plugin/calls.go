package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// ConfigureRequest configures the provider with its evaluated configuration.
type ConfigureRequest struct {
	// TerraformVersion is reported to the provider; empty means
	// DefaultTerraformVersion.
	TerraformVersion string
	// Config is the provider block's value, of the provider schema's type.
	// It may contain unknown values; providers decide what to do with them.
	Config cty.Value
}

// ValidateRequest asks the provider to check one resource's or data source's
// configuration.
type ValidateRequest struct {
	// Addr is the resource address, for messages only.
	Addr     string
	TypeName string
	Config   cty.Value
}

// UpgradeRequest asks the provider to bring stored state written under an
// older (or the same) schema version up to its current schema.
type UpgradeRequest struct {
	Addr     string
	TypeName string
	// Version is the schema version the state was written with.
	Version int64
	// RawStateJSON is the stored state as JSON, as the state file keeps it.
	RawStateJSON []byte
	// RawStateFlatmap is the legacy flatmap form, for state written by very
	// old Terraform versions; used only when RawStateJSON is empty.
	RawStateFlatmap map[string]string
}

// UpgradeResponse holds the state in the current schema's type.
type UpgradeResponse struct {
	UpgradedState cty.Value
	Diagnostics   Diagnostics
}

// ReadRequest refreshes one resource instance from the real world.
type ReadRequest struct {
	Addr       string
	TypeName   string
	PriorState cty.Value
	// PriorIdentity is the identity recorded with the state: cty.NilVal or
	// null when there is none (yet).
	PriorIdentity cty.Value
	// Private is the opaque data the provider returned with the state.
	Private []byte
	// ProviderMeta is the module's provider_meta value, or cty.NilVal.
	ProviderMeta cty.Value
}

// ReadResponse holds the refreshed state; a null NewState means the object
// no longer exists. NewIdentity is the object's identity: cty.NilVal for a
// type without an identity schema, null when the provider sent none.
type ReadResponse struct {
	NewState    cty.Value
	NewIdentity cty.Value
	// Unchanged is set when the provider answered with exactly the state
	// it was sent (the same encoding): NewState is then the request's
	// PriorState itself, not decoded again, and equal to it.
	Unchanged   bool
	Private     []byte
	Diagnostics Diagnostics
}

// PlanRequest asks the provider to plan a change to one resource instance.
// PriorState is null for a create; ProposedNewState is null for a destroy
// (only sent to providers with Capabilities.PlanDestroy). Config is the
// instance's configuration; ProposedNewState is the configuration merged
// with the prior state's computed values, as the protocol defines it.
type PlanRequest struct {
	Addr             string
	TypeName         string
	PriorState       cty.Value
	ProposedNewState cty.Value
	// ProposedIsPrior says that ProposedNewState is PriorState (the
	// caller found so): the request encodes it once.
	ProposedIsPrior bool
	Config          cty.Value
	PriorPrivate    []byte
	// PriorIdentity is the identity recorded with PriorState, if any.
	PriorIdentity cty.Value
	ProviderMeta  cty.Value
}

// PlanResponse is the provider's plan. PlannedState may contain unknown
// values (what only the apply will know). RequiresReplace lists the
// attributes whose change forces replacing the object. LegacyTypeSystem is
// set by providers of the legacy SDK, whose plans the caller must check less
// strictly. PlannedIdentity is as ReadResponse.NewIdentity.
type PlanResponse struct {
	PlannedState     cty.Value
	PlannedIdentity  cty.Value
	RequiresReplace  []cty.Path
	PlannedPrivate   []byte
	LegacyTypeSystem bool
	Diagnostics      Diagnostics
}

// ApplyRequest asks the provider to carry out a planned change. PlannedState
// is null for a destroy.
type ApplyRequest struct {
	Addr           string
	TypeName       string
	PriorState     cty.Value
	PlannedState   cty.Value
	Config         cty.Value
	PlannedPrivate []byte
	// PlannedIdentity is the identity the plan returned, if any.
	PlannedIdentity cty.Value
	ProviderMeta    cty.Value
}

// ApplyResponse holds the new state (null after a destroy) and the
// provider's private data to store with it. On error, NewState is whatever
// the provider says exists now, which may be a partial object: record it.
// NewIdentity is as ReadResponse.NewIdentity.
type ApplyResponse struct {
	NewState         cty.Value
	NewIdentity      cty.Value
	Private          []byte
	LegacyTypeSystem bool
	Diagnostics      Diagnostics
}

// ImportRequest asks the provider to find an existing object by its ID or
// by its identity (a value of the identity schema's type); exactly one of
// the two is set.
type ImportRequest struct {
	Addr     string
	TypeName string
	ID       string
	Identity cty.Value
}

// ImportedResource is one object an import found; providers may return
// several, of other types than the one asked for.
type ImportedResource struct {
	TypeName string
	State    cty.Value
	Identity cty.Value // as ReadResponse.NewIdentity
	Private  []byte
}

// ImportResponse holds what the import found; each object still needs a
// ReadResource before it is recorded.
type ImportResponse struct {
	Imported    []ImportedResource
	Diagnostics Diagnostics
}

// MoveRequest asks the provider to turn the state of a resource of another
// type (possibly of another provider) into the state of one of its own.
type MoveRequest struct {
	Addr string
	// SourceProviderAddress is the full address of the provider the state
	// came from, e.g. "registry.terraform.io/hashicorp/random".
	SourceProviderAddress string
	SourceTypeName        string
	SourceSchemaVersion   int64
	// SourceStateJSON is the source state as stored.
	SourceStateJSON []byte
	SourcePrivate   []byte
	// SourceIdentityJSON is the source's recorded identity, if any, and
	// SourceIdentityVersion the version of the identity schema it was
	// recorded under.
	SourceIdentityJSON    []byte
	SourceIdentityVersion int64
	TargetTypeName        string
}

// MoveResponse holds the state in the target type.
type MoveResponse struct {
	TargetState    cty.Value
	TargetIdentity cty.Value // as ReadResponse.NewIdentity
	TargetPrivate  []byte
	Diagnostics    Diagnostics
}

// ReadDataRequest reads a data source.
type ReadDataRequest struct {
	Addr         string
	TypeName     string
	Config       cty.Value
	ProviderMeta cty.Value
}

// ReadDataResponse holds the data source's value.
type ReadDataResponse struct {
	State       cty.Value
	Diagnostics Diagnostics
}

// Metadata lists what a provider offers without its full schema.
type Metadata struct {
	Resources, DataSources, Functions []string
	EphemeralResources                []string
	Capabilities                      Capabilities
}

// errorDiags turns an error from loading the schema into diagnostics.
func errorDiags(err error) Diagnostics {
	var ce *CallError
	if errors.As(err, &ce) {
		return callFailed(ce)
	}
	return Diagnostics{{Severity: Error, Summary: "Provider schema unavailable", Detail: err.Error(), Err: err}}
}

// encoder encodes several values for one request and remembers the first
// failure, so that a request is built in one go and checked once.
type encoder struct{ err error }

func (e *encoder) value(what string, v cty.Value, ty cty.Type) *dynamicValue {
	if e.err != nil {
		return nil
	}
	dv, err := encodeValue(v, ty)
	if err != nil {
		e.err = fmt.Errorf("%s: %w", what, err)
	}
	return dv
}

// meta encodes a provider_meta value when the provider has a schema for it;
// providers without one get nothing.
func (e *encoder) meta(ls *loadedSchema, v cty.Value) *dynamicValue {
	if ls.metaType == cty.NilType {
		return nil
	}
	return e.value("provider_meta", v, ls.metaType)
}

// diags is the encoding failure, if any, as Diagnostics: the caller's values
// did not fit the provider's schema.
func (e *encoder) diags(provider, op, addr string) Diagnostics {
	if e.err == nil {
		return nil
	}
	what := op
	if addr != "" {
		what += " of " + addr
	}
	return Diagnostics{{
		Severity: Error,
		Summary:  "Value does not match the provider's schema",
		Detail:   fmt.Sprintf("provider %s: %s: %v", provider, what, e.err),
		Err:      e.err,
	}}
}

func (p *Provider) resourceType(ls *loadedSchema, typeName string) (cty.Type, Diagnostics) {
	ty, ok := ls.resources[typeName]
	if !ok {
		return cty.NilType, Diagnostics{{
			Severity: Error,
			Summary:  "Unknown resource type",
			Detail:   fmt.Sprintf("The provider %s has no resource type %q.", p.name, typeName),
		}}
	}
	return ty, nil
}

func (p *Provider) dataSourceType(ls *loadedSchema, typeName string) (cty.Type, Diagnostics) {
	ty, ok := ls.dataSources[typeName]
	if !ok {
		return cty.NilType, Diagnostics{{
			Severity: Error,
			Summary:  "Unknown data source",
			Detail:   fmt.Sprintf("The provider %s has no data source %q.", p.name, typeName),
		}}
	}
	return ty, nil
}

// deferred is the diagnostic for a provider that deferred an action although
// indigo told it deferrals are not allowed.
func (p *Provider) deferred(op, addr string) Diagnostic {
	return Diagnostic{
		Severity: Error,
		Summary:  "Provider deferred the action",
		Detail: fmt.Sprintf("provider %s deferred %s of %s to a later run, which indigo does not support yet; "+
			"make the values it depends on known (for example with a targeted apply first).", p.name, op, addr),
	}
}

// ValidateProviderConfig validates the provider's configuration and returns
// it as the provider prepared it: protocol-5 providers of the legacy SDK fill
// in defaults here; otherwise cfg itself comes back.
func (p *Provider) ValidateProviderConfig(ctx context.Context, cfg cty.Value) (cty.Value, Diagnostics) {
	const op = "ValidateProviderConfig"
	ls, err := p.loadSchema(ctx)
	if err != nil {
		return cty.NilVal, errorDiags(err)
	}
	var enc encoder
	dv := enc.value("provider configuration", cfg, ls.providerType)
	if diags := enc.diags(p.name, op, ""); diags != nil {
		return cty.NilVal, diags
	}
	key, cacheable := p.validationKey(ctx, ls, op, "p", "", cfg, dv)
	if cacheable {
		if diags, ok := p.cachedValidation(key); ok {
			return cfg, diags
		}
	}
	prepared, diags, err := p.proto.validateProviderConfig(ctx, dv)
	if err != nil {
		return cty.NilVal, p.failed(ctx, op, "", err)
	}
	if prepared == dv || (prepared != nil && len(prepared.msgpack) > 0 && bytes.Equal(prepared.msgpack, dv.msgpack)) {
		// Only an answer that is the configuration itself is kept.
		if cacheable {
			p.keepValidation(key, diags)
		}
		return cfg, diags
	}
	v, err := decodeValue(prepared, ls.providerType)
	if err != nil {
		return cty.NilVal, append(diags, p.failed(ctx, op, "", err)...)
	}
	return v, diags
}

// ConfigureProvider configures the provider. It must be called once, after
// ValidateProviderConfig, before any call that touches the real world.
func (p *Provider) ConfigureProvider(ctx context.Context, req ConfigureRequest) Diagnostics {
	const op = "ConfigureProvider"
	ls, err := p.loadSchema(ctx)
	if err != nil {
		return errorDiags(err)
	}
	var enc encoder
	dv := enc.value("provider configuration", req.Config, ls.providerType)
	if diags := enc.diags(p.name, op, ""); diags != nil {
		return diags
	}
	version := req.TerraformVersion
	if version == "" {
		version = DefaultTerraformVersion
	}
	diags, err := p.proto.configureProvider(ctx, version, dv)
	if err != nil {
		return p.failed(ctx, op, "", err)
	}
	p.noteConfigured(ctx, version, req.Config, dv, diags)
	return diags
}

// ValidateResourceConfig validates one resource's configuration.
func (p *Provider) ValidateResourceConfig(ctx context.Context, req ValidateRequest) Diagnostics {
	const op = "ValidateResourceConfig"
	ls, err := p.loadSchema(ctx)
	if err != nil {
		return errorDiags(err)
	}
	ty, diags := p.resourceType(ls, req.TypeName)
	if diags != nil {
		return diags
	}
	var enc encoder
	dv := enc.value("configuration", req.Config, ty)
	if diags := enc.diags(p.name, op, req.Addr); diags != nil {
		return diags
	}
	key, cacheable := p.validationKey(ctx, ls, op, "r", req.TypeName, req.Config, dv)
	if cacheable {
		if diags, ok := p.cachedValidation(key); ok {
			return diags
		}
	}
	diags, err = p.proto.validateResourceConfig(ctx, req.TypeName, dv)
	if err != nil {
		return p.failed(ctx, op, req.Addr, err)
	}
	if cacheable {
		p.keepValidation(key, diags)
	}
	return diags
}

// ValidateDataResourceConfig validates one data source's configuration.
func (p *Provider) ValidateDataResourceConfig(ctx context.Context, req ValidateRequest) Diagnostics {
	const op = "ValidateDataResourceConfig"
	ls, err := p.loadSchema(ctx)
	if err != nil {
		return errorDiags(err)
	}
	ty, diags := p.dataSourceType(ls, req.TypeName)
	if diags != nil {
		return diags
	}
	var enc encoder
	dv := enc.value("configuration", req.Config, ty)
	if diags := enc.diags(p.name, op, req.Addr); diags != nil {
		return diags
	}
	key, cacheable := p.validationKey(ctx, ls, op, "d", req.TypeName, req.Config, dv)
	if cacheable {
		if diags, ok := p.cachedValidation(key); ok {
			return diags
		}
	}
	diags, err = p.proto.validateDataResourceConfig(ctx, req.TypeName, dv)
	if err != nil {
		return p.failed(ctx, op, req.Addr, err)
	}
	if cacheable {
		p.keepValidation(key, diags)
	}
	return diags
}

// UpgradeResourceState converts stored state to the current schema. Call it
// for every resource instance read from state, whatever its version: it is
// also how JSON state becomes a typed value.
func (p *Provider) UpgradeResourceState(ctx context.Context, req UpgradeRequest) UpgradeResponse {
	const op = "UpgradeResourceState"
	ls, err := p.loadSchema(ctx)
	if err != nil {
		return UpgradeResponse{Diagnostics: errorDiags(err)}
	}
	ty, diags := p.resourceType(ls, req.TypeName)
	if diags != nil {
		return UpgradeResponse{Diagnostics: diags}
	}
	call := upgradeCall{typeName: req.TypeName, version: req.Version, json: req.RawStateJSON}
	if len(req.RawStateJSON) == 0 {
		call.flatmap = req.RawStateFlatmap
	}
	raw, diags, err := p.proto.upgradeResourceState(ctx, call)
	if err != nil {
		return UpgradeResponse{Diagnostics: p.failed(ctx, op, req.Addr, err)}
	}
	if diags.HasErrors() {
		return UpgradeResponse{UpgradedState: cty.NullVal(ty), Diagnostics: diags}
	}
	v, err := decodeValue(raw, ty)
	if err != nil {
		return UpgradeResponse{Diagnostics: append(diags, p.failed(ctx, op, req.Addr, err)...)}
	}
	return UpgradeResponse{UpgradedState: v, Diagnostics: diags}
}

// ReadResource refreshes a resource instance.
func (p *Provider) ReadResource(ctx context.Context, req ReadRequest) ReadResponse {
	const op = "ReadResource"
	ls, err := p.loadSchema(ctx)
	if err != nil {
		return ReadResponse{Diagnostics: errorDiags(err)}
	}
	ty, diags := p.resourceType(ls, req.TypeName)
	if diags != nil {
		return ReadResponse{Diagnostics: diags}
	}
	var enc encoder
	call := readCall{
		typeName: req.TypeName,
		state:    enc.value("prior state", req.PriorState, ty),
		identity: enc.identity("prior identity", req.PriorIdentity, ls.identityType(req.TypeName)),
		meta:     enc.meta(ls, req.ProviderMeta),
		private:  req.Private,
	}
	if diags := enc.diags(p.name, op, req.Addr); diags != nil {
		return ReadResponse{Diagnostics: diags}
	}
	res, err := p.proto.readResource(ctx, call)
	if err != nil {
		return ReadResponse{Diagnostics: p.failed(ctx, op, req.Addr, err)}
	}
	resp := ReadResponse{Private: res.private, Diagnostics: res.diags}
	if res.deferred {
		resp.Diagnostics = append(resp.Diagnostics, p.deferred(op, req.Addr))
	}
	switch {
	case sameEncoding(call.state, res.newState) && req.PriorState != cty.NilVal:
		// Unmarked, known and of exactly the schema's type (the fast
		// encoder checked all three, call.state.known): what decoding
		// the answer would give.
		resp.NewState, resp.Unchanged = req.PriorState, true
	default:
		if resp.NewState, err = decodeValue(res.newState, ty); err != nil {
			resp.Diagnostics = append(resp.Diagnostics, p.failed(ctx, op, req.Addr, err)...)
		}
	}
	if resp.NewIdentity, err = decodeIdentity(res.identity, ls.identityType(req.TypeName)); err != nil {
		resp.Diagnostics = append(resp.Diagnostics, p.failed(ctx, op, req.Addr, err)...)
	}
	p.noteRead(req, call, res, resp)
	return resp
}

// PlanResourceChange asks the provider to plan a change.
func (p *Provider) PlanResourceChange(ctx context.Context, req PlanRequest) PlanResponse {
	const op = "PlanResourceChange"
	ls, err := p.loadSchema(ctx)
	if err != nil {
		return PlanResponse{Diagnostics: errorDiags(err)}
	}
	ty, diags := p.resourceType(ls, req.TypeName)
	if diags != nil {
		return PlanResponse{Diagnostics: diags}
	}
	var enc encoder
	call := planCall{
		typeName:      req.TypeName,
		prior:         enc.value("prior state", req.PriorState, ty),
		config:        enc.value("configuration", req.Config, ty),
		meta:          enc.meta(ls, req.ProviderMeta),
		priorIdentity: enc.identity("prior identity", req.PriorIdentity, ls.identityType(req.TypeName)),
		priorPrivate:  req.PriorPrivate,
	}
	if req.ProposedIsPrior && call.prior != nil {
		call.proposed = call.prior
	} else {
		call.proposed = enc.value("proposed new state", req.ProposedNewState, ty)
	}
	if diags := enc.diags(p.name, op, req.Addr); diags != nil {
		return PlanResponse{Diagnostics: diags}
	}
	key, memo, cacheable := p.planKey(ctx, ls, req, call)
	if memo {
		if res, ok := p.replanned(key); ok {
			if resp, err := planResponse(res, ty, ls.identityType(req.TypeName)); err == nil {
				return resp
			}
		}
	}
	if cacheable {
		if resp, ok := p.cachedPlan(key, req, call, ty, ls.identityType(req.TypeName)); ok {
			return resp
		}
	}
	res, err := p.proto.planResourceChange(ctx, call)
	if err != nil {
		return PlanResponse{Diagnostics: p.failed(ctx, op, req.Addr, err)}
	}
	resp, err := planResponse(res, ty, ls.identityType(req.TypeName))
	if res.deferred {
		resp.Diagnostics = append(resp.Diagnostics, p.deferred(op, req.Addr))
	}
	if err != nil {
		resp.Diagnostics = append(resp.Diagnostics, p.failed(ctx, op, req.Addr, err)...)
	} else if memo {
		p.rememberPlan(key, res)
	}
	if cacheable {
		p.keepPlan(key, req, call, res, resp, ty)
	}
	return resp
}

// planResponse is the response of a provider's plan, with copies of what
// the caller may change: res may be answered again (rememberPlan).
func planResponse(res *planResult, ty, identityTy cty.Type) (PlanResponse, error) {
	resp := PlanResponse{
		RequiresReplace:  slices.Clone(res.requiresReplace),
		PlannedPrivate:   slices.Clone(res.private),
		LegacyTypeSystem: res.legacy,
		Diagnostics:      slices.Clone(res.diags),
	}
	var err error
	if resp.PlannedState, err = decodeValue(res.planned, ty); err != nil {
		return resp, err
	}
	resp.PlannedIdentity, err = decodeIdentity(res.identity, identityTy)
	return resp, err
}

// ApplyResourceChange carries out a planned change.
func (p *Provider) ApplyResourceChange(ctx context.Context, req ApplyRequest) ApplyResponse {
	const op = "ApplyResourceChange"
	ls, err := p.loadSchema(ctx)
	if err != nil {
		return ApplyResponse{Diagnostics: errorDiags(err)}
	}
	ty, diags := p.resourceType(ls, req.TypeName)
	if diags != nil {
		return ApplyResponse{Diagnostics: diags}
	}
	var enc encoder
	call := applyCall{
		typeName:        req.TypeName,
		prior:           enc.value("prior state", req.PriorState, ty),
		planned:         enc.value("planned state", req.PlannedState, ty),
		config:          enc.value("configuration", req.Config, ty),
		meta:            enc.meta(ls, req.ProviderMeta),
		plannedIdentity: enc.identity("planned identity", req.PlannedIdentity, ls.identityType(req.TypeName)),
		plannedPrivate:  req.PlannedPrivate,
	}
	if diags := enc.diags(p.name, op, req.Addr); diags != nil {
		return ApplyResponse{Diagnostics: diags}
	}
	res, err := p.proto.applyResourceChange(ctx, call)
	if err != nil {
		return ApplyResponse{Diagnostics: p.failed(ctx, op, req.Addr, err)}
	}
	resp := ApplyResponse{Private: res.private, LegacyTypeSystem: res.legacy, Diagnostics: res.diags}
	if resp.NewState, err = decodeValue(res.newState, ty); err != nil {
		resp.Diagnostics = append(resp.Diagnostics, p.failed(ctx, op, req.Addr, err)...)
	}
	if resp.NewIdentity, err = decodeIdentity(res.identity, ls.identityType(req.TypeName)); err != nil {
		resp.Diagnostics = append(resp.Diagnostics, p.failed(ctx, op, req.Addr, err)...)
	}
	return resp
}

// ImportResourceState finds an existing object by ID.
func (p *Provider) ImportResourceState(ctx context.Context, req ImportRequest) ImportResponse {
	const op = "ImportResourceState"
	ls, err := p.loadSchema(ctx)
	if err != nil {
		return ImportResponse{Diagnostics: errorDiags(err)}
	}
	if _, diags := p.resourceType(ls, req.TypeName); diags != nil {
		return ImportResponse{Diagnostics: diags}
	}
	call := importCall{typeName: req.TypeName, id: req.ID}
	if req.Identity != cty.NilVal {
		ity := ls.identityType(req.TypeName)
		if ity == cty.NilType {
			return ImportResponse{Diagnostics: Diagnostics{{
				Severity: Error,
				Summary:  "Resource type has no identity",
				Detail:   fmt.Sprintf("The provider %s declares no identity for %s, so %s can only be imported by its id.", p.name, req.TypeName, req.Addr),
			}}}
		}
		var enc encoder
		call.identity = enc.identity("identity", req.Identity, ity)
		if diags := enc.diags(p.name, op, req.Addr); diags != nil {
			return ImportResponse{Diagnostics: diags}
		}
	}
	res, err := p.proto.importResourceState(ctx, call)
	if err != nil {
		return ImportResponse{Diagnostics: p.failed(ctx, op, req.Addr, err)}
	}
	resp := ImportResponse{Diagnostics: res.diags}
	if res.deferred {
		resp.Diagnostics = append(resp.Diagnostics, p.deferred(op, req.Addr))
	}
	for _, r := range res.resources {
		ty, ok := ls.resources[r.typeName]
		if !ok {
			err := fmt.Errorf("%w: imported an object of type %q, which the provider's schema does not have", ErrInvalidResponse, r.typeName)
			resp.Diagnostics = append(resp.Diagnostics, p.failed(ctx, op, req.Addr, err)...)
			continue
		}
		v, err := decodeValue(r.state, ty)
		if err != nil {
			resp.Diagnostics = append(resp.Diagnostics, p.failed(ctx, op, req.Addr, err)...)
			continue
		}
		id, err := decodeIdentity(r.identity, ls.identityType(r.typeName))
		if err != nil {
			resp.Diagnostics = append(resp.Diagnostics, p.failed(ctx, op, req.Addr, err)...)
			continue
		}
		resp.Imported = append(resp.Imported, ImportedResource{TypeName: r.typeName, State: v, Identity: id, Private: r.private})
	}
	return resp
}

// MoveResourceState converts the state of another resource type into one of
// this provider's (the target of a moved block across types). Providers
// without Capabilities.MoveResourceState answer with an error wrapping
// errors.ErrUnsupported.
func (p *Provider) MoveResourceState(ctx context.Context, req MoveRequest) MoveResponse {
	const op = "MoveResourceState"
	ls, err := p.loadSchema(ctx)
	if err != nil {
		return MoveResponse{Diagnostics: errorDiags(err)}
	}
	ty, diags := p.resourceType(ls, req.TargetTypeName)
	if diags != nil {
		return MoveResponse{Diagnostics: diags}
	}
	res, err := p.proto.moveResourceState(ctx, moveCall{
		sourceProvider: req.SourceProviderAddress,
		sourceType:     req.SourceTypeName,
		sourceVersion:  req.SourceSchemaVersion,
		sourceJSON:     req.SourceStateJSON,
		sourcePrivate:  req.SourcePrivate,
		targetType:     req.TargetTypeName,

		sourceIdentityJSON:    req.SourceIdentityJSON,
		sourceIdentityVersion: req.SourceIdentityVersion,
	})
	if err != nil {
		return MoveResponse{Diagnostics: p.failed(ctx, op, req.Addr, err)}
	}
	resp := MoveResponse{TargetPrivate: res.private, Diagnostics: res.diags}
	if resp.TargetState, err = decodeValue(res.state, ty); err != nil {
		resp.Diagnostics = append(resp.Diagnostics, p.failed(ctx, op, req.Addr, err)...)
	}
	if resp.TargetIdentity, err = decodeIdentity(res.identity, ls.identityType(req.TargetTypeName)); err != nil {
		resp.Diagnostics = append(resp.Diagnostics, p.failed(ctx, op, req.Addr, err)...)
	}
	return resp
}

// ReadDataSource reads a data source.
func (p *Provider) ReadDataSource(ctx context.Context, req ReadDataRequest) ReadDataResponse {
	const op = "ReadDataSource"
	ls, err := p.loadSchema(ctx)
	if err != nil {
		return ReadDataResponse{Diagnostics: errorDiags(err)}
	}
	ty, diags := p.dataSourceType(ls, req.TypeName)
	if diags != nil {
		return ReadDataResponse{Diagnostics: diags}
	}
	var enc encoder
	cfg := enc.value("configuration", req.Config, ty)
	meta := enc.meta(ls, req.ProviderMeta)
	if diags := enc.diags(p.name, op, req.Addr); diags != nil {
		return ReadDataResponse{Diagnostics: diags}
	}
	res, err := p.proto.readDataSource(ctx, req.TypeName, cfg, meta)
	if err != nil {
		return ReadDataResponse{Diagnostics: p.failed(ctx, op, req.Addr, err)}
	}
	resp := ReadDataResponse{Diagnostics: res.diags}
	if res.deferred {
		resp.Diagnostics = append(resp.Diagnostics, p.deferred(op, req.Addr))
	}
	if resp.State, err = decodeValue(res.state, ty); err != nil {
		resp.Diagnostics = append(resp.Diagnostics, p.failed(ctx, op, req.Addr, err)...)
	}
	return resp
}

// Metadata lists the provider's resource types, data sources and functions
// (the GetMetadata RPC, cheap next to the full schema). For providers too old
// to implement it, the lists come from the schema.
func (p *Provider) Metadata(ctx context.Context) (*Metadata, error) {
	const op = "GetMetadata"
	m, err := p.proto.getMetadata(ctx)
	if err != nil {
		ce := p.callError(ctx, op, "", err)
		if !errors.Is(ce, errors.ErrUnsupported) {
			return nil, ce
		}
		s, err := p.Schema(ctx)
		if err != nil {
			return nil, err
		}
		return metadataFromSchema(s), nil
	}
	if m.diags.HasErrors() {
		return nil, fmt.Errorf("provider %s: %s: %w", p.name, op, m.diags.Err())
	}
	return &Metadata{Resources: m.resources, DataSources: m.dataSources, EphemeralResources: m.ephemeralResources, Functions: m.functions, Capabilities: m.capabilities}, nil
}

func metadataFromSchema(s *Schema) *Metadata {
	m := &Metadata{Capabilities: s.Capabilities}
	for name := range s.Resources {
		m.Resources = append(m.Resources, name)
	}
	for name := range s.DataSources {
		m.DataSources = append(m.DataSources, name)
	}
	for name := range s.Functions {
		m.Functions = append(m.Functions, name)
	}
	for name := range s.EphemeralResources {
		m.EphemeralResources = append(m.EphemeralResources, name)
	}
	return m
}

// Functions returns the provider's functions (the GetFunctions RPC; for
// providers without it, the functions in the schema).
func (p *Provider) Functions(ctx context.Context) (map[string]FunctionDecl, error) {
	const op = "GetFunctions"
	fns, diags, err := p.proto.getFunctions(ctx)
	if err != nil {
		ce := p.callError(ctx, op, "", err)
		if !errors.Is(ce, errors.ErrUnsupported) {
			return nil, ce
		}
		s, err := p.Schema(ctx)
		if err != nil {
			return nil, err
		}
		return s.Functions, nil
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("provider %s: %s: %w", p.name, op, diags.Err())
	}
	return fns, nil
}

// CallFunction calls a provider-defined function. Arguments are converted to
// the parameters' types. An unknown argument for a parameter that does not
// allow unknowns gives an unknown result without calling the provider, as
// the protocol asks; a null one where nulls are not allowed is an error.
// The provider's own error is a *FunctionError; a failed call a *CallError.
func (p *Provider) CallFunction(ctx context.Context, name string, args []cty.Value) (cty.Value, error) {
	const op = "CallFunction"
	ls, err := p.loadSchema(ctx)
	if err != nil {
		return cty.NilVal, err
	}
	decl, ok := ls.schema.Functions[name]
	if !ok {
		return cty.NilVal, fmt.Errorf("provider %s has no function %q", p.name, name)
	}
	if len(args) < len(decl.Parameters) || (decl.VariadicParameter == nil && len(args) > len(decl.Parameters)) {
		return cty.NilVal, fmt.Errorf("function %s: %d arguments given, %d expected", name, len(args), len(decl.Parameters))
	}
	encoded := make([]*dynamicValue, len(args))
	for i, arg := range args {
		param := decl.VariadicParameter
		if i < len(decl.Parameters) {
			param = &decl.Parameters[i]
		}
		if arg == cty.NilVal {
			arg = cty.NullVal(param.Type)
		}
		arg, _ = arg.UnmarkDeep()
		if !arg.IsWhollyKnown() && !param.AllowUnknownValues {
			return cty.UnknownVal(decl.ReturnType), nil
		}
		if arg.IsNull() && !param.AllowNullValue {
			return cty.NilVal, &FunctionError{Function: name, Text: fmt.Sprintf("argument %q must not be null", param.Name), Argument: i}
		}
		conv, err := convert.Convert(arg, param.Type)
		if err != nil {
			return cty.NilVal, &FunctionError{Function: name, Text: fmt.Sprintf("argument %q: %v", param.Name, err), Argument: i}
		}
		if encoded[i], err = encodeValue(conv, param.Type); err != nil {
			return cty.NilVal, &FunctionError{Function: name, Text: fmt.Sprintf("argument %q: %v", param.Name, err), Argument: i}
		}
	}
	res, ferr, err := p.proto.callFunction(ctx, name, encoded)
	if err != nil {
		return cty.NilVal, p.callError(ctx, op, "", err)
	}
	if ferr != nil {
		return cty.NilVal, ferr
	}
	v, err := decodeValue(res, decl.ReturnType)
	if err != nil {
		return cty.NilVal, p.callError(ctx, op, "", err)
	}
	return v, nil
}
