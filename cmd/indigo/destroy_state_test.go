package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/state/local"
)

// stateDestroyConfig: two local sites, a deployment of a TOSCA template on
// alpha and a storage with a copy on each.
const stateDestroyConfig = `
provider "indigo" {
  alias = "alpha"
  root  = "sites/alpha"
}
provider "indigo" {
  alias = "beta"
  root  = "sites/beta"
}
site "alpha" {
  provider = indigo.alpha
  kind     = "local"
}
site "beta" {
  provider = indigo.beta
  kind     = "local"
}
deployment "app" {
  template = "app.yaml"
  placement { sites = [site.alpha] }
}
storage "data" {
  force_destroy = true
  qos { copies = 2 }
}
`

const stateDestroyTemplate = `tosca_definitions_version: tosca_simple_yaml_1_3
topology_template:
  node_templates:
    server:
      type: tosca.nodes.Compute
`

// TestDestroyFromStateAlone: a configuration that no longer plans (its
// site removed, its template broken) is still destroyed, from the state:
// nothing is left on the sites nor in the state, and plan still reports
// what is broken.
func TestDestroyFromStateAlone(t *testing.T) {
	for _, tc := range []struct {
		name, config, template, planSays string
	}{
		{"site removed", strings.Replace(stateDestroyConfig, "site \"alpha\" {\n  provider = indigo.alpha\n  kind     = \"local\"\n}\n", "", 1), stateDestroyTemplate,
			`no site "alpha" is`},
		{"template broken", stateDestroyConfig, "tosca_definitions_version: tosca_simple_yaml_1_3\ntopology_template:\n  node_templates:\n    server: [unclosed\n",
			"Invalid YAML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeConfig(t, dir, stateDestroyConfig)
			if err := os.WriteFile(filepath.Join(dir, "app.yaml"), []byte(stateDestroyTemplate), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, code := runIn(t, dir, "apply", "-auto-approve"); code != 0 {
				t.Fatalf("apply: %d\n%s", code, out)
			}
			if objects := siteObjects(t, dir); len(objects) == 0 {
				t.Fatal("apply left nothing on the sites")
			}

			writeConfig(t, dir, tc.config)
			if err := os.WriteFile(filepath.Join(dir, "app.yaml"), []byte(tc.template), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, code := runIn(t, dir, "plan"); code != 1 || !strings.Contains(out, tc.planSays) {
				t.Fatalf("plan of the broken configuration: exit %d, want 1 saying %q\n%s", code, tc.planSays, out)
			}
			out, code := runIn(t, dir, "destroy", "-auto-approve")
			if code != 0 {
				t.Fatalf("destroy: exit %d\n%s", code, out)
			}
			for _, want := range []string{tc.planSays, "Destroying from the state alone", "Destroy complete! Resources: 5 destroyed."} {
				if !strings.Contains(out, want) {
					t.Errorf("destroy does not say %q:\n%s", want, out)
				}
			}
			if objects := siteObjects(t, dir); len(objects) != 0 {
				t.Errorf("left on the sites: %q", objects)
			}
			if st := readState(t, local.New(filepath.Join(dir, "indigo.state"))); len(st.Resources) != 0 {
				t.Errorf("the state still records %v", st.AllInstances())
			}
		})
	}
}

// TestDestroyFromStateProviderBroken: the provider configuration of one
// site does not evaluate. What the other site holds is destroyed; destroy
// fails naming each object it could not reach, which stay recorded, and a
// destroy once the provider block is fixed removes them.
func TestDestroyFromStateProviderBroken(t *testing.T) {
	dir := t.TempDir()
	writeConfig(t, dir, stateDestroyConfig)
	if err := os.WriteFile(filepath.Join(dir, "app.yaml"), []byte(stateDestroyTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := runIn(t, dir, "apply", "-auto-approve"); code != 0 {
		t.Fatalf("apply: %d\n%s", code, out)
	}
	broken := strings.Replace(stateDestroyConfig, "site \"alpha\" {\n  provider = indigo.alpha\n  kind     = \"local\"\n}\n", "", 1)
	writeConfig(t, dir, strings.Replace(broken, `root  = "sites/alpha"`, `root  = jsondecode("{")`, 1))
	out, code := runIn(t, dir, "destroy", "-auto-approve")
	if code != 1 {
		t.Fatalf("destroy: exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{"Destroy complete! Resources: 2 destroyed.", "Objects that cannot be destroyed",
		`provider["indigo.dev/builtin/indigo"].alpha`, "deployment.app.indigo_directory.server", "storage.data.indigo_storage_copy.copy_alpha",
		`Call to function "jsondecode" failed`} {
		if !strings.Contains(out, want) {
			t.Errorf("destroy does not say %q:\n%s", want, out)
		}
	}
	st := readState(t, local.New(filepath.Join(dir, "indigo.state")))
	if n := len(st.AllInstances()); n != 3 {
		t.Errorf("the state records %v, want the 3 objects of alpha", st.AllInstances())
	}
	for _, o := range siteObjects(t, dir) {
		if strings.HasPrefix(o, "sites/beta/") {
			t.Errorf("left on beta: %s", o)
		}
	}

	writeConfig(t, dir, broken)
	if out, code := runIn(t, dir, "destroy", "-auto-approve"); code != 0 || !strings.Contains(out, "Resources: 3 destroyed.") {
		t.Fatalf("destroy with the provider fixed: exit %d\n%s", code, out)
	}
	if objects := siteObjects(t, dir); len(objects) != 0 {
		t.Errorf("left on the sites: %q", objects)
	}
}

// siteObjects lists what the sites hold: files, and the directories
// objects were (hosts/NAME, storage/NAME); the parent directories the
// provider makes along the way do not count.
func siteObjects(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(filepath.Join(dir, "sites"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		parts := strings.Split(rel, string(filepath.Separator))
		if !d.IsDir() || len(parts) >= 4 {
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDestroyFromStateImplicitSite: with no site declared, things go to
// the implicit local site; its provider is declared again to destroy them
// once the template breaks. A local that reads a deployment does not get
// in the way.
func TestDestroyFromStateImplicitSite(t *testing.T) {
	dir := t.TempDir()
	writeConfig(t, dir, `
locals {
  where = deployment.app.site
}
deployment "app" {
  template = "app.yaml"
}
storage "data" {
  force_destroy = true
  qos { copies = 1 }
}
`)
	if err := os.WriteFile(filepath.Join(dir, "app.yaml"), []byte(stateDestroyTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := runIn(t, dir, "apply", "-auto-approve"); code != 0 {
		t.Fatalf("apply: %d\n%s", code, out)
	}
	if err := os.WriteFile(filepath.Join(dir, "app.yaml"), []byte("garbage: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := runIn(t, dir, "destroy", "-auto-approve"); code != 0 || !strings.Contains(out, "Destroy complete! Resources: 3 destroyed.") {
		t.Fatalf("destroy: exit %d\n%s", code, out)
	}
	if st := readState(t, local.New(filepath.Join(dir, "indigo.state"))); len(st.Resources) != 0 {
		t.Errorf("the state still records %v", st.AllInstances())
	}
	var left []string
	filepath.WalkDir(filepath.Join(dir, ".indigo", "sites", "local"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, p)
		}
		return nil
	})
	if len(left) != 0 {
		t.Errorf("left on the implicit site: %q", left)
	}
}
