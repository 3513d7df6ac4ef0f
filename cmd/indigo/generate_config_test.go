package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenerateConfigOut: plan -generate-config-out writes resource blocks
// for import blocks that have none, from the objects as the providers read
// them, and plans with them; the objects are imported by apply, a later
// plan has nothing to do, destroy removes them. What cannot be generated is
// an error at the import block, and an existing file is never overwritten.
func TestGenerateConfigOut(t *testing.T) {
	r := newCLIRun(t, map[string]string{
		"main.tf": `
import {
  to = indigo_file.existing
  id = "existing.txt"
}
import {
  to = terraform_data.old
  id = "0f9c6c2e-1111-4222-8333-444455556666"
}
`,
		"existing.txt": "made by hand\n",
	})
	r.ok("init", "-input=false")
	out := r.fails("indigo plan -generate-config-out", "plan")
	if !strings.Contains(out, "Import into a resource not in the configuration") {
		t.Errorf("plan without a resource block:\n%s", out)
	}
	out = r.ok("plan", "-generate-config-out=generated.tf")
	if !strings.Contains(out, "Wrote 2 resource block(s)") || !strings.Contains(out, "Plan: 2 to import, 0 to add, 0 to change, 0 to destroy.") {
		t.Errorf("plan -generate-config-out:\n%s", out)
	}
	gen := r.file("generated.tf")
	for _, want := range []string{
		"# __generated__ by indigo from \"existing.txt\"",
		`resource "indigo_file" "existing" {`,
		`content              = "made by hand\n"`,
		`path                 = "existing.txt"`,
		`resource "terraform_data" "old" {`,
	} {
		if !strings.Contains(gen, want) {
			t.Errorf("generated.tf lacks %q:\n%s", want, gen)
		}
	}
	if strings.Contains(gen, "  id ") {
		t.Errorf("generated.tf sets an id:\n%s", gen)
	}
	r.ok("validate")
	r.ok("fmt", "-check")
	out = r.ok("apply", "-auto-approve")
	if !strings.Contains(out, "2 imported, 0 added, 0 changed, 0 destroyed") {
		t.Errorf("apply:\n%s", out)
	}
	if _, code := r.indigo("plan", "-detailed-exitcode"); code != 0 {
		t.Errorf("plan after apply: exit %d, want 0", code)
	}
	if n := r.instances(DefaultStatePath); n != 2 {
		t.Errorf("%d instances after apply, want 2", n)
	}
	// The file exists now: it is never overwritten.
	out = r.fails("the file exists", "plan", "-generate-config-out=generated.tf")
	if r.file("generated.tf") != gen {
		t.Error("an existing generated.tf was changed")
	}
	_ = out
	r.ok("destroy", "-auto-approve")
	if n := r.instances(DefaultStatePath); n != 0 {
		t.Errorf("%d instances after destroy", n)
	}
	if _, err := os.Stat(filepath.Join(r.dir, "existing.txt")); !os.IsNotExist(err) {
		t.Errorf("existing.txt outlived destroy: %v", err)
	}

	// What cannot be generated.
	bad := newCLIRun(t, map[string]string{"main.tf": `
import {
  for_each = toset(["a", "b"])
  to       = terraform_data.many[each.key]
  id       = each.key
}
module "m" {
  source = "./m"
}
import {
  to = module.m.terraform_data.x
  id = "x"
}
`, "m/main.tf": "\n"})
	bad.ok("init", "-input=false")
	out = bad.fails("Cannot generate configuration", "plan", "-generate-config-out=gen.tf")
	for _, want := range []string{"main.tf line 4", "with for_each", "main.tf line 11", "root module"} {
		if !strings.Contains(out, want) {
			t.Errorf("the refusal does not say %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(bad.dir, "gen.tf")); !os.IsNotExist(err) {
		t.Errorf("gen.tf was written although nothing could be generated: %v", err)
	}
}
