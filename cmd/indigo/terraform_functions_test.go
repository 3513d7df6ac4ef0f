package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// functionsConfig calls the three functions of the built-in terraform
// provider in outputs and in a terraform_data input, on known values and on
// one only the apply knows.
const functionsConfig = `
terraform {
  required_providers {
    terraform = { source = "terraform.io/builtin/terraform" }
  }
}
variable "password" {
  default   = "s3cr3t"
  sensitive = true
}
locals {
  settings = {
    name    = "web"
    port    = 8080
    ratio   = 1.5
    enabled = true
    zones   = ["a", "b"]
    owner   = { team = "ops", size = 2 }
  }
}
resource "terraform_data" "vars" {
  input = provider::terraform::encode_tfvars(local.settings)
}
output "tfvars" {
  value = terraform_data.vars.output
}
output "decoded" {
  value = provider::terraform::decode_tfvars(terraform_data.vars.output)
}
output "round_trip" {
  value = provider::terraform::decode_tfvars(provider::terraform::encode_tfvars(local.settings)) == local.settings
}
output "owner_expr" {
  value = provider::terraform::encode_expr(local.settings.owner)
}
output "zones_expr" {
  value = provider::terraform::encode_expr(local.settings.zones)
}
output "string_expr" {
  value = provider::terraform::encode_expr("say \"hi\"\n")
}
output "password_expr" {
  value     = provider::terraform::encode_expr(var.password)
  sensitive = true
}
`

// unknownArgumentConfig is added to functionsConfig for indigo only: a
// value only the apply knows gives an unknown result until then, where
// OpenTofu 1.12 stops with an error ("input is not wholly known").
const unknownArgumentConfig = `
output "id_expr" {
  value = provider::terraform::encode_expr({ id = terraform_data.vars.id })
}
`

// functionsOutputs are the values of functionsConfig's outputs but the
// sensitive one, as output -json gives them.
var functionsOutputs = map[string]string{
	"tfvars":      `"enabled = true\nname    = \"web\"\nowner = {\n  size = 2\n  team = \"ops\"\n}\nport  = 8080\nratio = 1.5\nzones = [\"a\", \"b\"]\n"`,
	"decoded":     `{"enabled":true,"name":"web","owner":{"size":2,"team":"ops"},"port":8080,"ratio":1.5,"zones":["a","b"]}`,
	"round_trip":  `true`,
	"owner_expr":  `"{\n  size = 2\n  team = \"ops\"\n}"`,
	"zones_expr":  `"[\"a\", \"b\"]"`,
	"string_expr": `"\"say \\\"hi\\\"\\n\""`,
}

// passwordExpr is output -raw password_expr: the sensitive output.
const passwordExpr = `"s3cr3t"`

// tofuIn runs OpenTofu in dir with a home and CLI configuration of its
// own and returns its standard output; a failure ends the test.
func tofuIn(t *testing.T, tofu, dir string, args ...string) string {
	t.Helper()
	return tofuEnvIn(t, tofu, dir, []string{"TF_CLI_CONFIG_FILE="}, args...)
}

// tofuEnvIn is tofuIn with env added to the environment.
func tofuEnvIn(t *testing.T, tofu, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(tofu, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "HOME="+dir, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1"), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tofu %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// outputValues reads output -json into raw values by name, with the names
// of the sensitive ones.
func outputValues(t *testing.T, out string) (map[string]json.RawMessage, map[string]bool) {
	t.Helper()
	var outs map[string]struct {
		Sensitive bool            `json:"sensitive"`
		Value     json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal([]byte(out), &outs); err != nil {
		t.Fatalf("output -json: %v\n%s", err, out)
	}
	vals, sensitive := map[string]json.RawMessage{}, map[string]bool{}
	for name, o := range outs {
		vals[name] = o.Value
		sensitive[name] = o.Sensitive
	}
	return vals, sensitive
}

// compactJSON is raw JSON without insignificant spaces.
func compactJSON(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestTerraformBuiltinFunctions: the functions of the built-in terraform
// provider (provider::terraform::encode_tfvars, decode_tfvars, encode_expr)
// work through init, validate, plan, apply and destroy, give what OpenTofu
// gives, and keep a sensitive argument's result sensitive.
func TestTerraformBuiltinFunctions(t *testing.T) {
	r := newCLIRun(t, map[string]string{"main.tf": functionsConfig + unknownArgumentConfig})
	r.ok("init", "-input=false")
	r.ok("validate")
	out := r.ok("plan")
	for _, want := range []string{"terraform_data.vars will be created", "ratio = 1.5", "decoded", "known after apply"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan does not show %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "s3cr3t") {
		t.Errorf("plan printed the sensitive value:\n%s", out)
	}
	r.ok("apply", "-auto-approve")
	vals, sensitive := outputValues(t, r.ok("output", "-json"))
	for name, want := range functionsOutputs {
		if got, ok := vals[name]; !ok {
			t.Errorf("output %s is missing", name)
		} else if g, w := compactJSON(t, got), compactJSON(t, json.RawMessage(want)); g != w {
			t.Errorf("output %s = %s, want %s", name, g, w)
		}
	}
	if id := compactJSON(t, vals["id_expr"]); !strings.HasPrefix(id, `"{\n  id = \"`) {
		t.Errorf("output id_expr = %s, want an object holding the id", id)
	}
	if !sensitive["password_expr"] || sensitive["owner_expr"] {
		t.Errorf("sensitive outputs: %v, want password_expr only", sensitive)
	}
	if out := r.ok("output", "-raw", "password_expr"); out != passwordExpr {
		t.Errorf("output -raw password_expr = %q, want %q", out, passwordExpr)
	}
	if out, code := r.indigo("plan", "-detailed-exitcode"); code != 0 {
		t.Errorf("plan after apply: exit %d, want 0 (no changes):\n%s", code, out)
	}
	// The console calls them too.
	out = r.indigoStdin("provider::terraform::decode_tfvars(provider::terraform::encode_tfvars(local.settings)).owner\nprovider::terraform::encode_expr({ a = [1] })\n", "console")
	if want := "{\n  \"size\" = 2\n  \"team\" = \"ops\"\n}\n<<EOT\n{\n  a = [1]\n}\nEOT\n"; out != want {
		t.Errorf("console printed\n%s\nwant\n%s", out, want)
	}
	r.ok("destroy", "-auto-approve")
	if n := r.instances(DefaultStatePath); n != 0 {
		t.Errorf("%d instances left after destroy", n)
	}

	// A call through a local name required_providers does not declare
	// is an error at the call; a provider's refusal is one at the argument.
	bad := newCLIRun(t, map[string]string{"main.tf": `
terraform {
  required_providers {
    terraform = { source = "terraform.io/builtin/terraform" }
  }
}
output "undeclared" {
  value = provider::tf::encode_expr(1)
}
`})
	bad.ok("init", "-input=false")
	out = bad.fails("Function of an undeclared provider", "validate")
	if !strings.Contains(out, "main.tf line 8") || strings.Contains(out, "unknown function") {
		t.Errorf("the undeclared provider is not reported once, at the call:\n%s", out)
	}
	bad = newCLIRun(t, map[string]string{"main.tf": `
terraform {
  required_providers {
    terraform = { source = "terraform.io/builtin/terraform" }
  }
}
output "bad_name" {
  value = provider::terraform::encode_tfvars({ "not valid" = 1 })
}
output "bad_syntax" {
  value = provider::terraform::decode_tfvars("a = ")
}
`})
	bad.ok("init", "-input=false")
	out = bad.fails(`attribute "not valid"`, "plan")
	for _, want := range []string{"main.tf line 8", "main.tf line 11", "<decode_tfvars argument>:1,5"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan errors do not say %q:\n%s", want, out)
		}
	}

	// OpenTofu gives the same strings for the same configuration.
	tofu := testsrv.TofuBinary(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(functionsConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	runTofu := func(args ...string) string { t.Helper(); return tofuIn(t, tofu, dir, args...) }
	runTofu("init", "-input=false")
	runTofu("apply", "-auto-approve", "-input=false")
	tofuVals, tofuSensitive := outputValues(t, runTofu("output", "-json"))
	for name := range functionsOutputs {
		if g, w := compactJSON(t, vals[name]), compactJSON(t, tofuVals[name]); g != w {
			t.Errorf("output %s: indigo gives %s, OpenTofu %s", name, g, w)
		}
		if sensitive[name] != tofuSensitive[name] {
			t.Errorf("output %s: sensitive %v with indigo, %v with OpenTofu", name, sensitive[name], tofuSensitive[name])
		}
	}
	if !tofuSensitive["password_expr"] {
		t.Error("OpenTofu does not mark password_expr sensitive")
	}
	if out := runTofu("output", "-raw", "password_expr"); out != passwordExpr {
		t.Errorf("tofu output -raw password_expr = %q, indigo gives %q", out, passwordExpr)
	}
}

// functionsElsewhere calls provider-defined functions from a JSON file and
// from an import block's id; a JSON string that only mentions a function
// of an undeclared provider is just a string.
var functionsElsewhere = map[string]string{
	"versions.tf": `
terraform {
  required_providers {
    terraform = { source = "terraform.io/builtin/terraform" }
  }
}
`,
	"outputs.tf.json": `{
  "output": {
    "expr": { "value": "${provider::terraform::encode_expr({a = 1})}" },
    "note": { "value": "see provider::other::f() in the docs" }
  }
}
`,
	"main.tf": `
resource "terraform_data" "b" {
  input = "y"
}
import {
  to = terraform_data.b
  id = provider::terraform::decode_tfvars("id = \"abc\"").id
}
`,
}

// TestProviderFunctionsInJSONAndImports: a provider-defined function is
// callable from .tf.json files and from import blocks, with the results
// OpenTofu gives.
func TestProviderFunctionsInJSONAndImports(t *testing.T) {
	tofu := testsrv.TofuBinary(t)
	r := newCLIRun(t, functionsElsewhere)
	tofuDir := t.TempDir()
	for name, src := range functionsElsewhere {
		if err := os.WriteFile(filepath.Join(tofuDir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r.ok("init", "-input=false")
	r.ok("validate")
	out := r.ok("plan", "-input=false")
	if !strings.Contains(out, `imported from "abc"`) {
		t.Errorf("the plan does not import terraform_data.b by the id the function gave:\n%s", out)
	}
	r.ok("apply", "-auto-approve", "-input=false")
	tofuIn(t, tofu, tofuDir, "init", "-input=false")
	tofuIn(t, tofu, tofuDir, "apply", "-auto-approve", "-input=false")
	for _, name := range []string{"expr", "note"} {
		if got, want := r.ok("output", "-json", name), tofuIn(t, tofu, tofuDir, "output", "-json", name); strings.TrimSpace(got) != strings.TrimSpace(want) {
			t.Errorf("output %s = %s, OpenTofu gives %s", name, got, want)
		}
	}
	if got := r.ok("state", "show", "terraform_data.b"); !strings.Contains(got, `"abc"`) {
		t.Errorf("terraform_data.b was not imported as abc:\n%s", got)
	}
	r.ok("plan", "-input=false", "-detailed-exitcode")
}

// TestValidateChecksProviderFunctionCalls: validate checks calls of a
// provider's functions against the provider's schema, as plan does and as
// Terraform's validate does: a function the provider does not have, and
// the wrong number of arguments, with the function's signature.
func TestValidateChecksProviderFunctionCalls(t *testing.T) {
	dir := builtinTerraformDir(t, `output "many" {
  value = provider::terraform::encode_expr(1, 2)
}
output "nope" {
  value = provider::terraform::nope("x")
}
output "ok" {
  value = provider::terraform::encode_expr({ a = 1 })
}
`)
	out := wantSays(t, dir, "", 1, []string{
		"Error: Too many function arguments",
		"on main.tf line 7, in output \"many\":",
		"│ while calling provider::terraform::encode_expr(value)",
		`Function "provider::terraform::encode_expr" expects only 1 argument(s).`,
		"Error: Unknown provider function",
		`The function "nope" is not available from the provider "terraform".`,
	}, "validate", "-no-color")
	if strings.Count(out, "Error:") != 2 {
		t.Errorf("validate says:\n%s\nwant exactly two errors", out)
	}
	// Plan checks the calls as validate does.
	wantSays(t, dir, "", 1, []string{
		"Error: Too many function arguments",
		"│ while calling provider::terraform::encode_expr(value)",
		`failed: the function "nope" is`,
	}, "plan", "-no-color", "-input=false")
}

// TestConsoleChecksProviderFunctionCalls: the console checks a provider
// function's call against the provider's schema too, and still calls it.
func TestConsoleChecksProviderFunctionCalls(t *testing.T) {
	dir := builtinTerraformDir(t, "")
	in := "provider::terraform::encode_expr(1, 2)\nprovider::terraform::nope(1)\nprovider::terraform::encode_expr([1, 2])\n"
	wantSays(t, dir, in, 1, []string{
		`Function "provider::terraform::encode_expr" expects only 1 argument(s).`,
		`The function "nope" is not available from the provider "terraform".`,
		`"[1, 2]"`,
	}, "console", "-no-color")
}
