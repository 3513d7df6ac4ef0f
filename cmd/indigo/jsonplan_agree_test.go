package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/providers/plugin/plugintest"
)

// jsonPlanConfigs are two generations of a configuration of hashicorp/local
// files with for_each, count, a sensitive file, a data source read at plan,
// a module and outputs; the second (made by init) changes, keeps and
// replaces objects.
var jsonPlanConfigs = []map[string]string{{
	"main.tf": `
terraform {
  required_providers {
    local = {
      source  = "registry.terraform.io/hashicorp/local"
      version = "~> 2.5"
    }
  }
}
variable "names" {
  default = ["a", "b"]
}
variable "secret" {
  default   = "hunter2"
  sensitive = true
}
resource "local_file" "f" {
  for_each = toset(var.names)
  filename = "${path.module}/out/${each.key}.txt"
  content  = "hello ${each.key}\n"
}
resource "local_sensitive_file" "s" {
  filename = "${path.module}/out/s.txt"
  content  = var.secret
}
resource "local_file" "dep" {
  count    = 2
  filename = "${path.module}/out/dep${count.index}.txt"
  content  = local_file.f["a"].id
}
data "local_file" "read" {
  filename = "${path.module}/mod/main.tf"
}
module "m" {
  source = "./mod"
  n      = 1
}
output "ids" {
  value = [for f in local_file.f : f.id]
}
output "len" {
  value = length(data.local_file.read.content) > 0
}
output "files" {
  value = module.m.x
}
output "sec" {
  value     = local_sensitive_file.s.content
  sensitive = true
}
`,
	"mod/main.tf": `
terraform {
  required_providers {
    local = { source = "registry.terraform.io/hashicorp/local" }
  }
}
variable "n" {}
resource "local_file" "x" {
  count    = var.n
  filename = "${path.module}/../out/mod${count.index}.txt"
  content  = "m"
}
output "x" {
  value = local_file.x[*].filename
}
`,
}}

func init() {
	// The second generation: f loses b and gains c, dep goes from two to
	// one and reads f["c"] (a replacement), the module makes two files.
	next := map[string]string{}
	for name, src := range jsonPlanConfigs[0] {
		next[name] = strings.NewReplacer(`["a", "b"]`, `["a", "c"]`, "count    = 2", "count    = 1",
			`local_file.f["a"].id`, `local_file.f["c"].id`, "n      = 1", "n      = 2").Replace(src)
	}
	jsonPlanConfigs = append(jsonPlanConfigs, next)
}

// jsonPlanDeparts are the places where indigo's JSON plan says something
// else than OpenTofu's, on purpose (docs/json-plan.md):
//   - indigo holds null where the value is a secret: it never writes one
//     in clear;
//   - prior_state's outputs: OpenTofu fills them with the outputs the plan
//     computes, which are not the prior state's;
//   - prior_state's resources have no depends_on (a plan file does not
//     carry the state's dependencies);
//   - the sensitive_values of a replaced object in planned_values: OpenTofu
//     drops the provider schema's sensitive attributes there (and keeps
//     them in after_sensitive), indigo keeps them in both.
var jsonPlanDeparts = regexp.MustCompile(`^(resource_changes\[local_sensitive_file\.s\]\.change\.(after|before)\.content(_base64)?|` +
	`planned_values\.root_module\.resources\[local_sensitive_file\.s\]\.values\.content(_base64)?|` +
	`prior_state\.values\.root_module\.resources\[local_sensitive_file\.s\]\.values\.content(_base64)?|` +
	`output_changes\.sec\.(after|before)|planned_values\.outputs\.sec\.value|` +
	`variables\.secret\.(value|sensitive)|configuration\.root_module\.variables\.secret\.default|` +
	`prior_state\.values\.outputs.*|prior_state\.values\.root_module\.resources\[.+\]\.depends_on|` +
	`planned_values\.root_module\.resources\[local_file\.dep\[0\]\]\.sensitive_values\.sensitive_content)$`)

// TestJSONPlanAgreesWithOpenTofu: indigo's show -json of a saved plan
// says what OpenTofu's says of the same configuration and provider
// binary, generation after generation (create; update, replace, delete
// and no-op): the changes with their values and mirrors, the planned
// values, the outputs, the variables and the configuration, but for the
// secrets indigo leaves out and the keys each tool adds of its own.
func TestJSONPlanAgreesWithOpenTofu(t *testing.T) {
	tofu := testsrv.TofuBinary(t)
	cli := localMirror(t, plugintest.RealProvider(t, plugintest.LocalModule, plugintest.LocalVersion))
	r := newCLIRun(t, nil, "TF_CLI_CONFIG_FILE="+cli)
	tofuDir := t.TempDir()
	tofuRun := func(args ...string) string {
		t.Helper()
		return tofuEnvIn(t, tofu, tofuDir, []string{"TF_CLI_CONFIG_FILE=" + cli}, args...)
	}
	for gen, files := range jsonPlanConfigs {
		for _, dir := range []string{r.dir, tofuDir} {
			for name, src := range files {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		if gen == 0 {
			r.ok("init", "-input=false")
			tofuRun("init", "-input=false")
		}
		r.ok("plan", "-input=false", "-out=p.plan")
		tofuRun("plan", "-input=false", "-out=p.plan")
		var mine, theirs map[string]any
		if err := json.Unmarshal([]byte(r.ok("show", "-json", "p.plan")), &mine); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(tofuRun("show", "-json", "p.plan")), &theirs); err != nil {
			t.Fatal(err)
		}
		if d := os.Getenv("INDIGO_KEEP_JSON"); d != "" {
			_ = os.WriteFile(filepath.Join(d, fmt.Sprintf("indigo-%d.json", gen)), []byte(r.ok("show", "-json", "p.plan")), 0o644)
			_ = os.WriteFile(filepath.Join(d, fmt.Sprintf("tofu-%d.json", gen)), []byte(tofuRun("show", "-json", "p.plan")), 0o644)
		}
		var diffs []string
		for _, key := range []string{"resource_changes", "output_changes", "planned_values", "variables", "configuration", "prior_state"} {
			diffJSON(&diffs, key, byAddress(mine[key]), byAddress(theirs[key]))
		}
		for _, d := range diffs {
			t.Errorf("generation %d: %s", gen, d)
		}
		r.ok("apply", "-input=false", "p.plan")
		tofuRun("apply", "-input=false", "p.plan")
	}
}

// byAddress turns the arrays of objects with an address (resource
// changes, resources) into maps by address, recursively, so that order
// does not count and a difference names the resource.
func byAddress(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if k == "terraform_version" || k == "timestamp" {
				continue
			}
			out[k] = byAddress(e)
		}
		return out
	case []any:
		keyed := map[string]any{}
		for _, e := range x {
			m, ok := e.(map[string]any)
			addr, _ := m["address"].(string)
			if !ok || addr == "" {
				out := make([]any, len(x))
				for i, e := range x {
					out[i] = byAddress(e)
				}
				return out
			}
			keyed["["+addr+"]"] = byAddress(m)
		}
		return keyed
	}
	return v
}

// diffJSON lists where mine and theirs differ, by path, but for
// jsonPlanDeparts and for the keys only one tool writes (indigo's own and
// site; OpenTofu's relevant_attributes and a module variable's required).
func diffJSON(diffs *[]string, path string, mine, theirs any) {
	if jsonPlanDeparts.MatchString(strings.ReplaceAll(path, ".[", "[")) {
		return
	}
	mm, ok1 := mine.(map[string]any)
	tm, ok2 := theirs.(map[string]any)
	if ok1 && ok2 {
		keys := map[string]bool{}
		for k := range mm {
			keys[k] = true
		}
		for k := range tm {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			if k == "indigo" || k == "site" || k == "required" && strings.Contains(path, ".variables.") {
				continue
			}
			diffJSON(diffs, path+"."+k, mm[k], tm[k])
		}
		return
	}
	ml, ok1 := mine.([]any)
	tl, ok2 := theirs.([]any)
	if ok1 && ok2 && len(ml) == len(tl) {
		for i := range ml {
			diffJSON(diffs, fmt.Sprintf("%s[%d]", path, i), ml[i], tl[i])
		}
		return
	}
	a, _ := json.Marshal(mine)
	b, _ := json.Marshal(theirs)
	if string(a) != string(b) {
		*diffs = append(*diffs, fmt.Sprintf("%s: indigo %s, OpenTofu %s", path, a, b))
	}
}

// TestConsoleAgreesWithOpenTofu: after both apply the same configuration,
// indigo console and tofu console print the same for the same
// expressions: values of every type in the same notation, what the state
// records for resources, data sources and module outputs.
func TestConsoleAgreesWithOpenTofu(t *testing.T) {
	tofu := testsrv.TofuBinary(t)
	cli := localMirror(t, plugintest.RealProvider(t, plugintest.LocalModule, plugintest.LocalVersion))
	r := newCLIRun(t, jsonPlanConfigs[0], "TF_CLI_CONFIG_FILE="+cli)
	tofuDir := t.TempDir()
	for name, src := range jsonPlanConfigs[0] {
		p := filepath.Join(tofuDir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{"TF_CLI_CONFIG_FILE=" + cli}
	r.ok("init", "-input=false")
	r.ok("apply", "-auto-approve", "-input=false")
	tofuEnvIn(t, tofu, tofuDir, env, "init", "-input=false")
	tofuEnvIn(t, tofu, tofuDir, env, "apply", "-auto-approve", "-input=false")
	exprs := strings.Join([]string{
		`var.names`, `{a = 1, b = [1, 2], "with space" = tomap({x = "y"})}`, `toset(["b", "a"])`, `tolist([])`, `[]`, `{}`,
		`null`, `tostring(null)`, `1.5e3`, `1/3`, `-5`, `true`, `"multi\nline"`, `"a\n"`, `["x\ny"]`, `{a = "x\ny\n"}`,
		`"tab\there \"q\" é"`, `{a = sensitive("x"), b = 1}`, `tolist([{a = null}])`,
		`local_file.f["a"].filename`, `[for k, v in local_file.f : k]`, `module.m.x`, `data.local_file.read.filename`,
		`local_sensitive_file.s.content`, `length(local_file.dep)`, `jsonencode({a = 1})`,
	}, "\n") + "\n"
	mine := r.indigoStdin(exprs, "console")
	cmd := exec.Command(tofu, "console")
	cmd.Dir = tofuDir
	cmd.Env = append(os.Environ(), "HOME="+tofuDir, "CHECKPOINT_DISABLE=1", "TF_CLI_CONFIG_FILE="+cli)
	cmd.Stdin = strings.NewReader(exprs)
	theirs, err := cmd.Output()
	if err != nil {
		t.Fatalf("tofu console: %v", err)
	}
	if mine != string(theirs) {
		t.Errorf("console output differs\nindigo:\n%s\nOpenTofu:\n%s", mine, theirs)
	}
}
