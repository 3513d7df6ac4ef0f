package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/providers/plugin/plugintest"
)

// TestValidateStartsLockedProvidersEarly runs validate with hashicorp/local
// in the lock file: the provider started while the configuration loads is
// the one whose schema checks the resources (started once, not twice), and
// when the configuration no longer uses it, it is still ended.
func TestValidateStartsLockedProvidersEarly(t *testing.T) {
	cliConfig := localMirror(t, plugintest.RealProvider(t, plugintest.LocalModule, plugintest.LocalVersion))
	dir := t.TempDir()
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	logFile, home := filepath.Join(t.TempDir(), "log"), t.TempDir()
	run := func(args ...string) (string, string, error) {
		t.Helper()
		_ = os.Remove(logFile)
		cmd := indigoCmd(t, dir, args...)
		cmd.Env = append(cmd.Env, "TF_CLI_CONFIG_FILE="+cliConfig, "HOME="+home, "INDIGO_LOG=debug", "INDIGO_LOG_PATH="+logFile,
			"HTTPS_PROXY=http://127.0.0.1:1", "HTTP_PROXY=http://127.0.0.1:1")
		out, err := cmd.CombinedOutput()
		log, _ := os.ReadFile(logFile)
		return string(out), string(log), err
	}
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
