package planner_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/planner"
)

// TestSiteForEachPlanErrors: planning a site with for_each needs its keys
// and the keys its references name; an empty for_each makes no site (and
// does not fall back to the implicit local site).
func TestSiteForEachPlanErrors(t *testing.T) {
	deployment := `
deployment "d" {
  placement { sites = %s }
  resource "indigo_file" "f" {
    path    = "f.txt"
    content = "x"
  }
}
`
	for _, tt := range []struct {
		name, src, summary, detail string
		line                       int
	}{
		{"for_each on a resource", `
resource "indigo_noop" "n" {
  input = "x"
}
site "s" {
  for_each = toset([indigo_noop.n.id])
  provider = indigo
  kind     = "local"
}
` + strings.Replace(deployment, "%s", "site.s", 1), "Invalid for_each argument", "only known after apply", 6},
		{"missing key", `
variable "keys" {
  default = ["a", "b"]
}
site "s" {
  for_each = toset(var.keys)
  provider = indigo
  kind     = "local"
}
` + strings.Replace(deployment, "%s", `[site.s["c"]]`, 1), "Site instance not found", `it has "a", "b"`, 12},
		{"provider key on a resource", `
resource "indigo_noop" "n" {
  input = "x"
}
provider "indigo" {
  alias    = "by_root"
  for_each = toset(["a"])
  root     = "@DIR@/${each.key}"
}
site "s" {
  for_each = toset(["a"])
  provider = indigo.by_root[indigo_noop.n.id]
  kind     = "local"
}
` + strings.Replace(deployment, "%s", "site.s", 1), "Provider instance key not known", `site s["a"]`, 12},
		{"empty for_each", `
site "s" {
  for_each = {}
  provider = indigo
  kind     = "local"
}
deployment "d" {
  resource "indigo_file" "f" {
    path    = "f.txt"
    content = "x"
  }
}
`, "No sites to place on", "the for_each of s is empty", 7},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := wantPlanError(t, tt.src, tt.summary, tt.line)
			if !strings.Contains(d.Detail, tt.detail) {
				t.Errorf("detail %q lacks %q", d.Detail, tt.detail)
			}
		})
	}
}

// wantPlanError plans src and returns its error summary, which must be
// at line.
func wantPlanError(t *testing.T, src, summary string, line int) *hcl.Diagnostic {
	t.Helper()
	e := newEnv(t, map[string]string{"main.hcl": src})
	m := e.open()
	defer m.Close(context.Background())
	_, diags := planner.Plan(context.Background(), e.config(), m.State(), e.prov, planner.Options{})
	for _, d := range diags {
		if d.Summary == summary {
			if d.Subject == nil || d.Subject.Start.Line != line {
				t.Errorf("%q at %v, want line %d", summary, d.Subject, line)
			}
			return d
		}
	}
	t.Fatalf("no %q error: %s", summary, diagText(diags))
	return nil
}
