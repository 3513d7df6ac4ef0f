package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// TestTerraformSlurmJob runs an indigo_slurm_job through the real
// terraform binary against a one-node Slurm cluster: apply waits until the
// job has completed (in the cluster's job completion log) and its output
// is an output; a second plan is empty; destroy removes its files and the
// directory the provider made for them.
func TestTerraformSlurmJob(t *testing.T) {
	tf := terraformBinary(t)
	s := testsrv.StartSlurm(t)
	tmp := t.TempDir()
	pluginDir, work := filepath.Join(tmp, "plugins"), filepath.Join(tmp, "work")
	for _, d := range []string{pluginDir, work} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	buildProvider(t, pluginDir)
	cliConfig := filepath.Join(tmp, "terraform.rc")
	writeFile(t, cliConfig, fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"indigo-cloud/indigo\" = %q\n  }\n  direct {}\n}\n", pluginDir))
	writeFile(t, filepath.Join(work, "main.tf"), fmt.Sprintf(`
terraform {
  required_providers {
    indigo = { source = "indigo-cloud/indigo" }
  }
}

provider "indigo" {
  slurm {
    site     = "hpc"
    conf     = %q
    work_dir = "jobs"
  }
}

resource "indigo_slurm_job" "hello" {
  name        = "hello"
  script      = "echo hello $WHO"
  environment = { WHO = "terraform" }
}

output "said" {
  value = indigo_slurm_job.hello.stdout
}

output "job_id" {
  value = indigo_slurm_job.hello.job_id
}
`, s.Conf))
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+cliConfig, "TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1")
	run := func(args ...string) (string, error) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, tf, append(args, "-no-color")...)
		cmd.Dir, cmd.Env = work, env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	mustRun := func(args ...string) string {
		t.Helper()
		out, err := run(args...)
		if err != nil {
			t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}

	mustRun("apply", "-auto-approve", "-input=false")
	if got := strings.TrimSpace(mustRun("output", "-raw", "said")); got != "hello terraform" {
		t.Errorf("output said = %q", got)
	}
	id := strings.TrimSpace(mustRun("output", "-raw", "job_id"))
	if out, err := s.Command("sacct", "--completion", "-n", "-P", "-j", id, "-o", "State").Output(); err != nil || strings.TrimSpace(string(out)) != "COMPLETED" {
		t.Errorf("job %s in the job completion log: %q %v", id, out, err)
	}
	if out, err := run("plan", "-input=false", "-detailed-exitcode"); err != nil {
		t.Errorf("second plan is not empty (%v):\n%s", err, out)
	}

	mustRun("destroy", "-auto-approve", "-input=false")
	if _, err := os.Stat(filepath.Join(work, "jobs")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the jobs' directory is still there after destroy: %v", err)
	}
}
