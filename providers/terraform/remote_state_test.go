package terraform

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/local"
	"github.com/indigo-cloud/indigo/state/pg"
	"github.com/indigo-cloud/indigo/state/s3"
)

// writeOutputs records outputs in the state in b as an apply does (through
// the journal, then the snapshot).
func writeOutputs(t *testing.T, b state.Backend, outs map[string]*state.Output) {
	t.Helper()
	ctx := context.Background()
	m, err := state.Open(ctx, b, state.OpenOptions{Operation: "apply"})
	if err != nil {
		t.Fatal(err)
	}
	for name, o := range outs {
		if err := m.SetOutput(ctx, name, o); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

var someOutputs = map[string]*state.Output{
	"cidr":  {Value: json.RawMessage(`"10.0.0.0/16"`), Type: json.RawMessage(`"string"`)},
	"zones": {Value: json.RawMessage(`["a","b"]`), Type: json.RawMessage(`["list","string"]`)},
	"token": {Value: json.RawMessage(`"s3cr3t"`), Type: json.RawMessage(`"string"`), Sensitive: true},
}

// checkOutputs reads through the data source's code and checks values,
// defaults and the sensitive names.
func checkOutputs(t *testing.T, backend string, settings map[string]string, workspace string) {
	t.Helper()
	st, ignored, err := readRemote(context.Background(), backend, settings, workspace)
	if err != nil {
		t.Fatalf("reading the %s state: %v", backend, err)
	}
	if len(ignored) > 0 {
		t.Errorf("ignored settings %v", ignored)
	}
	defaults := tftypes.NewValue(tftypes.Object{AttributeTypes: map[string]tftypes.Type{"cidr": tftypes.String, "region": tftypes.String}},
		map[string]tftypes.Value{"cidr": tftypes.NewValue(tftypes.String, "ignored"), "region": tftypes.NewValue(tftypes.String, "eu")})
	v, sensitive, err := outputsValue(st, defaults)
	if err != nil {
		t.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		t.Fatal(err)
	}
	str := func(name string) string {
		var s string
		if err := attrs[name].As(&s); err != nil {
			t.Fatalf("output %s: %v", name, err)
		}
		return s
	}
	if str("cidr") != "10.0.0.0/16" || str("token") != "s3cr3t" || str("region") != "eu" {
		t.Errorf("outputs: %v", v)
	}
	var zones []tftypes.Value
	if err := attrs["zones"].As(&zones); err != nil || len(zones) != 2 {
		t.Errorf("zones: %v (%v)", attrs["zones"], err)
	}
	if !slices.Equal(sensitive, []string{"token"}) {
		t.Errorf("sensitive outputs %v, want [token]", sensitive)
	}
}

// terraformState is a state in Terraform's format with someOutputs.
const terraformState = `{"version": 4, "terraform_version": "1.11.0", "serial": 3, "lineage": "9d7c1c1e-0000-4000-8000-000000000001",
  "outputs": {
    "cidr": {"value": "10.0.0.0/16", "type": "string"},
    "zones": {"value": ["a", "b"], "type": ["list", "string"]},
    "token": {"value": "s3cr3t", "type": "string", "sensitive": true}
  }, "resources": [], "check_results": null}`

func TestRemoteStateLocal(t *testing.T) {
	dir := t.TempDir()
	// indigo's format, the default workspace and another one.
	writeOutputs(t, local.New(filepath.Join(dir, "indigo.state")), someOutputs)
	checkOutputs(t, "local", map[string]string{"path": filepath.Join(dir, "indigo.state")}, "default")
	if err := os.MkdirAll(filepath.Join(dir, "indigo.state.d", "staging"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeOutputs(t, local.New(filepath.Join(dir, "indigo.state.d", "staging", "indigo.state")), someOutputs)
	checkOutputs(t, "local", map[string]string{"path": filepath.Join(dir, "indigo.state")}, "staging")
	// Terraform's format, as terraform and tofu write it, with workspace_dir.
	tf := terraformState
	if err := os.MkdirAll(filepath.Join(dir, "ws", "prod"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ws", "prod", "terraform.tfstate"), []byte(tf), 0o600); err != nil {
		t.Fatal(err)
	}
	checkOutputs(t, "local", map[string]string{"path": filepath.Join(dir, "terraform.tfstate"), "workspace_dir": filepath.Join(dir, "ws")}, "prod")

	// What goes wrong says what to do.
	_, _, err := readRemote(context.Background(), "local", map[string]string{"path": filepath.Join(dir, "none.tfstate")}, "default")
	if err == nil || !strings.Contains(err.Error(), "no state was found") || !strings.Contains(err.Error(), "none.tfstate") {
		t.Errorf("a missing state: %v", err)
	}
	_, _, err = readRemote(context.Background(), "consul", map[string]string{}, "default")
	if err == nil || !strings.Contains(err.Error(), `"consul" is not one`) {
		t.Errorf("an unsupported backend: %v", err)
	}
	_, ignored, err := readRemote(context.Background(), "local", map[string]string{"path": filepath.Join(dir, "indigo.state"), "lock": "true"}, "default")
	if err != nil || !slices.Equal(ignored, []string{"lock"}) {
		t.Errorf("a setting the backend does not use: ignored %v, %v", ignored, err)
	}
	// A damaged state is an error, not empty outputs.
	if err := os.WriteFile(filepath.Join(dir, "bad.state"), []byte(`{"format_version": 1, "seri`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readRemote(context.Background(), "local", map[string]string{"path": filepath.Join(dir, "bad.state")}, "default"); err == nil {
		t.Error("a truncated state was read without an error")
	}
}

func TestRemoteStatePg(t *testing.T) {
	conn := testsrv.Postgres(t)
	ctx := context.Background()
	b, err := pg.New(ctx, pg.Config{ConnString: conn, Workspace: "network", Schema: "remote_state_test"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)
	writeOutputs(t, b, someOutputs)
	checkOutputs(t, "pg", map[string]string{"conn_str": conn, "schema_name": "remote_state_test"}, "network")
	if _, _, err := readRemote(ctx, "pg", map[string]string{"conn_str": conn, "schema_name": "remote_state_test"}, "empty"); err == nil || !strings.Contains(err.Error(), "no state was found") {
		t.Errorf("a workspace with no state: %v", err)
	}
	// A state Terraform's pg backend keeps: table states of its schema.
	db, err := pgx.Connect(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	for _, q := range []string{
		`CREATE SCHEMA IF NOT EXISTS tf_remote`,
		`CREATE TABLE IF NOT EXISTS tf_remote.states (id bigserial PRIMARY KEY, name text UNIQUE, data text)`,
	} {
		if _, err := db.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(ctx, `INSERT INTO tf_remote.states (name, data) VALUES ('prod', $1) ON CONFLICT (name) DO UPDATE SET data = $1`, terraformState); err != nil {
		t.Fatal(err)
	}
	checkOutputs(t, "pg", map[string]string{"conn_str": conn, "schema_name": "tf_remote"}, "prod")
}

func TestRemoteStateS3(t *testing.T) {
	srv := testsrv.StartMinIO(t, testsrv.MinIOOptions{})
	ctx := context.Background()
	open := func(key string) state.Backend {
		b, err := s3.New(ctx, s3.Config{Bucket: "states", Key: key, Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, CreateBucket: true})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	writeOutputs(t, open("net/terraform.tfstate"), someOutputs)
	writeOutputs(t, open("states/dev/net/terraform.tfstate"), someOutputs)
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	checkOutputs(t, "s3", map[string]string{"bucket": "states", "key": "net/terraform.tfstate", "endpoints.s3": srv.Endpoint}, "default")
	checkOutputs(t, "s3", map[string]string{"bucket": "states", "key": "net/terraform.tfstate", "endpoint": srv.Endpoint, "workspace_key_prefix": "states"}, "dev")
	if _, _, err := readRemote(ctx, "s3", map[string]string{"bucket": "states", "key": "other", "endpoint": srv.Endpoint}, "default"); err == nil || !strings.Contains(err.Error(), "no state was found") {
		t.Errorf("a key with no state: %v", err)
	}
	// An object Terraform's s3 backend wrote.
	if _, err := srv.Client(t).PutObject(ctx, "states", "terraform/net.tfstate", strings.NewReader(terraformState), int64(len(terraformState)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	checkOutputs(t, "s3", map[string]string{"bucket": "states", "key": "terraform/net.tfstate", "endpoint": srv.Endpoint}, "default")
}
