package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRemovedBlocks: removed blocks (Terraform 1.7+) forget objects with
// lifecycle { destroy = false } (of a resource or a whole module, in a
// plan and a destroy alike), destroy them otherwise, running their
// destroy-time provisioners first (Terraform 1.9); mistakes are errors at
// the block.
func TestRemovedBlocks(t *testing.T) {
	r := newCLIRun(t, map[string]string{
		"main.tf": `
resource "indigo_file" "keep" {
  path    = "keep.txt"
  content = "precious\n"
}
resource "indigo_file" "drop" {
  path    = "drop.txt"
  content = "scratch\n"
}
module "m" {
  source = "./m"
}
`,
		"m/main.tf": `
resource "indigo_file" "inner" {
  count   = 2
  path    = "inner${count.index}.txt"
  content = "inner\n"
}
`})
	r.ok("init", "-input=false")
	r.ok("apply", "-auto-approve")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(r.dir, "main.tf"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`
removed {
  from = indigo_file.keep
  lifecycle {
    destroy = false
  }
}
removed {
  from = module.m
  lifecycle {
    destroy = false
  }
}
removed {
  from = indigo_file.drop
  provisioner "local-exec" {
    when    = destroy
    command = "echo gone ${self.path} > removed.log"
  }
}
`)
	out := r.ok("plan", "-out=removed.plan")
	for _, want := range []string{
		"indigo_file.keep will no longer be managed by indigo",
		`module.m.indigo_file.inner[0] will no longer be managed by indigo`,
		`module.m.indigo_file.inner[1] will no longer be managed by indigo`,
		"indigo_file.drop will be destroyed",
		"0 to add, 0 to change, 1 to destroy, 3 to forget",
		". resource \"indigo_file\" \"keep\" {\n        id", // what is forgotten is shown
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan does not say %q:\n%s", want, out)
		}
	}
	if js := r.ok("show", "-json", "removed.plan"); !strings.Contains(js, `"forget"`) || !strings.Contains(js, `"action_reason":"removed"`) {
		t.Errorf("show -json of the saved plan:\n%s", js)
	}
	r.ok("apply", "removed.plan")
	for _, f := range []string{"keep.txt", "inner0.txt", "inner1.txt"} {
		if _, err := os.Stat(filepath.Join(r.dir, f)); err != nil {
			t.Errorf("%s, forgotten, was destroyed: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(r.dir, "drop.txt")); !os.IsNotExist(err) {
		t.Errorf("drop.txt was not destroyed: %v", err)
	}
	if got := r.file("removed.log"); got != "gone drop.txt\n" {
		t.Errorf("the removed block's provisioner wrote %q", got)
	}
	if n := r.instances(DefaultStatePath); n != 0 {
		t.Errorf("%d instances left in the state", n)
	}
	if _, code := r.indigo("plan", "-detailed-exitcode"); code != 0 {
		t.Errorf("plan after the removal: exit %d", code)
	}

	// Mistakes.
	bad := newCLIRun(t, map[string]string{"main.tf": `
resource "terraform_data" "still" {
}
removed {
  from = terraform_data.still
}
removed {
  from = terraform_data.x[0]
}
removed {
  from = terraform_data.y
  provisioner "local-exec" {
    command = "true"
  }
}
removed {
  from = terraform_data.z
  lifecycle {
    destroy = false
  }
  provisioner "local-exec" {
    when    = destroy
    command = "true"
  }
}
`})
	out = bad.fails("Invalid provisioner in a removed block", "init", "-input=false")
	for _, want := range []string{"add when = destroy", "main.tf line 12", "destroys nothing", "main.tf line 21"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan of bad removed blocks does not say %q:\n%s", want, out)
		}
	}
	write2 := func(s string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(bad.dir, "main.tf"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write2(`
resource "terraform_data" "still" {
}
removed {
  from = terraform_data.still
}
removed {
  from = terraform_data.x[0]
}
`)
	bad.ok("init", "-input=false")
	bad.fails("Removed resource still declared", "validate")
	out = bad.fails("Removed resource still declared", "plan")
	if !strings.Contains(out, "main.tf line 4") || !strings.Contains(out, "Invalid removed address") || !strings.Contains(out, "main.tf line 7") {
		t.Errorf("plan of bad removed blocks:\n%s", out)
	}
}
