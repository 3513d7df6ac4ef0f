package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// TestWorkspacesIsolate creates, selects, lists and deletes workspaces on
// the local, pg and s3 backends: each workspace's apply lands in its own
// state and leaves the others alone, and the configuration sees its name.
func TestWorkspacesIsolate(t *testing.T) {
	const cfg = `variable "who" {
  type    = string
  default = "world"
}

provider "indigo" {
  root = "site-${terraform.workspace}"
}

resource "indigo_file" "hello" {
  path    = "hello.txt"
  content = "hello, ${var.who} in ${terraform.workspace}\n"
}

resource "indigo_noop" "n" {
  input = indigo_file.hello.id
}
`
	backends := map[string]func(t *testing.T) (block string, env []string){
		"local": func(t *testing.T) (string, []string) { return "", nil },
		"pg": func(t *testing.T) (string, []string) {
			conn := testsrv.Postgres(t)
			return "terraform {\n  backend \"pg\" {\n    schema_name = \"ws\"\n  }\n}\n", []string{"PG_CONN_STR=" + conn}
		},
		"s3": func(t *testing.T) (string, []string) {
			srv := testsrv.StartMinIO(t, testsrv.MinIOOptions{})
			if err := srv.Client(t).MakeBucket(context.Background(), "tfstate", minio.MakeBucketOptions{}); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("terraform {\n  backend \"s3\" {\n    bucket   = \"tfstate\"\n    key      = \"app/terraform.tfstate\"\n    endpoint = %q\n  }\n}\n", srv.Endpoint),
				[]string{"AWS_ACCESS_KEY_ID=" + srv.AccessKey, "AWS_SECRET_ACCESS_KEY=" + srv.SecretKey}
		},
	}
	for _, name := range []string{"local", "pg", "s3"} {
		t.Run(name, func(t *testing.T) {
			block, env := backends[name](t)
			r := newCLIRun(t, map[string]string{"main.tf": cfg, "backend.tf": block}, env...)
			r.ok("init", "-input=false")
			r.ok("apply", "-auto-approve")
			if name != "local" {
				r.fails("name local state files", "plan", "-state=elsewhere.state")
			}
			r.ok("workspace", "new", "staging")
			if got := strings.TrimSpace(r.ok("workspace", "show")); got != "staging" {
				t.Fatalf("workspace show after new staging: %q", got)
			}
			if out := r.ok("state", "list"); strings.Contains(out, "indigo_file") {
				t.Fatalf("a new workspace has the default one's resources:\n%s", out)
			}
			out := r.ok("plan")
			if !strings.Contains(out, "Plan: 2 to add") {
				t.Fatalf("plan in the new workspace:\n%s", out)
			}
			r.ok("apply", "-auto-approve", "-var=who=stage")
			if got := r.file("site-staging/hello.txt"); got != "hello, stage in staging\n" {
				t.Errorf("terraform.workspace in staging: %q", got)
			}
			out = r.ok("workspace", "list")
			if !strings.Contains(out, "  default\n") || !strings.Contains(out, "* staging\n") {
				t.Errorf("workspace list:\n%s", out)
			}
			r.ok("workspace", "select", "default")
			if out := r.ok("plan", "-detailed-exitcode"); !strings.Contains(out, "No changes") {
				t.Errorf("the default workspace changed when staging applied:\n%s", out)
			}
			if got := r.file("site-default/hello.txt"); got != "hello, world in default\n" {
				t.Errorf("default workspace file: %q", got)
			}
			r.fails("does not exist", "workspace", "select", "prod")
			r.ok("workspace", "select", "-or-create", "prod")
			r.ok("workspace", "select", "default")
			r.fails("still manages 2 resource instances", "workspace", "delete", "staging")
			r.with("TF_WORKSPACE=staging").ok("destroy", "-auto-approve")
			if _, err := os.Stat(filepath.Join(r.dir, "site-staging/hello.txt")); err == nil {
				t.Error("destroy in TF_WORKSPACE=staging left its file")
			}
			r.ok("workspace", "delete", "staging")
			r.ok("workspace", "delete", "prod")
			out = r.ok("workspace", "list")
			if strings.Contains(out, "staging") || strings.Contains(out, "prod") {
				t.Errorf("workspace list after delete:\n%s", out)
			}
			if n := len(strings.Split(strings.TrimSpace(r.ok("state", "list")), "\n")); n != 2 {
				t.Errorf("the default workspace holds %d instances after the others were deleted, want 2", n)
			}
		})
	}
}

// TestMigrateEveryWorkspace: init -migrate-state after a backend change
// copies every workspace, each to the same workspace of the new backend.
func TestMigrateEveryWorkspace(t *testing.T) {
	cfg := strings.Replace(ciConfig, `root = "site"`, `root = "site-${terraform.workspace}"`, 1)
	r := newCLIRun(t, map[string]string{"main.tf": cfg})
	r.ok("init")
	r.ok("apply", "-auto-approve")
	r.ok("workspace", "new", "blue")
	r.ok("apply", "-auto-approve", "-var=who=blue")
	r.ok("workspace", "select", "default")
	if err := os.WriteFile(filepath.Join(r.dir, "backend.tf"), []byte("terraform {\n  backend \"local\" {\n    path = \"moved.state\"\n  }\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := r.ok("init", "-migrate-state")
	if !strings.Contains(out, `Workspace "default"`) || !strings.Contains(out, `Workspace "blue"`) {
		t.Errorf("init -migrate-state does not name both workspaces:\n%s", out)
	}
	if r.instances("moved.state") != 3 || r.instances("moved.state.d/blue/moved.state") != 3 {
		t.Fatal("a workspace was not copied to the new backend")
	}
	for _, ws := range []string{"default", "blue"} {
		who := map[string]string{"default": "world", "blue": "blue"}[ws]
		if out := r.with("TF_WORKSPACE="+ws).ok("plan", "-detailed-exitcode", "-var=who="+who); !strings.Contains(out, "No changes") {
			t.Errorf("workspace %s after the migration:\n%s", ws, out)
		}
	}
}

// takeoverConfig is a Terraform configuration of 6 resources with the
// indigo provider as Terraform installs it (from a filesystem mirror).
const takeoverConfig = `terraform {
  required_providers {
    indigo = { source = "indigo-cloud/indigo" }
  }
}

provider "indigo" {
  root = "site"
}

resource "indigo_directory" "data" {
  path = "data"
}

resource "indigo_file" "a" {
  path    = "${indigo_directory.data.path}/a.txt"
  content = "a\n"
}

resource "indigo_file" "b" {
  path    = "b.txt"
  content = "b\n"
}

resource "indigo_noop" "n" {
  count = 3
  input = { a = indigo_file.a.id, n = count.index }
}
`

var providerMirror struct {
	once sync.Once
	dir  string
	err  error
}

// providerForTerraform returns a filesystem mirror (unpacked layout)
// holding the indigo provider binary, built once per test process.
func providerForTerraform(t *testing.T) string {
	t.Helper()
	m := &providerMirror
	m.once.Do(func() {
		// A fixed place, rebuilt by each test process (go build replaces
		// the binary atomically), so that nothing piles up.
		m.dir = filepath.Join(testsrv.CacheDir(), "takeover-mirror")
		pkg := filepath.Join(m.dir, "registry.terraform.io", "indigo-cloud", "indigo", "0.1.0", runtime.GOOS+"_"+runtime.GOARCH)
		if m.err = os.MkdirAll(pkg, 0o755); m.err != nil {
			return
		}
		goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goTool); err != nil {
			goTool = "go"
		}
		cmd := exec.Command(goTool, "build", "-o", filepath.Join(pkg, "terraform-provider-indigo_v0.1.0"), "github.com/indigo-cloud/indigo/cmd/terraform-provider-indigo")
		if out, err := cmd.CombinedOutput(); err != nil {
			m.err = fmt.Errorf("building terraform-provider-indigo: %v\n%s", err, out)
		}
	})
	if m.err != nil {
		t.Fatal(m.err)
	}
	return m.dir
}

// terraformApplied runs the machine's terraform to apply takeoverConfig in
// a new directory, with the indigo provider from a mirror, and returns
// the run set up for indigo in the same directory (the same CLI
// configuration, which indigo reads too, and the same provider binary).
func terraformApplied(t *testing.T, backendBlock string, env ...string) cliRun {
	t.Helper()
	tf, err := exec.LookPath("terraform")
	if err != nil {
		if tf, err = exec.LookPath("tofu"); err != nil {
			testsrv.Missing(t, "neither terraform nor tofu is on PATH: install Terraform >= 1.11 or OpenTofu to run the takeover test")
		}
	}
	// A filesystem mirror in the unpacked layout, which terraform init
	// and indigo init both install from without a network.
	plugins := providerForTerraform(t)
	rc := filepath.Join(t.TempDir(), "terraform.rc")
	if err := os.WriteFile(rc, []byte(fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path    = %q\n    include = [\"indigo-cloud/indigo\"]\n  }\n}\n", plugins)), 0o644); err != nil {
		t.Fatal(err)
	}
	r := newCLIRun(t, map[string]string{"main.tf": takeoverConfig, "backend.tf": backendBlock}, append(env, "TF_CLI_CONFIG_FILE="+rc)...)
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(tf, args...)
		cmd.Dir = r.dir
		cmd.Env = append(os.Environ(), r.env...)
		cmd.Env = append(cmd.Env, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("init", "-input=false")
	run("apply", "-auto-approve", "-input=false")
	return r
}

// takeOver is the user's path: plan refuses and says what to do, init
// offers it, init -migrate-state imports, and plan then finds nothing to
// do (nothing is created twice).
func takeOver(t *testing.T, r cliRun, where string) {
	t.Helper()
	r.ok("init", "-input=false")
	out := r.fails("Found a Terraform state", "plan")
	for _, want := range []string{where, "6 resource instances", "indigo init -migrate-state"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan's refusal does not say %q:\n%s", want, out)
		}
	}
	r.fails("Found a Terraform state", "apply", "-auto-approve")
	out = r.ok("init", "-input=false")
	if !strings.Contains(out, "Found a Terraform state") {
		t.Errorf("init does not offer to take over:\n%s", out)
	}
	out = r.ok("init", "-migrate-state", "-input=false")
	if !strings.Contains(out, "Imported the Terraform state") || !strings.Contains(out, "6 resource instances") {
		t.Errorf("init -migrate-state:\n%s", out)
	}
	out = r.ok("plan", "-detailed-exitcode")
	if !strings.Contains(out, "No changes") {
		t.Fatalf("plan after the takeover is not empty:\n%s", out)
	}
	if n := len(regexp.MustCompile(`(?m)^indigo_`).FindAllString(r.ok("state", "list"), -1)); n != 6 {
		t.Errorf("state list after the takeover: %d instances, want 6", n)
	}
	// indigo now manages them: a change applies in place.
	if err := os.WriteFile(filepath.Join(r.dir, "site", "b.txt"), []byte("drifted\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out = r.ok("apply", "-auto-approve")
	if !strings.Contains(out, "0 added") || r.file("site/b.txt") != "b\n" {
		t.Errorf("apply after drift did not restore b.txt in place:\n%s", out)
	}
}

// TestTakeoverLocal: a Terraform working directory with its
// terraform.tfstate of 6 resources.
func TestTakeoverLocal(t *testing.T) {
	r := terraformApplied(t, "")
	takeOver(t, r, "terraform.tfstate")
	if _, err := os.Stat(filepath.Join(r.dir, "terraform.tfstate")); err != nil {
		t.Errorf("the Terraform state was not left in place: %v", err)
	}
	// providers lock records the mirror's package for this platform (in
	// a lock file of its own: Terraform's is removed first).
	os.Remove(filepath.Join(r.dir, ".terraform.lock.hcl"))
	r.fails("-lockfile=readonly: the providers selected differ", "init", "-lockfile=readonly")
	if _, err := os.Stat(filepath.Join(r.dir, ".indigo.lock.hcl")); err == nil {
		t.Error("init -lockfile=readonly wrote the lock file")
	}
	r.ok("providers", "lock", "-fs-mirror="+providerForTerraform(t), "-platform="+runtime.GOOS+"_"+runtime.GOARCH)
	if lock := r.file(".indigo.lock.hcl"); !strings.Contains(lock, `"registry.terraform.io/indigo-cloud/indigo"`) || !strings.Contains(lock, "h1:") {
		t.Errorf("providers lock wrote:\n%s", lock)
	}
	r.fails("-platform=nowhere", "providers", "lock", "-platform=nowhere")
	// -reconfigure is the other choice: start empty beside it.
	r2 := terraformApplied(t, "")
	r2.ok("init", "-reconfigure")
	out := r2.ok("plan")
	if !strings.Contains(out, "Plan: 6 to add") {
		t.Errorf("plan after init -reconfigure:\n%s", out)
	}
}

// TestTakeoverS3 and TestTakeoverPg: the state Terraform's s3 and pg
// backends keep, named by the configuration's terraform block.
func TestTakeoverS3(t *testing.T) {
	srv := testsrv.StartMinIO(t, testsrv.MinIOOptions{})
	ctx := context.Background()
	if err := srv.Client(t).MakeBucket(ctx, "tfstate", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	block := fmt.Sprintf(`terraform {
  backend "s3" {
    bucket                      = "tfstate"
    key                         = "app/terraform.tfstate"
    region                      = "us-east-1"
    endpoints                   = { s3 = %q }
    use_path_style              = true
    skip_credentials_validation = true
    skip_requesting_account_id  = true
    skip_region_validation      = true
    skip_s3_checksum            = true
    skip_metadata_api_check     = true
  }
}
`, srv.Endpoint)
	r := terraformApplied(t, block, "AWS_ACCESS_KEY_ID="+srv.AccessKey, "AWS_SECRET_ACCESS_KEY="+srv.SecretKey)
	takeOver(t, r, "s3://tfstate/app/terraform.tfstate")
	if _, err := srv.Client(t).StatObject(ctx, "tfstate", "app/terraform.tfstate"+terraformBackupSuffix, minio.StatObjectOptions{}); err != nil {
		t.Errorf("the Terraform original was not kept: %v", err)
	}
}

func TestTakeoverPg(t *testing.T) {
	conn := testsrv.Postgres(t)
	r := terraformApplied(t, "terraform {\n  backend \"pg\" {}\n}\n", "PG_CONN_STR="+conn)
	takeOver(t, r, "Terraform's pg backend")
	// Terraform's row is untouched.
	c, err := pgx.Connect(context.Background(), conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	var n int
	if err := c.QueryRow(context.Background(), `SELECT count(*) FROM terraform_remote_state.states WHERE name = 'default'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("Terraform's state row: %d, %v", n, err)
	}
}
