package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/providers/plugin/plugintest"
)

// TestValidateStartsLockedProvidersEarly runs validate with hashicorp/local
// in the lock file: the provider started while the configuration loads is
// the one whose schema checks the resources (started once, not twice), and
// when the configuration no longer uses it, it is still ended.
func TestValidateStartsLockedProvidersEarly(t *testing.T) {
	_, write, run := localProviderWorkdir(t)
	write(`terraform {
  required_providers {
    local = { source = "hashicorp/local" }
  }
}

resource "local_file" "ok" {
  filename = "${path.module}/ok.txt"
  content  = "ok"
}

resource "local_file" "bad" {
  filename = "${path.module}/bad.txt"
  contents = "misspelt"
}
`)
	if out, _, err := run("init"); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	out, log, err := run("validate", "-no-color")
	if err == nil || !strings.Contains(out, `Unsupported argument`) || !strings.Contains(out, `"contents"`) || !strings.Contains(out, "main.tf line 14") {
		t.Fatalf("validate of a misspelt argument: err %v, output:\n%s", err, out)
	}
	if n := strings.Count(log, "provider started: provider=hashicorp/local"); n != 1 {
		t.Errorf("hashicorp/local started %d times, want once:\n%s", n, log)
	}

	// The lock file still names hashicorp/local, the configuration no
	// longer uses it: started early, it must be ended all the same.
	write("locals {\n  x = 1\n}\n")
	out, log, err = run("validate", "-no-color")
	if err != nil || !strings.Contains(out, "Success!") {
		t.Fatalf("validate without resources: %v\n%s", err, out)
	}
	if started, exited := strings.Count(log, "provider started: provider=hashicorp/local"), strings.Count(log, "plugin process exited"); started != 1 || exited != 1 {
		t.Errorf("unused provider: started %d, exited %d times; want once each:\n%s", started, exited, log)
	}
}

// localProviderWorkdir is a working directory where hashicorp/local
// installs from a filesystem mirror: write sets main.tf, run runs indigo
// there with a debug log and returns its output and the log.
func localProviderWorkdir(t *testing.T) (dir string, write func(string), run func(args ...string) (out, log string, err error)) {
	t.Helper()
	cliConfig := localMirror(t, plugintest.RealProvider(t, plugintest.LocalModule, plugintest.LocalVersion))
	dir = t.TempDir()
	write = func(s string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	logFile, home := filepath.Join(t.TempDir(), "log"), t.TempDir()
	run = func(args ...string) (string, string, error) {
		t.Helper()
		_ = os.Remove(logFile)
		cmd := indigoCmd(t, dir, args...)
		cmd.Env = append(cmd.Env, "TF_CLI_CONFIG_FILE="+cliConfig, "HOME="+home, "INDIGO_LOG=debug", "INDIGO_LOG_PATH="+logFile,
			"HTTPS_PROXY=http://127.0.0.1:1", "HTTP_PROXY=http://127.0.0.1:1")
		out, err := cmd.CombinedOutput()
		log, _ := os.ReadFile(logFile)
		return string(out), string(log), err
	}
	return dir, write, run
}

// TestValidateWithoutInitWarns: before init, validate checks what it can
// without the provider and passes, but says, once per provider and at the
// first of its resources, that the provider's schema was not used, so a
// misspelt type is not taken as checked (after init it is an error:
// TestValidateStartsLockedProvidersEarly).
func TestValidateWithoutInitWarns(t *testing.T) {
	r := newCLIRun(t, map[string]string{"main.tf": `terraform {
  required_providers {
    local = { source = "hashicorp/local" }
  }
}
resource "local_fiel" "a" {
  filename = "a.txt"
}
resource "local_file" "b" {
  filename = "b.txt"
}
`}, "HTTPS_PROXY=http://127.0.0.1:1", "HTTP_PROXY=http://127.0.0.1:1")
	out := r.ok("validate", "-no-color")
	if strings.Count(out, "Resources checked without their provider's schema") != 1 || !strings.Contains(out, "main.tf line 6") || !strings.Contains(out, "indigo init") {
		t.Errorf("validate before init:\n%s", out)
	}
}

// TestPlanStartsProvidersEarly runs plan with hashicorp/local: the process
// started while the state is read is the one the plan uses (started once,
// not twice), and one no configuration asks for (the configuration requires
// the provider but has no resource of it) is still ended with the command.
func TestPlanStartsProvidersEarly(t *testing.T) {
	dir, write, run := localProviderWorkdir(t)
	const required = `terraform {
  required_providers {
    local = { source = "hashicorp/local" }
  }
}
`
	write(required + `
resource "local_file" "f" {
  filename = "${path.module}/f.txt"
  content  = "early"
}
`)
	if out, _, err := run("init"); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	out, log, err := run("apply", "-auto-approve", "-no-color")
	if err != nil || !strings.Contains(out, "1 added") {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "f.txt")); err != nil || string(b) != "early" {
		t.Fatalf("f.txt after apply: %q, %v", b, err)
	}
	// One process plans, another applies, as in Terraform.
	if started, exited := strings.Count(log, "provider started: provider=hashicorp/local"), strings.Count(log, "plugin process exited"); started != 2 || exited != 2 {
		t.Errorf("apply: hashicorp/local started %d and exited %d times; want twice each:\n%s", started, exited, log)
	}

	write(required)
	out, log, err = run("plan", "-no-color", "-detailed-exitcode")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(out, "local_file.f will be destroyed") {
		t.Fatalf("plan without the resource: %v, want exit status 2\n%s", err, out)
	}
	if started, exited := strings.Count(log, "provider started: provider=hashicorp/local"), strings.Count(log, "plugin process exited"); started != 1 || exited != 1 {
		t.Errorf("plan of a removed resource: started %d, exited %d times; want once each:\n%s", started, exited, log)
	}
	// Nothing of the provider's left: required, but no resource and no
	// state of it. Started early, it must be ended all the same.
	if out, _, err := run("apply", "-auto-approve", "-no-color"); err != nil {
		t.Fatalf("apply of the removal: %v\n%s", err, out)
	}
	out, log, err = run("plan", "-no-color", "-detailed-exitcode")
	if err != nil || !strings.Contains(out, "No changes") {
		t.Fatalf("plan with nothing: %v\n%s", err, out)
	}
	// The plan may end before the provider has finished starting (or
	// even before it ran): it is then killed, not waited for. Either way,
	// nothing is left running.
	if pids := processesIn(t, dir, "terraform-provider-local"); len(pids) > 0 {
		t.Errorf("provider processes left running after plan: %v\n%s", pids, log)
	}
	// processesIn does see such a process.
	if runtime.GOOS == "linux" {
		sleep, err := exec.LookPath("sleep")
		if err != nil {
			t.Skip("no sleep command to check processesIn with")
		}
		probe := filepath.Join(t.TempDir(), "terraform-provider-local-probe")
		if b, err := os.ReadFile(sleep); err != nil || os.WriteFile(probe, b, 0o755) != nil {
			t.Fatalf("copying %s: %v", sleep, err)
		}
		cmd := exec.Command(probe, "30")
		cmd.Dir = dir
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer cmd.Wait()
		defer cmd.Process.Kill()
		if pids := processesIn(t, dir, "terraform-provider-local"); len(pids) != 1 {
			t.Errorf("processesIn found %v, want the probe %d", pids, cmd.Process.Pid)
		}
	}
}

// processesIn lists the running processes whose binary's name starts with
// prefix and whose working directory is dir (Linux: read from /proc).
func processesIn(t *testing.T, dir, prefix string) []string {
	t.Helper()
	if runtime.GOOS != "linux" {
		return nil
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.EvalSymlinks(dir)
	var pids []string
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		exe, err1 := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		cwd, err2 := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		if err1 == nil && err2 == nil && strings.HasPrefix(filepath.Base(exe), prefix) && cwd == want {
			pids = append(pids, e.Name())
		}
	}
	return pids
}
