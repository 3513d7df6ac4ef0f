package hcllang

import (
	"fmt"
	"testing"

	"github.com/indigo-cloud/indigo/lang/config"
)

// TestSiteForEachDecodes: a site's for_each is kept for the planner, and
// placements name one instance by a quoted key, or all of them, in a list
// or on their own.
func TestSiteForEachDecodes(t *testing.T) {
	cfg, diags := loadString(t, map[string]string{"main.tf": `
site "os" {
  for_each = { a = 1, b = 2 }
  provider = indigo
  kind     = "local"
}
site "one" {
  provider = indigo
  kind     = "local"
}
deployment "d" {
  placement {
    sites  = [site.os["a"], site.one]
    prefer = site.os
  }
  resource "indigo_file" "f" {
    path    = "x"
    content = "y"
  }
}
`})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if cfg.Module.Sites["os"].ForEach == nil {
		t.Error("for_each was not kept")
	}
	p := cfg.Module.Deployments["d"].Placement
	got := fmt.Sprint(p.Sites, p.Prefer)
	for i, want := range []config.SiteRef{{Name: "os", Key: "a", Keyed: true}, {Name: "one"}} {
		if r := p.Sites[i]; r.Name != want.Name || r.Key != want.Key || r.Keyed != want.Keyed {
			t.Errorf("sites[%d] = %s, want %s (%s)", i, r, want, got)
		}
	}
	if len(p.Prefer) != 1 || p.Prefer[0].String() != "site.os" || p.Prefer[0].Range.Start.Line != 14 {
		t.Errorf("prefer = %v", p.Prefer)
	}
	if s := p.Sites[0].String(); s != `site.os["a"]` {
		t.Errorf("the reference prints as %s", s)
	}
}

// TestSiteRefErrors: keys that are not quoted strings are errors at the
// key.
func TestSiteRefErrors(t *testing.T) {
	for _, tc := range []struct{ sites, summary, at string }{
		{`[site.os[0]]`, "Invalid site instance key", "4:31"},
		{`[site.os[var.k]]`, "Site instance key must be written out", "4:32"},
		{`"os"`, "Expected a list of references", "4:23"},
	} {
		_, diags := loadString(t, map[string]string{"main.tf": `
variable "k" {}
deployment "d" {
  placement { sites = ` + tc.sites + ` }
  resource "indigo_file" "f" {
    path    = "x"
    content = "y"
  }
}
site "os" {
  for_each = { a = 1 }
  provider = indigo
  kind     = "local"
}
`})
		found := false
		for _, d := range diags {
			if d.Summary == tc.summary {
				found = true
				if at := fmt.Sprintf("%d:%d", d.Subject.Start.Line, d.Subject.Start.Column); at != tc.at {
					t.Errorf("%s: at %s, want %s", tc.sites, at, tc.at)
				}
			}
		}
		if !found {
			t.Errorf("%s: no %q in %s", tc.sites, tc.summary, diags)
		}
	}
}
