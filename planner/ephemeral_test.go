package planner_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/providers/plugin"
)

var (
	testProviderOnce sync.Once
	testProviderBin  string
	testProviderErr  error
)

// indigotestProvider builds providers/plugin's test provider, whose
// indigotest_token ephemeral resource renews and closes, and which records
// every RPC it receives in a file.
func indigotestProvider(t *testing.T) string {
	t.Helper()
	testProviderOnce.Do(func() {
		dir, err := os.MkdirTemp("", "indigotest")
		if err != nil {
			testProviderErr = err
			return
		}
		testProviderBin = filepath.Join(dir, "terraform-provider-indigotest")
		out, err := exec.Command("go", "build", "-o", testProviderBin, "../providers/plugin/internal/testprovider").CombinedOutput()
		if err != nil {
			testProviderErr = err
			t.Logf("%s", out)
		}
	})
	if testProviderErr != nil {
		t.Skipf("building the test provider: %v", testProviderErr)
	}
	return testProviderBin
}

const ephemeralConfig = `
terraform {
  required_providers {
    indigotest = { source = "indigo-cloud/indigotest" }
  }
}

provider "indigotest" {}

ephemeral "indigotest_token" "t" {
  name     = "db"
  renew_ms = 5
}

# A provider block fed by the ephemeral value.
provider "indigotest" {
  alias  = "keyed"
  secret = ephemeral.indigotest_token.t.value
}

resource "indigotest_thing" "x" {
  provider = indigotest.keyed
  name     = "x"
}

# Its configuration is known only during apply: not opened by the plan.
ephemeral "indigotest_token" "late" {
  name = indigotest_thing.x.id
}

output "late" {
  value     = ephemeral.indigotest_token.late.value
  ephemeral = true
}

# Nothing uses it: never opened.
ephemeral "indigotest_token" "unused" {
  name = "unused"
}
`

// TestEphemeralOpenRenewClose runs a plan and an apply with ephemeral
// resources of a real provider process and reads, from the RPCs the
// provider received, that each needed instance was opened in each run,
// renewed while in use, and closed after the resources that depend on it;
// and that none of them reached the plan or the state.
func TestEphemeralOpenRenewClose(t *testing.T) {
	bin := indigotestProvider(t)
	e := newEnv(t, map[string]string{"main.tf": ephemeralConfig})
	calls := filepath.Join(e.dir, "calls")
	e.prov = planner.ProvidersFunc(func(ctx context.Context, a config.Provider) (planner.Provider, error) {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "INDIGO_TESTPROVIDER_CALLS="+calls)
		return plugin.Start(ctx, plugin.StartOptions{Name: a.String(), Cmd: cmd})
	})
	rpcs := func() []string {
		raw, err := os.ReadFile(calls)
		if err != nil {
			t.Fatal(err)
		}
		_ = os.Remove(calls)
		return strings.Fields(string(raw))
	}
	count := func(rpcs []string, name string) int {
		n := 0
		for _, r := range rpcs {
			if r == name {
				n++
			}
		}
		return n
	}
	// check asserts the order: Open, then the dependents' calls, then
	// Close as the last ephemeral call.
	check := func(run string, rpcs []string, opens int, dependent string) {
		t.Helper()
		if got := count(rpcs, "OpenEphemeralResource"); got != opens {
			t.Errorf("%s: %d opens, want %d (%v)", run, got, opens, rpcs)
		}
		if got := count(rpcs, "CloseEphemeralResource"); got != opens {
			t.Errorf("%s: %d closes, want %d (%v)", run, got, opens, rpcs)
		}
		if count(rpcs, "RenewEphemeralResource") < 1 {
			t.Errorf("%s: no renewal of a token that must be renewed every 5ms (%v)", run, rpcs)
		}
		open := slices.Index(rpcs, "OpenEphemeralResource")
		dep := slices.Index(rpcs, dependent)
		closed := slices.Index(rpcs, "CloseEphemeralResource")
		if !(open >= 0 && open < dep && dep < closed) {
			t.Errorf("%s: want Open < %s < Close, got %d, %d, %d in %v", run, dependent, open, dep, closed, rpcs)
		}
	}

	p := e.plan(planner.Options{})
	check("plan", rpcs(), 1, "PlanResourceChange")
	for _, ch := range p.Changes {
		if ch.Addr.Resource.Mode == config.EphemeralMode {
			t.Errorf("the plan has a change for %s", ch.Addr)
		}
	}
	if d := e.apply(p); d.HasErrors() {
		t.Fatalf("apply: %s", diagText(d))
	}
	// The apply opens t again, and late, whose name is known now.
	check("apply", rpcs(), 2, "ApplyResourceChange")
	raw, err := os.ReadFile(filepath.Join(e.dir, "indigo.state"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "indigotest_thing") {
		t.Fatalf("the state does not record the resource:\n%s", raw)
	}
	for _, leak := range []string{"token-", "ephemeral.", "indigotest_token"} {
		if strings.Contains(string(raw), leak) {
			t.Errorf("the state holds %q:\n%s", leak, raw)
		}
	}
	// The next plan has nothing to do, and opens t again.
	p = e.plan(planner.Options{})
	if p.Changed() {
		t.Errorf("second plan has changes: %v", actions(p))
	}
	check("second plan", rpcs(), 2, "PlanResourceChange")
}

// TestEphemeralErrorMessageHidden: a failed condition whose error_message
// is built from an ephemeral (or sensitive) value does not print that value
// in the diagnostic, which goes to the terminal and the logs.
func TestEphemeralErrorMessageHidden(t *testing.T) {
	e := newEnv(t, map[string]string{"main.tf": `
ephemeral "indigo_password" "p" {
  length  = 16
  special = false
  lifecycle {
    postcondition {
      condition     = length(self.result) == 3
      error_message = "leaked=${self.result}"
    }
  }
}

locals {
  use = ephemeral.indigo_password.p.result
}

provider "indigo" {
  alias = "fed"
  root  = "@DIR@/${length(local.use) > 0 ? "site" : "other"}"
}

resource "indigo_file" "f" {
  provider = indigo.fed
  path     = "f.txt"
  content  = "x"
}
`})
	m := e.open()
	defer m.Close(context.Background())
	_, diags := planner.Plan(context.Background(), e.config(), m.State(), e.prov, planner.Options{})
	text := diagText(diags)
	if !strings.Contains(text, "Postcondition failed for ephemeral.indigo_password.p") {
		t.Fatalf("want the postcondition to fail, got:\n%s", text)
	}
	if strings.Contains(text, "leaked=") {
		t.Errorf("the diagnostic shows the message built from the ephemeral value:\n%s", text)
	}
}

// TestEphemeralInstanceKeysRefused: instance keys and counts are recorded
// in the plan and the state, so a for_each or count derived from an
// ephemeral value is an error at the argument, for resources and modules;
// an ephemeral resource's own keys are not recorded and may be.
func TestEphemeralInstanceKeysRefused(t *testing.T) {
	const pw = `
ephemeral "indigo_password" "p" {
  length  = 12
  special = false
}
`
	for _, tc := range []struct{ name, src, want string }{
		{"for_each", pw + `
resource "indigo_file" "f" {
  for_each = toset([nonsensitive(ephemeral.indigo_password.p.result)])
  path     = "@DIR@/f-${each.key}.txt"
  content  = "x"
}
`, "Invalid for_each argument"},
		{"count", pw + `
resource "indigo_file" "f" {
  count   = ephemeral.indigo_password.p.length
  path    = "@DIR@/f-${count.index}.txt"
  content = "x"
}
`, "Invalid count argument"},
		{"module", pw + `
module "m" {
  source   = "./m"
  for_each = toset([nonsensitive(ephemeral.indigo_password.p.result)])
}
`, "Invalid for_each argument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, map[string]string{"main.tf": tc.src, "m/main.tf": "output \"x\" {\n  value = 1\n}\n"})
			m := e.open()
			defer m.Close(context.Background())
			p, diags := planner.Plan(context.Background(), e.config(), m.State(), e.prov, planner.Options{})
			text := diagText(diags)
			if !diags.HasErrors() || !strings.Contains(text, tc.want) || !strings.Contains(text, "derived from an ephemeral value") {
				var keys []string
				if p != nil {
					for _, ch := range p.Changes {
						keys = append(keys, ch.Addr.String())
					}
				}
				t.Fatalf("want %q about an ephemeral value, got diagnostics %q and changes %v", tc.want, text, keys)
			}
		})
	}
	// An ephemeral resource may take its keys from an ephemeral value.
	e := newEnv(t, map[string]string{"main.tf": pw + `
ephemeral "indigo_password" "q" {
  for_each = toset([nonsensitive(ephemeral.indigo_password.p.result)])
  length   = 8
}

provider "indigo" {
  alias = "fed"
  root  = "@DIR@/site${length(values(ephemeral.indigo_password.q)) > 5 ? "-many" : ""}"
}

resource "indigo_file" "f" {
  provider = indigo.fed
  path     = "f.txt"
  content  = "x"
}
`})
	e.plan(planner.Options{})
}

// TestEphemeralOutputOnceStored: an output recorded in the state that is
// now declared ephemeral is planned for removal, as the apply drops it,
// and its new, ephemeral value is not in the plan.
func TestEphemeralOutputOnceStored(t *testing.T) {
	e := newEnv(t, map[string]string{"main.tf": `
output "o" {
  value = "stored"
}
`})
	if d := e.apply(e.plan(planner.Options{})); d.HasErrors() {
		t.Fatalf("apply: %s", diagText(d))
	}
	if raw, err := os.ReadFile(filepath.Join(e.dir, "indigo.state")); err != nil || !strings.Contains(string(raw), "stored") {
		t.Fatalf("the first apply did not record output o (%v):\n%s", err, raw)
	}
	e.write("main.tf", `
ephemeral "indigo_password" "p" {
  length  = 16
  special = false
}

output "o" {
  value     = "pw=${ephemeral.indigo_password.p.result}"
  ephemeral = true
}
`)
	p := e.plan(planner.Options{})
	var found bool
	for _, oc := range p.Outputs {
		if oc.Name != "o" {
			continue
		}
		found = true
		if oc.Action != plan.Delete {
			t.Errorf("output o: action %v, want delete", oc.Action)
		}
		if oc.After != cty.NilVal && !oc.After.IsNull() {
			t.Errorf("output o: the plan holds its ephemeral value %#v", oc.After)
		}
	}
	if !found {
		t.Errorf("the plan does not remove the stored output o: %v", p.Outputs)
	}
	if d := e.apply(p); d.HasErrors() {
		t.Fatalf("second apply: %s", diagText(d))
	}
	raw, err := os.ReadFile(filepath.Join(e.dir, "indigo.state"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "stored") || strings.Contains(string(raw), "pw=") {
		t.Errorf("the state still holds output o:\n%s", raw)
	}
}
