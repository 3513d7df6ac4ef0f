package main

import (
	"context"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	eschema "github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov5"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// EphemeralResources makes indigotest_token available: an ephemeral
// resource whose value is "token-" + the provider prefix + name, renewed
// every renew_ms milliseconds when that is set. Private data counts the
// renewals, so a renewal that does not hand back what Open gave is seen.
func (p *testProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{func() ephemeral.EphemeralResource { return &token{} }}
}

type token struct {
	data *providerData
}

var (
	_ ephemeral.EphemeralResourceWithRenew     = (*token)(nil)
	_ ephemeral.EphemeralResourceWithClose     = (*token)(nil)
	_ ephemeral.EphemeralResourceWithConfigure = (*token)(nil)
)

type tokenModel struct {
	Name    types.String `tfsdk:"name"`
	RenewMS types.Int64  `tfsdk:"renew_ms"`
	Value   types.String `tfsdk:"value"`
}

func (t *token) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_token"
}

func (t *token) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = eschema.Schema{Attributes: map[string]eschema.Attribute{
		"name":     eschema.StringAttribute{Required: true},
		"renew_ms": eschema.Int64Attribute{Optional: true},
		"value":    eschema.StringAttribute{Computed: true, Sensitive: true},
	}}
}

func (t *token) Configure(_ context.Context, req ephemeral.ConfigureRequest, _ *ephemeral.ConfigureResponse) {
	if pd, ok := req.ProviderData.(*providerData); ok {
		t.data = pd
	}
}

func (t *token) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m tokenModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	prefix := ""
	if t.data != nil {
		prefix = t.data.prefix
	}
	m.Value = types.StringValue("token-" + prefix + m.Name.ValueString())
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, "renewals", []byte("0"))...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, "renew_ms", []byte(strconv.FormatInt(m.RenewMS.ValueInt64(), 10)))...)
	if ms := m.RenewMS.ValueInt64(); ms > 0 {
		resp.RenewAt = time.Now().Add(time.Duration(ms) * time.Millisecond)
	}
}

func (t *token) Renew(ctx context.Context, req ephemeral.RenewRequest, resp *ephemeral.RenewResponse) {
	raw, d := req.Private.GetKey(ctx, "renewals")
	resp.Diagnostics.Append(d...)
	n, err := strconv.Atoi(string(raw))
	if err != nil {
		resp.Diagnostics.AddError("Renewal without the private data Open gave", "renewals="+string(raw))
		return
	}
	msRaw, d := req.Private.GetKey(ctx, "renew_ms")
	resp.Diagnostics.Append(d...)
	ms, _ := strconv.ParseInt(string(msRaw), 10, 64)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, "renewals", []byte(strconv.Itoa(n+1)))...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, "renew_ms", msRaw)...)
	if ms > 0 {
		resp.RenewAt = time.Now().Add(time.Duration(ms) * time.Millisecond)
	}
}

func (t *token) Close(ctx context.Context, req ephemeral.CloseRequest, resp *ephemeral.CloseResponse) {
	if _, d := req.Private.GetKey(ctx, "renewals"); d.HasError() {
		resp.Diagnostics.Append(d...)
	}
}

// The ephemeral RPCs are recorded like the others, so tests can count
// opens, renewals and closes.

func (f *faulty6) OpenEphemeralResource(ctx context.Context, req *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	intercept("OpenEphemeralResource")
	return f.ProviderServer.OpenEphemeralResource(ctx, req)
}

func (f *faulty6) RenewEphemeralResource(ctx context.Context, req *tfprotov6.RenewEphemeralResourceRequest) (*tfprotov6.RenewEphemeralResourceResponse, error) {
	intercept("RenewEphemeralResource")
	return f.ProviderServer.RenewEphemeralResource(ctx, req)
}

func (f *faulty6) CloseEphemeralResource(ctx context.Context, req *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	intercept("CloseEphemeralResource")
	return f.ProviderServer.CloseEphemeralResource(ctx, req)
}

func (f *faulty5) OpenEphemeralResource(ctx context.Context, req *tfprotov5.OpenEphemeralResourceRequest) (*tfprotov5.OpenEphemeralResourceResponse, error) {
	intercept("OpenEphemeralResource")
	return f.ProviderServer.OpenEphemeralResource(ctx, req)
}

func (f *faulty5) RenewEphemeralResource(ctx context.Context, req *tfprotov5.RenewEphemeralResourceRequest) (*tfprotov5.RenewEphemeralResourceResponse, error) {
	intercept("RenewEphemeralResource")
	return f.ProviderServer.RenewEphemeralResource(ctx, req)
}

func (f *faulty5) CloseEphemeralResource(ctx context.Context, req *tfprotov5.CloseEphemeralResourceRequest) (*tfprotov5.CloseEphemeralResourceResponse, error) {
	intercept("CloseEphemeralResource")
	return f.ProviderServer.CloseEphemeralResource(ctx, req)
}
