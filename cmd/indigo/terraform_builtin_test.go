package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/state/local"
)

// networkConfig is what another team's configuration, applied by OpenTofu,
// exports: terraform_data and root outputs, one of them sensitive.
const networkConfig = `
variable "cidr" {
  default = "10.0.0.0/16"
}
variable "generation" {
  default = "1"
}
resource "terraform_data" "net" {
  input            = { cidr = var.cidr, zones = ["a", "b"] }
  triggers_replace = var.generation
}
output "cidr" {
  value = terraform_data.net.output.cidr
}
output "zones" {
  value = terraform_data.net.output.zones
}
output "token" {
  value     = "tok-${terraform_data.net.id}"
  sensitive = true
}
`

// consumerConfig reads those outputs with terraform_remote_state and keeps
// them in a terraform_data, with no required_providers: both are built in.
const consumerConfig = `
data "terraform_remote_state" "net" {
  backend  = "local"
  config   = { path = %q }
  defaults = { region = "eu-west" }
}
resource "terraform_data" "use" {
  triggers_replace = data.terraform_remote_state.net.outputs.cidr
  input = {
    token  = data.terraform_remote_state.net.outputs.token
    region = data.terraform_remote_state.net.outputs.region
  }
}
output "zones" {
  value = data.terraform_remote_state.net.outputs.zones
}
output "token" {
  value     = terraform_data.use.output.token
  sensitive = true
}
`

// TestTerraformBuiltinProvider: configurations that use the provider
// Terraform and OpenTofu build in (terraform.io/builtin/terraform) work
// with indigo: terraform_remote_state reads a state OpenTofu wrote,
// terraform_data lives in indigo's state, a sensitive remote output stays
// hidden in plan, show and outputs, a change on the other side is noticed,
// and a Terraform state holding terraform_data is taken over with no
// changes.
func TestTerraformBuiltinProvider(t *testing.T) {
	tofu := testsrv.TofuBinary(t)
	netDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(netDir, "main.tf"), []byte(networkConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	runTofu := func(args ...string) string { t.Helper(); return tofuIn(t, tofu, netDir, args...) }
	runTofu("init", "-input=false")
	runTofu("apply", "-auto-approve", "-input=false")
	tokenOut := runTofu("output", "-raw", "token")
	if !strings.HasPrefix(tokenOut, "tok-") {
		t.Fatalf("tofu output token = %q", tokenOut)
	}

	r := newCLIRun(t, map[string]string{"main.tf": fmt.Sprintf(consumerConfig, filepath.Join(netDir, "terraform.tfstate"))})
	out := r.ok("init", "-input=false")
	if !strings.Contains(out, "terraform.io/builtin/terraform is built in") {
		t.Errorf("init does not say the terraform provider is built in:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(r.dir, ".indigo.lock.hcl")); err == nil && strings.Contains(r.file(".indigo.lock.hcl"), "terraform") {
		t.Errorf("the built-in provider was locked:\n%s", r.file(".indigo.lock.hcl"))
	}
	r.ok("validate")
	out = r.ok("plan")
	if !strings.Contains(out, "terraform_data.use will be created") || !strings.Contains(out, `"10.0.0.0/16"`) || !strings.Contains(out, "zones") {
		t.Errorf("plan:\n%s", out)
	}
	out = r.ok("apply", "-auto-approve")
	if strings.Contains(out, tokenOut) {
		t.Errorf("apply printed the sensitive remote output:\n%s", out)
	}
	for _, args := range [][]string{{"show"}, {"show", "-json"}, {"output"}, {"plan"}} {
		if out := r.ok(args...); strings.Contains(out, tokenOut) {
			t.Errorf("indigo %s printed the sensitive remote output:\n%s", strings.Join(args, " "), out)
		}
	}
	// console reads a dynamically-typed attribute as its value.
	if out := r.indigoStdin("terraform_data.use.output.region\n", "console"); out != "\"eu-west\"\n" {
		t.Errorf("console printed %q for terraform_data.use.output.region", out)
	}
	if out := r.ok("output", "-raw", "token"); out != tokenOut {
		t.Errorf("output -raw token = %q, want %q", out, tokenOut)
	}
	st := readState(t, local.New(filepath.Join(r.dir, DefaultStatePath)))
	use := st.Instance(config.InstanceAddr{Resource: config.ResourceAddr{Mode: config.ManagedMode, Type: "terraform_data", Name: "use"}})
	if use == nil || use.Current == nil {
		t.Fatalf("terraform_data.use is not in the state:\n%s", r.ok("state", "list"))
	}
	if attrs := string(use.Current.AttrsJSON); !strings.Contains(attrs, "eu-west") || !strings.Contains(attrs, "10.0.0.0/16") {
		t.Errorf("terraform_data.use holds %s", attrs)
	}
	if len(use.Current.SensitivePaths) == 0 {
		t.Error("terraform_data.use records no sensitive paths: its input and output hold a sensitive output")
	}
	if _, code := r.indigo("plan", "-detailed-exitcode"); code != 0 {
		t.Errorf("plan after apply: exit %d, want 0 (no changes)", code)
	}

	// The other side changes: the next plan notices and replaces.
	runTofu("apply", "-auto-approve", "-input=false", "-var", "cidr=10.1.0.0/16")
	out, code := r.indigo("plan", "-detailed-exitcode")
	if code != 2 || !strings.Contains(out, "forces replacement") || !strings.Contains(out, "10.1.0.0/16") {
		t.Errorf("plan after the remote state changed: exit %d, want 2 and a replacement:\n%s", code, out)
	}
	r.ok("apply", "-auto-approve")
	if _, code := r.indigo("plan", "-detailed-exitcode"); code != 0 {
		t.Errorf("plan after the second apply: exit %d", code)
	}
	// A backend indigo cannot read is an error at the argument.
	bad := newCLIRun(t, map[string]string{"main.tf": `data "terraform_remote_state" "x" {
  backend = "consul"
}
`})
	bad.ok("init", "-input=false")
	out = bad.fails("Unsupported backend", "plan")
	if !strings.Contains(out, "main.tf line 2") {
		t.Errorf("the backend error is not located at the argument:\n%s", out)
	}

	r.ok("destroy", "-auto-approve")
	if n := r.instances(DefaultStatePath); n != 0 {
		t.Errorf("%d instances left after destroy", n)
	}

	// The Terraform working directory taken over: its terraform_data is
	// served by indigo's built-in provider, with no changes.
	tr := cliRun{migrationRun{t: t, dir: netDir, env: []string{"HOME=" + netDir, "TF_IN_AUTOMATION=", "TF_CLI_ARGS=", "TF_WORKSPACE=", "TF_DATA_DIR="}}}
	out = tr.ok("init", "-migrate-state", "-input=false")
	if !strings.Contains(out, "Imported the Terraform state") {
		t.Fatalf("init -migrate-state:\n%s", out)
	}
	if out, code := tr.indigo("plan", "-detailed-exitcode", "-var", "cidr=10.1.0.0/16"); code != 0 {
		t.Errorf("plan after taking over: exit %d, want 0:\n%s", code, out)
	}
	out = tr.ok("apply", "-auto-approve", "-var", "cidr=10.1.0.0/16", "-var", "generation=2")
	if !strings.Contains(out, "1 added, 0 changed, 1 destroyed") {
		t.Errorf("a new generation does not replace terraform_data.net:\n%s", out)
	}
	tr.ok("destroy", "-auto-approve", "-var", "cidr=10.1.0.0/16", "-var", "generation=2")
	if n := tr.instances(DefaultStatePath); n != 0 {
		t.Errorf("%d instances left in the taken-over directory after destroy", n)
	}
}

// terraformDataConfigs are two generations of a configuration of
// terraform_data: the second changes one input, keeps one, and replaces
// one through triggers_replace.
var terraformDataConfigs = []string{`
resource "terraform_data" "changed" {
  input = "x"
}
resource "terraform_data" "kept" {
  input = { k = 1, list = ["a"] }
}
resource "terraform_data" "bare" {}
resource "terraform_data" "replaced" {
  input            = "same"
  triggers_replace = "t1"
}
output "changed" {
  value = terraform_data.changed.output
}
`, `
resource "terraform_data" "changed" {
  input = "y"
}
resource "terraform_data" "kept" {
  input = { k = 1, list = ["a"] }
}
resource "terraform_data" "bare" {}
resource "terraform_data" "replaced" {
  input            = "same"
  triggers_replace = "t2"
}
output "changed" {
  value = terraform_data.changed.output
}
`}

// TestTerraformDataPlansAsOpenTofu: indigo plans terraform_data as
// OpenTofu does, in the JSON plan tools read: output is known after apply
// when the object is created or replaced or its input changes, null with a
// null input, and unchanged otherwise; the actions agree, and both find
// nothing to do after applying.
func TestTerraformDataPlansAsOpenTofu(t *testing.T) {
	tofu := testsrv.TofuBinary(t)
	type change struct {
		Actions      []string       `json:"actions"`
		After        map[string]any `json:"after"`
		AfterUnknown map[string]any `json:"after_unknown"`
	}
	planned := func(js string) map[string]change {
		var doc struct {
			ResourceChanges []struct {
				Address string `json:"address"`
				Change  change `json:"change"`
			} `json:"resource_changes"`
		}
		if err := json.Unmarshal([]byte(js), &doc); err != nil {
			t.Fatalf("show -json: %v\n%s", err, js)
		}
		out := map[string]change{}
		for _, rc := range doc.ResourceChanges {
			delete(rc.Change.After, "id") // a random UUID, or unknown
			delete(rc.Change.AfterUnknown, "id")
			out[rc.Address] = rc.Change
		}
		return out
	}
	r := newCLIRun(t, map[string]string{"main.tf": terraformDataConfigs[0]})
	tofuDir := t.TempDir()
	r.ok("init", "-input=false")
	for gen, src := range terraformDataConfigs {
		for _, dir := range []string{r.dir, tofuDir} {
			if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if gen == 0 {
			tofuIn(t, tofu, tofuDir, "init", "-input=false")
		}
		r.ok("plan", "-input=false", "-out=p.plan")
		tofuIn(t, tofu, tofuDir, "plan", "-input=false", "-out=p.plan")
		mine, theirs := planned(r.ok("show", "-json", "p.plan")), planned(tofuIn(t, tofu, tofuDir, "show", "-json", "p.plan"))
		if len(mine) != 4 {
			t.Fatalf("generation %d: indigo planned %d resources, want 4: %v", gen, len(mine), mine)
		}
		for addr, want := range theirs {
			got := mine[addr]
			if fmt.Sprint(got.Actions) != fmt.Sprint(want.Actions) || fmt.Sprint(got.After) != fmt.Sprint(want.After) || fmt.Sprint(got.AfterUnknown) != fmt.Sprint(want.AfterUnknown) {
				t.Errorf("generation %d, %s: indigo planned %+v, OpenTofu %+v", gen, addr, got, want)
			}
		}
		r.ok("apply", "-input=false", "p.plan")
		tofuIn(t, tofu, tofuDir, "apply", "-input=false", "p.plan")
		if out := r.ok("output", "-raw", "changed"); out != []string{"x", "y"}[gen] {
			t.Errorf("generation %d: output changed = %q after apply", gen, out)
		}
		r.ok("plan", "-input=false", "-detailed-exitcode")
		tofuIn(t, tofu, tofuDir, "plan", "-input=false", "-detailed-exitcode")
	}
}
