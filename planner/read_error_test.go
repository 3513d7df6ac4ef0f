package planner_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/planner"
)

// A provider's error reading a recorded object points at the block that
// declares its resource, as Terraform's "with ADDR, on FILE line N" does.
func TestReadErrorPointsAtTheResource(t *testing.T) {
	e := newEnv(t, map[string]string{"main.tf": `
provider "indigo" {
  root = "@DIR@/root"
}

resource "indigo_file" "f" {
  path    = "d/x.txt"
  content = "x"
}
`})
	if d := e.apply(e.plan(planner.Options{})); d.HasErrors() {
		t.Fatalf("apply: %s", diagText(d))
	}
	// d/x.txt can no longer be looked at: d is a file now.
	d := filepath.Join(e.dir, "root", "d")
	if err := os.RemoveAll(d); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(d, []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	diags := e.planDiags()
	if !diags.HasErrors() {
		t.Fatal("the plan read d/x.txt through a file without an error")
	}
	for _, dg := range diags {
		if !strings.Contains(dg.Detail, "ReadResource") {
			continue
		}
		if dg.Subject == nil || filepath.Base(dg.Subject.Filename) != "main.tf" || dg.Subject.Start.Line != 6 {
			t.Errorf("the read error %q points at %v, want main.tf line 6 (the resource block)", dg.Summary, dg.Subject)
		}
		return
	}
	t.Errorf("no error from ReadResource: %s", diagText(diags))
}
