package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// copySteps copies examples/configuration-steps to a temporary directory.
// Without ansible-playbook (a skip, or a failure under
// INDIGO_TEST_REQUIRE=1) the template keeps only its Bash steps.
func copySteps(t *testing.T) (dir string, withAnsible bool) {
	t.Helper()
	dir = copyExample(t, "configuration-steps")
	if _, err := exec.LookPath("ansible-playbook"); err == nil {
		return dir, true
	}
	if os.Getenv("INDIGO_TEST_REQUIRE") == "1" {
		testsrv.Missing(t, "ansible-playbook runs the template's playbook: apt-get install -y ansible-core")
	}
	t.Log("ansible-playbook not found (apt-get install -y ansible-core): only the Bash steps run")
	p := filepath.Join(dir, "app.yaml")
	b, _ := os.ReadFile(p)
	s := string(b)
	i := strings.Index(s, "          configure:")
	j := strings.Index(s, "          delete:")
	if err := os.WriteFile(p, []byte(s[:i]+s[j:]), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, false
}

func mustRun(t *testing.T, dir string, want int, args ...string) string {
	t.Helper()
	out, code := runIn(t, dir, args...)
	if code != want {
		t.Fatalf("indigo %s: exit %d, want %d\n%s", strings.Join(args, " "), code, want, out)
	}
	return out
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestConfigurationSteps: a software component's steps (a Bash script, an
// Ansible playbook with a role from the repository) run on the local site
// it is placed on, in the host's directory; a second plan is empty; a
// changed script is planned to run again, and does, with the steps after
// it; destroy runs the delete operation and leaves no directory behind.
func TestConfigurationSteps(t *testing.T) {
	dir, withAnsible := copySteps(t)
	mustRun(t, dir, 0, "validate")
	out := mustRun(t, dir, 2, "plan", "-detailed-exitcode")
	for _, want := range []string{"indigo_step.app_create", "will be created"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "not executed") {
		t.Errorf("the plan still says steps are not executed:\n%s", out)
	}
	mustRun(t, dir, 0, "apply", "-auto-approve")
	host := filepath.Join(dir, "sites", "alpha", "hosts", "host")
	if got := readFile(t, filepath.Join(host, "app", "greeting.txt")); got != "hello from a step\n" {
		t.Fatalf("greeting.txt = %q", got)
	}
	if withAnsible {
		if got := readFile(t, filepath.Join(host, "app", "app.conf")); got != "greeting = hello from a step\n" {
			t.Fatalf("app.conf = %q", got)
		}
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "sites", "alpha", "steps", "*", "log"))
	if want := map[bool]int{true: 2, false: 1}[withAnsible]; len(logs) != want {
		t.Fatalf("step logs %v, want %d", logs, want)
	}
	mustRun(t, dir, 0, "plan", "-detailed-exitcode")

	// The install script changes: the plan says it runs again.
	script := filepath.Join(dir, "scripts", "install.sh")
	if err := os.WriteFile(script, []byte(readFile(t, script)+"echo changed >> app/runs.log\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out = mustRun(t, dir, 2, "plan", "-detailed-exitcode")
	for _, want := range []string{"indigo_step.app_create", "must be replaced", "Configuration step will run again"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan after the script changed lacks %q:\n%s", want, out)
		}
	}
	if withAnsible && !strings.Contains(out, "indigo_step.app_configure") {
		t.Errorf("the step after the changed one is not planned to run again:\n%s", out)
	}
	mustRun(t, dir, 0, "apply", "-auto-approve")
	if n := strings.Count(out, "Configuration step will run again"); n != 1 {
		t.Errorf("the plan says %d times that the step runs again, want once", n)
	}
	// A step runs again as a replacement: its delete operation
	// (uninstall.sh) ran first, then the changed script.
	if got := readFile(t, filepath.Join(host, "app", "runs.log")); got != "install\nchanged\n" {
		t.Errorf("runs.log = %q, want the changed install step run after the delete operation", got)
	}
	if withAnsible && readFile(t, filepath.Join(host, "app", "app.conf")) == "" {
		t.Errorf("the configure step did not run again after the install step")
	}
	mustRun(t, dir, 0, "plan", "-detailed-exitcode")

	mustRun(t, dir, 0, "destroy", "-auto-approve")
	for _, p := range []string{filepath.Join(dir, "sites", "alpha", "steps"), host} {
		if entries, err := os.ReadDir(p); err == nil && len(entries) > 0 {
			t.Errorf("left after destroy in %s: %v", p, entries)
		}
	}
}

// TestConfigurationStepFails: the install script fails on alpha; the
// error shows its log, the component fails there and falls back to beta,
// where the steps run; nothing of the attempt is left on alpha.
func TestConfigurationStepFails(t *testing.T) {
	dir, _ := copySteps(t)
	out := mustRun(t, dir, 0, "apply", "-auto-approve", "-var", "fail_on=sites/alpha")
	for _, want := range []string{
		"deployment.app could not be created on site alpha and was placed on site beta instead",
		"Configuration step failed",
		"this site has no room for the greeting (sites/alpha)",
		"exit status 4",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("apply lacks %q:\n%s", want, out)
		}
	}
	if got := readFile(t, filepath.Join(dir, "sites", "beta", "hosts", "host", "app", "greeting.txt")); got != "hello from a step\n" {
		t.Errorf("beta's greeting.txt = %q", got)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "sites", "alpha", "steps")); len(entries) > 0 {
		t.Errorf("the failed attempt left %v on alpha", entries)
	}
	// On both sites: no site is left, each site's error is shown.
	mustRun(t, dir, 0, "destroy", "-auto-approve", "-var", "fail_on=sites/alpha")
	out = mustRun(t, dir, 1, "apply", "-auto-approve", "-var", "fail_on=sites/")
	if !strings.Contains(out, "No site can take deployment.app") || strings.Count(out, "this site has no room") < 2 {
		t.Errorf("failing on both sites:\n%s", out)
	}
	list, _ := runIn(t, dir, "state", "list")
	if strings.Contains(list, "indigo_step") {
		t.Errorf("the state still records a step:\n%s", list)
	}
}

// TestCrashDuringStep: indigo is killed (kill -9, with its provider) while
// a step runs. The next apply finds the step again by its id, stops the
// run left behind, runs the step again in the same directory and records
// it; nothing on disk is left unrecorded.
func TestCrashDuringStep(t *testing.T) {
	dir, _ := copySteps(t)
	script := filepath.Join(dir, "scripts", "install.sh")
	slow := "if [ -n \"${INDIGO_TEST_SLOW_STEP:-}\" ]; then echo sleeping; sleep 120; fi\n"
	if err := os.WriteFile(script, []byte(slow+readFile(t, script)), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := indigoCmd(t, dir, "apply", "-auto-approve")
	cmd.Env = append(cmd.Env, "INDIGO_TEST_SLOW_STEP=1")
	out := &output{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pidFile string
	deadline := time.Now().Add(60 * time.Second)
	for pidFile == "" && time.Now().Before(deadline) {
		logs, _ := filepath.Glob(filepath.Join(dir, "sites", "alpha", "steps", "*", "log"))
		for _, l := range logs {
			if b, _ := os.ReadFile(l); strings.Contains(string(b), "sleeping") {
				pidFile = filepath.Join(filepath.Dir(l), "pid")
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if pidFile == "" {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		t.Fatalf("the step never started:\n%s", out)
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Wait()
	pid := strings.TrimSpace(readFile(t, pidFile))
	if _, err := os.Stat("/proc/" + pid); err != nil {
		t.Fatalf("the step's run (pid %s) did not outlive indigo; the test shows nothing", pid)
	}

	got := mustRun(t, dir, 0, "apply", "-auto-approve")
	if st, err := os.ReadFile("/proc/" + pid + "/stat"); err == nil && !strings.Contains(string(st), ") Z ") {
		t.Errorf("the interrupted run (pid %s) still runs after the next apply:\n%s", pid, got)
	}
	host := filepath.Join(dir, "sites", "alpha", "hosts", "host")
	if g := readFile(t, filepath.Join(host, "app", "greeting.txt")); g != "hello from a step\n" {
		t.Errorf("greeting.txt = %q", g)
	}
	list := mustRun(t, dir, 0, "state", "list")
	dirs, _ := os.ReadDir(filepath.Join(dir, "sites", "alpha", "steps"))
	if n := strings.Count(list, "indigo_step."); n != len(dirs) {
		t.Errorf("%d step directories on disk, %d steps recorded:\n%s", len(dirs), n, list)
	}
	mustRun(t, dir, 0, "plan", "-detailed-exitcode")
	mustRun(t, dir, 0, "destroy", "-auto-approve")
	if dirs, _ := os.ReadDir(filepath.Join(dir, "sites", "alpha", "steps")); len(dirs) > 0 {
		t.Errorf("left after destroy: %v", dirs)
	}
}
