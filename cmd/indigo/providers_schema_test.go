package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/providers/plugin/plugintest"
)

// schemaConfig requires hashicorp/local and uses the built-in terraform
// provider (terraform_data), so that both tools print both.
const schemaConfig = `terraform {
  required_providers {
    local = { source = "registry.terraform.io/hashicorp/local" }
  }
}

resource "terraform_data" "x" {}
`

// schemaRun is a directory holding schemaConfig, with the CLI
// configuration that installs hashicorp/local from a local mirror.
type schemaRun struct {
	t        *testing.T
	dir, cli string
	// env is added to indigo's environment.
	env []string
}

func newSchemaRun(t *testing.T) schemaRun {
	t.Helper()
	cli := localMirror(t, plugintest.RealProvider(t, plugintest.LocalModule, plugintest.LocalVersion))
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(schemaConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	return schemaRun{t: t, dir: dir, cli: cli}
}

// indigo runs indigo in the run's directory and returns its standard
// output and standard error apart, and its exit code.
func (r schemaRun) indigo(args ...string) (string, string, int) {
	r.t.Helper()
	cmd := indigoCmd(r.t, r.dir, args...)
	cmd.Env = append(append(cmd.Env, "TF_CLI_CONFIG_FILE="+r.cli, "HOME="+r.dir, "TF_DATA_DIR="), r.env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		r.t.Fatalf("indigo %s: %v", strings.Join(args, " "), err)
	}
	return string(out), stderr.String(), cmd.ProcessState.ExitCode()
}

// schemas decodes a providers schema -json document.
func schemas(t *testing.T, who, out string) map[string]any {
	t.Helper()
	var doc struct {
		FormatVersion   string         `json:"format_version"`
		ProviderSchemas map[string]any `json:"provider_schemas"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%s providers schema -json: %v\n%s", who, err, out)
	}
	if doc.FormatVersion != "1.0" {
		t.Errorf("%s: format_version %q, want 1.0", who, doc.FormatVersion)
	}
	return doc.ProviderSchemas
}

// TestProvidersSchemaAgreesWithOpenTofu: indigo providers schema -json
// prints for hashicorp/local exactly what OpenTofu prints for the same
// binary (every attribute's type, flags, descriptions and their kind, the
// deprecation messages, the ephemeral resources and the functions).
func TestProvidersSchemaAgreesWithOpenTofu(t *testing.T) {
	tofu := testsrv.TofuBinary(t)
	r := newSchemaRun(t)

	// Before init there is nothing to start: the error says what to do.
	if _, stderr, code := r.indigo("providers", "schema", "-json"); code == 0 || !strings.Contains(stderr, "hashicorp/local") || !strings.Contains(stderr, "indigo init") {
		t.Fatalf("schema before init: exit %d, want a failure naming hashicorp/local and indigo init:\n%s", code, stderr)
	}
	if out, stderr, code := r.indigo("init", "-input=false"); code != 0 {
		t.Fatalf("init: exit %d\n%s%s", code, out, stderr)
	}
	if _, stderr, code := r.indigo("providers", "schema"); code == 0 || !strings.Contains(stderr, "-json") {
		t.Errorf("schema without -json: exit %d, want a failure asking for -json:\n%s", code, stderr)
	}
	out, stderr, code := r.indigo("providers", "schema", "-json")
	if code != 0 {
		t.Fatalf("providers schema -json: exit %d\n%s", code, stderr)
	}
	mine := schemas(t, "indigo", out)

	tofuDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(tofuDir, "main.tf"), []byte(schemaConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"TF_CLI_CONFIG_FILE=" + r.cli}
	tofuEnvIn(t, tofu, tofuDir, env, "init", "-input=false")
	theirs := schemas(t, "OpenTofu", tofuEnvIn(t, tofu, tofuDir, env, "providers", "schema", "-json"))

	const local = "registry.terraform.io/hashicorp/local"
	if mine[local] == nil || theirs[local] == nil {
		t.Fatalf("%s missing: indigo has %v, OpenTofu has %v", local, keys(mine), keys(theirs))
	}
	var diffs []string
	diffJSON(&diffs, local, mine[local], theirs[local])
	for _, d := range diffs {
		t.Error(d)
	}
	// The comparison must have had something to compare.
	lp := mine[local].(map[string]any)
	for _, k := range []string{"provider", "resource_schemas", "data_source_schemas", "ephemeral_resource_schemas", "functions"} {
		if lp[k] == nil {
			t.Errorf("%s has no %s", local, k)
		}
	}
}

// TestProvidersSchemaBuiltinTerraform: the built-in terraform provider's
// entry has what OpenTofu's has (terraform_data, terraform_remote_state
// and the three functions) with the same types and flags. The descriptions
// are indigo's own, and terraform_remote_state has sensitive_outputs too.
func TestProvidersSchemaBuiltinTerraform(t *testing.T) {
	tofu := testsrv.TofuBinary(t)
	r := newSchemaRun(t)
	if out, stderr, code := r.indigo("init", "-input=false"); code != 0 {
		t.Fatalf("init: exit %d\n%s%s", code, out, stderr)
	}
	out, stderr, code := r.indigo("providers", "schema", "-json")
	if code != 0 {
		t.Fatalf("providers schema -json: exit %d\n%s", code, stderr)
	}
	tofuDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(tofuDir, "main.tf"), []byte(schemaConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"TF_CLI_CONFIG_FILE=" + r.cli}
	tofuEnvIn(t, tofu, tofuDir, env, "init", "-input=false")

	const builtin = "terraform.io/builtin/terraform"
	mine, _ := schemas(t, "indigo", out)[builtin].(map[string]any)
	theirs, _ := schemas(t, "OpenTofu", tofuEnvIn(t, tofu, tofuDir, env, "providers", "schema", "-json"))[builtin].(map[string]any)
	if mine == nil || theirs == nil {
		t.Fatalf("%s missing: indigo %v, OpenTofu %v", builtin, mine != nil, theirs != nil)
	}

	// Attributes: the same type and flags; indigo may have more.
	attrs := func(p map[string]any, kind, typ string) map[string]any {
		s, _ := p[kind].(map[string]any)
		rs, _ := s[typ].(map[string]any)
		b, _ := rs["block"].(map[string]any)
		a, _ := b["attributes"].(map[string]any)
		if a == nil {
			t.Fatalf("%s %s: no attributes", kind, typ)
		}
		return a
	}
	for _, rt := range [][2]string{{"resource_schemas", "terraform_data"}, {"data_source_schemas", "terraform_remote_state"}} {
		ma, ta := attrs(mine, rt[0], rt[1]), attrs(theirs, rt[0], rt[1])
		for name, tv := range ta {
			mv, ok := ma[name].(map[string]any)
			if !ok {
				t.Errorf("%s %s: no attribute %s", builtin, rt[1], name)
				continue
			}
			tm := tv.(map[string]any)
			for _, k := range []string{"type", "required", "optional", "computed", "sensitive", "deprecated"} {
				var diffs []string
				diffJSON(&diffs, rt[1]+"."+name+"."+k, mv[k], tm[k])
				for _, d := range diffs {
					t.Error(d)
				}
			}
			if kind := mv["description_kind"]; kind != "plain" && kind != "markdown" {
				t.Errorf("%s.%s: description_kind %v", rt[1], name, kind)
			}
		}
	}

	// Functions: the same names, return types and parameter types.
	mf, _ := mine["functions"].(map[string]any)
	tf, _ := theirs["functions"].(map[string]any)
	if len(tf) == 0 || len(mf) != len(tf) {
		t.Fatalf("functions: indigo %v, OpenTofu %v", keys(mf), keys(tf))
	}
	for name, tv := range tf {
		mv, ok := mf[name].(map[string]any)
		if !ok {
			t.Errorf("function %s missing", name)
			continue
		}
		tm := tv.(map[string]any)
		var diffs []string
		diffJSON(&diffs, name+".return_type", mv["return_type"], tm["return_type"])
		mp, _ := mv["parameters"].([]any)
		tp, _ := tm["parameters"].([]any)
		if len(mp) != len(tp) {
			t.Errorf("function %s: %d parameters, OpenTofu %d", name, len(mp), len(tp))
			continue
		}
		for i := range tp {
			diffJSON(&diffs, name+".parameters.type", mp[i].(map[string]any)["type"], tp[i].(map[string]any)["type"])
			if mp[i].(map[string]any)["name"] == "" {
				t.Errorf("function %s: parameter %d has no name", name, i)
			}
		}
		for _, d := range diffs {
			t.Error(d)
		}
		if mv["description"] == nil || mv["summary"] == nil {
			t.Errorf("function %s has no description or summary: %v", name, mv)
		}
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
