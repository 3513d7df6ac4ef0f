package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// terraformBinary finds terraform or tofu on PATH, or skips the test.
func terraformBinary(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"terraform", "tofu"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	// Neither comes from the Go module proxy or Debian, so make test cannot
	// install one: the test skips, even when INDIGO_TEST_REQUIRE asks the
	// tests to install what they need.
	t.Skip("neither terraform nor tofu is on PATH; install Terraform >= 1.11 (or OpenTofu) to run this test")
	return ""
}

// buildProvider builds this package into dir.
func buildProvider(t *testing.T, dir string) {
	t.Helper()
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		goTool = "go"
	}
	cmd := exec.Command(goTool, "build", "-o", filepath.Join(dir, "terraform-provider-indigo"), ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}
}

const testConfig = `
terraform {
  required_providers {
    indigo = { source = "indigo-cloud/indigo" }
  }
}

provider "indigo" {
  root = %q
}

resource "indigo_directory" "data" {
  path = "data"
}

resource "indigo_file" "hello" {
  path            = "${indigo_directory.data.path}/hello.txt"
  content         = "hello from terraform\n"
  file_permission = "0600"
}

resource "indigo_file" "secret" {
  path              = "secret.txt"
  sensitive_content = "s3cret"
}

resource "indigo_noop" "marker" {
  input            = { file = indigo_file.hello.id, size = indigo_file.hello.size }
  triggers_replace = [indigo_file.hello.id]
}

resource "indigo_service" "sleeper" {
  command = ["sleep", "300"]
}

data "indigo_file" "hello" {
  path = indigo_file.hello.path
}

output "pid" {
  value = indigo_service.sleeper.pid
}

output "marker" {
  value = indigo_noop.marker.output.file
}

output "read_back" {
  value = data.indigo_file.hello.content
}
`

// TestTerraform runs plan, apply, a second plan and destroy with the real
// terraform (or tofu) binary against this provider, installed through a
// dev_overrides CLI configuration (no registry, no init), and checks the
// disk and the process table after each step.
func TestTerraform(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("indigo_service needs Linux")
	}
	tf := terraformBinary(t)
	tmp := t.TempDir()
	pluginDir := filepath.Join(tmp, "plugins")
	work := filepath.Join(tmp, "work")
	root := filepath.Join(tmp, "site")
	for _, d := range []string{pluginDir, work} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	buildProvider(t, pluginDir)

	cliConfig := filepath.Join(tmp, "terraform.rc")
	writeFile(t, cliConfig, fmt.Sprintf(`provider_installation {
  dev_overrides {
    "indigo-cloud/indigo" = %q
  }
  direct {}
}
`, pluginDir))
	writeFile(t, filepath.Join(work, "main.tf"), fmt.Sprintf(testConfig, root))

	env := append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+cliConfig,
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"CHECKPOINT_DISABLE=1",
	)
	run := func(args ...string) (string, error) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, tf, append(args, "-no-color")...)
		cmd.Dir = work
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout = &out
		cmd.Stderr = &out
		err := cmd.Run()
		return out.String(), err
	}
	mustRun := func(args ...string) string {
		t.Helper()
		out, err := run(args...)
		if err != nil {
			t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}

	out := mustRun("plan", "-input=false")
	if !strings.Contains(out, "5 to add, 0 to change, 0 to destroy") {
		t.Errorf("first plan does not add the five resources:\n%s", out)
	}
	if strings.Contains(out, "s3cret") {
		t.Errorf("the plan shows sensitive content:\n%s", out)
	}

	out = mustRun("apply", "-auto-approve", "-input=false")
	pidText := strings.TrimSpace(mustRun("output", "-raw", "pid"))
	pid, err := strconv.Atoi(pidText)
	if err != nil {
		t.Fatalf("output pid = %q\napply said:\n%s", pidText, out)
	}
	t.Cleanup(func() { _ = killIfRunning(pid) })

	hello := filepath.Join(root, "data", "hello.txt")
	if got := readFile(t, hello); got != "hello from terraform\n" {
		t.Errorf("%s = %q", hello, got)
	}
	if info, err := os.Stat(hello); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("%s mode: %v %v", hello, info, err)
	}
	if got := readFile(t, filepath.Join(root, "secret.txt")); got != "s3cret" {
		t.Errorf("secret.txt = %q", got)
	}
	// The provider process has exited; the service it started must not have.
	if !running(pid) {
		t.Errorf("service %d is not running after apply", pid)
	}
	if got := strings.TrimSpace(mustRun("output", "-raw", "read_back")); got != "hello from terraform" {
		t.Errorf("data source read back %q", got)
	}
	if got := strings.TrimSpace(mustRun("output", "-raw", "marker")); len(got) != 64 {
		t.Errorf("noop output.file = %q, want the file's sha256", got)
	}

	// Applied state and configuration agree: nothing to do.
	if out, err := run("plan", "-input=false", "-detailed-exitcode"); err != nil {
		t.Errorf("second plan is not empty (%v):\n%s", err, out)
	}

	// Drift: a file changed outside is planned as an in-place rewrite.
	writeFile(t, hello, "changed outside\n")
	out, err = run("plan", "-input=false", "-detailed-exitcode")
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 2 || !strings.Contains(out, "1 to change") {
		t.Errorf("plan after an outside change: %v\n%s", err, out)
	}

	mustRun("destroy", "-auto-approve", "-input=false")
	for _, p := range []string{hello, filepath.Join(root, "data"), filepath.Join(root, "secret.txt")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s still exists after destroy (%v)", p, err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for running(pid) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if running(pid) {
		t.Errorf("service %d still running after destroy", pid)
	}
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// running reports whether pid is a live (not zombie) process.
func running(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && len(s) > i+2 && s[i+2] != 'Z' && s[i+2] != 'X'
}

func killIfRunning(pid int) error {
	if !running(pid) {
		return nil
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}

func mustRegexp(s string) *regexp.Regexp { return regexp.MustCompile(s) }
