package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/providers/plugin/plugintest"
)

// TestProviderForEachThirdParty repeats a provider indigo did not write
// (hashicorp/local, protocol 5) with for_each: each instance is its own
// process, configured on its own, and the state records which one manages
// each file, through apply, a plan with no changes, drift and destroy.
func TestProviderForEachThirdParty(t *testing.T) {
	bin := plugintest.RealProvider(t, plugintest.LocalModule, plugintest.LocalVersion)
	cliConfig := localMirror(t, bin)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(`terraform {
  required_providers {
    local = {
      source  = "hashicorp/local"
      version = "~> 2.5"
    }
  }
}

locals {
  dirs = toset(["a", "b"])
}

provider "local" {
  alias    = "by_dir"
  for_each = local.dirs
}

resource "local_file" "f" {
  for_each = local.dirs
  provider = local.by_dir[each.key]
  filename = "${path.module}/${each.key}/f.txt"
  content  = "written by instance ${each.key}\n"
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := indigoCmd(t, dir, args...)
		cmd.Env = append(cmd.Env, "TF_CLI_CONFIG_FILE="+cliConfig, "HOME="+t.TempDir(),
			"HTTPS_PROXY=http://127.0.0.1:1", "HTTP_PROXY=http://127.0.0.1:1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("indigo %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("init")
	run("apply", "-auto-approve")
	for _, k := range []string{"a", "b"} {
		got, err := os.ReadFile(filepath.Join(dir, k, "f.txt"))
		if err != nil || string(got) != "written by instance "+k+"\n" {
			t.Fatalf("%s/f.txt: %q %v", k, got, err)
		}
	}
	state := run("state", "pull")
	for _, want := range []string{`"provider": "provider[\"registry.terraform.io/hashicorp/local\"].by_dir"`, `"provider_key": "a"`, `"provider_key": "b"`} {
		if !strings.Contains(state, want) {
			t.Errorf("state lacks %s:\n%s", want, state)
		}
	}
	if out := run("plan", "-detailed-exitcode"); !strings.Contains(out, "No changes") {
		t.Fatalf("second plan:\n%s", out)
	}
	os.Remove(filepath.Join(dir, "b", "f.txt"))
	if out := run("plan"); !strings.Contains(out, `local_file.f["b"] will be created`) || !strings.Contains(out, "Plan: 1 to add, 0 to change, 0 to destroy") {
		t.Fatalf("plan after removing b/f.txt:\n%s", out)
	}
	run("destroy", "-auto-approve")
	for _, k := range []string{"a", "b"} {
		if _, err := os.Stat(filepath.Join(dir, k, "f.txt")); !os.IsNotExist(err) {
			t.Errorf("%s/f.txt after destroy: %v", k, err)
		}
	}
}
