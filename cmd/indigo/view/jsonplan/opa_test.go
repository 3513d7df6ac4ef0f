package jsonplan

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/planner/plan/plantest"
)

// sitePolicy denies any resource planned on a forbidden site, wherever it
// is nested (deployments are child modules in planned_values): a policy
// over indigo's site addition to Terraform's planned_values.
const sitePolicy = `package indigo.sites

forbidden := {"cnaf"}

deny contains msg if {
	walk(input.planned_values.root_module, [_, r])
	is_object(r)
	r.site in forbidden
	msg := sprintf("%s is planned on %s", [r.address, r.site])
}
`

// TestOPASitePolicy evaluates sitePolicy with Open Policy Agent over the
// sample plan (one instance on cnaf) and over the same plan with the site
// moved (nothing to deny).
func TestOPASitePolicy(t *testing.T) {
	opa := testsrv.OPABinary(t)
	dir := t.TempDir()
	policy := filepath.Join(dir, "policy.rego")
	if err := os.WriteFile(policy, []byte(sitePolicy), 0o644); err != nil {
		t.Fatal(err)
	}
	eval := func(site string) []string {
		t.Helper()
		p := plantest.Sample()
		for _, c := range p.Changes {
			if c.Site != "" {
				c.Site = site
			}
		}
		out, err := MarshalOptions(p, Options{Config: sampleConfig(t)})
		if err != nil {
			t.Fatal(err)
		}
		input := filepath.Join(dir, "plan.json")
		if err := os.WriteFile(input, out, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := exec.Command(opa, "eval", "--format", "json", "--data", policy, "--input", input, "data.indigo.sites.deny").CombinedOutput()
		if err != nil {
			t.Fatalf("opa eval: %v\n%s", err, res)
		}
		var doc struct {
			Result []struct {
				Expressions []struct {
					Value []string `json:"value"`
				} `json:"expressions"`
			} `json:"result"`
		}
		if err := json.Unmarshal(res, &doc); err != nil || len(doc.Result) != 1 || len(doc.Result[0].Expressions) != 1 {
			t.Fatalf("opa eval output: %v\n%s", err, res)
		}
		deny := doc.Result[0].Expressions[0].Value
		slices.Sort(deny)
		return deny
	}
	if got, want := eval("cnaf"), []string{"deployment.web.indigo_file.delete-then-create[4] is planned on cnaf"}; !slices.Equal(got, want) {
		t.Errorf("deny = %q, want %q", got, want)
	}
	if got := eval("bari"); len(got) != 0 {
		t.Errorf("deny on bari = %q, want nothing", got)
	}
}
