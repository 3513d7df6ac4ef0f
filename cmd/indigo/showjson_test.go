package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// filePolicy is a Rego policy of the kind CI pipelines run over `show
// -json` plans: it reads planned_values (every file is created with mode
// 0640) and configuration (every file's configuration says its mode).
const filePolicy = `package indigo.files

deny contains msg if {
	some r in input.planned_values.root_module.resources
	r.type == "indigo_file"
	r.values.file_permission != "0640"
	msg := sprintf("%s: file_permission is %s, want 0640", [r.address, r.values.file_permission])
}

deny contains msg if {
	some r in input.configuration.root_module.resources
	r.type == "indigo_file"
	not r.expressions.file_permission
	msg := sprintf("%s: the configuration does not set file_permission", [r.address])
}
`

const policySecret = "pw-5ecret-literal"

const policyAllowed = `provider "indigo" {
  root = "site"
}

variable "db_password" {
  type      = string
  default   = "pw-from-variable"
  sensitive = true
}

resource "indigo_file" "conf" {
  path            = "app.conf"
  content         = "port = 80\n"
  file_permission = "0640"
}

resource "indigo_file" "pw" {
  path              = "db.pw"
  sensitive_content = var.db_password
  file_permission   = "0640"
}

resource "indigo_file" "token" {
  path              = "token"
  sensitive_content = "` + policySecret + `"
  file_permission   = "0640"
}
`

const policyDenied = `provider "indigo" {
  root = "site"
}

resource "indigo_file" "conf" {
  path            = "app.conf"
  content         = "port = 80\n"
  file_permission = "0644"
}

resource "indigo_file" "loose" {
  path    = "loose.txt"
  content = "x"
}
`

// TestShowJSONPolicyOPA runs a real policy engine (Open Policy Agent, as
// CI pipelines do) over `indigo show -json PLANFILE`: a policy reading
// planned_values and configuration allows one configuration and denies
// another, and no sensitive value reaches the document.
func TestShowJSONPolicyOPA(t *testing.T) {
	opa := testsrv.OPABinary(t)
	policy := filepath.Join(t.TempDir(), "policy.rego")
	if err := os.WriteFile(policy, []byte(filePolicy), 0o644); err != nil {
		t.Fatal(err)
	}
	evaluate := func(r cliRun) []string {
		t.Helper()
		r.ok("init", "-input=false")
		r.ok("plan", "-input=false", "-out=plan.cache")
		js := r.ok("show", "-json", "plan.cache")
		for _, secret := range []string{policySecret, "pw-from-variable"} {
			if strings.Contains(js, secret) {
				t.Fatalf("a sensitive value (%s) appears in show -json:\n%s", secret, js)
			}
		}
		var doc struct {
			FormatVersion string `json:"format_version"`
			Indigo        struct {
				Configuration string `json:"configuration"`
			} `json:"indigo"`
		}
		if err := json.Unmarshal([]byte(js), &doc); err != nil || doc.FormatVersion != "1.2" || doc.Indigo.Configuration != "plan" {
			t.Fatalf("show -json: %v, format %q, configuration %q:\n%s", err, doc.FormatVersion, doc.Indigo.Configuration, js)
		}
		input := filepath.Join(r.dir, "plan.json")
		if err := os.WriteFile(input, []byte(js), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(opa, "eval", "--format", "json", "--data", policy, "--input", input, "data.indigo.files.deny").CombinedOutput()
		if err != nil {
			t.Fatalf("opa eval: %v\n%s", err, out)
		}
		var res struct {
			Result []struct {
				Expressions []struct {
					Value []string `json:"value"`
				} `json:"expressions"`
			} `json:"result"`
		}
		if err := json.Unmarshal(out, &res); err != nil || len(res.Result) != 1 || len(res.Result[0].Expressions) != 1 {
			t.Fatalf("opa eval output: %v\n%s", err, out)
		}
		deny := res.Result[0].Expressions[0].Value
		slices.Sort(deny)
		return deny
	}

	allowed := newCLIRun(t, map[string]string{"main.tf": policyAllowed})
	if deny := evaluate(allowed); len(deny) != 0 {
		t.Errorf("the policy denies a plan it allows: %q", deny)
	}
	// Once the configuration has changed, it is no longer the plan's: the
	// view says so rather than describe another configuration.
	if err := os.WriteFile(filepath.Join(allowed.dir, "more.tf"), []byte("output \"x\" {\n  value = 1\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stale struct {
		Configuration map[string]any `json:"configuration"`
		Indigo        struct {
			Configuration string `json:"configuration"`
		} `json:"indigo"`
	}
	if js := allowed.ok("show", "-json", "plan.cache"); json.Unmarshal([]byte(js), &stale) != nil || stale.Indigo.Configuration != "missing" || fmt.Sprint(stale.Configuration) != "map[root_module:map[]]" {
		t.Errorf("show -json of a plan whose configuration changed:\n%s", js)
	}
	denied := newCLIRun(t, map[string]string{"main.tf": policyDenied})
	deny := evaluate(denied)
	want := []string{
		"indigo_file.conf: file_permission is 0644, want 0640",
		"indigo_file.loose: file_permission is 0644, want 0640",
		"indigo_file.loose: the configuration does not set file_permission",
	}
	if !slices.Equal(deny, want) {
		t.Errorf("deny = %q\nwant %q", deny, want)
	}
}
