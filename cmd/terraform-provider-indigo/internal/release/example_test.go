package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// TestExampleTerraform runs examples/terraform as its README says, with
// terraform and with OpenTofu: the provider installed from a filesystem
// mirror holding the release zip, the placement output checked, an
// indigo_storage applied on a MinIO server, a second plan with no
// changes, destroy.
func TestExampleTerraform(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts MinIO")
	}
	_, mirror := release(t)
	src, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "examples", "terraform", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	m := testsrv.StartMinIO(t, testsrv.MinIOOptions{})
	for _, c := range clis {
		t.Run(c.name, func(t *testing.T) {
			bin := c.path(t)
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "main.tf"), string(src))
			rc := filepath.Join(t.TempDir(), "cli.rc")
			writeFile(t, rc, "provider_installation {\n  filesystem_mirror {\n    path = \""+mirror+"\"\n  }\n}\n")
			env := []string{"TF_CLI_CONFIG_FILE=" + rc}
			vars := []string{"-var", "endpoint=" + m.Endpoint, "-var", "access_key=" + m.AccessKey, "-var", "secret_key=" + m.SecretKey}

			mustRun(t, dir, env, bin, "init", "-input=false")
			lock, _ := os.ReadFile(filepath.Join(dir, ".terraform.lock.hcl"))
			if !strings.Contains(string(lock), `"h1:`) {
				t.Errorf("lock file without an h1: hash:\n%s", lock)
			}
			out := mustRun(t, dir, env, bin, append([]string{"apply", "-auto-approve", "-input=false"}, vars...)...)
			if strings.Contains(out, m.SecretKey) {
				t.Errorf("apply printed the secret key:\n%s", out)
			}
			var placement struct {
				Chosen string `json:"chosen"`
				Ranked []struct {
					Rank  int                `json:"rank"`
					Site  string             `json:"site"`
					Score float64            `json:"score"`
					Parts map[string]float64 `json:"parts"`
				} `json:"ranked"`
				Rejected []struct {
					Site    string   `json:"site"`
					Reasons []string `json:"reasons"`
				} `json:"rejected"`
			}
			raw := mustRun(t, dir, env, bin, "output", "-json", "placement")
			if err := json.Unmarshal([]byte(raw), &placement); err != nil {
				t.Fatalf("output placement: %v\n%s", err, raw)
			}
			if placement.Chosen != "cnaf" || len(placement.Ranked) != 2 || placement.Ranked[0].Site != "cnaf" || placement.Ranked[1].Site != "desy" ||
				placement.Ranked[0].Score <= placement.Ranked[1].Score || placement.Ranked[0].Parts["preference"] == 0 || placement.Ranked[1].Parts["cost"] == 0 {
				t.Errorf("placement = %+v; want cnaf chosen over desy, with their score parts", placement)
			}
			if len(placement.Rejected) != 1 || placement.Rejected[0].Site != "tiny" || !strings.Contains(strings.Join(placement.Rejected[0].Reasons, "; "), "needs 8 cpus, 2 left under the SLA") {
				t.Errorf("rejected = %+v; want tiny, rejected for capacity", placement.Rejected)
			}
			ok, err := m.Client(t).BucketExists(context.Background(), "indigo-results-cnaf")
			if err != nil || !ok {
				t.Fatalf("bucket indigo-results-cnaf after apply: %v %v", ok, err)
			}
			if out, err := run(t, dir, env, bin, append([]string{"plan", "-detailed-exitcode", "-input=false"}, vars...)...); err != nil {
				t.Errorf("second plan is not empty (%v):\n%s", err, out)
			}
			mustRun(t, dir, env, bin, append([]string{"destroy", "-auto-approve", "-input=false"}, vars...)...)
			if ok, err := m.Client(t).BucketExists(context.Background(), "indigo-results-cnaf"); err != nil || ok {
				t.Errorf("bucket indigo-results-cnaf after destroy: %v %v", ok, err)
			}
		})
	}
}
