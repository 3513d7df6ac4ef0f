package plugin

import (
	"context"
	"fmt"
	"time"

	"github.com/zclconf/go-cty/cty"
)

// Ephemeral resources (protocol 5.7 and 6.7, Terraform 1.10) are values a
// provider produces for one run only: a password, a token, a short-lived
// credential. The client opens one, may have to renew it before RenewAt
// while it is in use, and closes it when the run no longer needs it. Its
// result is never part of a state or a plan; keeping it out is the caller's
// job (the planner marks it ephemeral).

// ephemeralProtocol is the version-specific half of the ephemeral calls.
type ephemeralProtocol interface {
	validateEphemeralResourceConfig(ctx context.Context, typeName string, cfg *dynamicValue) (Diagnostics, error)
	openEphemeralResource(ctx context.Context, typeName string, cfg *dynamicValue) (*openResult, error)
	renewEphemeralResource(ctx context.Context, typeName string, private []byte) (*renewResult, error)
	closeEphemeralResource(ctx context.Context, typeName string, private []byte) (Diagnostics, error)
}

type openResult struct {
	result   *dynamicValue
	private  []byte
	renewAt  time.Time
	diags    Diagnostics
	deferred bool
}

type renewResult struct {
	private []byte
	renewAt time.Time
	diags   Diagnostics
}

// OpenEphemeralRequest opens one instance of an ephemeral resource.
type OpenEphemeralRequest struct {
	// Addr is the instance's address, for messages only.
	Addr     string
	TypeName string
	// Config must be wholly known: an ephemeral resource whose
	// configuration is not known yet is not opened (its value is unknown).
	Config cty.Value
}

// OpenEphemeralResponse is an opened ephemeral resource. Private goes back
// to the provider with Renew and Close. A non-zero RenewAt is the time by
// which RenewEphemeralResource must be called for Result to stay valid.
type OpenEphemeralResponse struct {
	Result      cty.Value
	Private     []byte
	RenewAt     time.Time
	Diagnostics Diagnostics
}

// EphemeralRef names an opened ephemeral resource for Renew and Close.
type EphemeralRef struct {
	Addr     string
	TypeName string
	Private  []byte
}

// RenewEphemeralResponse is the answer to a renewal: new private data and
// the next time to renew (zero: no further renewal needed).
type RenewEphemeralResponse struct {
	Private     []byte
	RenewAt     time.Time
	Diagnostics Diagnostics
}

func (p *Provider) ephemeralType(ls *loadedSchema, typeName string) (cty.Type, Diagnostics) {
	rs, ok := ls.schema.EphemeralResources[typeName]
	if !ok {
		return cty.NilType, Diagnostics{{
			Severity: Error,
			Summary:  "Unknown ephemeral resource type",
			Detail:   fmt.Sprintf("The provider %s has no ephemeral resource type %q.", p.name, typeName),
		}}
	}
	return rs.Block.ImpliedType(), nil
}

// ValidateEphemeralResourceConfig validates one ephemeral resource's
// configuration.
func (p *Provider) ValidateEphemeralResourceConfig(ctx context.Context, req ValidateRequest) Diagnostics {
	const op = "ValidateEphemeralResourceConfig"
	ls, err := p.loadSchema(ctx)
	if err != nil {
		return errorDiags(err)
	}
	ty, diags := p.ephemeralType(ls, req.TypeName)
	if diags != nil {
		return diags
	}
	var enc encoder
	dv := enc.value("configuration", req.Config, ty)
	if diags := enc.diags(p.name, op, req.Addr); diags != nil {
		return diags
	}
	diags, err = p.proto.validateEphemeralResourceConfig(ctx, req.TypeName, dv)
	if err != nil {
		return p.failed(ctx, op, req.Addr, err)
	}
	return diags
}

// OpenEphemeralResource opens an ephemeral resource and returns its value.
func (p *Provider) OpenEphemeralResource(ctx context.Context, req OpenEphemeralRequest) OpenEphemeralResponse {
	const op = "OpenEphemeralResource"
	ls, err := p.loadSchema(ctx)
	if err != nil {
		return OpenEphemeralResponse{Diagnostics: errorDiags(err)}
	}
	ty, diags := p.ephemeralType(ls, req.TypeName)
	if diags != nil {
		return OpenEphemeralResponse{Diagnostics: diags}
	}
	var enc encoder
	cfg := enc.value("configuration", req.Config, ty)
	if diags := enc.diags(p.name, op, req.Addr); diags != nil {
		return OpenEphemeralResponse{Diagnostics: diags}
	}
	res, err := p.proto.openEphemeralResource(ctx, req.TypeName, cfg)
	if err != nil {
		return OpenEphemeralResponse{Diagnostics: p.failed(ctx, op, req.Addr, err)}
	}
	resp := OpenEphemeralResponse{Private: res.private, RenewAt: res.renewAt, Diagnostics: res.diags}
	if res.deferred {
		resp.Diagnostics = append(resp.Diagnostics, p.deferred(op, req.Addr))
	}
	if resp.Diagnostics.HasErrors() {
		return resp
	}
	if resp.Result, err = decodeValue(res.result, ty); err != nil {
		resp.Diagnostics = append(resp.Diagnostics, p.failed(ctx, op, req.Addr, err)...)
		// The provider opened it, but the caller gets an error and will
		// not close it: close it here.
		resp.Diagnostics = append(resp.Diagnostics, p.CloseEphemeralResource(ctx, EphemeralRef{Addr: req.Addr, TypeName: req.TypeName, Private: res.private})...)
		resp.Private, resp.RenewAt = nil, time.Time{}
	}
	return resp
}

// RenewEphemeralResource extends the life of an opened ephemeral resource.
func (p *Provider) RenewEphemeralResource(ctx context.Context, ref EphemeralRef) RenewEphemeralResponse {
	const op = "RenewEphemeralResource"
	res, err := p.proto.renewEphemeralResource(ctx, ref.TypeName, ref.Private)
	if err != nil {
		return RenewEphemeralResponse{Diagnostics: p.failed(ctx, op, ref.Addr, err)}
	}
	return RenewEphemeralResponse{Private: res.private, RenewAt: res.renewAt, Diagnostics: res.diags}
}

// CloseEphemeralResource tells the provider the run no longer needs an
// opened ephemeral resource, so it can release what stands behind it.
func (p *Provider) CloseEphemeralResource(ctx context.Context, ref EphemeralRef) Diagnostics {
	const op = "CloseEphemeralResource"
	diags, err := p.proto.closeEphemeralResource(ctx, ref.TypeName, ref.Private)
	if err != nil {
		return p.failed(ctx, op, ref.Addr, err)
	}
	return diags
}
