package eval_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/lang/funcs"
	hcllang "github.com/indigo-cloud/indigo/lang/hcl"
)

const eachSites = `
variable "regions" {
  default = { cnaf = "RegionOne", bari = "RegionTwo" }
}
provider "indigo" {
  alias    = "by_region"
  for_each = var.regions
  root     = each.value
}
site "os" {
  for_each     = var.regions
  kind         = "local"
  provider     = indigo.by_region[each.key]
  location     = "it-${each.key}"
  capabilities = [each.value]
  cost         = { cpu_hour = length(each.key) }
}
site "store" {
  for_each = toset(["x", "y"])
  kind     = "s3"
  settings {
    endpoint   = "http://${each.key}.example:9000"
    access_key = "k"
    secret_key = "s"
  }
}
`

func loadSrc(t *testing.T, src string) *config.Config {
	t.Helper()
	cfg, diags := loadSrcDiags(t, src)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return cfg
}

// loadSrcDiags loads src as the only file of a module.
func loadSrcDiags(t *testing.T, src string) (*config.Config, hcl.Diagnostics) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return hcllang.NewLoader().LoadDir(dir)
}

// TestExpandSites: a site block with for_each becomes one site per key,
// whose arguments see that key and value.
func TestExpandSites(t *testing.T) {
	cfg := loadSrc(t, eachSites)
	sc := &eval.Scope{Data: eval.StaticData(cfg, eval.ValidateOptions{}), Module: config.RootModule, Functions: funcs.Table(funcs.Options{PureOnly: true})}
	m, diags := eval.ExpandSites(sc, cfg.Module, true)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	want := []string{`os["bari"]`, `os["cnaf"]`, `store["x"]`, `store["y"]`}
	if got := slices.Sorted(maps.Keys(m.Sites)); !slices.Equal(got, want) {
		t.Fatalf("sites %v, want %v", got, want)
	}
	if m.SiteBlocks["os"] == nil || m.SiteBlocks["store"] == nil {
		t.Errorf("the blocks are not recorded: %v", m.SiteBlocks)
	}
	if cfg.Module.Sites["os"] == nil {
		t.Error("expanding changed the module it was given")
	}
	for _, tc := range []struct{ name, loc, capability, key string }{
		{`os["cnaf"]`, "it-cnaf", "RegionOne", "cnaf"},
		{`os["bari"]`, "it-bari", "RegionTwo", "bari"},
	} {
		s, d := eval.EvalSite(sc, m, m.Sites[tc.name])
		if d.HasErrors() {
			t.Fatalf("%s: %s", tc.name, d)
		}
		if s.Location != tc.loc || !slices.Equal(s.Capabilities, []string{tc.capability}) || s.Cost["cpu_hour"] != float64(len(tc.key)) {
			t.Errorf("%s: location %q, capabilities %v, cost %v", tc.name, s.Location, s.Capabilities, s.Cost)
		}
		pk, _ := m.Sites[tc.name].ProviderKey.Value(nil)
		if pk.AsString() != tc.key {
			t.Errorf("%s: provider key %#v, want %q", tc.name, pk, tc.key)
		}
		if ref := s.ProviderRef(); ref.String() != "indigo.by_region" {
			t.Errorf("%s: provider %s", tc.name, ref)
		}
	}
	s, d := eval.EvalSite(sc, m, m.Sites[`store["y"]`])
	if d.HasErrors() {
		t.Fatal(d)
	}
	if ep := s.Settings.GetAttr("endpoint").AsString(); ep != "http://y.example:9000" {
		t.Errorf("store[\"y\"] endpoint %q", ep)
	}
	if ref := s.ProviderRef(); ref.String() != "indigo.store__y__" {
		t.Errorf("store[\"y\"] builds provider %s, want indigo.store__y__", ref)
	}
	again, d := eval.ExpandSites(sc, m, true)
	if d.HasErrors() || len(again.Sites) != len(m.Sites) {
		t.Errorf("expanding twice: %v, %s", slices.Sorted(maps.Keys(again.Sites)), d)
	}
}

// TestExpandSitesNotKnown: planning needs the keys; validate, with the
// variables unknown, keeps the block and checks it with each unknown.
func TestExpandSitesNotKnown(t *testing.T) {
	cfg := loadSrc(t, `
resource "indigo_file" "f" {
  path    = "x"
  content = "y"
}
site "os" {
  for_each = { (indigo_file.f.id) = 1 }
  provider = indigo
  kind     = "local"
  location = each.key
}
`)
	sc := &eval.Scope{Data: eval.StaticData(cfg, eval.ValidateOptions{}), Module: config.RootModule, Functions: funcs.Table(funcs.Options{PureOnly: true})}
	_, diags := eval.ExpandSites(sc, cfg.Module, true)
	if !diags.HasErrors() || diags[0].Summary != "Invalid for_each argument" || diags[0].Subject.Start.Line != 7 {
		t.Fatalf("planning a site for_each on a resource: %v", diags)
	}
	m, diags := eval.ExpandSites(sc, cfg.Module, false)
	if diags.HasErrors() || m.Sites["os"] == nil {
		t.Fatalf("validate: %v, sites %v", diags, slices.Sorted(maps.Keys(m.Sites)))
	}
	if _, d := eval.EvalSite(sc, m, m.Sites["os"]); d.HasErrors() {
		t.Errorf("validate evaluates the block with each unknown: %s", d)
	}
}

// TestSiteForEachErrors: each problem is one error at the place that
// causes it, saying what to do.
func TestSiteForEachErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		summary   string
		at        string // line:col
		detail    string
	}{
		{"missing key", strings.ReplaceAll(eachSites, "var.regions", "local.regions") + `
locals {
  regions = { cnaf = "RegionOne", bari = "RegionTwo" }
}
deployment "d" {
  placement { sites = [site.os["cnaf"], site.os["roma"]] }
  resource "indigo_file" "f" {
    path    = "x"
    content = "y"
  }
}`, "Site instance not found", "32:41", `it has "bari", "cnaf"`},
		{"key on a single site", `
site "one" {
  provider = indigo
  kind     = "local"
}
deployment "d" {
  placement { sites = [site.one["a"]] }
  resource "indigo_file" "f" {
    path    = "x"
    content = "y"
  }
}`, "Site has no instances", "7:24", "remove the key"},
		{"empty for_each", `
site "os" {
  for_each = {}
  provider = indigo
  kind     = "local"
}
deployment "d" {
  placement { sites = site.os }
  resource "indigo_file" "f" {
    path    = "x"
    content = "y"
  }
}`, "Site has no instances", "8:23", "Give its for_each a key"},
		{"not a map", `
site "os" {
  for_each = "cnaf"
  provider = indigo
  kind     = "local"
}`, "Invalid for_each argument", "3:14", "map or a set of strings"},
		{"each without for_each", `
site "os" {
  provider = indigo
  kind     = "local"
  location = each.key
}`, `Reference to "each" in a block without for_each`, "5:14", "Add for_each"},
		{"computed key in placement", eachSites + `
variable "k" {
  default = "cnaf"
}
deployment "d" {
  placement { sites = [site.os[var.k]] }
}`, "Site instance key must be written out", "32:32", `site.os["cnaf"]`},
		{"attribute without a key", eachSites + `
output "loc" { value = site.os.location }`, "Site instance not chosen", "28:24", `site.os["KEY"].location`},
		{"aliases clash", `
site "s" {
  for_each = toset(["a.b", "a_b"])
  kind     = "s3"
  settings {
    endpoint = "http://127.0.0.1:9000"
  }
}`, "Site provider configurations clash", "2:1", "s__a_b__"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			diags := validateSrc(t, tc.src)
			var found *hcl.Diagnostic
			for _, d := range diags {
				if d.Severity == hcl.DiagError && d.Summary == tc.summary {
					found = d
				}
			}
			if found == nil {
				t.Fatalf("no error %q in:\n%s", tc.summary, diags)
			}
			if at := fmt.Sprintf("%d:%d", found.Subject.Start.Line, found.Subject.Start.Column); at != tc.at {
				t.Errorf("at %s, want %s", at, tc.at)
			}
			if !strings.Contains(found.Detail, tc.detail) {
				t.Errorf("detail %q lacks %q", found.Detail, tc.detail)
			}
		})
	}
}

// TestSiteForEachValid: one instance, all instances, and a preference
// among them validate.
func TestSiteForEachValid(t *testing.T) {
	diags := validateSrc(t, eachSites+`
deployment "d" {
  placement {
    sites  = site.os
    prefer = [site.os["bari"]]
  }
  resource "indigo_file" "f" {
    path    = "x"
    content = "y"
  }
}
storage "s" {
  placement { sites = [site.store["x"], site.os["cnaf"]] }
}
storage "two" {
  qos { copies = 2 }
  placement { sites = site.os }
}
output "loc" { value = site.os["bari"].location }
`)
	for _, d := range diags {
		if d.Severity == hcl.DiagError || strings.Contains(d.Summary, "Preferred site") {
			t.Errorf("%s", d)
		}
	}
}
