package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMovedBetweenResourceTypes: a moved block between resource types
// (Terraform 1.8) hands the object to the new type's provider, which
// converts it (MoveResourceState): indigo_noop to terraform_data, and
// hashicorp/null's null_resource from a Terraform state to terraform_data,
// as HashiCorp's migration guide does it. Nothing is replaced, a second
// plan has no changes, and the old provider is never started (null is not
// even installed). A move the new provider cannot convert is an error.
func TestMovedBetweenResourceTypes(t *testing.T) {
	r := newCLIRun(t, map[string]string{"main.tf": `
resource "indigo_noop" "a" {
  triggers_replace = "t1"
  input            = { x = 1 }
}
`})
	r.ok("init", "-input=false")
	r.ok("apply", "-auto-approve")
	before := r.ok("state", "show", "indigo_noop.a")
	id := between(before, `id               = "`, `"`)
	if id == "" {
		t.Fatalf("no id in:\n%s", before)
	}
	if err := os.WriteFile(filepath.Join(r.dir, "main.tf"), []byte(`
resource "terraform_data" "a" {
  triggers_replace = "t1"
  input            = { x = 1 }
}
moved {
  from = indigo_noop.a
  to   = terraform_data.a
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	r.ok("init", "-input=false")
	out := r.ok("plan")
	if !strings.Contains(out, "indigo_noop.a has moved to terraform_data.a") || !strings.Contains(out, "0 to add, 0 to change, 0 to destroy") {
		t.Errorf("plan of the move:\n%s", out)
	}
	r.ok("apply", "-auto-approve")
	if _, code := r.indigo("plan", "-detailed-exitcode"); code != 0 {
		t.Errorf("plan after the move: exit %d, want 0", code)
	}
	after := r.ok("state", "show", "terraform_data.a")
	if !strings.Contains(after, id) || !strings.Contains(after, `triggers_replace = "t1"`) {
		t.Errorf("terraform_data.a after the move:\n%s\nwas:\n%s", after, before)
	}
	if pulled := r.ok("state", "pull"); !strings.Contains(pulled, `terraform.io/builtin/terraform`) || strings.Contains(pulled, "indigo_noop") {
		t.Errorf("the state after the move:\n%s", pulled)
	}
	// A move the new type's provider cannot convert.
	if err := os.WriteFile(filepath.Join(r.dir, "main.tf"), []byte(`
resource "indigo_directory" "a" {
  path = "d"
}
moved {
  from = terraform_data.a
  to   = indigo_directory.a
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	out = r.fails("Cannot move to another resource type", "plan")
	if !strings.Contains(out, "terraform_data") || !strings.Contains(out, "import") || !strings.Contains(out, "main.tf line 5") {
		t.Errorf("the refusal does not say what to do:\n%s", out)
	}

	// null_resource, from a Terraform working directory's state.
	tf := newCLIRun(t, map[string]string{
		"terraform.tfstate": `{"version": 4, "terraform_version": "1.11.4", "serial": 2, "lineage": "3f0c6d1e-0000-4000-8000-00000000abcd",
  "outputs": {}, "resources": [{"mode": "managed", "type": "null_resource", "name": "legacy",
    "provider": "provider[\"registry.terraform.io/hashicorp/null\"]",
    "instances": [{"schema_version": 0, "attributes": {"id": "6012345678901234567", "triggers": {"version": "3"}}, "sensitive_attributes": []}]}],
  "check_results": null}`,
		"main.tf": `
resource "terraform_data" "legacy" {
  triggers_replace = { version = "3" }
}
moved {
  from = null_resource.legacy
  to   = terraform_data.legacy
}
`})
	tf.ok("init", "-migrate-state", "-input=false")
	out = tf.ok("plan")
	if !strings.Contains(out, "null_resource.legacy has moved to terraform_data.legacy") || !strings.Contains(out, "0 to add, 0 to change, 0 to destroy") {
		t.Errorf("plan of the null_resource move:\n%s", out)
	}
	tf.ok("apply", "-auto-approve")
	if _, code := tf.indigo("plan", "-detailed-exitcode"); code != 0 {
		t.Errorf("plan after the null_resource move: exit %d, want 0", code)
	}
	if shown := tf.ok("state", "show", "terraform_data.legacy"); !strings.Contains(shown, "6012345678901234567") {
		t.Errorf("terraform_data.legacy:\n%s", shown)
	}
	tf.ok("destroy", "-auto-approve")
	if n := tf.instances(DefaultStatePath); n != 0 {
		t.Errorf("%d instances after destroy", n)
	}
}

// between returns the text of s between the first start and the end after it.
func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i+len(start):]
	if j := strings.Index(s, end); j >= 0 {
		return s[:j]
	}
	return ""
}
