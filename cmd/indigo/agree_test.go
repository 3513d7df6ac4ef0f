package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestValidateAndPlanAgree feeds validate and plan the same broken indigo
// blocks and checks that they report the same errors at the same places:
// both evaluate sites, placements, storage and groups through one path
// (lang/eval), so a problem plan would stop at is never "valid".
func TestValidateAndPlanAgree(t *testing.T) {
	const site = `
provider "indigo" {
  root = "site"
}
`
	cases := []struct {
		name  string
		files map[string]string
		// want is a summary every command must report.
		want string
	}{
		{"sla not a quantity", map[string]string{"main.hcl": site + `
site "a" {
  provider = indigo
  kind     = "local"
  sla { cpus = "lots" }
}
storage "s" {}
`}, "Invalid SLA value"},
		{"metrics max_age in words", map[string]string{"main.hcl": site + `
site "a" {
  provider = indigo
  kind     = "local"
  metrics  = { source = "m.json", max_age = "5 minutes" }
}
storage "s" {}
`}, "Invalid metrics source"},
		{"unknown weight in a placement", map[string]string{"main.hcl": site + `
site "a" {
  provider = indigo
  kind     = "local"
}
storage "s" {
  placement {
    sites   = [site.a]
    weights = { speed = 1 }
  }
}
`}, "Unknown ranking criterion"},
		{"negative module weight", map[string]string{"main.hcl": `
indigo {
  ranking {
    cost = -1
  }
}
` + site + `
site "a" {
  provider = indigo
  kind     = "local"
}
storage "s" {}
`}, "Invalid ranking weight"},
		{"group members not a list of names", map[string]string{"main.hcl": site + `
site "a" {
  provider = indigo
  kind     = "local"
}
group "g" {
  members = [["alice"]]
}
storage "s" {}
`}, "Incorrect value type"},
		{"a kind nobody registered", map[string]string{"main.hcl": site + `
site "a" {
  provider = indigo
  kind     = "dcache"
}
storage "s" {}
`}, "Unknown site kind"},
		{"a setting the kind does not have", map[string]string{"main.hcl": site + `
site "a" {
  provider = indigo
  kind     = "kubernetes"
  settings {
    namespaec = "x"
  }
}
storage "s" {}
`}, "Unsupported site setting"},
		{"require not a quantity", map[string]string{"main.hcl": site + `
site "a" {
  provider = indigo
  kind     = "local"
}
storage "s" {
  placement {
    require = { cpus = "many" }
  }
}
`}, "Invalid placement requirement"},
		{"lifecycle delay in words", map[string]string{"main.hcl": site + `
site "a" {
  provider = indigo
  kind     = "local"
}
storage "s" {
  lifecycle {
    after  = "5 minutes"
    expire = true
  }
}
`}, "Invalid lifecycle delay"},
		{"storage media unknown", map[string]string{"main.hcl": site + `
site "a" {
  provider = indigo
  kind     = "local"
}
storage "s" {
  qos { media = ["floppy"] }
}
`}, "Invalid media value"},
		{"component no site can realise", map[string]string{"main.hcl": site + `
site "a" {
  provider = indigo
  kind     = "local"
}
deployment "d" {
  template = "app.yaml"
}
`, "app.yaml": `tosca_definitions_version: tosca_simple_yaml_1_3
topology_template:
  node_templates:
    web:
      type: tosca.nodes.Container.Application
      properties:
        command: "sleep 1000"
`}, "Container without an image"},
		// Resource bodies against the provider's schema (validate reads it
		// after init; the built-in provider needs none).
		{"a resource type the provider lacks", map[string]string{"main.hcl": site + `
resource "indigo_fiel" "a" {
  path    = "a"
  content = "x"
}
`}, "Unsupported resource type"},
		{"an argument the resource type lacks", map[string]string{"main.hcl": site + `
resource "indigo_file" "a" {
  path    = "a"
  contnet = "x"
}
`}, "Unsupported argument"},
		{"a required argument missing", map[string]string{"main.hcl": site + `
resource "indigo_file" "a" {
  content = "x"
}
`}, "Missing required argument"},
		{"a value of the wrong type", map[string]string{"main.hcl": site + `
resource "indigo_file" "a" {
  path    = ["a"]
  content = "x"
}
`}, "Incorrect attribute value type"},
		{"what the provider itself refuses", map[string]string{"main.hcl": site + `
resource "indigo_file" "a" {
  path = "a"
}
`}, "indigo_file.a: Missing content"},
	}
	// "with ADDR," names the resource instance a provider's problem is
	// about; it is written here as "ADDR: summary".
	diagLine := regexp.MustCompile(`(?m)^(Error|Warning): (.*)\n\n(?:  with (\S+),\n)?  on (\S+) line (\d+)`)
	found := func(out string) []string {
		var got []string
		for _, m := range diagLine.FindAllStringSubmatch(out, -1) {
			if m[1] == "Error" {
				summary := m[2]
				if m[3] != "" {
					summary = m[3] + ": " + summary
				}
				got = append(got, summary+" @ "+m[4]+":"+m[5])
			}
		}
		slices.Sort(got)
		return slices.Compact(got)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			vout, vcode := runIn(t, dir, "validate")
			pout, pcode := runIn(t, dir, "plan")
			if vcode != 1 || pcode != 1 {
				t.Errorf("exit codes: validate %d, plan %d; want 1 and 1\nvalidate:\n%s\nplan:\n%s", vcode, pcode, vout, pout)
			}
			v, p := found(vout), found(pout)
			if !slices.Equal(v, p) {
				t.Errorf("validate and plan disagree:\nvalidate: %q\nplan:     %q\n--- validate\n%s\n--- plan\n%s", v, p, vout, pout)
			}
			if !strings.Contains(strings.Join(v, "\n"), tc.want) {
				t.Errorf("validate does not report %q: %q\n%s", tc.want, v, vout)
			}
		})
	}
}
