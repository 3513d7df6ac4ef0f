package terraform

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/local"
	"github.com/indigo-cloud/indigo/state/pg"
	"github.com/indigo-cloud/indigo/state/s3"
)

// remoteState is the terraform_remote_state data source.
type remoteState struct{}

func newRemoteState() datasource.DataSource { return remoteState{} }

// SensitiveOutputsAttr lists, in a terraform_remote_state value, the
// outputs the other state marks sensitive. The plugin protocol cannot mark
// part of a value, so indigo's planner marks outputs.NAME for each name
// listed here (providers/plugin, Block.SensitiveKeys).
const SensitiveOutputsAttr = "sensitive_outputs"

// localDefault is where indigo's local backend keeps the state by default.
const localDefault = "indigo.state"

// backends are the backends terraform_remote_state reads.
var backends = []string{"local", "pg", "s3"}

func (remoteState) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_remote_state"
}

func (remoteState) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "The root outputs of another configuration's latest state, read from its backend.",
		Attributes: map[string]schema.Attribute{
			"backend": schema.StringAttribute{
				Required:    true,
				Description: `The backend that holds the state: "local", "pg" or "s3".`,
				Validators:  []validator.String{oneOfBackends{}},
			},
			"config": schema.DynamicAttribute{
				Optional:    true,
				Description: "The backend's settings, as in a backend block: path (default terraform.tfstate, or indigo.state when only that exists) and workspace_dir for local; conn_str and schema_name for pg; bucket, key, region, endpoint (or endpoints.s3), access_key, secret_key, token and workspace_key_prefix for s3.",
			},
			"workspace": schema.StringAttribute{
				Optional:    true,
				Description: `The workspace whose state is read. Default "default".`,
			},
			"defaults": schema.DynamicAttribute{
				Optional:    true,
				Description: "An object of values for outputs the state does not have.",
			},
			"outputs": schema.DynamicAttribute{
				Computed:    true,
				Description: "The state's root outputs, as an object, with defaults for the missing ones.",
			},
			SensitiveOutputsAttr: schema.ListAttribute{
				Computed:    true,
				ElementType: types.StringType,
				Description: "The names of the outputs the state marks sensitive; indigo marks them sensitive in outputs.",
			},
		},
	}
}

// oneOfBackends refuses a backend terraform_remote_state cannot read.
type oneOfBackends struct{}

func (oneOfBackends) Description(context.Context) string {
	return `one of "local", "pg" or "s3"`
}

func (v oneOfBackends) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (oneOfBackends) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if b := req.ConfigValue.ValueString(); !slices.Contains(backends, b) {
		resp.Diagnostics.AddAttributeError(req.Path, "Unsupported backend",
			fmt.Sprintf("indigo reads remote states from the local, pg and s3 backends; %q is not one. Move that state to one of them (indigo state pull, then push), or read its outputs another way.", b))
	}
}

func (remoteState) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var attrs map[string]tftypes.Value
	if err := req.Config.Raw.As(&attrs); err != nil {
		resp.Diagnostics.AddError("Unexpected terraform_remote_state configuration", err.Error())
		return
	}
	var backend string
	if err := attrs["backend"].As(&backend); err != nil {
		resp.Diagnostics.AddError("Unexpected terraform_remote_state configuration", err.Error())
		return
	}
	workspace := "default"
	if v := attrs["workspace"]; !v.IsNull() {
		_ = v.As(&workspace)
	}
	settings := map[string]string{}
	if err := flatten(attrs["config"], "", settings); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("config"), "Invalid backend settings", err.Error())
		return
	}
	rs, ignored, err := readRemote(ctx, backend, settings, workspace)
	for _, name := range ignored {
		resp.Diagnostics.AddAttributeWarning(path.Root("config"), "Backend setting ignored",
			fmt.Sprintf("indigo's %s backend does not use %q to read a state; it has no effect.", backend, name))
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to read the remote state", err.Error())
		return
	}
	outputs, sensitive, err := outputsValue(rs, attrs["defaults"])
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("defaults"), "Unable to read the remote state's outputs", err.Error())
		return
	}
	names := make([]tftypes.Value, len(sensitive))
	for i, n := range sensitive {
		names[i] = tftypes.NewValue(tftypes.String, n)
	}
	attrs["outputs"] = outputs
	attrs[SensitiveOutputsAttr] = tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, names)
	if v := attrs["workspace"]; v.IsNull() {
		attrs["workspace"] = tftypes.NewValue(tftypes.String, workspace)
	}
	resp.State.Raw = tftypes.NewValue(req.Config.Raw.Type(), attrs)
}

// flatten turns the config object into backend settings: strings, numbers
// and bools as text, nested objects (endpoints = { s3 = ... }) as
// "endpoints.s3".
func flatten(v tftypes.Value, prefix string, out map[string]string) error {
	if v.IsNull() {
		return nil
	}
	if !v.IsFullyKnown() {
		return errors.New("the settings are not known yet")
	}
	switch {
	case v.Type().Is(tftypes.String):
		var s string
		_ = v.As(&s)
		out[prefix] = s
	case v.Type().Is(tftypes.Bool):
		var b bool
		_ = v.As(&b)
		out[prefix] = fmt.Sprint(b)
	case v.Type().Is(tftypes.Number):
		var n big.Float
		_ = v.As(&n)
		out[prefix] = n.Text('f', -1)
	case v.Type().Is(tftypes.Object{}) || v.Type().Is(tftypes.Map{}):
		var m map[string]tftypes.Value
		if err := v.As(&m); err != nil {
			return err
		}
		for k, e := range m {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			if err := flatten(e, key, out); err != nil {
				return err
			}
		}
	default:
		if prefix == "" {
			return errors.New("config must be an object of settings, as in a backend block")
		}
		return fmt.Errorf("%s must be a string, number or bool", prefix)
	}
	return nil
}

// readRemote reads the latest state of workspace from the backend the
// settings describe. ignored lists the settings it does not use.
func readRemote(ctx context.Context, backend string, settings map[string]string, workspace string) (st *state.State, ignored []string, err error) {
	take := func(name string) string {
		v := settings[name]
		delete(settings, name)
		return v
	}
	defer func() { ignored = slices.Sorted(maps.Keys(settings)) }()
	def := workspace == "" || workspace == "default"
	switch backend {
	case "local":
		p := take("path")
		if p == "" {
			// Terraform's default, or indigo's when only that exists.
			p = "terraform.tfstate"
			if _, err := os.Stat(p); err != nil {
				if _, err := os.Stat(localDefault); err == nil {
					p = localDefault
				}
			}
		}
		if !def {
			dir := take("workspace_dir")
			if dir == "" {
				dir = p + ".d"
			}
			p = filepath.Join(dir, workspace, filepath.Base(p))
		}
		delete(settings, "workspace_dir")
		st, err := readLocal(ctx, p)
		return st, nil, err
	case "pg":
		conn := take("conn_str")
		if conn == "" {
			conn = os.Getenv("PG_CONN_STR")
		}
		if conn == "" {
			return nil, nil, errors.New("the pg backend needs conn_str in config (or PG_CONN_STR in the environment)")
		}
		row := take("workspace")
		if !def || row == "" {
			row = workspace
		}
		schema := take("schema_name")
		// Terraform's pg backend keeps its states in a table of its own:
		// read that first (it only reads; indigo's would register the
		// workspace).
		if data, found, err := pg.ReadTerraformState(ctx, conn, schema, row); err != nil {
			return nil, nil, err
		} else if found {
			st, err := state.Import(fmt.Sprintf("Terraform's state %q in PostgreSQL", row), data)
			return st, nil, err
		}
		b, err := pg.New(ctx, pg.Config{ConnString: conn, Workspace: row, Schema: schema})
		if err != nil {
			return nil, nil, err
		}
		defer b.Close(context.WithoutCancel(ctx))
		st, err := readBackend(ctx, b, fmt.Sprintf("workspace %q of the pg backend", row))
		return st, nil, err
	case "s3":
		bucket, key := take("bucket"), take("key")
		if bucket == "" {
			return nil, nil, errors.New("the s3 backend needs bucket in config")
		}
		if key == "" {
			key = s3.DefaultKey
		}
		if prefix := strings.TrimSuffix(take("workspace_key_prefix"), "/"); !def {
			if prefix == "" {
				prefix = "env:"
			}
			key = prefix + "/" + workspace + "/" + key
		}
		endpoint := firstOf(take("endpoint"), take("endpoints.s3"), os.Getenv("AWS_ENDPOINT_URL_S3"), os.Getenv("AWS_ENDPOINT_URL"), s3.DefaultEndpoint)
		b, err := s3.New(ctx, s3.Config{
			Bucket:       bucket,
			Key:          key,
			Endpoint:     endpoint,
			Region:       firstOf(take("region"), os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"), s3.DefaultRegion),
			AccessKey:    firstOf(take("access_key"), os.Getenv("AWS_ACCESS_KEY_ID")),
			SecretKey:    firstOf(take("secret_key"), os.Getenv("AWS_SECRET_ACCESS_KEY")),
			SessionToken: firstOf(take("token"), os.Getenv("AWS_SESSION_TOKEN")),
		})
		if err != nil {
			return nil, nil, err
		}
		where := fmt.Sprintf("s3://%s/%s at %s", bucket, key, endpoint)
		// An object Terraform or OpenTofu wrote is read as it is.
		if data, found, err := b.ReadRaw(ctx); err != nil {
			return nil, nil, err
		} else if found && isTerraformFormat(data) {
			st, err := state.Import(where, data)
			return st, nil, err
		}
		st, err := readBackend(ctx, b, where)
		return st, nil, err
	}
	return nil, nil, fmt.Errorf("indigo reads remote states from the local, pg and s3 backends; %q is not one", backend)
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// readLocal reads a local state file: Terraform's format (version 4), or
// indigo's snapshot with its journal.
func readLocal(ctx context.Context, p string) (*state.State, error) {
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no state was found at %s (for this workspace): apply that configuration first, or correct path and workspace", p)
	}
	if err != nil {
		return nil, err
	}
	if isTerraformFormat(data) {
		return state.Import(p, data)
	}
	return readBackend(ctx, local.New(p), p)
}

// isTerraformFormat reports whether data is a state in Terraform's format
// (version 4), not indigo's (format_version).
func isTerraformFormat(data []byte) bool {
	var probe struct {
		FormatVersion *int `json:"format_version"`
		Version       *int `json:"version"`
	}
	return json.Unmarshal(data, &probe) == nil && probe.FormatVersion == nil && probe.Version != nil
}

// readBackend reads the state in b without taking its lock, the journal of
// a run in progress (or one that died) replayed over the snapshot.
func readBackend(ctx context.Context, b state.Backend, where string) (*state.State, error) {
	m, err := state.Open(ctx, b, state.OpenOptions{ReadOnly: true, Operation: "read remote state"})
	if err != nil {
		return nil, err
	}
	defer m.Close(context.WithoutCancel(ctx))
	if !m.Found() {
		return nil, fmt.Errorf("no state was found in %s: apply that configuration first, or correct the settings and workspace", where)
	}
	return m.State(), nil
}

// outputsValue is the outputs object of st with defaults for the outputs it
// lacks, and the sorted names of its sensitive outputs.
func outputsValue(st *state.State, defaults tftypes.Value) (tftypes.Value, []string, error) {
	types := map[string]tftypes.Type{}
	vals := map[string]tftypes.Value{}
	var sensitive []string
	for name, o := range st.Outputs {
		ty, err := tftypes.ParseJSONType(o.Type) //nolint:staticcheck // the type encoding state files use
		if err != nil {
			return tftypes.Value{}, nil, fmt.Errorf("output %q: reading its type: %w", name, err)
		}
		v, err := tftypes.ValueFromJSON(o.Value, ty) //nolint:staticcheck // the value encoding state files use
		if err != nil {
			return tftypes.Value{}, nil, fmt.Errorf("output %q: reading its value: %w", name, err)
		}
		types[name], vals[name] = ty, v
		if o.Sensitive {
			sensitive = append(sensitive, name)
		}
	}
	if !defaults.IsNull() {
		if !defaults.IsFullyKnown() {
			return tftypes.Value{}, nil, errors.New("defaults are not known yet")
		}
		if !defaults.Type().Is(tftypes.Object{}) && !defaults.Type().Is(tftypes.Map{}) {
			return tftypes.Value{}, nil, errors.New("defaults must be an object of output values")
		}
		var m map[string]tftypes.Value
		if err := defaults.As(&m); err != nil {
			return tftypes.Value{}, nil, err
		}
		for name, v := range m {
			if _, ok := vals[name]; !ok {
				types[name], vals[name] = v.Type(), v
			}
		}
	}
	sort.Strings(sensitive)
	return tftypes.NewValue(tftypes.Object{AttributeTypes: types}, vals), sensitive, nil
}
