package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/providers/plugin"
)

// placementsConfig is a configuration of n indigo_placement reads over
// three sites, each with its own demand.
func placementsConfig(n int) string {
	var b strings.Builder
	b.WriteString("terraform {\n  required_providers {\n    indigo = { source = \"indigo-cloud/indigo\" }\n  }\n}\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `
data "indigo_placement" "p%d" {
  sites = [
    { name = "cnaf", location = "IT", sla = { cpus = 64, memory = "256GiB", availability = 0.999 }, cost = { cpu_hour = 0.02 } },
    { name = "desy", location = "DE", sla = { cpus = 32, memory = "128GiB", availability = 0.99 } },
    { name = "tiny", location = "DE", sla = { cpus = 2, memory = "8GiB" } },
  ]
  prefer  = ["cnaf"]
  require = { cpus = %d, memory = "4GiB" }
}
`, i, 1+i%16)
	}
	return b.String()
}

// BenchmarkTerraformPlan100Placements times `terraform plan` of a
// configuration that reads indigo_placement 100 times (each read ranks
// three sites with indigo's planner), with the provider built from this
// package through dev_overrides.
func BenchmarkTerraformPlan100Placements(b *testing.B) {
	tf, err := exec.LookPath("terraform")
	if err != nil {
		b.Skip("terraform is not on PATH")
	}
	tmp := b.TempDir()
	plugins := filepath.Join(tmp, "plugins")
	work := filepath.Join(tmp, "work")
	for _, d := range []string{plugins, work} {
		if err := os.Mkdir(d, 0o755); err != nil {
			b.Fatal(err)
		}
	}
	if out, err := exec.Command("go", "build", "-o", filepath.Join(plugins, "terraform-provider-indigo"), ".").CombinedOutput(); err != nil {
		b.Fatalf("building the provider: %v\n%s", err, out)
	}
	rc := filepath.Join(tmp, "cli.rc")
	if err := os.WriteFile(rc, []byte(fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"indigo-cloud/indigo\" = %q\n  }\n  direct {}\n}\n", plugins)), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte(placementsConfig(100)), 0o644); err != nil {
		b.Fatal(err)
	}
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	// The schema's size, as `terraform providers schema -json` prints it.
	cmd := exec.Command(tf, "providers", "schema", "-json")
	cmd.Dir, cmd.Env = work, env
	schema, err := cmd.Output()
	if err != nil {
		b.Fatalf("terraform providers schema: %v", err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(tf, "plan", "-input=false", "-no-color", "-refresh=true")
		cmd.Dir, cmd.Env = work, env
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "data.indigo_placement.p99: Read complete") {
			b.Fatalf("terraform plan: %v\n%s", err, out)
		}
	}
	b.ReportMetric(float64(len(schema)), "schema-json-bytes")
}

// BenchmarkProviderStart times starting the provider binary as a plugin
// and fetching its schema, as Terraform does first.
func BenchmarkProviderStart(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "terraform-provider-indigo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("building the provider: %v\n%s", err, out)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := plugin.Start(ctx, plugin.StartOptions{Name: "indigo-cloud/indigo", Cmd: exec.Command(bin)})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Schema(ctx); err != nil {
			b.Fatal(err)
		}
		p.Close()
	}
}
