package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"

	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/encrypt"
	"github.com/indigo-cloud/indigo/state/local"
	"github.com/indigo-cloud/indigo/state/pg"
	"github.com/indigo-cloud/indigo/state/s3"
)

// backendConfig is a state backend as configured: its type, the settings
// that say where the state is, and the secrets needed to reach it. The
// settings (never the secrets) are recorded in the working directory by
// init, so that a later run can tell that the backend changed.
type backendConfig struct {
	Type string `json:"type"`
	// Settings are the backend's arguments that locate the state, with
	// defaults filled in and secrets left out (a PostgreSQL connection
	// string without its password).
	Settings map[string]string `json:"settings"`

	secrets      backendSecrets
	createBucket bool
	// workspace is the selected workspace (indigo workspace select,
	// TF_WORKSPACE); "" or "default" for the default one. It is not part
	// of the recorded settings: every workspace shares the backend.
	workspace string
	// overrides are the -backend-config settings that are not secrets,
	// recorded so that later runs configure the backend the same way.
	overrides map[string]string
	// enc seals the state at rest (the encryption block's state target);
	// nil keeps it in clear.
	enc *encrypt.Target
}

// backendSecrets are what a backend needs and the record must not hold.
type backendSecrets struct {
	connStr                            string // pg: the whole connection string
	accessKey, secretKey, sessionToken string // s3
}

// sameAs reports whether c and o locate the same state.
func (c *backendConfig) sameAs(o *backendConfig) bool {
	return c.Type == o.Type && maps.Equal(c.Settings, o.Settings)
}

// String describes the backend for messages, without secrets.
func (c *backendConfig) String() string {
	s := c.Settings
	switch c.Type {
	case "local":
		return fmt.Sprintf("the local backend (%s)", s["path"])
	case "pg":
		where := fmt.Sprintf("workspace %q at %s", s["workspace"], s["conn_str"])
		if s["schema_name"] != "" {
			where += fmt.Sprintf(", schema %q", s["schema_name"])
		}
		return "the pg backend (" + where + ")"
	case "s3":
		return fmt.Sprintf("the s3 backend (s3://%s/%s at %s)", s["bucket"], s["key"], s["endpoint"])
	}
	return "the " + c.Type + " backend"
}

// defaultLocal is the backend of a configuration that names none.
func defaultLocal() *backendConfig {
	return &backendConfig{Type: "local", Settings: map[string]string{"path": DefaultStatePath}}
}

// backendConfig decodes the configuration's backend block (the local
// default when there is none), filling in defaults and secrets from the
// environment. Problems are printed as diagnostics.
func (w *workspace) backendConfig() (*backendConfig, error) {
	c, err := w.decodeBackend()
	if err != nil {
		return nil, err
	}
	ws, err := currentWorkspace(w.dir)
	if err != nil {
		return nil, &exitError{code: 1, msg: err.Error()}
	}
	c.workspace = ws
	if c.enc, err = w.stateEncryption(); err != nil {
		return nil, err
	}
	return c, nil
}

func (w *workspace) decodeBackend() (*backendConfig, error) {
	b := w.res.Config.Module.Settings.Backend
	overrides, secretOverrides, err := w.backendOverrides()
	if err != nil {
		return nil, err
	}
	if b == nil {
		if len(overrides)+len(secretOverrides) > 0 {
			return nil, &exitError{code: 1, msg: "-backend-config was given, but the configuration has no backend block: add one (e.g. terraform { backend \"s3\" {} }) for the settings to complete"}
		}
		return defaultLocal(), nil
	}
	fail := func(diags hcl.Diagnostics) (*backendConfig, error) {
		w.diags(diags)
		return nil, exitCode(1)
	}
	// override sets the -backend-config values over the block's.
	override := func(fields map[string]**string) error {
		for _, kv := range []map[string]string{overrides, secretOverrides} {
			for k, v := range kv {
				p, ok := fields[k]
				if !ok {
					if k == "create_bucket" && b.Type == "s3" {
						continue
					}
					fmt.Fprintf(w.a.stderr, "Warning: -backend-config sets %q, which indigo's %s backend does not use; it has no effect.\n", k, b.Type)
					continue
				}
				*p = &v
			}
		}
		return nil
	}
	// ignored warns about the arguments a backend does not use (Terraform
	// configurations carry some, such as dynamodb_table): they are
	// accepted, and said to have no effect.
	ignored := func(rest hcl.Body) {
		attrs, _ := rest.JustAttributes()
		var warns hcl.Diagnostics
		for _, name := range slices.Sorted(maps.Keys(attrs)) {
			warns = append(warns, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Backend argument ignored",
				Detail:  fmt.Sprintf("indigo's %s backend does not use %q; it has no effect. Remove it, or keep it if Terraform still reads this configuration.", b.Type, name),
				Subject: attrs[name].NameRange.Ptr()})
		}
		if len(warns) > 0 {
			w.warnings(warns)
		}
	}
	switch b.Type {
	case "local":
		var cfg struct {
			Path   *string  `hcl:"path,optional"`
			Remain hcl.Body `hcl:",remain"`
		}
		if diags := gohcl.DecodeBody(b.Config, nil, &cfg); diags.HasErrors() {
			return fail(diags)
		}
		ignored(cfg.Remain)
		_ = override(map[string]**string{"path": &cfg.Path})
		c := defaultLocal()
		c.overrides = overrides
		if cfg.Path != nil {
			c.Settings["path"] = filepath.Clean(*cfg.Path)
		}
		return c, nil
	case "pg":
		var cfg struct {
			ConnStr   *string  `hcl:"conn_str,optional"`
			Workspace *string  `hcl:"workspace,optional"`
			Schema    *string  `hcl:"schema_name,optional"`
			Remain    hcl.Body `hcl:",remain"`
		}
		if diags := gohcl.DecodeBody(b.Config, nil, &cfg); diags.HasErrors() {
			return fail(diags)
		}
		ignored(cfg.Remain)
		_ = override(map[string]**string{"conn_str": &cfg.ConnStr, "workspace": &cfg.Workspace, "schema_name": &cfg.Schema})
		conn := firstSet(cfg.ConnStr, os.Getenv("PG_CONN_STR"))
		if conn == "" {
			return fail(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "PostgreSQL backend without a connection string", Detail: "Set conn_str in the backend block or the PG_CONN_STR environment variable, e.g. postgres://user:pass@db.example:5432/indigo.", Subject: b.DeclRange.Ptr()}})
		}
		c := &backendConfig{Type: "pg", Settings: map[string]string{
			"conn_str":  redactConnString(conn),
			"workspace": firstSet(cfg.Workspace, "default"),
		}, secrets: backendSecrets{connStr: conn}, overrides: overrides}
		if cfg.Schema != nil && *cfg.Schema != "" {
			c.Settings["schema_name"] = *cfg.Schema
		}
		return c, nil
	case "s3":
		var cfg struct {
			Bucket       *string            `hcl:"bucket,optional"`
			WSPrefix     *string            `hcl:"workspace_key_prefix,optional"`
			Key          *string            `hcl:"key,optional"`
			Endpoint     *string            `hcl:"endpoint,optional"`
			Endpoints    *map[string]string `hcl:"endpoints,optional"`
			Region       *string            `hcl:"region,optional"`
			AccessKey    *string            `hcl:"access_key,optional"`
			SecretKey    *string            `hcl:"secret_key,optional"`
			Token        *string            `hcl:"token,optional"`
			CreateBucket *bool              `hcl:"create_bucket,optional"`
			Remain       hcl.Body           `hcl:",remain"`
		}
		if diags := gohcl.DecodeBody(b.Config, nil, &cfg); diags.HasErrors() {
			return fail(diags)
		}
		ignored(cfg.Remain)
		_ = override(map[string]**string{"bucket": &cfg.Bucket, "key": &cfg.Key, "endpoint": &cfg.Endpoint, "region": &cfg.Region,
			"access_key": &cfg.AccessKey, "secret_key": &cfg.SecretKey, "token": &cfg.Token, "workspace_key_prefix": &cfg.WSPrefix})
		if v, ok := firstOverride("create_bucket", overrides, secretOverrides); ok {
			t := v == "true"
			cfg.CreateBucket = &t
		}
		if cfg.Endpoints != nil && cfg.Endpoint == nil {
			// Terraform 1.6 and later: endpoints = { s3 = "..." }.
			if ep := (*cfg.Endpoints)["s3"]; ep != "" {
				cfg.Endpoint = &ep
			}
		}
		if firstSet(cfg.Bucket) == "" {
			return fail(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "S3 backend without a bucket",
				Detail: "Set bucket in the backend block, or give it to init with -backend-config=bucket=NAME.", Subject: b.DeclRange.Ptr()}})
		}
		c := &backendConfig{Type: "s3", overrides: overrides, Settings: map[string]string{
			"bucket":   *cfg.Bucket,
			"key":      firstSet(cfg.Key, s3.DefaultKey),
			"endpoint": firstSet(cfg.Endpoint, os.Getenv("AWS_ENDPOINT_URL_S3"), os.Getenv("AWS_ENDPOINT_URL"), s3.DefaultEndpoint),
			"region":   firstSet(cfg.Region, os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"), s3.DefaultRegion),
		}, secrets: s3SecretsFromEnv()}
		if cfg.AccessKey != nil {
			c.secrets.accessKey = *cfg.AccessKey
		}
		if cfg.SecretKey != nil {
			c.secrets.secretKey = *cfg.SecretKey
		}
		if cfg.Token != nil {
			c.secrets.sessionToken = *cfg.Token
		}
		c.createBucket = cfg.CreateBucket != nil && *cfg.CreateBucket
		if cfg.WSPrefix != nil {
			c.Settings["workspace_key_prefix"] = *cfg.WSPrefix
		}
		return c, nil
	}
	return fail(hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Unsupported backend",
		Detail:   fmt.Sprintf("indigo has no %q backend; the backends are \"local\" (the default, a file), \"pg\" (PostgreSQL) and \"s3\" (an S3 bucket). Change the backend block.", b.Type),
		Subject:  b.TypeRange.Ptr(),
	}})
}

func s3SecretsFromEnv() backendSecrets {
	return backendSecrets{
		accessKey:    os.Getenv("AWS_ACCESS_KEY_ID"),
		secretKey:    os.Getenv("AWS_SECRET_ACCESS_KEY"),
		sessionToken: os.Getenv("AWS_SESSION_TOKEN"),
	}
}

// firstSet returns the value of p when it is set, else the first
// non-empty fallback.
func firstSet(p *string, fallbacks ...string) string {
	if p != nil && *p != "" {
		return *p
	}
	for _, f := range fallbacks {
		if f != "" {
			return f
		}
	}
	return ""
}

// openBackend connects to the backend c describes; dir is the working
// directory relative paths are in.
func openBackend(ctx context.Context, dir string, c *backendConfig) (state.Backend, error) {
	b, err := openBackendOf(ctx, dir, c)
	if err == nil {
		setEncryption(b, c.enc)
	}
	return b, err
}

func openBackendOf(ctx context.Context, dir string, c *backendConfig) (state.Backend, error) {
	// Connecting is bounded like every other backend call.
	ctx, cancel := withBackendTimeout(ctx)
	defer cancel()
	switch c.Type {
	case "local":
		path := c.Settings["path"]
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		return local.New(localWorkspacePath(path, c.workspace)), nil
	case "pg":
		conn := c.secrets.connStr
		if conn == "" {
			// A recorded backend: the password, if any, comes from
			// PGPASSWORD or ~/.pgpass.
			conn = c.Settings["conn_str"]
		}
		b, err := pg.New(ctx, pg.Config{ConnString: conn, Workspace: pgWorkspace(c), Schema: c.Settings["schema_name"]})
		if err != nil {
			return nil, &exitError{code: 1, msg: fmt.Sprintf("connecting to %s: %s\n%s", c, err, unreachedHint)}
		}
		return b, nil
	case "s3":
		b, err := s3.New(ctx, s3.Config{
			Bucket:       c.Settings["bucket"],
			Key:          s3WorkspaceKey(c),
			Endpoint:     c.Settings["endpoint"],
			Region:       c.Settings["region"],
			AccessKey:    c.secrets.accessKey,
			SecretKey:    c.secrets.secretKey,
			SessionToken: c.secrets.sessionToken,
			CreateBucket: c.createBucket,
		})
		if err != nil {
			return nil, &exitError{code: 1, msg: err.Error() + "\n" + unreachedHint}
		}
		return b, nil
	}
	return nil, &exitError{code: 1, msg: fmt.Sprintf("indigo has no %q backend", c.Type)}
}

// closeBackend releases what a backend holds open (a database connection).
func closeBackend(ctx context.Context, b state.Backend) {
	if c, ok := b.(interface{ Close(context.Context) error }); ok {
		_ = c.Close(ctx)
	}
}

// backend returns the state backend the configuration names (indigo {
// backend "TYPE" { ... } }), or the local default, without checking it
// against the record init keeps.
func (w *workspace) backend() (state.Backend, error) {
	c, err := w.backendConfig()
	if err != nil {
		return nil, err
	}
	return openBackend(context.Background(), w.dir, c)
}

// checkedBackend is backend for runs that read or write the state: it
// refuses when the backend is not the one init recorded (the state is
// elsewhere), or when a backend other than local was never initialized.
func (w *workspace) checkedBackend(ctx context.Context) (state.Backend, error) {
	c, err := w.backendConfig()
	if err != nil {
		return nil, err
	}
	rec, err := readBackendRecord(w.dir)
	if err != nil {
		return nil, &exitError{code: 1, msg: err.Error()}
	}
	switch {
	case rec == nil && c.Type != "local":
		return nil, &exitError{code: 1, msg: fmt.Sprintf("Backend initialization required: the configuration keeps the state in %s, which indigo init has not set up in this directory. Run indigo init (with -migrate-state to move a state you already have into it).", c)}
	case rec != nil && !rec.sameAs(c):
		return nil, &exitError{code: 1, msg: changedMessage(rec, c)}
	}
	return openBackend(ctx, w.dir, c)
}

func changedMessage(from, to *backendConfig) string {
	return fmt.Sprintf("The backend changed: indigo init set up %s (recorded in %s), and the configuration now names %s. "+
		"Run indigo init -migrate-state to copy the state to the new backend, or indigo init -reconfigure to use the new backend as it is, with whatever state it holds.",
		from, backendRecordPath, to)
}

// backendRecordPath is where init records the backend, relative to the
// working directory (Terraform's is .terraform/terraform.tfstate), unless
// TF_DATA_DIR moves the data directory.
const backendRecordPath = ".indigo/backend.json"

// backendRecordFile is the record's path for the working directory dir.
func backendRecordFile(dir string) string {
	return filepath.Join(dataDir(dir), "backend.json")
}

// backendRecord is the file's content.
type backendRecord struct {
	FormatVersion int `json:"format_version"`
	backendConfig
	// BackendConfig are the -backend-config settings init was given, but
	// for secrets.
	BackendConfig map[string]string `json:"backend_config,omitempty"`
	// TerraformState records the choice made about a Terraform state
	// found beside the configuration (takeover.go): "migrated" or
	// "ignored", with its lineage.
	TerraformState *terraformChoice `json:"terraform_state,omitempty"`
}

// readBackendRecord reads the recorded backend; nil when there is none.
func readBackendRecord(dir string) (*backendConfig, error) {
	r, err := readRecord(dir)
	if r == nil || err != nil {
		return nil, err
	}
	c := r.backendConfig
	c.overrides = r.BackendConfig
	return &c, nil
}

// readRecord reads the whole record; nil when there is none.
func readRecord(dir string) (*backendRecord, error) {
	path := backendRecordFile(dir)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the recorded backend: %w", err)
	}
	var r backendRecord
	if err := json.Unmarshal(data, &r); err != nil || r.Type == "" {
		return nil, fmt.Errorf("%s is damaged (%v); run indigo init -reconfigure to record the configured backend again", path, err)
	}
	if r.FormatVersion != 1 {
		return nil, fmt.Errorf("%s has format version %d, which this indigo does not read; run a newer indigo", path, r.FormatVersion)
	}
	if r.Settings == nil {
		r.Settings = map[string]string{}
	}
	return &r, nil
}

// writeBackendRecord records c, without its secrets, atomically.
func writeBackendRecord(dir string, c *backendConfig) error {
	path := backendRecordFile(dir)
	prev, _ := readRecord(dir)
	rec := backendRecord{FormatVersion: 1, backendConfig: *c, BackendConfig: c.overrides}
	if prev != nil && prev.sameAs(c) {
		// The choice about a Terraform state holds for this backend only.
		rec.TerraformState = prev.TerraformState
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("recording the backend: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("recording the backend: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("recording the backend: %w", err)
	}
	return nil
}

// redactConnString returns a PostgreSQL connection string (a URL or
// key=value pairs) without its password; "" when it cannot be read.
func redactConnString(s string) string {
	if strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") {
		u, err := url.Parse(s)
		if err != nil {
			return ""
		}
		if u.User != nil {
			u.User = url.User(u.User.Username())
		}
		if q := u.Query(); q.Has("password") {
			q.Del("password")
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	var out []string
	rest := strings.TrimSpace(s)
	for rest != "" {
		eq := strings.IndexByte(rest, '=')
		if eq < 0 {
			return ""
		}
		key := strings.TrimSpace(rest[:eq])
		rest = strings.TrimLeft(rest[eq+1:], " \t\n\r")
		end := 0
		if strings.HasPrefix(rest, "'") {
			end = 1
			for end < len(rest) && rest[end] != '\'' {
				if rest[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(rest) {
				return ""
			}
			end++
		} else {
			for end < len(rest) && !strings.ContainsRune(" \t\n\r", rune(rest[end])) {
				end++
			}
		}
		if key != "password" {
			out = append(out, key+"="+rest[:end])
		}
		rest = strings.TrimLeft(rest[end:], " \t\n\r")
	}
	return strings.Join(out, " ")
}
