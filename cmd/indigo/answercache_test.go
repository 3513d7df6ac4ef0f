package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/providers/plugin/plugintest"
)

// cacheStats matches the debug line a provider logs when it closes;
// received matches the trace line hashicorp/local logs for each request it
// receives.
var (
	cacheStats = regexp.MustCompile(`provider answer cache: provider=hashicorp/local hits=(\d+) asked=(\d+) kept=(\d+)`)
	received   = regexp.MustCompile(`Received request.*tf_rpc=([A-Za-z]+)`)
)

// TestProviderAnswerCacheLocal runs indigo with hashicorp/local as a user
// would: the second plan with nothing to do takes every validation and
// plan from the cache (only ReadResource reaches the provider) and prints
// the same plan; a changed configuration, a file changed on disk (drift),
// -provider-cache=false and INDIGO_PROVIDER_CACHE=off go to the provider and
// print what the provider says.
func TestProviderAnswerCacheLocal(t *testing.T) {
	cliConfig := localMirror(t, plugintest.RealProvider(t, plugintest.LocalModule, plugintest.LocalVersion))
	dir := t.TempDir()
	main := `terraform {
  required_providers {
    local = {
      source = "hashicorp/local"
    }
  }
}

resource "local_file" "f" {
  count    = 3
  filename = "${path.module}/out/f${count.index}.txt"
  content  = "file ${count.index}\n"
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	logFile, home := filepath.Join(t.TempDir(), "log"), t.TempDir()
	// calls counts the requests hashicorp/local received in the last run,
	// by RPC, from its own trace log.
	var calls map[string]int
	// run runs indigo and returns its output and the answer cache's counts.
	run := func(env []string, args ...string) (string, [3]int) {
		t.Helper()
		_ = os.Remove(logFile)
		cmd := indigoCmd(t, dir, args...)
		cmd.Env = append(cmd.Env, "TF_CLI_CONFIG_FILE="+cliConfig, "HOME="+home, "INDIGO_LOG=trace", "INDIGO_LOG_PATH="+logFile,
			"HTTPS_PROXY=http://127.0.0.1:1", "HTTP_PROXY=http://127.0.0.1:1")
		cmd.Env = append(cmd.Env, env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("indigo %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		log, _ := os.ReadFile(logFile)
		var counts [3]int
		for _, m := range cacheStats.FindAllStringSubmatch(string(log), -1) {
			for i := range counts {
				n, _ := strconv.Atoi(m[i+1])
				counts[i] += n
			}
		}
		calls = map[string]int{}
		for _, m := range received.FindAllStringSubmatch(string(log), -1) {
			calls[m[1]]++
		}
		return withoutRefreshLines(string(out)), counts
	}
	run(nil, "init")
	run(nil, "apply", "-auto-approve")
	// Apply plans each create, then, in the provider process that
	// applies it, asks the same plan again: answered from this run's
	// memory.
	if calls["PlanResourceChange"] != 3 || calls["ApplyResourceChange"] != 3 {
		t.Errorf("apply: the provider received %v; want 3 PlanResourceChange (not 6) and 3 ApplyResourceChange", calls)
	}

	first, c := run(nil, "plan")
	// The validations are those apply kept; the plans are new (apply
	// changed every state).
	if !strings.Contains(first, "No changes") || c != [3]int{4, 3, 3} {
		t.Fatalf("first plan after apply: counts %v\n%s", c, first)
	}
	second, c := run(nil, "plan")
	if second != first {
		t.Errorf("the plan from the cache differs:\n%s\nfrom the provider's:\n%s", second, first)
	}
	// 3 validations, 3 plans, the provider configuration's validation.
	if c != [3]int{7, 0, 0} {
		t.Errorf("second plan: hits, asked, kept = %v, want 7 hits and nothing asked", c)
	}
	// What the provider itself says it received: reads only.
	if calls["ReadResource"] != 3 || calls["PlanResourceChange"] != 0 || calls["ValidateResourceTypeConfig"] != 0 || calls["PrepareProviderConfig"] != 0 {
		t.Errorf("second plan: the provider received %v; want 3 ReadResource and no validation or plan", calls)
	}

	// Off, by flag and by environment: nothing from the cache.
	for _, off := range []struct {
		env  []string
		args []string
	}{{nil, []string{"plan", "-provider-cache=false"}}, {[]string{"INDIGO_PROVIDER_CACHE=off"}, []string{"plan"}}} {
		out, c := run(off.env, off.args...)
		if out != first || c != [3]int{} || calls["PlanResourceChange"] != 3 || calls["ValidateResourceTypeConfig"] != 3 {
			t.Errorf("%v %v: counts %v, provider received %v, output:\n%s", off.env, off.args, c, calls, out)
		}
		if _, err := os.Stat(filepath.Join(dir, ".indigo", "provider-answers")); err != nil {
			t.Errorf("the cache directory: %v", err)
		}
	}

	// Drift: a file changed on disk is read back as gone, and planned
	// again, cache or not.
	if err := os.WriteFile(filepath.Join(dir, "out", "f1.txt"), []byte("changed behind indigo's back\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	drifted, c := run(nil, "plan")
	if !strings.Contains(drifted, "local_file.f[1] will be created") || !strings.Contains(drifted, "1 to add, 0 to change, 0 to destroy") {
		t.Errorf("plan after drift:\n%s", drifted)
	}
	if c[0] != 6 {
		t.Errorf("plan after drift: hits, asked, kept = %v; want the 4 validations and the 2 unchanged plans from the cache", c)
	}
	if uncached, _ := run([]string{"INDIGO_PROVIDER_CACHE=off"}, "plan"); uncached != drifted {
		t.Errorf("plan after drift without the cache differs:\n%s\nwith the cache:\n%s", uncached, drifted)
	}
	run(nil, "apply", "-auto-approve")

	// A changed configuration: f[2]'s new content is validated and
	// planned by the provider (a replacement: content forces it).
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(strings.Replace(main, `"file ${count.index}\n"`, `count.index == 2 ? "new\n" : "file ${count.index}\n"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	changed, c := run(nil, "plan")
	if !strings.Contains(changed, "local_file.f[2] must be replaced") || !strings.Contains(changed, "1 to add, 0 to change, 1 to destroy") {
		t.Errorf("plan after a configuration change:\n%s", changed)
	}
	if c[1] == 0 {
		t.Errorf("plan after a configuration change: hits, asked, kept = %v; the provider must be asked about f[2]", c)
	}
	if uncached, _ := run([]string{"INDIGO_PROVIDER_CACHE=off"}, "plan"); uncached != changed {
		t.Errorf("plan after a configuration change without the cache differs:\n%s\nwith the cache:\n%s", uncached, changed)
	}
}

// TestApplyValidatesFinalValues: apply asks the provider to validate each
// configuration again with the values the plan did not know yet, as
// Terraform does. A value the provider refuses stops that change before it
// is made; the validations of a chain (each file names the previous one's
// id) are kept, so the plan after apply asks the provider for none.
func TestApplyValidatesFinalValues(t *testing.T) {
	cliConfig := localMirror(t, plugintest.RealProvider(t, plugintest.LocalModule, plugintest.LocalVersion))
	home := t.TempDir()
	// indigo runs indigo in dir and returns its output and the requests
	// hashicorp/local received, by RPC.
	indigo := func(dir string, wantOK bool, args ...string) (string, map[string]int) {
		t.Helper()
		logFile := filepath.Join(t.TempDir(), "log")
		cmd := indigoCmd(t, dir, args...)
		cmd.Env = append(cmd.Env, "TF_CLI_CONFIG_FILE="+cliConfig, "HOME="+home, "INDIGO_LOG=trace", "INDIGO_LOG_PATH="+logFile,
			"HTTPS_PROXY=http://127.0.0.1:1", "HTTP_PROXY=http://127.0.0.1:1")
		out, err := cmd.CombinedOutput()
		if (err == nil) != wantOK {
			t.Fatalf("indigo %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		log, _ := os.ReadFile(logFile)
		calls := map[string]int{}
		for _, m := range received.FindAllStringSubmatch(string(log), -1) {
			calls[m[1]]++
		}
		return string(out), calls
	}
	const head = `terraform {
  required_providers {
    local = {
      source = "hashicorp/local"
    }
  }
}

resource "local_file" "a" {
  filename = "${path.module}/a.txt"
  content  = "a\n"
}
`
	chain := t.TempDir()
	main := head + `
resource "local_file" "b" {
  filename = "${path.module}/b.txt"
  content  = "after ${local_file.a.id}\n"
}

resource "local_file" "c" {
  filename = "${path.module}/c.txt"
  content  = "after ${local_file.b.id}\n"
}
`
	if err := os.WriteFile(filepath.Join(chain, "main.tf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	indigo(chain, true, "init")
	if _, calls := indigo(chain, true, "apply", "-auto-approve"); calls["ValidateResourceTypeConfig"] != 5 {
		t.Errorf("apply: %d validations reached the provider, want 5 (each in plan; b's and c's again before applying them, with the ids the plan did not know)", calls["ValidateResourceTypeConfig"])
	}
	out, calls := indigo(chain, true, "plan", "-detailed-exitcode")
	if !strings.Contains(out, "No changes") || calls["ValidateResourceTypeConfig"] != 0 {
		t.Errorf("plan after apply: %d validations reached the provider, want 0\n%s", calls["ValidateResourceTypeConfig"], out)
	}

	refused := t.TempDir()
	main = head + `
resource "local_file" "b" {
  filename        = "${path.module}/b.txt"
  content         = "b\n"
  file_permission = local_file.a.id == "" ? "0644" : "9999"
}
`
	if err := os.WriteFile(filepath.Join(refused, "main.tf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	indigo(refused, true, "init")
	out, calls = indigo(refused, false, "apply", "-auto-approve")
	if !strings.Contains(out, "bad mode permission") || !strings.Contains(out, "during ValidateResourceConfig") || calls["ApplyResourceChange"] != 1 {
		t.Errorf("apply of a permission known only then: want the provider's validation error and a's apply only, got %v\n%s", calls, out)
	}
	if _, err := os.Stat(filepath.Join(refused, "b.txt")); !os.IsNotExist(err) {
		t.Errorf("b.txt, refused by validation, was made: %v", err)
	}
	if _, err := os.Stat(filepath.Join(refused, "a.txt")); err != nil {
		t.Errorf("a.txt: %v", err)
	}

	// A replacement made before the old object goes: a refused value
	// stops it before the old object is deposed, so the state still
	// holds it as current and the next plan replaces it again.
	replaced := t.TempDir()
	write := func(aContent, bContent, perm string) {
		t.Helper()
		main := strings.Replace(head, `content  = "a\n"`, `content  = "`+aContent+`"
  lifecycle {
    create_before_destroy = true
  }`, 1) + `
resource "local_file" "b" {
  filename        = "${path.module}/b.txt"
  content         = "` + bContent + `"
  file_permission = ` + perm + `
  lifecycle {
    create_before_destroy = true
  }
}
`
		if err := os.WriteFile(filepath.Join(replaced, "main.tf"), []byte(main), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a", "b", `"0644"`)
	indigo(replaced, true, "init")
	indigo(replaced, true, "apply", "-auto-approve")
	write("a2", "b2", `local_file.a.id == "" ? "0644" : "9999"`)
	if out, _ := indigo(replaced, false, "apply", "-auto-approve"); !strings.Contains(out, "bad mode permission") {
		t.Errorf("apply of the replacement: want the provider's validation error\n%s", out)
	}
	if b, err := os.ReadFile(filepath.Join(replaced, "b.txt")); err != nil || string(b) != "b" {
		t.Errorf("b.txt after the refused replacement: %q, %v; want the old content", b, err)
	}
	// With a valid permission again, the plan replaces b, the current
	// object: b was not deposed. (a's old object was: its deletion waited
	// for b, which failed; the plan finds it gone, a2 having overwritten
	// the same file, and forgets it.)
	write("a2", "b2", `"0644"`)
	out, _ = indigo(replaced, true, "plan", "-no-color")
	if !strings.Contains(out, "local_file.b must be replaced") || strings.Contains(out, "local_file.b (deposed") || !strings.Contains(out, "1 to add, 0 to change, 1 to destroy") {
		t.Errorf("plan after the refused replacement: want b replaced and b not deposed\n%s", out)
	}
}

// withoutRefreshLines drops a plan's progress lines for the objects it
// reads, which come in no fixed order, so that two plans' outputs compare.
func withoutRefreshLines(out string) string {
	lines := strings.SplitAfter(out, "\n")
	kept := lines[:0]
	for _, l := range lines {
		if !strings.Contains(l, ": Refreshing state...") {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "")
}
