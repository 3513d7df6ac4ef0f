package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

const testedModule = `
variable "name" {
  type = string
  validation {
    condition     = length(var.name) > 2
    error_message = "name must be longer than 2 characters"
  }
}
variable "prefix" {
  default = "data"
}
resource "indigo_file" "f" {
  path    = "out/${var.prefix}-${var.name}.txt"
  content = "hello ${var.name}\n"
}
resource "terraform_data" "d" {
  input = upper(var.name)
}
output "path" {
  value = indigo_file.f.path
}
output "upper" {
  value = terraform_data.d.output
}
`

const testedSetup = `
resource "terraform_data" "seed" {
  input = "seed-42"
}
output "seed" {
  value = terraform_data.seed.output
}
`

const passingTests = `
variables {
  name = "alpha"
}
run "setup" {
  module {
    source = "./tests/setup"
  }
}
run "plan_only" {
  command = plan
  assert {
    condition     = indigo_file.f.content == "hello alpha\n"
    error_message = "content is wrong"
  }
}
run "apply" {
  variables {
    prefix = run.setup.seed
  }
  assert {
    condition     = output.path == "out/seed-42-alpha.txt"
    error_message = "path is ${output.path}"
  }
  assert {
    condition     = fileexists("out/seed-42-alpha.txt") && terraform_data.d.output == "ALPHA"
    error_message = "the file or the value is wrong"
  }
}
run "bad_name" {
  command = plan
  variables {
    name = "ab"
  }
  expect_failures = [var.name]
}
`

const failingTests = `
variables {
  name = "beta"
}
run "wrong" {
  assert {
    condition     = output.upper == "beta"
    error_message = "upper is ${output.upper}, not beta"
  }
}
run "no_failure" {
  command         = plan
  expect_failures = [var.name]
}
run "broken" {
  variables {
    name = 42
  }
  module {
    source = "./tests/missing"
  }
}
run "after" {
  command = plan
}
`

// TestTerraformTestCommand: indigo test runs the *.tftest.hcl files of a
// configuration as terraform test does: runs share a state per module,
// plan runs assert on planned values, apply runs on what exists, later runs
// read earlier runs' outputs, expect_failures passes when the named
// condition fails, and everything made is destroyed at the end; the
// working directory's own state is never touched. A failed assertion, a
// missing expected failure and a run that cannot complete fail the test,
// and the runs after one that could not complete are skipped.
func TestTerraformTestCommand(t *testing.T) {
	r := newCLIRun(t, map[string]string{
		"main.tf":                testedModule,
		"tests/setup/main.tf":    testedSetup,
		"tests/main.tftest.hcl":  passingTests,
		"tests/wrong.tftest.hcl": failingTests,
	})
	r.ok("init", "-input=false")
	r.ok("validate")
	out := r.ok("test", "-filter=tests/main.tftest.hcl")
	for _, want := range []string{
		"tests/main.tftest.hcl... in progress",
		`run "setup"... pass`, `run "plan_only"... pass`, `run "apply"... pass`, `run "bad_name"... pass`,
		"tests/main.tftest.hcl... tearing down", "tests/main.tftest.hcl... pass",
		"Success! 4 passed, 0 failed.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("indigo test does not say %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(r.dir, "out", "seed-42-alpha.txt")); !os.IsNotExist(err) {
		t.Errorf("the file a run made outlived the test: %v", err)
	}
	for _, f := range []string{DefaultStatePath, "terraform.tfstate"} {
		if _, err := os.Stat(filepath.Join(r.dir, f)); err == nil {
			t.Errorf("indigo test wrote %s in the working directory", f)
		}
	}

	out, code := r.indigo("test")
	if code != 1 {
		t.Errorf("indigo test with failing runs: exit %d, want 1", code)
	}
	for _, want := range []string{
		`run "wrong"... fail`, "upper is BETA, not beta", "Test assertion failed",
		`run "no_failure"... fail`, "Missing expected failure",
		`run "broken"... fail`, `run "after"... skip`,
		"tests/wrong.tftest.hcl... fail", "Failure! 4 passed, 3 failed.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("indigo test does not say %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(r.dir, "out", "data-beta.txt")); !os.IsNotExist(err) {
		t.Errorf("the file of a failed run outlived the test: %v", err)
	}

	// Bad test files are errors at their place, from test and validate.
	bad := newCLIRun(t, map[string]string{"main.tf": testedModule, "x.tftest.hcl": `
run "a" {
  command = destroy
}
mock_provider "aws" {
  alias  = "x"
  source = "./nowhere"
}
run "b" {
  providers = {
    aws = "x"
  }
}
`})
	bad.ok("init", "-input=false")
	for _, args := range [][]string{{"test"}, {"validate"}} {
		out := bad.fails("Invalid command", args...)
		for _, want := range []string{"x.tftest.hcl line 3", "Mock source not read", "x.tftest.hcl line 11", "Invalid provider reference"} {
			if !strings.Contains(out, want) {
				t.Errorf("indigo %s on a bad test file does not say %q:\n%s", args[0], want, out)
			}
		}
	}
	bad.ok("validate", "-no-tests")
	bad.fails("names no test file", "test", "-filter=nope.tftest.hcl")
}

// TestTerraformTestMockSource: a mock_provider's source is a directory of
// .tfmock.hcl files whose blocks its own blocks override; a run's
// providers attribute picks the mock by alias, and naming a block the file
// lacks fails the run where it is written.
func TestTerraformTestMockSource(t *testing.T) {
	r := newCLIRun(t, map[string]string{
		"main.tf": `
resource "indigo_file" "f" {
  path    = "out/f.txt"
  content = "x"
}
resource "indigo_file" "g" {
  path    = "out/g.txt"
  content = "y"
}
output "ids" {
  value = [indigo_file.f.id, indigo_file.g.id]
}
`,
		"tests/mocks/files.tfmock.hcl": `
mock_resource "indigo_file" {
  defaults = { id = "from-source" }
}
override_resource {
  target = indigo_file.g
  values = { id = "g-from-source" }
}
`,
		"tests/src.tftest.hcl": `
mock_provider "indigo" {
  alias  = "src"
  source = "./tests/mocks"
}
mock_provider "indigo" {
  alias  = "inline"
  source = "./tests/mocks"
  mock_resource "indigo_file" {
    defaults = { id = "inline" }
  }
}
run "from_source" {
  providers = {
    indigo = indigo.src
  }
  assert {
    condition     = output.ids == ["from-source", "g-from-source"]
    error_message = "ids ${jsonencode(output.ids)}"
  }
}
run "inline_wins" {
  providers = {
    indigo = indigo.inline
  }
  plan_options {
    replace = [indigo_file.f]
  }
  assert {
    condition     = output.ids[0] == "inline"
    error_message = "ids ${jsonencode(output.ids)}"
  }
}
run "unknown" {
  providers = {
    indigo = indigo.nope
  }
}
`,
	})
	r.ok("init", "-input=false")
	out, code := r.indigo("test")
	if code != 1 {
		t.Errorf("indigo test: exit %d, want 1 (run unknown fails)", code)
	}
	for _, want := range []string{`run "from_source"... pass`, `run "inline_wins"... pass`, `run "unknown"... fail`,
		"Unknown provider", "src.tftest.hcl line 36"} {
		if !strings.Contains(out, want) {
			t.Errorf("indigo test does not say %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(r.dir, "out")); !os.IsNotExist(err) {
		t.Errorf("the mocked provider wrote files: %v", err)
	}

	// A mistake in a .tfmock.hcl file is shown where it is written.
	bad := newCLIRun(t, map[string]string{"main.tf": `output "x" { value = 1 }`,
		"mocks/bad.tfmock.hcl": "mock_resource \"indigo_file\" {\n  defaults = 3\n}\n",
		"x.tftest.hcl":         "mock_provider \"indigo\" {\n  source = \"./mocks\"\n}\nrun \"a\" {}\n"})
	bad.ok("init", "-input=false")
	out = bad.fails("Invalid defaults", "test")
	if !strings.Contains(out, "mocks/bad.tfmock.hcl line 2") || !strings.Contains(out, "2:   defaults = 3") {
		t.Errorf("indigo test with a bad mock file:\n%s", out)
	}
}

// TestTerraformTestAgreesWithOpenTofu runs the same test files with
// OpenTofu's test command and indigo's and compares each run's verdict.
func TestTerraformTestAgreesWithOpenTofu(t *testing.T) {
	tofu := testsrv.TofuBinary(t)
	files := map[string]string{
		"main.tf": `
variable "name" {
  type = string
  validation {
    condition     = length(var.name) > 2
    error_message = "name too short"
  }
}
variable "prefix" {
  default = "p"
}
resource "terraform_data" "d" {
  input = "${var.prefix}-${upper(var.name)}"
}
output "value" {
  value = terraform_data.d.output
}
module "inner" {
  source = "./inner"
  seed   = var.name
}
output "inner" {
  value = module.inner.id
}
`,
		"inner/main.tf": `
variable "seed" {
  type = string
}
resource "terraform_data" "i" {
  input = var.seed
}
output "id" {
  value = terraform_data.i.id
}
output "seed" {
  value = var.seed
}
`,
		"tests/b.tftest.hcl": `
variables {
  name = "gamma"
}
override_module {
  target  = module.inner
  outputs = { id = "inner-id" }
}
run "overridden_module" {
  assert {
    condition     = output.inner == "inner-id" && module.inner.seed == null
    error_message = "inner ${output.inner}"
  }
}
run "overridden_again" {
  override_module {
    target  = module.inner
    outputs = { id = "second" }
  }
  assert {
    condition     = output.inner == "inner-id"
    error_message = "inner is ${output.inner}"
  }
}
`,
		"tests/setup/main.tf": testedSetup,
		"tests/a.tftest.hcl": `
variables {
  name = "alpha"
}
run "setup" {
  module {
    source = "./tests/setup"
  }
}
run "planned" {
  command = plan
  assert {
    condition     = terraform_data.d.input == "p-ALPHA"
    error_message = "input"
  }
}
run "applied" {
  variables {
    prefix = run.setup.seed
  }
  assert {
    condition     = output.value == "seed-42-ALPHA"
    error_message = "value is ${output.value}"
  }
}
run "wrong" {
  assert {
    condition     = output.value == "nope"
    error_message = "value is not nope"
  }
}
run "short" {
  command = plan
  variables {
    name = "ab"
  }
  expect_failures = [var.name]
}
run "not_short" {
  command         = plan
  expect_failures = [var.name]
}
`,
	}
	r := newCLIRun(t, files)
	r.ok("init", "-input=false")
	indigoOut, _ := r.indigo("test")
	runTofu := tofuTestIn(tofu, r.dir)
	runTofu("init", "-input=false")
	tofuOut := runTofu("test", "-no-color")
	got, want := verdicts(indigoOut), verdicts(tofuOut)
	if len(want) != 8 {
		t.Fatalf("tofu test gave %d verdicts:\n%s", len(want), tofuOut)
	}
	if !slices.Equal(got, want) {
		t.Errorf("indigo test verdicts %q, OpenTofu's %q\nindigo:\n%s\nOpenTofu:\n%s", got, want, indigoOut, tofuOut)
	}

	// -json: the same message types with the same fields, the same run
	// statuses and the same summary.
	indigoJSON, code := r.indigo("test", "-json")
	if code != 1 {
		t.Errorf("indigo test -json: exit %d, want 1", code)
	}
	tofuJSON := runTofu("test", "-json")
	ours, theirs := testMessages(t, indigoJSON, true), testMessages(t, tofuJSON, false)
	for typ, keys := range theirs.shapes {
		if typ == "version" {
			continue
		}
		if !slices.Equal(ours.shapes[typ], keys) {
			t.Errorf("indigo's %s messages have %q, OpenTofu's %q", typ, ours.shapes[typ], keys)
		}
	}
	if !slices.Equal(ours.runs, theirs.runs) || ours.summary != theirs.summary {
		t.Errorf("indigo test -json runs %q and summary %s, OpenTofu's %q and %s\nindigo:\n%s\nOpenTofu:\n%s",
			ours.runs, ours.summary, theirs.runs, theirs.summary, indigoJSON, tofuJSON)
	}
}

// jsonTestMessages is what a test -json output says, reduced to what
// indigo's and OpenTofu's must share.
type jsonTestMessages struct {
	// shapes are the fields of each type of message: its top-level
	// keys, and those of the object named like the type (test_run.run).
	shapes map[string][]string
	// runs are "file run status" of each test_run message.
	runs []string
	// summary is the test_summary object.
	summary string
}

// testMessages reads the lines of test -json output; with strict, every
// line must be a message with @level, @message, @module, @timestamp and
// type (OpenTofu may print warnings about its CLI configuration first).
func testMessages(t *testing.T, out string, strict bool) jsonTestMessages {
	t.Helper()
	m := jsonTestMessages{shapes: map[string][]string{}}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var msg map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &msg); err != nil {
			if strict {
				t.Errorf("not a JSON message: %q", line)
			}
			continue
		}
		for _, k := range []string{"@level", "@message", "@module", "@timestamp", "type"} {
			if _, ok := msg[k]; !ok {
				t.Errorf("message without %s: %s", k, line)
			}
		}
		var typ string
		_ = json.Unmarshal(msg["type"], &typ)
		keys := slices.Sorted(maps.Keys(msg))
		var inner map[string]json.RawMessage
		if json.Unmarshal(msg[typ], &inner) == nil && typ != "diagnostic" && typ != "test_abstract" {
			for k := range inner {
				keys = append(keys, typ+"."+k)
			}
		}
		slices.Sort(keys)
		m.shapes[typ] = slices.Compact(append(m.shapes[typ], keys...))
		slices.Sort(m.shapes[typ])
		m.shapes[typ] = slices.Compact(m.shapes[typ])
		switch typ {
		case "test_run":
			var r struct{ Path, Run, Status string }
			_ = json.Unmarshal(msg[typ], &r)
			m.runs = append(m.runs, r.Path+" "+r.Run+" "+r.Status)
		case "test_summary":
			// Decoded and encoded again: keys in one order.
			var v map[string]any
			_ = json.Unmarshal(msg[typ], &v)
			b, _ := json.Marshal(v)
			m.summary = string(b)
		}
	}
	return m
}

// TestTerraformTestMocksAgreeWithOpenTofu: mock_provider and
// override_resource answer for a provider that is never called (its site
// root is never written), with the same verdicts from indigo test and
// OpenTofu's test command, both using the indigo provider from one mirror.
func TestTerraformTestMocksAgreeWithOpenTofu(t *testing.T) {
	agreeWithTofuOverIndigo(t, 4, map[string]string{
		"main.tf": `
terraform {
  required_providers {
    indigo = { source = "registry.terraform.io/indigo-cloud/indigo" }
  }
}
provider "indigo" {
  root = "site"
}
resource "indigo_file" "f" {
  path    = "f.txt"
  content = "x"
}
resource "terraform_data" "d" {
  input = indigo_file.f.id
}
data "indigo_file" "r" {
  path = "readme.txt"
}
output "id" {
  value = indigo_file.f.id
}
output "size" {
  value = indigo_file.f.size
}
output "readme" {
  value = data.indigo_file.r.content
}
`,
		"tests/mock.tftest.hcl": `
mock_provider "indigo" {
  mock_resource "indigo_file" {
    defaults = { id = "mocked-id" }
  }
  mock_data "indigo_file" {
    defaults = { content = "mocked readme" }
  }
}
run "mocked" {
  assert {
    condition     = output.id == "mocked-id" && output.size == 0
    error_message = "id ${output.id} size ${output.size}"
  }
  assert {
    condition     = output.readme == "mocked readme" && terraform_data.d.output == "mocked-id"
    error_message = "readme ${output.readme}"
  }
}
run "made_up" {
  assert {
    condition     = length(indigo_file.f.id) > 0
    error_message = "no id"
  }
}
run "overridden" {
  override_resource {
    target = indigo_file.f
    values = { id = "over" }
  }
  assert {
    condition     = output.id == "over"
    error_message = "id ${output.id}"
  }
}
run "wrong" {
  assert {
    condition     = output.size == 1
    error_message = "size is ${output.size}"
  }
}
`,
	})
}

// agreeWithTofuOverIndigo runs indigo test and OpenTofu's test command on
// files whose configuration uses the indigo provider (one mirror for
// both), and compares the want verdicts they give; a mocked provider must
// not have written its site.
func agreeWithTofuOverIndigo(t *testing.T, want int, files map[string]string) (indigoOut, tofuOut string) {
	t.Helper()
	tofu := testsrv.TofuBinary(t)
	plugins := providerForTerraform(t)
	rc := filepath.Join(t.TempDir(), "terraform.rc")
	if err := os.WriteFile(rc, []byte(fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path    = %q\n    include = [\"registry.terraform.io/indigo-cloud/indigo\"]\n  }\n}\n", plugins)), 0o644); err != nil {
		t.Fatal(err)
	}
	r := newCLIRun(t, files, "TF_CLI_CONFIG_FILE="+rc)
	r.ok("init", "-input=false")
	indigoOut, code := r.indigo("test")
	if code != 1 {
		t.Errorf("indigo test: exit %d, want 1 (run wrong fails)", code)
	}
	if _, err := os.Stat(filepath.Join(r.dir, "site")); !os.IsNotExist(err) {
		t.Errorf("the mocked provider wrote its site: %v", err)
	}
	cmd := exec.Command(tofu, "init", "-input=false")
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), "HOME="+r.dir, "CHECKPOINT_DISABLE=1", "TF_CLI_CONFIG_FILE="+rc, "NO_COLOR=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tofu init: %v\n%s", err, out)
	}
	env := cmd.Env
	cmd = exec.Command(tofu, "test", "-no-color")
	cmd.Dir, cmd.Env = r.dir, env
	out, _ := cmd.CombinedOutput()
	tofuOut = string(out)
	got, wantV := verdicts(indigoOut), verdicts(tofuOut)
	if len(wantV) != want {
		t.Fatalf("tofu test gave %d verdicts, want %d:\n%s", len(wantV), want, tofuOut)
	}
	if !slices.Equal(got, wantV) {
		t.Errorf("indigo test verdicts %q, OpenTofu's %q\nindigo:\n%s\nOpenTofu:\n%s", got, wantV, indigoOut, tofuOut)
	}
	return indigoOut, tofuOut
}

// TestTerraformTestProvidersAgreeWithOpenTofu: a run's providers attribute
// gives the configuration's provider the file's aliased provider block or
// an aliased mock_provider; without it the file's unaliased block
// configures it. Each reads readme.txt from its own site.
func TestTerraformTestProvidersAgreeWithOpenTofu(t *testing.T) {
	agreeWithTofuOverIndigo(t, 5, map[string]string{
		"main.tf": `
terraform {
  required_providers {
    indigo = { source = "registry.terraform.io/indigo-cloud/indigo" }
  }
}
provider "indigo" {
  root = "site"
}
data "indigo_file" "r" {
  path = "readme.txt"
}
output "readme" {
  value = data.indigo_file.r.content
}
`,
		"site-a/readme.txt": "A\n",
		"site-b/readme.txt": "B\n",
		"tests/providers.tftest.hcl": `
provider "indigo" {
  root = "site-a"
}
provider "indigo" {
  alias = "b"
  root  = "site-b"
}
mock_provider "indigo" {
  alias = "fake"
  mock_data "indigo_file" {
    defaults = { content = "mocked" }
  }
}
run "file_default" {
  assert {
    condition     = output.readme == "A\n"
    error_message = "readme ${output.readme}"
  }
}
run "alternate" {
  providers = {
    indigo = indigo.b
  }
  assert {
    condition     = output.readme == "B\n"
    error_message = "readme ${output.readme}"
  }
}
run "mocked" {
  providers = {
    indigo = indigo.fake
  }
  assert {
    condition     = output.readme == "mocked"
    error_message = "readme ${output.readme}"
  }
}
run "wrong" {
  providers = {
    indigo = indigo.b
  }
  assert {
    condition     = output.readme == "A\n"
    error_message = "readme ${output.readme}"
  }
}
run "default_again" {
  command = plan
  assert {
    condition     = output.readme == "A\n"
    error_message = "readme ${output.readme}"
  }
}
`,
	})
}

// tofuTestIn returns what runs OpenTofu in dir, with no CLI configuration,
// and gives its output whatever its exit status (tofu test exits 1 when a
// run fails, which these tests want).
func tofuTestIn(tofu, dir string) func(args ...string) string {
	return func(args ...string) string {
		cmd := exec.Command(tofu, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "HOME="+dir, "CHECKPOINT_DISABLE=1", "TF_CLI_CONFIG_FILE=", "NO_COLOR=1")
		out, _ := cmd.CombinedOutput()
		return string(out)
	}
}

// verdicts are the verdict lines of indigo test's or tofu test's output.
func verdicts(out string) []string {
	return regexp.MustCompile(`run "[a-z_0-9]+"\.\.\. (pass|fail|skip)`).FindAllString(out, -1)
}

// FuzzParseTestFile: any test file parses to a result or located errors,
// never a panic.
func FuzzParseTestFile(f *testing.F) {
	for _, seed := range []string{passingTests, failingTests, "mock_provider \"a\" {\n  mock_resource \"a_b\" {\n    defaults = { id = 1 }\n  }\n}\n",
		"run \"x\" {\n  override_resource {\n    target = a_b.c\n    values = {}\n  }\n  plan_options {\n    mode = refresh-only\n    target = [a.b]\n  }\n}\n"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "f.tftest.hcl"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		tf, diags := parseTestFile(hclparse.NewParser(), dir, "f.tftest.hcl")
		if tf == nil && !diags.HasErrors() {
			t.Fatal("no file and no error")
		}
		for _, d := range diags {
			if d.Severity == hcl.DiagError && d.Summary == "" {
				t.Fatalf("an error without a summary: %v", d)
			}
		}
	})
}

// TestTerraformTestParallel: with test { parallel = true }, runs with
// different state keys that read nothing of each other run at the same
// time (a and b each wait for the other's file: one after the other they
// would both time out); a run that reads another's output or shares its
// state waits for it; runs with the same state_key share a state, others
// do not; parallel = false runs alone; verdicts print in the file's order.
func TestTerraformTestParallel(t *testing.T) {
	r := newCLIRun(t, map[string]string{
		"main.tf": `
variable "me" {
  type = string
}
variable "other" {
  type = string
}
resource "terraform_data" "d" {
  input = var.me
  provisioner "local-exec" {
    command = "touch ${var.me}.ready; for i in $(seq 1 100); do [ -f ${var.other}.ready ] && exit 0; sleep 0.1; done; exit 1"
  }
}
output "me" {
  value = terraform_data.d.output
}
`,
		"tests/par.tftest.hcl": `
test {
  parallel = true
}
run "a" {
  state_key = "a"
  variables {
    me    = "a"
    other = "b"
  }
}
run "b" {
  state_key = "b"
  variables {
    me    = "b"
    other = "a"
  }
}
run "reads_a" {
  state_key = "c"
  variables {
    me    = "${run.a.me}2"
    other = "a"
  }
  assert {
    condition     = output.me == "a2"
    error_message = "me is ${output.me}"
  }
}
run "shares_a" {
  state_key = "a"
  command   = plan
  variables {
    me    = "a"
    other = "b"
  }
  assert {
    condition     = terraform_data.d.id != ""
    error_message = "no id"
  }
}
run "fresh" {
  state_key = "d"
  command   = plan
  variables {
    me    = "x"
    other = "x"
  }
  assert {
    condition     = terraform_data.d.id != ""
    error_message = "no id"
  }
}
run "alone" {
  parallel = false
  variables {
    me    = "e"
    other = "e"
  }
}
`,
	})
	r.ok("init", "-input=false")
	out, code := r.indigo("test")
	if code != 1 {
		t.Errorf("indigo test: exit %d, want 1 (run fresh fails)", code)
	}
	got := verdicts(out)
	want := []string{`run "a"... pass`, `run "b"... pass`, `run "reads_a"... pass`, `run "shares_a"... pass`, `run "fresh"... fail`, `run "alone"... pass`}
	if !slices.Equal(got, want) {
		t.Errorf("verdicts %q, want %q:\n%s", got, want, out)
	}
	if !strings.Contains(out, "Unknown condition value") || !strings.Contains(out, "Failure! 5 passed, 1 failed.") {
		t.Errorf("indigo test output:\n%s", out)
	}

	// A parallel that is not a bool is an error at its place.
	bad := newCLIRun(t, map[string]string{"main.tf": `output "x" { value = 1 }`, "x.tftest.hcl": `
test {
  parallel = "yes"
}
run "a" {
  state_key = 3
}
`})
	bad.ok("init", "-input=false")
	out = bad.fails("Invalid parallel", "test")
	if !strings.Contains(out, "x.tftest.hcl line 3") || !strings.Contains(out, "Invalid state_key") {
		t.Errorf("indigo test on a bad test file:\n%s", out)
	}
}

// TestTerraformTestOverrideDuring: with override_during = plan, a mock's
// or an override's values are in the plan already, so a plan run can
// assert on them; by default they come at apply and a plan run sees them
// unknown. A value that is neither plan nor apply is an error at its
// place.
func TestTerraformTestOverrideDuring(t *testing.T) {
	r := newCLIRun(t, map[string]string{
		"main.tf": `
resource "indigo_file" "f" {
  path    = "out/f.txt"
  content = "x"
}
resource "indigo_file" "g" {
  path    = "out/g.txt"
  content = "y"
}
resource "terraform_data" "d" {
  input = indigo_file.f.id
}
`,
		"tests/during.tftest.hcl": `
mock_provider "indigo" {
  mock_resource "indigo_file" {
    defaults        = { id = "planned-id" }
    override_during = plan
  }
}
override_resource {
  target          = indigo_file.g
  values          = { id = "g-at-plan" }
  override_during = plan
}
run "planned" {
  command = plan
  assert {
    condition     = indigo_file.f.id == "planned-id" && indigo_file.g.id == "g-at-plan" && indigo_file.f.size == 0
    error_message = "ids ${indigo_file.f.id} ${indigo_file.g.id}"
  }
  assert {
    condition     = terraform_data.d.input == "planned-id"
    error_message = "input ${terraform_data.d.input}"
  }
}
run "at_apply" {
  command = plan
  override_resource {
    target = indigo_file.f
    values = { id = "later" }
  }
  assert {
    condition     = indigo_file.f.id == "later"
    error_message = "id ${indigo_file.f.id}"
  }
}
run "applied" {
  assert {
    condition     = indigo_file.f.id == "planned-id" && terraform_data.d.output == "planned-id"
    error_message = "id ${indigo_file.f.id}"
  }
}
`,
	})
	r.ok("init", "-input=false")
	out, code := r.indigo("test")
	if code != 1 {
		t.Errorf("indigo test: exit %d, want 1 (run at_apply fails)", code)
	}
	got := verdicts(out)
	want := []string{`run "planned"... pass`, `run "at_apply"... fail`, `run "applied"... pass`}
	if !slices.Equal(got, want) || !strings.Contains(out, "Unknown condition value") {
		t.Errorf("verdicts %q, want %q:\n%s", got, want, out)
	}
	if _, err := os.Stat(filepath.Join(r.dir, "out")); !os.IsNotExist(err) {
		t.Errorf("the mocked provider wrote files: %v", err)
	}

	bad := newCLIRun(t, map[string]string{"main.tf": `output "x" { value = 1 }`, "x.tftest.hcl": `
override_resource {
  target          = indigo_file.f
  override_during = later
}
`})
	bad.ok("init", "-input=false")
	out = bad.fails("Invalid override_during", "test")
	if !strings.Contains(out, "x.tftest.hcl line 4") {
		t.Errorf("indigo test on a bad test file:\n%s", out)
	}
}

// TestTerraformTestRemoteModule: a run's module block may name a module
// in git (as well as a registry, an archive or S3): indigo test installs
// it as init installs module calls, keeps it so that later tests run
// without the source, and gives the same verdicts as OpenTofu's test
// command after tofu init.
func TestTerraformTestRemoteModule(t *testing.T) {
	repo := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	if err := os.MkdirAll(filepath.Join(repo, "setup"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "setup", "main.tf"), []byte(testedSetup), 0o644); err != nil {
		t.Fatal(err)
	}
	git("init", "-q")
	git("add", ".")
	git("commit", "-q", "-m", "setup")
	git("tag", "v1")
	src := "git::file://" + repo + "//setup?ref=v1"
	files := map[string]string{
		"main.tf": `
variable "name" {
  type = string
}
variable "prefix" {
  default = "p"
}
resource "terraform_data" "d" {
  input = "${var.prefix}-${upper(var.name)}"
}
output "value" {
  value = terraform_data.d.output
}
`,
		"tests/remote.tftest.hcl": fmt.Sprintf(`
variables {
  name = "alpha"
}
run "setup" {
  module {
    source = %q
  }
}
run "seeded" {
  variables {
    prefix = run.setup.seed
  }
  assert {
    condition     = output.value == "seed-42-ALPHA"
    error_message = "value is ${output.value}"
  }
}
run "wrong" {
  assert {
    condition     = output.value == "nope"
    error_message = "value is ${output.value}"
  }
}
`, src),
	}
	r := newCLIRun(t, files)
	r.ok("init", "-input=false")
	out, code := r.indigo("test")
	if code != 1 {
		t.Errorf("indigo test: exit %d, want 1 (run wrong fails)", code)
	}
	want := []string{`run "setup"... pass`, `run "seeded"... pass`, `run "wrong"... fail`}
	if got := verdicts(out); !slices.Equal(got, want) {
		t.Errorf("verdicts %q, want %q:\n%s", got, want, out)
	}

	tofu := testsrv.TofuBinary(t)
	runTofu := tofuTestIn(tofu, newCLIRun(t, files).dir)
	runTofu("init", "-input=false")
	if tofuOut := runTofu("test", "-no-color"); !slices.Equal(verdicts(tofuOut), want) {
		t.Errorf("tofu test verdicts %q, want %q:\n%s", verdicts(tofuOut), want, tofuOut)
	}

	// Installed once, the module needs its source no more.
	if err := os.RemoveAll(repo); err != nil {
		t.Fatal(err)
	}
	out, _ = r.indigo("test")
	if got := verdicts(out); !slices.Equal(got, want) {
		t.Errorf("without the repository, verdicts %q, want %q:\n%s", got, want, out)
	}

	bad := newCLIRun(t, map[string]string{"main.tf": testedModule, "x.tftest.hcl": `
run "a" {
  module {
    source  = "git::https://example.com/m.git"
    version = "1.0.0"
  }
}
run "b" {
  module {
    source = "nope::x"
  }
}
`})
	bad.ok("init", "-input=false")
	out = bad.fails("Version for a module not from a registry", "test")
	if !strings.Contains(out, "x.tftest.hcl line 5") || !strings.Contains(out, "x.tftest.hcl line 10") {
		t.Errorf("indigo test on a bad test file:\n%s", out)
	}
}
