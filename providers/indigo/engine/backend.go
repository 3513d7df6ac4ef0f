package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/local"
	"github.com/indigo-cloud/indigo/state/pg"
	"github.com/indigo-cloud/indigo/state/s3"
)

// BlockBackend is the provider block that says where the indigo state of
// each indigo_deployment and indigo_storage lives.
const BlockBackend = "backend"

// DefaultStateDir is where the local backend keeps states when the
// provider has no backend block: relative to Terraform's working directory.
const DefaultStateDir = ".indigo-state"

// stateSuffix ends the name (file, object key) of each object's state.
const stateSuffix = ".indigo.state"

// ProviderBlocks returns the provider configuration blocks of the engine
// room.
func ProviderBlocks() map[string]schema.Block {
	return map[string]schema.Block{
		BlockBackend: schema.SingleNestedBlock{
			Description: "Where the indigo state of each indigo_deployment and indigo_storage lives, one state per object, named by its id; " +
				"never in the Terraform state. Without this block: the local backend in " + DefaultStateDir + " under the working directory.",
			Attributes: map[string]schema.Attribute{
				"type": schema.StringAttribute{Optional: true, Description: `"local" (default), "pg" (PostgreSQL) or "s3".`},
				"path": schema.StringAttribute{Optional: true, Description: "local: the directory of the state files (ID" + stateSuffix + "). Default: " + DefaultStateDir + "."},
				"conn_str": schema.StringAttribute{Optional: true, Sensitive: true,
					Description: "pg: the PostgreSQL connection string. Default: the environment variable PG_CONN_STR. Each object's state is the workspace named by its id."},
				"schema_name": schema.StringAttribute{Optional: true, Description: "pg: the schema holding indigo's tables."},
				"bucket":      schema.StringAttribute{Optional: true, Description: "s3: the bucket holding the states (required for s3)."},
				"prefix":      schema.StringAttribute{Optional: true, Description: "s3: the key prefix of the states (each is PREFIX + ID" + stateSuffix + ")."},
				"endpoint":    schema.StringAttribute{Optional: true, Description: "s3: the server's URL. Default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, then AWS."},
				"region":      schema.StringAttribute{Optional: true, Description: "s3: the bucket's region."},
				"access_key":  schema.StringAttribute{Optional: true, Sensitive: true, Description: "s3: the access key. Default: AWS_ACCESS_KEY_ID."},
				"secret_key":  schema.StringAttribute{Optional: true, Sensitive: true, Description: "s3: the secret key. Default: AWS_SECRET_ACCESS_KEY."},
			},
		},
	}
}

type backendModel struct {
	Type       types.String `tfsdk:"type"`
	Path       types.String `tfsdk:"path"`
	ConnStr    types.String `tfsdk:"conn_str"`
	SchemaName types.String `tfsdk:"schema_name"`
	Bucket     types.String `tfsdk:"bucket"`
	Prefix     types.String `tfsdk:"prefix"`
	Endpoint   types.String `tfsdk:"endpoint"`
	Region     types.String `tfsdk:"region"`
	AccessKey  types.String `tfsdk:"access_key"`
	SecretKey  types.String `tfsdk:"secret_key"`
}

// Site is what the provider configuration gives the engine room's
// resources: where states live, and the directory runs start in.
type Site struct {
	kind     string // local, pg, s3
	dir      string // local
	pg       pg.Config
	s3       s3.Config
	s3Prefix string
	unknown  bool
	workDir  string
}

// siteHolder is what the resources expect the provider data to be.
type siteHolder interface{ EngineSite() *Site }

func siteOf(data any) *Site {
	if h, ok := data.(siteHolder); ok {
		return h.EngineSite()
	}
	return nil
}

// Configure reads the backend block. It does not connect: each run opens
// the state it needs.
func Configure(ctx context.Context, cfg tfsdk.Config) (*Site, diag.Diagnostics) {
	var diags diag.Diagnostics
	var b *backendModel
	diags.Append(cfg.GetAttribute(ctx, path.Root(BlockBackend), &b)...)
	if diags.HasError() {
		return nil, diags
	}
	s := &Site{kind: "local", workDir: workingDir()}
	s.dir = filepath.Join(s.workDir, DefaultStateDir)
	if b == nil {
		return s, diags
	}
	for _, v := range []types.String{b.Type, b.Path, b.ConnStr, b.SchemaName, b.Bucket, b.Prefix, b.Endpoint, b.Region, b.AccessKey, b.SecretKey} {
		if v.IsUnknown() {
			s.unknown = true
			return s, diags
		}
	}
	at := path.Root(BlockBackend)
	or := func(v types.String, env ...string) string {
		if v.ValueString() != "" {
			return v.ValueString()
		}
		for _, e := range env {
			if x := os.Getenv(e); x != "" {
				return x
			}
		}
		return ""
	}
	if t := b.Type.ValueString(); t != "" {
		s.kind = t
	}
	switch s.kind {
	case "local":
		if p := b.Path.ValueString(); p != "" {
			s.dir = absPath(p)
		}
	case "pg":
		s.pg = pg.Config{ConnString: or(b.ConnStr, "PG_CONN_STR"), Schema: b.SchemaName.ValueString()}
		if s.pg.ConnString == "" {
			diags.AddAttributeError(at.AtName("conn_str"), "PostgreSQL backend without a connection string",
				"Set conn_str in the backend block or the PG_CONN_STR environment variable, e.g. postgres://user:pass@db.example:5432/indigo.")
		}
	case "s3":
		s.s3 = s3.Config{Bucket: b.Bucket.ValueString(), Endpoint: or(b.Endpoint, "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"),
			Region: or(b.Region, "AWS_REGION", "AWS_DEFAULT_REGION"), AccessKey: or(b.AccessKey, "AWS_ACCESS_KEY_ID"),
			SecretKey: or(b.SecretKey, "AWS_SECRET_ACCESS_KEY"), SessionToken: os.Getenv("AWS_SESSION_TOKEN")}
		s.s3Prefix = b.Prefix.ValueString()
		if s.s3.Bucket == "" {
			diags.AddAttributeError(at.AtName("bucket"), "S3 backend without a bucket", `Set bucket = "NAME" in the backend block: the bucket that holds the indigo states.`)
		}
	default:
		diags.AddAttributeError(at.AtName("type"), "Unsupported backend",
			fmt.Sprintf("indigo has no %q backend; the backends are \"local\" (files in a directory), \"pg\" (PostgreSQL) and \"s3\" (an S3 bucket).", s.kind))
	}
	return s, diags
}

// validID reports whether id can name a state in every backend: a file
// name, an object key part and a workspace name.
func validID(id string) bool {
	if id == "" || len(id) > 128 || strings.HasPrefix(id, ".") {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// backend opens the backend holding the state of the object with id.
func (s *Site) backend(ctx context.Context, id string) (state.Backend, error) {
	if s == nil {
		return nil, fmt.Errorf("the provider is not configured")
	}
	if s.unknown {
		return nil, fmt.Errorf("the provider's backend block depends on values not known until apply")
	}
	if !validID(id) {
		return nil, fmt.Errorf("%q cannot name an indigo state: use letters, digits, '-', '_' and '.', not first", id)
	}
	switch s.kind {
	case "pg":
		c := s.pg
		c.Workspace = id
		return pg.New(ctx, c)
	case "s3":
		c := s.s3
		c.Key = s.s3Prefix + id + stateSuffix
		return s3.New(ctx, c)
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the state directory: %w", err)
	}
	return local.New(filepath.Join(s.dir, id+stateSuffix)), nil
}

// where names the state of id for messages, without secrets.
func (s *Site) where(id string) string {
	switch s.kind {
	case "pg":
		return fmt.Sprintf("workspace %q of the pg backend", id)
	case "s3":
		return fmt.Sprintf("s3://%s/%s%s%s", s.s3.Bucket, s.s3Prefix, id, stateSuffix)
	}
	return filepath.Join(s.dir, id+stateSuffix)
}
