package s3

import (
	"context"
	"fmt"
	"net/url"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Names of the provider configuration blocks this package adds.
const (
	BlockS3     = "s3"
	BlockRemote = "s3_remote"
)

// ProviderBlocks returns the blocks the s3 target adds to the indigo
// provider's schema:
//
//	s3 {                        # at most one: where s3 resources act
//	  endpoint   = "http://127.0.0.1:9101"   # the scheme decides TLS
//	  access_key = "..."        # sensitive; default AWS_ACCESS_KEY_ID
//	  secret_key = "..."        # sensitive; default AWS_SECRET_ACCESS_KEY
//	  region     = "us-east-1"  # optional
//	}
//	s3_remote {                 # any number: servers to replicate or tier to
//	  name = "b"                # what indigo_s3_replication.target and indigo_s3_tier.remote name
//	  endpoint = "..."  access_key = "..."  secret_key = "..."  region = "..."
//	}
//
// s3_remote is a list block with a name attribute rather than a labelled
// block (s3_remote "b" {...}): provider schemas written with
// terraform-plugin-framework cannot declare labelled (map) blocks.
func ProviderBlocks() map[string]schema.Block {
	return map[string]schema.Block{
		BlockS3: schema.SingleNestedBlock{
			Description: "The S3 endpoint (MinIO or another S3 server) that indigo_s3_* resources act on. Credentials stay in the provider configuration and never reach state.",
			Attributes:  endpointAttributes(false),
		},
		BlockRemote: schema.ListNestedBlock{
			Description: "Another S3 endpoint, by name, that buckets of the s3 endpoint replicate to (indigo_s3_replication.target) or tier to (indigo_s3_tier.remote).",
			NestedObject: schema.NestedBlockObject{
				Attributes: endpointAttributes(true),
			},
		},
	}
}

func endpointAttributes(remote bool) map[string]schema.Attribute {
	keyDefault := " Default: the environment variable %s."
	if remote {
		keyDefault = ""
	}
	attrs := map[string]schema.Attribute{
		"endpoint": schema.StringAttribute{
			Optional:    true, // required when the block is present; checked in Configure so an absent s3 block stays valid
			Description: `The server's URL, e.g. "http://127.0.0.1:9000". The scheme decides TLS. Required.`,
		},
		"access_key": schema.StringAttribute{
			Optional:    true,
			Sensitive:   true,
			Description: "The access key." + fmtIf(keyDefault, "AWS_ACCESS_KEY_ID"),
		},
		"secret_key": schema.StringAttribute{
			Optional:    true,
			Sensitive:   true,
			Description: "The secret key." + fmtIf(keyDefault, "AWS_SECRET_ACCESS_KEY"),
		},
		"region": schema.StringAttribute{
			Optional:    true,
			Description: `The server's region. Default "us-east-1".`,
		},
	}
	if remote {
		attrs["name"] = schema.StringAttribute{
			Required:    true,
			Description: "The remote's name, unique among this provider's s3_remote blocks.",
		}
	}
	return attrs
}

func fmtIf(format, arg string) string {
	if format == "" {
		return ""
	}
	return fmt.Sprintf(format, arg)
}

type endpointModel struct {
	Endpoint  types.String `tfsdk:"endpoint"`
	AccessKey types.String `tfsdk:"access_key"`
	SecretKey types.String `tfsdk:"secret_key"`
	Region    types.String `tfsdk:"region"`
}

type remoteModel struct {
	Name      types.String `tfsdk:"name"`
	Endpoint  types.String `tfsdk:"endpoint"`
	AccessKey types.String `tfsdk:"access_key"`
	SecretKey types.String `tfsdk:"secret_key"`
	Region    types.String `tfsdk:"region"`
}

// Configure reads the s3 and s3_remote blocks of the provider
// configuration. It checks them but does not contact any server.
func Configure(ctx context.Context, cfg tfsdk.Config) (*Site, diag.Diagnostics) {
	var diags diag.Diagnostics
	var main *endpointModel
	var remotes []remoteModel
	diags.Append(cfg.GetAttribute(ctx, path.Root(BlockS3), &main)...)
	diags.Append(cfg.GetAttribute(ctx, path.Root(BlockRemote), &remotes)...)
	if diags.HasError() {
		return nil, diags
	}
	s := &Site{remotes: map[string]*Endpoint{}}
	if main != nil {
		e, unknown, d := newEndpoint(*main, BlockS3, path.Root(BlockS3), true)
		diags.Append(d...)
		s.main = e
		s.unknown = s.unknown || unknown
	}
	for i, r := range remotes {
		at := path.Root(BlockRemote).AtListIndex(i)
		if r.Name.IsUnknown() {
			s.unknown = true
			continue
		}
		name := r.Name.ValueString()
		if name == "" {
			diags.AddAttributeError(at.AtName("name"), "Empty s3_remote name", "Give each s3_remote a name that resources can refer to.")
			continue
		}
		if _, dup := s.remotes[name]; dup {
			diags.AddAttributeError(at.AtName("name"), "Duplicate s3_remote name", fmt.Sprintf("Two s3_remote blocks are named %q; names must be unique.", name))
			continue
		}
		e, unknown, d := newEndpoint(endpointModel{r.Endpoint, r.AccessKey, r.SecretKey, r.Region}, fmt.Sprintf("s3_remote %q", name), at, false)
		diags.Append(d...)
		s.unknown = s.unknown || unknown
		if e != nil {
			s.remotes[name] = e
		}
	}
	if diags.HasError() {
		return nil, diags
	}
	return s, diags
}

// newEndpoint checks one block. env says whether the keys default to the
// AWS_* environment variables.
func newEndpoint(m endpointModel, label string, at path.Path, env bool) (*Endpoint, bool, diag.Diagnostics) {
	var diags diag.Diagnostics
	for _, v := range []types.String{m.Endpoint, m.AccessKey, m.SecretKey, m.Region} {
		if v.IsUnknown() {
			return nil, true, nil
		}
	}
	raw := m.Endpoint.ValueString()
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		diags.AddAttributeError(at.AtName("endpoint"), "Missing S3 endpoint",
			fmt.Sprintf(`The %s block needs endpoint = "http://host:port" (or https://).`, label))
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "":
		diags.AddAttributeError(at.AtName("endpoint"), "Invalid S3 endpoint",
			fmt.Sprintf(`The %s endpoint %q is not a server URL: write it as http://host:port or https://host:port, without a path.`, label, raw))
	default:
		u.Path = ""
	}
	e := &Endpoint{label: label, u: u, accessKey: m.AccessKey.ValueString(), secretKey: m.SecretKey.ValueString(), region: m.Region.ValueString()}
	if e.accessKey == "" && env {
		e.accessKey = os.Getenv("AWS_ACCESS_KEY_ID")
	}
	if e.secretKey == "" && env {
		e.secretKey = os.Getenv("AWS_SECRET_ACCESS_KEY")
	}
	for _, k := range []struct{ attr, value, env string }{
		{"access_key", e.accessKey, "AWS_ACCESS_KEY_ID"},
		{"secret_key", e.secretKey, "AWS_SECRET_ACCESS_KEY"},
	} {
		if k.value != "" {
			continue
		}
		detail := fmt.Sprintf("The %s block needs %s.", label, k.attr)
		if env {
			detail = fmt.Sprintf("The %s block needs %s, or the environment variable %s.", label, k.attr, k.env)
		}
		diags.AddAttributeError(at.AtName(k.attr), "Missing S3 "+k.attr, detail)
	}
	if diags.HasError() {
		return nil, false, diags
	}
	return e, false, diags
}
