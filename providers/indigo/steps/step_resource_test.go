package steps_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/providers/indigo"
	"github.com/indigo-cloud/indigo/providers/indigo/internal/protoharness"
	"github.com/indigo-cloud/indigo/providers/indigo/steps"
)

const stepType = "indigo_step"

func newHarness(t testing.TB, root string) *protoharness.Harness {
	t.Helper()
	return protoharness.New(t, indigo.NewProtocol6Server("test")(), map[string]any{"root": root})
}

func write(t *testing.T, p, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func needAnsible(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("ansible-playbook"); err != nil {
		testsrv.Missing(t, "ansible-playbook not found; install it with: "+steps.AnsibleInstall)
	}
}

// A Bash step runs in its target with its inputs in the environment, its
// output in the log; destroy removes its directory and nothing else.
func TestBashStepRuns(t *testing.T) {
	root, repo := t.TempDir(), t.TempDir()
	script := write(t, filepath.Join(repo, "install.sh"), "set -e\necho \"installing $GREETING\"\nprintf '%s\\n' \"$GREETING\" > greeting.txt\n")
	h := newHarness(t, root)
	cfg := map[string]any{"implementation": script, "inputs": map[string]string{"GREETING": "hello world"}, "target": "hosts/web"}
	st := h.Create(stepType, cfg)
	if got := read(t, filepath.Join(root, "hosts/web/greeting.txt")); got != "hello world\n" {
		t.Fatalf("greeting.txt = %q", got)
	}
	if r := protoharness.GetString(t, st, "runner"); r != "bash" {
		t.Errorf("runner = %q", r)
	}
	logPath := protoharness.GetString(t, st, "log_path")
	if !strings.HasPrefix(logPath, root) || !strings.Contains(read(t, logPath), "installing hello world") {
		t.Errorf("log %s does not hold the step's output", logPath)
	}
	// Nothing changed: the plan is empty.
	if p, err := h.Plan(stepType, h.Read(stepType, st), cfg); err != nil || !p.Noop() {
		t.Fatalf("second plan: %v, replace %v", err, p.Replace)
	}
	if err := h.Destroy(stepType, st); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(logPath)); !os.IsNotExist(err) {
		t.Errorf("the step's directory is left after destroy: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "hosts/web/greeting.txt")); err != nil {
		t.Errorf("destroy without a delete operation removed the step's effects: %v", err)
	}
}

// A changed script replaces the step, so it runs again; so does a changed
// input; a log removed by hand is a step that has not run.
func TestChangedStepRunsAgain(t *testing.T) {
	root, repo := t.TempDir(), t.TempDir()
	script := write(t, filepath.Join(repo, "count.sh"), "echo run >> \"$INDIGO_TARGET/runs\"\n")
	h := newHarness(t, root)
	cfg := map[string]any{"implementation": script, "target": "t"}
	st := h.Create(stepType, cfg)
	runs := filepath.Join(root, "t/runs")
	write(t, script, "echo run >> \"$INDIGO_TARGET/runs\"\necho changed >> \"$INDIGO_TARGET/runs\"\n")
	p, err := h.Plan(stepType, h.Read(stepType, st), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Replace) != 1 || p.Replace[0] != `AttributeName("content_hash")` {
		t.Fatalf("a changed script plans %v, want a replacement for content_hash", p.Replace)
	}
	if st, err = h.Apply(stepType, p); err != nil {
		t.Fatal(err)
	}
	if got := read(t, runs); got != "run\nrun\nchanged\n" {
		t.Fatalf("runs = %q, want the step run twice, the second time changed", got)
	}
	cfg["inputs"] = map[string]string{"X": "1"}
	if p, err = h.Plan(stepType, h.Read(stepType, st), cfg); err != nil || len(p.Replace) == 0 {
		t.Fatalf("a changed input: %v, replace %v", err, p.Replace)
	}
	if st, err = h.Apply(stepType, p); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(protoharness.GetString(t, st, "log_path")); err != nil {
		t.Fatal(err)
	}
	if got := h.Read(stepType, st); !got.IsNull() {
		t.Fatalf("a step whose log was removed still reads as run: %v", got)
	}
}

// A failing step's error shows its log's last lines; the step is
// recorded (the planner taints it) with the log kept.
func TestFailingStepShowsLog(t *testing.T) {
	root, repo := t.TempDir(), t.TempDir()
	script := write(t, filepath.Join(repo, "fail.sh"), "for i in $(seq 1 40); do echo \"line $i\"; done\necho 'disk full' >&2\nexit 3\n")
	h := newHarness(t, root)
	_, err := h.TryCreate(stepType, map[string]any{"implementation": script})
	if err == nil {
		t.Fatal("a failing step applied")
	}
	msg := err.Error()
	for _, want := range []string{"Configuration step failed", "exit status 3", "line 40", "disk full"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "line 10\n") {
		t.Errorf("error shows the whole log, not its tail:\n%s", msg)
	}
	logs, _ := filepath.Glob(filepath.Join(root, "steps", "*", "log"))
	if len(logs) != 1 || !strings.Contains(read(t, logs[0]), "line 1\n") {
		t.Errorf("the failed step's log is not kept: %v", logs)
	}
}

// An implementation that is a URL, or a Galaxy role by name, is a plan-time
// error saying to vendor it.
func TestRemoteImplementationRefused(t *testing.T) {
	h := newHarness(t, t.TempDir())
	_, err := h.Plan(stepType, tftypes.Value{}, map[string]any{"implementation": "https://example.org/site.yml", "runner": "bash"})
	if err == nil || !strings.Contains(err.Error(), "Download it into the repository") {
		t.Fatalf("a URL implementation: %v", err)
	}
	script := write(t, filepath.Join(t.TempDir(), "s.sh"), "true\n")
	_, err = h.Plan(stepType, tftypes.Value{}, map[string]any{"implementation": script, "roles": []string{"grycap.orthanc"}})
	if err == nil || !strings.Contains(err.Error(), "ansible-galaxy role install -p roles grycap.orthanc") {
		t.Fatalf("a Galaxy role by name: %v", err)
	}
}

// An Ansible playbook runs against localhost with a role from a directory
// and its inputs as extra-vars; a changed role file runs it again; the
// delete operation (a script) runs on destroy.
func TestAnsibleStepWithRole(t *testing.T) {
	needAnsible(t)
	root, repo := t.TempDir(), t.TempDir()
	write(t, filepath.Join(repo, "roles/motd/tasks/main.yml"), `- name: write the greeting
  ansible.builtin.copy:
    dest: "{{ indigo_target }}/motd"
    content: "{{ greeting }} from a role\n"
`)
	play := write(t, filepath.Join(repo, "site.yml"), "- hosts: all\n  gather_facts: false\n  roles:\n    - motd\n")
	// The delete operation is a script: its runner comes from its name.
	del := write(t, filepath.Join(repo, "remove.sh"), "rm -f \"$INDIGO_TARGET/motd\"\n")
	h := newHarness(t, root)
	cfg := map[string]any{
		"implementation": play, "roles": []string{filepath.Join(repo, "roles/motd")},
		"inputs": map[string]string{"greeting": "hello"}, "target": "hosts/h", "delete_implementation": del,
	}
	st := h.Create(stepType, cfg)
	motd := filepath.Join(root, "hosts/h/motd")
	if got := read(t, motd); got != "hello from a role\n" {
		t.Fatalf("motd = %q", got)
	}
	if r := protoharness.GetString(t, st, "runner"); r != "ansible" {
		t.Errorf("runner = %q", r)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(protoharness.GetString(t, st, "log_path")), "extra-vars.json")); !os.IsNotExist(err) {
		t.Errorf("the extra-vars file (inputs may be secret) is left after the run: %v", err)
	}
	write(t, filepath.Join(repo, "roles/motd/tasks/main.yml"), `- name: write the greeting
  ansible.builtin.copy:
    dest: "{{ indigo_target }}/motd"
    content: "{{ greeting }} from a changed role\n"
`)
	p, err := h.Plan(stepType, h.Read(stepType, st), cfg)
	if err != nil || len(p.Replace) == 0 {
		t.Fatalf("a changed role: %v, replace %v", err, p.Replace)
	}
	if st, err = h.Apply(stepType, p); err != nil {
		t.Fatal(err)
	}
	if got := read(t, motd); got != "hello from a changed role\n" {
		t.Fatalf("motd after the role changed = %q", got)
	}
	if err := h.Destroy(stepType, st); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(motd); !os.IsNotExist(err) {
		t.Errorf("the delete operation did not run: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(root, "steps", "*")); len(left) != 0 {
		t.Errorf("left after destroy: %v", left)
	}
}

// A Bash step runs inside a container's root file system with proot: the
// image's shell, a path inside it as target, nothing written outside it.
func TestStepInContainerRootFS(t *testing.T) {
	for _, tool := range []string{"proot", "busybox"} {
		if _, err := exec.LookPath(tool); err != nil {
			testsrv.Missing(t, tool+" not found; install it with: apt-get install -y proot busybox-static")
		}
	}
	root, repo := t.TempDir(), t.TempDir()
	// A root file system of busybox alone: /bin/sh and what the script uses.
	bb, _ := exec.LookPath("busybox")
	rootfs := filepath.Join(root, "containers/app/bundle/rootfs")
	write(t, filepath.Join(rootfs, "bin/busybox"), read(t, bb))
	if err := os.Chmod(filepath.Join(rootfs, "bin/busybox"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, app := range []string{"sh", "cat", "mkdir", "echo", "printf"} {
		if err := os.Symlink("busybox", filepath.Join(rootfs, "bin", app)); err != nil {
			t.Fatal(err)
		}
	}
	script := write(t, filepath.Join(repo, "conf.sh"), "mkdir -p /etc/app\nprintf '%s\\n' \"$GREETING\" > /etc/app/greeting\necho \"ran in $INDIGO_TARGET\"\n")
	h := newHarness(t, root)
	st := h.Create(stepType, map[string]any{
		"implementation": script, "rootfs": "containers/app/bundle/rootfs", "target": "/srv",
		"inputs": map[string]string{"GREETING": "hi from inside"},
	})
	if got := read(t, filepath.Join(rootfs, "etc/app/greeting")); got != "hi from inside\n" {
		t.Fatalf("greeting in the container = %q", got)
	}
	if _, err := os.Stat("/etc/app/greeting"); err == nil {
		t.Fatal("the step wrote to the host's /etc")
	}
	if log := read(t, protoharness.GetString(t, st, "log_path")); !strings.Contains(log, "ran in /srv") {
		t.Errorf("log = %q", log)
	}
	_, err := h.Plan(stepType, tftypes.Value{}, map[string]any{"implementation": write(t, filepath.Join(repo, "p.yml"), "[]\n"), "rootfs": "containers/app/bundle/rootfs"})
	if err == nil || !strings.Contains(err.Error(), "Ansible step in a container") {
		t.Errorf("a playbook in a container: %v", err)
	}
}

// A step past its timeout is killed, its children with it, and fails.
func TestStepTimeout(t *testing.T) {
	root, repo := t.TempDir(), t.TempDir()
	script := write(t, filepath.Join(repo, "hang.sh"), "echo waiting\nsleep 300 &\necho $! > child.pid\nwait\n")
	h := newHarness(t, root)
	_, err := h.TryCreate(stepType, map[string]any{"implementation": script, "timeout": "1s", "target": "t"})
	if err == nil || !strings.Contains(err.Error(), "killed after its timeout of 1s") {
		t.Fatalf("a hung step: %v", err)
	}
	pid := strings.TrimSpace(read(t, filepath.Join(root, "t/child.pid")))
	if _, err := os.Stat("/proc/" + pid); err == nil {
		if st, _ := os.ReadFile("/proc/" + pid + "/stat"); !strings.Contains(string(st), ") Z ") {
			t.Errorf("the step's child %s is still running", pid)
		}
	}
	if _, err := h.Plan(stepType, tftypes.Value{}, map[string]any{"implementation": script, "timeout": "soon"}); err == nil || !strings.Contains(err.Error(), "Invalid timeout") {
		t.Errorf("timeout \"soon\": %v", err)
	}
}

// The step's id is known when planning, so a create a crash interrupted
// can be found again: the planner imports it by id; destroying (or
// creating) it again stops what that run left running and removes its
// directory.
func TestInterruptedStepFoundAgain(t *testing.T) {
	root, repo := t.TempDir(), t.TempDir()
	script := write(t, filepath.Join(repo, "s.sh"), "echo fresh\n")
	h := newHarness(t, root)
	cfg := map[string]any{"implementation": script}
	p, err := h.Plan(stepType, tftypes.Value{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	id := protoharness.GetString(t, p.Planned, "id")
	if !strings.HasPrefix(id, "steps/") {
		t.Fatalf("planned id %q", id)
	}
	// What a run killed with indigo leaves: the directory, a log, and the
	// step's process still running, its pid recorded.
	dir := filepath.Join(root, id)
	write(t, filepath.Join(dir, "log"), "stale\n")
	orphan := exec.Command("sleep", "300")
	orphan.Env = append(os.Environ(), "INDIGO_STEP_RUN="+dir)
	orphan.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := orphan.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- orphan.Wait() }()
	t.Cleanup(func() { _ = orphan.Process.Kill() })
	write(t, filepath.Join(dir, "pid"), strconv.Itoa(orphan.Process.Pid))

	imported, err := h.ImportState(stepType, id)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Read(stepType, imported); got.IsNull() || protoharness.GetString(t, got, "log_path") != filepath.Join(dir, "log") {
		t.Fatalf("imported step reads as %v", got)
	}
	// The next plan replaces it: the step runs again, in the same place.
	p, err = h.Plan(stepType, imported, cfg)
	if err != nil || len(p.Replace) == 0 {
		t.Fatalf("plan after import: %v, replace %v", err, p.Replace)
	}
	st, err := h.Apply(stepType, p)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the interrupted run's process was not stopped")
	}
	if got := read(t, protoharness.GetString(t, st, "log_path")); got != "fresh\n" {
		t.Errorf("log = %q, want only the new run's output", got)
	}
	if _, err := h.ImportState(stepType, "../etc"); err == nil {
		t.Error("an id outside steps/ was imported")
	}
}
