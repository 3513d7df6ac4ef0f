package indigo

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// EphemeralResources lists the provider's ephemeral resources (Terraform
// 1.10, OpenTofu 1.11, indigo): values made for one run and never stored.
func (p *Provider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		newPasswordEphemeral,
		newFileEphemeral,
	}
}

// passwordEphemeral is the indigo_password ephemeral resource: a random
// password from crypto/rand, new in every run. Feed it to write-only
// arguments (indigo_file's content_wo) or provider blocks; it is never in
// a state or a plan.
var _ provider.ProviderWithEphemeralResources = (*Provider)(nil)

type passwordEphemeral struct{}

type passwordModel struct {
	Length     types.Int64  `tfsdk:"length"`
	Special    types.Bool   `tfsdk:"special"`
	Upper      types.Bool   `tfsdk:"upper"`
	Numeric    types.Bool   `tfsdk:"numeric"`
	OverrideSp types.String `tfsdk:"override_special"`
	Result     types.String `tfsdk:"result"`
}

func newPasswordEphemeral() ephemeral.EphemeralResource { return &passwordEphemeral{} }

func (e *passwordEphemeral) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_password"
}

// The special characters used by default: printable ASCII punctuation
// that needs no quoting in a shell's single quotes or in a URL's userinfo
// after percent-encoding.
const defaultSpecial = "!#$%&*()-_=+[]{}<>:?"

func (e *passwordEphemeral) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A random password, made anew in every run from the operating system's random source and never recorded in a state or a plan. " +
			"Lower-case letters are always used; upper-case letters, digits and special characters unless turned off.",
		Attributes: map[string]schema.Attribute{
			"length": schema.Int64Attribute{
				Required:    true,
				Description: "The number of characters, 1 to 1024.",
			},
			"special": schema.BoolAttribute{
				Optional:    true,
				Description: "Use special characters (override_special, or " + defaultSpecial + "). Default true.",
			},
			"upper": schema.BoolAttribute{
				Optional:    true,
				Description: "Use upper-case letters. Default true.",
			},
			"numeric": schema.BoolAttribute{
				Optional:    true,
				Description: "Use digits. Default true.",
			},
			"override_special": schema.StringAttribute{
				Optional:    true,
				Description: "The special characters to use instead of the default set.",
			},
			"result": schema.StringAttribute{
				Computed:    true,
				Sensitive:   true,
				Description: "The password.",
			},
		},
	}
}

func (e *passwordEphemeral) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m passwordModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	n := m.Length.ValueInt64()
	if n < 1 || n > 1024 {
		resp.Diagnostics.AddAttributeError(path.Root("length"), "Invalid password length",
			fmt.Sprintf("length is %d; give a number from 1 to 1024.", n))
		return
	}
	on := func(b types.Bool) bool { return b.IsNull() || b.ValueBool() }
	alphabet := "abcdefghijklmnopqrstuvwxyz"
	if on(m.Upper) {
		alphabet += "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	}
	if on(m.Numeric) {
		alphabet += "0123456789"
	}
	if on(m.Special) {
		if m.OverrideSp.IsNull() {
			alphabet += defaultSpecial
		} else {
			alphabet += m.OverrideSp.ValueString()
		}
	}
	pw, err := randomString(alphabet, int(n))
	if err != nil {
		resp.Diagnostics.AddError("Cannot make a password", fmt.Sprintf("Reading the random source: %v.", err))
		return
	}
	m.Result = types.StringValue(pw)
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}

// randomString draws n characters of alphabet uniformly from crypto/rand.
func randomString(alphabet string, n int) (string, error) {
	runes := []rune(alphabet)
	limit := big.NewInt(int64(len(runes)))
	out := make([]rune, n)
	for i := range out {
		k, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return "", err
		}
		out[i] = runes[k.Int64()]
	}
	return string(out), nil
}
