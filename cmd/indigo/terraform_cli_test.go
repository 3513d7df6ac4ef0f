package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/local"
)

// terraformFlags are the flags Terraform 1.11 documents for the commands
// indigo shares with it (terraform COMMAND -help, and the CLI reference).
var terraformFlags = map[string][]string{
	"init": {"-backend=false", "-backend-config=path=x.state", "-force-copy", "-from-module=src", "-get=false", "-input=false",
		"-lock=false", "-lock-timeout=1s", "-no-color", "-json", "-plugin-dir=p", "-reconfigure", "-migrate-state", "-upgrade",
		"-lockfile=readonly", "-ignore-remote-version", "-test-directory=tests"},
	"validate": {"-json", "-no-color", "-no-tests", "-test-directory=tests"},
	"plan": {"-destroy", "-refresh-only", "-refresh=false", "-replace=a.b", "-target=a.b", "-var=x=1", "-var-file=f", "-compact-warnings",
		"-detailed-exitcode", "-generate-config-out=g.tf", "-input=false", "-json", "-lock=false", "-lock-timeout=1s", "-no-color",
		"-out=p", "-parallelism=2", "-state=s"},
	"apply": {"-auto-approve", "-backup=b", "-compact-warnings", "-destroy", "-lock=false", "-lock-timeout=1s", "-input=false",
		"-json", "-no-color", "-parallelism=2", "-state=s", "-state-out=o", "-var=x=1", "-var-file=f", "-refresh=false",
		"-refresh-only", "-replace=a.b", "-target=a.b"},
	"destroy": {"-auto-approve", "-backup=b", "-compact-warnings", "-lock=false", "-lock-timeout=1s", "-input=false", "-json",
		"-no-color", "-parallelism=2", "-state=s", "-state-out=o", "-var=x=1", "-var-file=f", "-refresh=false", "-target=a.b"},
	"refresh": {"-compact-warnings", "-input=false", "-lock=false", "-lock-timeout=1s", "-no-color", "-parallelism=2",
		"-target=a.b", "-var=x=1", "-var-file=f", "-state=s", "-state-out=o", "-backup=b", "-json"},
	"show":                   {"-no-color", "-json"},
	"output":                 {"-state=s", "-no-color", "-json", "-raw"},
	"state list":             {"-state=s", "-id=x"},
	"state show":             {"-state=s"},
	"state mv":               {"-dry-run", "-lock=false", "-lock-timeout=1s", "-ignore-remote-version", "-state=s", "-state-out=o", "-backup=b"},
	"state rm":               {"-dry-run", "-backup=b", "-lock=false", "-lock-timeout=1s", "-state=s", "-ignore-remote-version"},
	"state pull":             {},
	"get":                    {"-update", "-no-color", "-test-directory=tests"},
	"modules":                {"-json"},
	"metadata functions":     {"-json"},
	"login":                  {},
	"logout":                 {},
	"taint":                  {"-allow-missing", "-lock=false", "-lock-timeout=1s", "-ignore-remote-version", "-state=s", "-state-out=o", "-backup=b"},
	"untaint":                {"-allow-missing", "-lock=false", "-lock-timeout=1s", "-ignore-remote-version", "-state=s", "-state-out=o", "-backup=b"},
	"state push":             {"-force", "-lock=false", "-lock-timeout=1s", "-ignore-remote-version"},
	"import":                 {"-config=.", "-input=false", "-lock=false", "-lock-timeout=1s", "-no-color", "-var=x=1", "-var-file=f", "-ignore-remote-version", "-state=s", "-state-out=o", "-backup=b"},
	"fmt":                    {"-list=false", "-write=false", "-diff", "-check", "-no-color", "-recursive"},
	"graph":                  {"-plan=p", "-draw-cycles", "-type=plan", "-module-depth=1"},
	"providers":              {"-test-directory=tests"},
	"force-unlock":           {"-force"},
	"workspace new":          {"-lock=false", "-lock-timeout=1s", "-state=s"},
	"workspace select":       {"-or-create"},
	"workspace list":         {},
	"workspace show":         {},
	"workspace delete":       {"-force", "-lock=false", "-lock-timeout=1s"},
	"console":                {"-state=s", "-plan", "-var=x=1", "-var-file=f"},
	"version":                {"-json"},
	"test":                   {"-cloud-run=x", "-filter=f", "-json", "-no-color", "-test-directory=t", "-var=x=1", "-var-file=f", "-verbose"},
	"state replace-provider": {"-auto-approve", "-lock=false", "-lock-timeout=1s", "-ignore-remote-version", "-state=s", "-state-out=o", "-backup=b"},
}

// findCommand returns the command at path ("state mv").
func findCommand(t *testing.T, root *cobra.Command, path string) *cobra.Command {
	t.Helper()
	c, rest, err := root.Find(strings.Fields(path))
	if err != nil || len(rest) > 0 || c == root {
		t.Fatalf("indigo has no command %q", path)
	}
	return c
}

// TestTerraformFlagsAccepted parses every documented Terraform flag with
// the command that takes it, as a CI command line would give it: none is
// an unknown flag. When terraform is on PATH, its own -help output is the
// list too, so a flag Terraform adds shows up here.
func TestTerraformFlagsAccepted(t *testing.T) {
	check := func(path string, flags []string) {
		t.Helper()
		a := &app{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, tf: newTFOptions()}
		root := a.rootCommand()
		cmd := findCommand(t, root, path)
		for _, f := range flags {
			args := normalizeArgs([]string{f})
			if err := cmd.ParseFlags(args); err != nil {
				t.Errorf("indigo %s %s: %v", path, f, err)
			}
		}
	}
	for path, flags := range terraformFlags {
		if flags == nil {
			continue
		}
		check(path, append(flags, "-chdir=."))
	}
	tf, err := exec.LookPath("terraform")
	if err != nil {
		t.Log("terraform is not on PATH: checked the documented list only")
		return
	}
	flagRE := regexp.MustCompile(`(?m)^\s+(-[a-z][a-zA-Z0-9-]*)`)
	for path, flags := range terraformFlags {
		if flags == nil {
			continue
		}
		cmd := exec.Command(tf, append(strings.Fields(path), "-help")...)
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE=/dev/null", "CHECKPOINT_DISABLE=1")
		out, _ := cmd.Output()
		var got []string
		for _, m := range flagRE.FindAllStringSubmatch(string(out), -1) {
			if !slices.Contains([]string{"-help", "-h"}, m[1]) {
				got = append(got, m[1])
			}
		}
		if len(got) == 0 {
			continue
		}
		a := &app{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, tf: newTFOptions()}
		c := findCommand(t, a.rootCommand(), path)
		for _, f := range got {
			if c.Flags().Lookup(strings.TrimPrefix(f, "-")) == nil && c.InheritedFlags().Lookup(strings.TrimPrefix(f, "-")) == nil {
				t.Errorf("terraform %s -help lists %s, which indigo %s does not accept", path, f, path)
			}
		}
	}
}

// TestSplitShellWords: TF_CLI_ARGS is split as a shell would.
func TestSplitShellWords(t *testing.T) {
	cases := map[string][]string{
		`-var 'who=from env' -no-color`: {"-var", "who=from env", "-no-color"},
		`-var="a=b c" x\ y`:             {"-var=a=b c", "x y"},
		`  `:                            nil,
	}
	for in, want := range cases {
		got, err := splitShellWords(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("splitShellWords(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := splitShellWords(`-var 'open`); err == nil {
		t.Error("an unclosed quote must be an error")
	}
}

// TestExpandEnvArgs: TF_CLI_ARGS goes after the command's words, before
// the command line's own arguments.
func TestExpandEnvArgs(t *testing.T) {
	t.Setenv("TF_CLI_ARGS", "-no-color")
	t.Setenv("TF_CLI_ARGS_plan", "-var=who=env")
	t.Setenv("TF_CLI_ARGS_workspace_new", "-lock=false")
	cases := []struct{ in, want []string }{
		{[]string{"-chdir=x", "plan", "-out=p"}, []string{"-chdir=x", "plan", "-no-color", "-var=who=env", "-out=p"}},
		{[]string{"workspace", "new", "a"}, []string{"workspace", "new", "-no-color", "-lock=false", "a"}},
		{[]string{"apply"}, []string{"apply", "-no-color"}},
	}
	for _, c := range cases {
		got, err := expandEnvArgs(c.in)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("expandEnvArgs(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

const ciConfig = `variable "who" {
  type    = string
  default = "world"
}

provider "indigo" {
  root = "site"
}

resource "indigo_file" "hello" {
  path    = "hello.txt"
  content = "hello, ${var.who}\n"
}

resource "indigo_noop" "n" {
  count = 2
  input = indigo_file.hello.id
}

output "greeting" {
  value = trimspace(indigo_file.hello.content)
}
`

// cliRun runs indigo as a separate process in a directory, with an
// environment of its own.
type cliRun struct {
	migrationRun
}

func newCLIRun(t *testing.T, files map[string]string, env ...string) cliRun {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return cliRun{migrationRun{t: t, dir: dir, env: append([]string{"HOME=" + dir, "TF_IN_AUTOMATION=", "TF_CLI_ARGS=", "TF_WORKSPACE=", "TF_DATA_DIR="}, env...)}}
}

func (r cliRun) with(env ...string) cliRun {
	r.env = append(slices.Clone(r.env), env...)
	return r
}

func (r cliRun) file(name string) string {
	r.t.Helper()
	b, err := os.ReadFile(filepath.Join(r.dir, name))
	if err != nil {
		r.t.Fatal(err)
	}
	return string(b)
}

func (r cliRun) instances(path string) int {
	r.t.Helper()
	s := readState(r.t, local.New(filepath.Join(r.dir, path)))
	if s == nil {
		return 0
	}
	return len(s.AllInstances())
}

// TestGitLabTemplate runs the command lines of GitLab's Terraform CI
// template (its gitlab-terraform script: fmt, init, validate, plan with a
// plan cache and its JSON report, apply of the cache) with indigo in place
// of terraform, in automation as the template sets it.
func TestGitLabTemplate(t *testing.T) {
	r := newCLIRun(t, map[string]string{"main.tf": ciConfig}, "TF_IN_AUTOMATION=true", "TF_INPUT=false")
	r.ok("fmt", "-check", "-diff", "-recursive")
	r.ok("init", "-input=false", "-no-color", "-reconfigure")
	r.ok("validate", "-no-color")
	out := r.ok("plan", "-input=false", "-no-color", "-lock-timeout=10s", "-compact-warnings", "-out=plan.cache")
	if strings.Contains(out, "To apply exactly this plan") {
		t.Errorf("TF_IN_AUTOMATION: plan still tells what to run next:\n%s", out)
	}
	js := r.ok("show", "-no-color", "-json", "plan.cache")
	var doc struct {
		ResourceChanges []struct {
			Address string `json:"address"`
			Change  struct {
				Actions []string `json:"actions"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil || len(doc.ResourceChanges) != 3 {
		t.Fatalf("show -json plan.cache: %v, %d resource changes:\n%s", err, len(doc.ResourceChanges), js)
	}
	r.ok("apply", "-input=false", "-no-color", "plan.cache")
	if got := r.file("site/hello.txt"); got != "hello, world\n" {
		t.Errorf("site/hello.txt = %q", got)
	}
	out = r.ok("plan", "-input=false", "-no-color", "-detailed-exitcode", "-lock-timeout=10s")
	if !strings.Contains(out, "No changes") {
		t.Errorf("a second plan is not empty:\n%s", out)
	}
	// Without -auto-approve and with input disabled, apply says why it
	// cannot ask.
	r.fails("input is disabled", "apply", "-var=who=ci")
}

// TestGitHubActionsWorkflow runs the lines of the usual GitHub Actions
// plan/apply workflow (setup-terraform's example), with -chdir as
// workflows with a working-directory do.
func TestGitHubActionsWorkflow(t *testing.T) {
	r := newCLIRun(t, map[string]string{"infra/main.tf": ciConfig})
	r.ok("-chdir=infra", "fmt", "-check")
	r.ok("-chdir=infra", "init")
	r.ok("-chdir=infra", "validate", "-no-color")
	out := r.ok("-chdir=infra", "plan", "-no-color", "-input=false")
	if !strings.Contains(out, "Plan: 3 to add") {
		t.Errorf("plan:\n%s", out)
	}
	r.ok("-chdir=infra", "apply", "-auto-approve", "-input=false")
	if got := r.file("infra/site/hello.txt"); got != "hello, world\n" {
		t.Errorf("-chdir: infra/site/hello.txt = %q", got)
	}
	if _, err := os.Stat(filepath.Join(r.dir, "indigo.state")); err == nil {
		t.Error("-chdir: a state was written outside the directory")
	}
	if got := strings.TrimSpace(r.ok("-chdir=infra", "output", "-raw", "greeting")); got != "hello, world" {
		t.Errorf("output -raw = %q", got)
	}
	if out := r.ok("-chdir=infra", "apply", "-destroy", "-auto-approve", "-input=false"); !strings.Contains(out, "Destroy complete! Resources: 3 destroyed.") {
		t.Errorf("apply -destroy:\n%s", out)
	}
}

// TestTerraformEnvironment checks what the environment variables do:
// TF_CLI_ARGS and TF_CLI_ARGS_plan add arguments, TF_DATA_DIR moves the
// data directory, TF_WORKSPACE selects the workspace, TF_LOG logs.
func TestTerraformEnvironment(t *testing.T) {
	r := newCLIRun(t, map[string]string{"main.tf": ciConfig})
	r.with("TF_DATA_DIR=tfdata").ok("init")
	if _, err := os.Stat(filepath.Join(r.dir, "tfdata", "backend.json")); err != nil {
		t.Errorf("TF_DATA_DIR: init did not record the backend there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(r.dir, ".indigo")); err == nil {
		t.Error("TF_DATA_DIR: init wrote .indigo anyway")
	}
	out := r.with("TF_CLI_ARGS_plan=-var 'who=from env'").ok("plan")
	if !strings.Contains(out, `"hello, from env"`) {
		t.Errorf("TF_CLI_ARGS_plan was not applied:\n%s", out)
	}
	// The command line comes after TF_CLI_ARGS, so it wins.
	out = r.with("TF_CLI_ARGS=-var=who=general").ok("plan", "-var=who=line")
	if !strings.Contains(out, `"hello, line"`) {
		t.Errorf("the command line did not win over TF_CLI_ARGS:\n%s", out)
	}
	r.ok("workspace", "new", "-lock-timeout=1s", "other")
	r.ok("workspace", "select", "default")
	r.with("TF_WORKSPACE=staging").fails("TF_WORKSPACE", "workspace", "select", "other")
	r.with("TF_WORKSPACE=other").ok("apply", "-auto-approve", "-var=who=other")
	if n := r.instances("indigo.state.d/other/indigo.state"); n != 3 {
		t.Errorf("TF_WORKSPACE=other: its state holds %d instances, want 3", n)
	}
	if _, err := os.Stat(filepath.Join(r.dir, "indigo.state")); err == nil && r.instances("indigo.state") > 0 {
		t.Error("TF_WORKSPACE=other: the default workspace's state changed")
	}
	if got := strings.TrimSpace(r.with("TF_WORKSPACE=other").ok("workspace", "show")); got != "other" {
		t.Errorf("workspace show with TF_WORKSPACE=other: %q", got)
	}
	logFile := filepath.Join(r.dir, "tf.log")
	r.with("TF_LOG=DEBUG", "TF_LOG_PATH="+logFile).ok("plan")
	if b, err := os.ReadFile(logFile); err != nil || len(b) == 0 {
		t.Errorf("TF_LOG with TF_LOG_PATH wrote no log: %v", err)
	}
	out = r.ok("-version")
	if !strings.HasPrefix(out, "indigo ") {
		t.Errorf("-version: %q", out)
	}
}

// TestTerraformFlagEffects: the shared flags do what they say.
func TestTerraformFlagEffects(t *testing.T) {
	r := newCLIRun(t, map[string]string{
		"main.tf":            ciConfig,
		"warn.tf":            "terraform {\n  experiments = []\n}\n",
		"backend.tf":         "terraform {\n  backend \"local\" {}\n}\n",
		"module-src/main.tf": ciConfig,
		"bc.tfbackend":       "path = \"from-file.state\"\n",
	})
	// -backend-config completes the backend block, and init records it for
	// the runs after.
	r.ok("init", "-backend-config=bc.tfbackend")
	r.ok("apply", "-auto-approve")
	if n := r.instances("from-file.state"); n != 3 {
		t.Fatalf("-backend-config=bc.tfbackend: from-file.state holds %d instances", n)
	}
	r.fails("backend changed", "init", "-backend-config=path=kv.state")
	r.ok("init", "-migrate-state", "-backend-config=path=kv.state")
	if n := r.instances("kv.state"); n != 3 {
		t.Fatalf("-backend-config=path=kv.state with -migrate-state: kv.state holds %d instances", n)
	}
	// -compact-warnings: the summary only.
	out := r.ok("plan", "-compact-warnings")
	if !strings.Contains(out, "Warnings:\n  - Experiments are ignored") || strings.Contains(out, "has no effect") {
		t.Errorf("-compact-warnings:\n%s", out)
	}
	// -state-out writes elsewhere; -backup copies first; -state reads there.
	r.ok("apply", "-auto-approve", "-var=who=out", "-state=kv.state", "-state-out=out.state", "-backup=before.state")
	if !strings.Contains(r.file("site/hello.txt"), "hello, out") {
		t.Error("apply with -state-out did not apply")
	}
	if r.instances("out.state") != 3 || r.instances("before.state") != 3 {
		t.Error("-state-out or -backup did not write its file")
	}
	st := readState(t, local.New(filepath.Join(r.dir, "kv.state")))
	if out := r.ok("output", "-state=out.state", "-raw", "greeting"); !strings.HasSuffix(out, "\nhello, out") {
		t.Errorf("output -state=out.state = %q", out)
	}
	if out := r.ok("output", "-raw", "greeting"); !strings.HasSuffix(out, "\nhello, world") {
		t.Errorf("the -state file changed with -state-out: output = %q (serial %d)", out, st.Serial)
	}
	// -state with another backend says why not.
	// -lock-timeout waits for a lock, and gives up after it.
	lb := local.New(filepath.Join(r.dir, "kv.state"))
	unlock, err := lb.Lock(context.Background(), state.LockInfo{ID: "held-by-test", Operation: "test", Who: "test"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r.fails("locked", "apply", "-auto-approve", "-lock-timeout=1s")
	if time.Since(start) < time.Second {
		t.Error("-lock-timeout=1s gave up before a second")
	}
	go func() { time.Sleep(700 * time.Millisecond); unlock(context.Background()) }()
	out = r.ok("plan", "-lock-timeout=20s")
	if !strings.Contains(out, "waiting up to 20s") {
		t.Errorf("-lock-timeout: no word of waiting:\n%s", out)
	}
	// -lock=false reads while locked.
	unlock, err = lb.Lock(context.Background(), state.LockInfo{ID: "held-by-test", Operation: "test", Who: "test"})
	if err != nil {
		t.Fatal(err)
	}
	r.ok("state", "list") // reads without the lock
	r.ok("plan", "-lock=false")
	unlock(context.Background())
	// A flag that cannot apply says why.
	out = r.ok("graph", "-draw-cycles", "-type=plan")
	if !strings.Contains(out, "Note: -draw-cycles has no effect in indigo") || !strings.Contains(out, "digraph") {
		t.Errorf("graph -draw-cycles:\n%s", out)
	}
	if !strings.Contains(out, `"var.who"`) || !strings.Contains(out, `"indigo_noop.n" -> "indigo_file.hello"`) {
		t.Errorf("graph -type=plan lacks the variable or the resource edge:\n%s", out)
	}
	// graph -type: resources only by default, a destroy's order, and a
	// saved plan's changes in apply order.
	if out = r.ok("graph"); strings.Contains(out, "var.who") || !strings.Contains(out, `"indigo_noop.n" -> "indigo_file.hello"`) {
		t.Errorf("graph:\n%s", out)
	}
	if out = r.ok("graph", "-type=plan-destroy"); !strings.Contains(out, `"destroy indigo_file.hello" -> "destroy indigo_noop.n"`) {
		t.Errorf("graph -type=plan-destroy:\n%s", out)
	}
	r.ok("plan", "-var=who=graph", "-out=graph.plan")
	if out = r.ok("graph", "-plan=graph.plan"); !strings.Contains(out, `"update indigo_noop.n" -> "update indigo_file.hello"`) {
		t.Errorf("graph -plan:\n%s", out)
	}
	r.fails("saved plan", "graph", "-type=apply")
	r.fails("Unknown graph type", "graph", "-type=bogus")
	r.fails("the only mode is readonly", "init", "-lockfile=bogus")
	// state list -id.
	var attrs struct{ ID string }
	cur := readState(t, local.New(filepath.Join(r.dir, "kv.state")))
	for _, addr := range cur.AllInstances() {
		if addr.String() == "indigo_file.hello" {
			json.Unmarshal(cur.ResourceInstance(addr).AttrsJSON, &attrs)
		}
	}
	out = r.ok("state", "list", "-id="+attrs.ID)
	if !strings.HasSuffix(out, "\nindigo_file.hello\n") || strings.Contains(out, "indigo_noop") {
		t.Errorf("state list -id=%s:\n%s", attrs.ID, out)
	}
	// state replace-provider, there and back.
	r.ok("state", "replace-provider", "-auto-approve", "indigo.dev/builtin/indigo", "example.org/acme/indigo")
	if pulled := r.ok("state", "pull"); !strings.Contains(pulled, "example.org/acme/indigo") {
		t.Errorf("state replace-provider did not change the recorded provider:\n%s", pulled)
	}
	r.ok("state", "replace-provider", "-auto-approve", "example.org/acme/indigo", "indigo.dev/builtin/indigo")
	// refresh, and console.
	r.ok("refresh", "-input=false")
	out = r.with().indigoStdin("indigo_file.hello.path\nupper(var.who)\nterraform.workspace\n", "console", "-var=who=x")
	if out != "\"hello.txt\"\n\"X\"\n\"default\"\n" {
		t.Errorf("console printed %q", out)
	}
	// console -plan evaluates against the plan: the new content, not the
	// recorded one; what only apply knows stays unknown.
	before := r.file("site/hello.txt")
	out = r.with().indigoStdin("indigo_file.hello.content\nindigo_noop.n[0].id == indigo_noop.n[0].id\n", "console", "-plan", "-var=who=planned")
	if out != "<<EOT\nhello, planned\n\nEOT\ntrue\n" {
		t.Errorf("console -plan printed %q", out)
	}
	if got := r.file("site/hello.txt"); got != before {
		t.Errorf("console -plan changed the file: %q, was %q", got, before)
	}
	// -from-module copies a configuration into an empty directory.
	empty := filepath.Join(r.dir, "fresh")
	os.Mkdir(empty, 0o755)
	r.ok("-chdir=fresh", "init", "-from-module=../module-src")
	if _, err := os.Stat(filepath.Join(empty, "main.tf")); err != nil {
		t.Errorf("-from-module did not copy main.tf: %v", err)
	}
}

// indigoStdin runs indigo with stdin and returns its standard output.
func (r cliRun) indigoStdin(stdin string, args ...string) string {
	r.t.Helper()
	cmd := indigoCmd(r.t, r.dir, args...)
	cmd.Env = append(cmd.Env, r.env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		r.t.Fatalf("indigo %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// TestStreamingUI checks plan -json and apply -json against the message
// types and fields of Terraform's machine-readable UI; the sequence of
// types and messages is a golden file.
func TestStreamingUI(t *testing.T) {
	r := newCLIRun(t, map[string]string{"main.tf": ciConfig})
	r.ok("init")
	var lines []string
	check := func(out string) {
		t.Helper()
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("not a JSON line: %q", line)
			}
			for _, k := range []string{"@level", "@message", "@module", "@timestamp", "type"} {
				if _, ok := m[k]; !ok {
					t.Errorf("message without %s: %s", k, line)
				}
			}
			typ := m["type"].(string)
			switch typ {
			case "version":
				if m["ui"] == nil || m["terraform"] == nil {
					t.Errorf("version without ui or terraform: %s", line)
				}
			case "planned_change", "resource_drift":
				ch, _ := m["change"].(map[string]any)
				res, _ := ch["resource"].(map[string]any)
				if ch["action"] == nil || res["addr"] == nil || res["resource_type"] == nil || res["implied_provider"] == nil {
					t.Errorf("%s without action or resource fields: %s", typ, line)
				}
			case "apply_start", "apply_complete", "apply_progress", "apply_errored":
				h, _ := m["hook"].(map[string]any)
				if h["resource"] == nil || h["action"] == nil {
					t.Errorf("%s without hook.resource or hook.action: %s", typ, line)
				}
			case "refresh_start", "refresh_complete":
				h, _ := m["hook"].(map[string]any)
				if h["resource"] == nil || h["id_key"] == nil || h["id_value"] == nil {
					t.Errorf("%s without hook.resource, id_key or id_value: %s", typ, line)
				}
			case "change_summary":
				c, _ := m["changes"].(map[string]any)
				for _, k := range []string{"add", "change", "remove", "import", "operation"} {
					if _, ok := c[k]; !ok {
						t.Errorf("change_summary without changes.%s: %s", k, line)
					}
				}
			case "outputs":
				if _, ok := m["outputs"].(map[string]any); !ok {
					t.Errorf("outputs without outputs: %s", line)
				}
			case "diagnostic":
				d, _ := m["diagnostic"].(map[string]any)
				if d["severity"] == nil || d["summary"] == nil {
					t.Errorf("diagnostic without severity or summary: %s", line)
				}
			case "log":
			default:
				t.Errorf("undocumented message type %q: %s", typ, line)
			}
			msg := m["@message"].(string)
			msg = regexp.MustCompile(`after \d+s`).ReplaceAllString(msg, "after Ns")
			msg = regexp.MustCompile(`\[id=[^\]]+\]`).ReplaceAllString(msg, "[id=ID]")
			if typ == "version" {
				msg = "indigo VERSION"
			}
			lines = append(lines, typ+"\t"+msg)
		}
	}
	lines = append(lines, "# plan -json")
	check(r.ok("plan", "-json"))
	lines = append(lines, "# apply -json -auto-approve")
	check(r.ok("apply", "-json", "-auto-approve"))
	lines = append(lines, "# plan -json after apply: each recorded object is refreshed")
	check(r.ok("plan", "-json"))
	lines = append(lines, "# plan -json with an error")
	out, code := r.with("TF_CLI_ARGS_plan=-var=undeclared=1").indigo("plan", "-json")
	if code != 1 {
		t.Errorf("plan with an undeclared variable: exit %d", code)
	}
	check(out)
	r.fails("needs -auto-approve", "apply", "-json", "-var=who=changed")
	// Apply's messages come from several goroutines: sort them within
	// runs of the same type for a stable golden file.
	testsrv.Golden(t, filepath.Join("testdata", "json-ui.golden"), []byte(strings.Join(stableOrder(lines), "\n")+"\n"))
}

// stableOrder sorts each run of apply_* and refresh_* lines, whose order
// between independent resources varies.
func stableOrder(lines []string) []string {
	out := slices.Clone(lines)
	for i := 0; i < len(out); {
		j := i
		for j < len(out) && (strings.HasPrefix(out[j], "apply_") || strings.HasPrefix(out[j], "refresh_")) {
			j++
		}
		if j > i {
			slices.Sort(out[i:j])
			i = j
		} else {
			i++
		}
	}
	return out
}

// TestVersionJSONAsTerraform: version -json has every field terraform
// version -json has (tools such as terraform-exec read terraform_version
// and provider_selections), the selections read from the lock file, and
// the text form lists them as Terraform does.
func TestVersionJSONAsTerraform(t *testing.T) {
	r := newCLIRun(t, map[string]string{".terraform.lock.hcl": `provider "registry.terraform.io/hashicorp/local" {
  version = "2.5.3"
  hashes = [
    "h1:aaaa",
  ]
}
`})
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.ok("version", "-json")), &doc); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"terraform_version", "platform", "provider_selections", "terraform_outdated"} {
		if _, ok := doc[key]; !ok {
			t.Errorf("version -json has no %s: %v", key, doc)
		}
	}
	if sel, _ := doc["provider_selections"].(map[string]any); sel["registry.terraform.io/hashicorp/local"] != "2.5.3" {
		t.Errorf("provider_selections = %v", doc["provider_selections"])
	}
	if out := r.ok("version"); !strings.Contains(out, "+ provider registry.terraform.io/hashicorp/local v2.5.3\n") {
		t.Errorf("version:\n%s", out)
	}
}
