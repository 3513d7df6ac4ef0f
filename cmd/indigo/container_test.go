package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/local"
)

// containerImage skips (or fails under INDIGO_TEST_REQUIRE=1) without the
// tools rootless containers need, and returns the busybox OCI image.
func containerImage(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"skopeo", "umoci", "proot"} {
		if _, err := exec.LookPath(tool); err != nil {
			testsrv.Missing(t, tool+" is not installed: apt-get install -y skopeo umoci proot bubblewrap busybox-static (make test-deps)")
		}
	}
	return testsrv.BusyboxImage(t)
}

// containerRecord is what indigo_container records in
// containers/NAME/container.json (the part the tests read).
type containerRecord struct {
	PID        int    `json:"pid"`
	StartTicks uint64 `json:"proc_start_time"`
}

// readContainers reads the records of the containers under a site root,
// by name.
func readContainers(t *testing.T, root string) map[string]containerRecord {
	t.Helper()
	out := map[string]containerRecord{}
	entries, _ := os.ReadDir(filepath.Join(root, "containers"))
	for _, e := range entries {
		var rec containerRecord
		if b, err := os.ReadFile(filepath.Join(root, "containers", e.Name(), "container.json")); err == nil {
			json.Unmarshal(b, &rec)
		}
		out[e.Name()] = rec
	}
	return out
}

// processAlive reports whether pid runs and started at ticks (field 22 of
// /proc/PID/stat), so a reused pid does not count.
func processAlive(pid int, ticks uint64) bool {
	if pid <= 0 {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 20 || f[0] == "Z" || f[0] == "X" {
		return false
	}
	start, _ := strconv.ParseUint(f[19], 10, 64)
	return start == ticks
}

// containerProcesses lists the pids of live runtime processes (proot or
// bwrap) whose command line names dir: the containers a test started.
func containerProcesses(dir string) []int {
	var pids []int
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		raw, err := os.ReadFile(p)
		if err != nil || len(raw) == 0 {
			continue
		}
		args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
		if base := filepath.Base(args[0]); base != "proot" && base != "bwrap" {
			continue
		}
		if !strings.Contains(string(raw), dir) {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
			s := string(st)
			if f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]); len(f) > 0 && f[0] == "Z" {
				continue
			}
		}
		pids = append(pids, pid)
	}
	return pids
}

func httpGet(port int) string {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestRootlessContainersExample runs examples/uc5-rootless-containers as
// its README says, with the busybox image built locally (no registry):
// each container's process answers on its port, a second plan is empty, a
// killed container is drift that apply repairs, and destroy leaves no
// process and no directory.
func TestRootlessContainersExample(t *testing.T) {
	image := containerImage(t)
	dir := copyExample(t, "uc5-rootless-containers")
	free := testsrv.FreePorts(t, 2)
	ports := map[string]int{"notebook": free[0], "worker": free[1]}
	vars := []string{
		"-var", "notebook_image=" + image, "-var", "worker_image=" + image,
		"-var", fmt.Sprintf("notebook_port=%d", ports["notebook"]),
		"-var", fmt.Sprintf("worker_port=%d", ports["worker"]),
	}
	run := func(want int, args ...string) string {
		t.Helper()
		out, code := runIn(t, dir, append(args, vars...)...)
		if code != want {
			t.Fatalf("indigo %s: exit %d, want %d\n%s", strings.Join(args, " "), code, want, out)
		}
		return out
	}
	t.Cleanup(func() { runIn(t, dir, append([]string{"destroy", "-auto-approve"}, vars...)...) })
	if out, code := runIn(t, dir, "validate"); code != 0 {
		t.Fatalf("validate: %d\n%s", code, out)
	}
	run(0, "plan")
	run(0, "apply", "-auto-approve")
	run(0, "plan", "-detailed-exitcode")

	root := filepath.Join(dir, "sites", "workstation")
	recs := readContainers(t, root)
	for name, port := range ports {
		if body := httpGet(port); body != testsrv.BusyboxIndex {
			t.Errorf("%s answers %q on port %d", name, body, port)
		}
		if !processAlive(recs[name].PID, recs[name].StartTicks) {
			t.Errorf("%s: its recorded process %d does not run", name, recs[name].PID)
		}
	}

	// A killed container is drift; apply starts it again.
	worker := recs["worker"]
	syscall.Kill(-worker.PID, syscall.SIGKILL)
	for i := 0; i < 100 && processAlive(worker.PID, worker.StartTicks); i++ {
		time.Sleep(20 * time.Millisecond)
	}
	out := run(2, "plan", "-detailed-exitcode")
	if !strings.Contains(out, "running") || !strings.Contains(out, "1 to change") {
		t.Errorf("the plan after the kill does not say the worker is to be started again:\n%s", out)
	}
	run(0, "apply", "-auto-approve")
	if body := httpGet(ports["worker"]); body != testsrv.BusyboxIndex {
		t.Errorf("after the repair the worker answers %q", body)
	}
	run(0, "plan", "-detailed-exitcode")

	recs = readContainers(t, root)
	run(0, "destroy", "-auto-approve")
	for name, rec := range recs {
		for i := 0; i < 100 && processAlive(rec.PID, rec.StartTicks); i++ {
			time.Sleep(20 * time.Millisecond)
		}
		if processAlive(rec.PID, rec.StartTicks) {
			t.Errorf("%s: process %d outlives destroy", name, rec.PID)
		}
	}
	if pids := containerProcesses(dir); len(pids) > 0 {
		t.Errorf("container processes outlive destroy: %v", pids)
	}
	if left, _ := os.ReadDir(root); len(left) != 0 {
		t.Errorf("destroy left %v under the site's root", left)
	}
}

// crashContainersConfig is n busybox httpd containers on ports from base.
func crashContainersConfig(image string, ports []int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "provider \"indigo\" {\n  root = \"site\"\n}\n")
	for i, port := range ports {
		fmt.Fprintf(&b, `
resource "indigo_container" "c%d" {
  name         = "c%d"
  image        = %q
  command      = ["httpd", "-f", "-p", "127.0.0.1:%d", "-h", "/www"]
  port         = %d
  stop_timeout = "2s"
}
`, i, i, image, port, port)
	}
	return b.String()
}

// checkContainersRecorded asserts that every container directory and
// every container process under dir belongs to a container the state
// records, or (right after a crash, inFlight) to an operation the journal
// records as started; it returns the recorded names.
func checkContainersRecorded(t *testing.T, dir string, inFlight bool) map[string]bool {
	t.Helper()
	m, err := state.Open(context.Background(), local.New(filepath.Join(dir, "indigo.state")), state.OpenOptions{ReadOnly: true})
	if err != nil {
		t.Fatalf("the state does not open after a crash: %v", err)
	}
	st := m.State()
	m.Close(context.Background())
	type attrs struct {
		Name          string `json:"name"`
		PID           int    `json:"pid"`
		ProcStartTime uint64 `json:"proc_start_time"`
	}
	recorded := map[string]bool{}
	pids := map[int]bool{}
	for _, addr := range st.AllInstances() {
		if addr.Resource.Type != "indigo_container" {
			continue
		}
		var a attrs
		if err := json.Unmarshal(st.ResourceInstance(addr).AttrsJSON, &a); err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
		recorded[a.Name] = true
		pids[a.PID] = true
	}
	pending := map[string]bool{}
	if inFlight {
		for _, in := range st.InFlight() {
			if in.Planned != nil {
				var a attrs
				if json.Unmarshal(in.Planned.AttrsJSON, &a) == nil {
					pending[a.Name] = true
				}
			}
		}
	}
	root := filepath.Join(dir, "site")
	recs := readContainers(t, root)
	for name, rec := range recs {
		if !recorded[name] && !pending[name] {
			t.Errorf("container directory %s exists but is not in the state (nor in an operation the journal records as started)", name)
		}
		// The record names the process now running for it: a recorded
		// container's process is the one the record names.
		if rec.PID != 0 {
			pids[rec.PID] = true
		}
	}
	for _, pid := range containerProcesses(dir) {
		if pids[pid] {
			continue
		}
		// Killed after it started the process and before the record
		// named it: the container is recorded, or its create is in the
		// journal, and the next run finds the process by its root file
		// system.
		if name := containerOf(pid); inFlight && (recorded[name] || pending[name]) {
			continue
		}
		t.Errorf("container process %d (of %q) runs but no recorded container names it", pid, containerOf(pid))
	}
	return recorded
}

// containerOf names the container whose root file system process pid runs
// (.../containers/NAME/bundle/rootfs on its command line).
func containerOf(pid int) string {
	raw, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	for _, arg := range strings.Split(string(raw), "\x00") {
		if strings.HasSuffix(arg, "/bundle/rootfs") {
			return filepath.Base(filepath.Dir(filepath.Dir(arg)))
		}
	}
	return ""
}

// TestCrashContainers kills indigo (kill -9, the whole process group, its
// provider included) at random moments while it starts or destroys
// rootless containers, and checks that nothing is left unrecorded: every
// container directory and process is in the state or in an operation the
// journal holds, the next run reconciles it, and a plan after that is
// empty with every container answering. INDIGO_CRASH_TRIALS sets the
// number of trials (default 4; make crash runs more).
func TestCrashContainers(t *testing.T) {
	image := containerImage(t)
	trials := crashTrials(4, 2)
	dir := t.TempDir()
	ports := testsrv.FreePorts(t, 4)
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(crashContainersConfig(image, ports)), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		indigoCmd(t, dir, "destroy", "-auto-approve").Run()
		// Whatever the test found, it leaves no container running.
		if pids := containerProcesses(dir); len(pids) > 0 {
			t.Errorf("container processes %v outlive the final destroy", pids)
			for _, pid := range pids {
				syscall.Kill(-pid, syscall.SIGKILL)
			}
		}
	})
	start := time.Now()
	if out, err := indigoCmd(t, dir, "apply", "-auto-approve").CombinedOutput(); err != nil {
		t.Fatalf("first apply: %v\n%s", err, out)
	}
	window := time.Since(start)
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewSource(seed))
	t.Logf("seed %d, %d trials; a full apply takes %s", seed, trials, window)
	var reconciled []string
	defer func() {
		t.Logf("operations the runs after the crashes reconciled:\n%s", strings.Join(reconciled, "\n"))
	}()
	for trial := 1; trial <= trials; trial++ {
		// Odd trials destroy (killed part way), even ones create again.
		args := []string{"apply", "-auto-approve"}
		if trial%2 == 1 {
			args = []string{"destroy", "-auto-approve"}
		}
		strike := window
		if args[0] == "destroy" {
			strike = window / 3 // stopping is quicker than starting
		}
		delay, out := killDuring(t, dir, rng, strike, args...)
		checkContainersRecorded(t, dir, true)
		if t.Failed() {
			t.Fatalf("trial %d (killed after %s during %s):\n%s", trial, delay, args[0], out.String())
		}
		// Finish what was cut short, then bring every container up.
		rec, err := indigoCmd(t, dir, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("trial %d: the run after the crash failed: %v\n%s", trial, err, rec)
		}
		for _, line := range strings.Split(string(rec), "\n") {
			if strings.Contains(line, "(interrupted ") {
				reconciled = append(reconciled, strings.TrimSpace(line))
			}
		}
		if args[0] == "destroy" {
			if pids := containerProcesses(dir); len(pids) > 0 {
				t.Fatalf("trial %d: container processes %v outlive the destroy", trial, pids)
			}
			if left, _ := os.ReadDir(filepath.Join(dir, "site")); len(left) != 0 {
				t.Fatalf("trial %d: the destroy left %v", trial, left)
			}
			continue
		}
		recorded := checkContainersRecorded(t, dir, false)
		if len(recorded) != len(ports) {
			t.Fatalf("trial %d: %d containers recorded, want %d", trial, len(recorded), len(ports))
		}
		if pout, err := indigoCmd(t, dir, "plan", "-detailed-exitcode").CombinedOutput(); err != nil {
			t.Fatalf("trial %d: the plan after recovery is not empty (%v):\n%s", trial, err, pout)
		}
		for _, port := range ports {
			if body := httpGet(port); body != testsrv.BusyboxIndex {
				t.Fatalf("trial %d: the container on port %d answers %q", trial, port, body)
			}
		}
	}
}

// TestContainersWithoutRoot runs indigo itself as an unprivileged local
// account (the tests run as root, so every other container test runs its
// containers as root): two containers, one under proot and one under the
// default runtime, answer on their ports, run as that account, a second
// plan is empty, and destroy leaves nothing.
func TestContainersWithoutRoot(t *testing.T) {
	image := containerImage(t)
	if os.Geteuid() != 0 {
		t.Skip("not root: the other container tests already run without root")
	}
	user := testsrv.AddUser(t, "ctr")
	base, err := os.MkdirTemp("", "indigo-rootless-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(base, "work")
	layout := strings.TrimSuffix(strings.TrimPrefix(image, "oci:"), ":latest")
	for _, c := range [][]string{
		{"chmod", "755", base},
		{"cp", exe, filepath.Join(base, "indigo")},
		{"cp", "-r", layout, filepath.Join(base, "img")},
		{"mkdir", work},
	} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", c, err, out)
		}
	}
	ports := testsrv.FreePorts(t, 2)
	config := fmt.Sprintf(`provider "indigo" {
  root = "site"
}

resource "indigo_container" "traced" {
  name    = "traced"
  image   = "oci:../../img:latest"
  runtime = "proot"
  command = ["httpd", "-f", "-p", "127.0.0.1:%d", "-h", "/www"]
  port    = %d
}

resource "indigo_container" "default" {
  name    = "default"
  image   = "oci:../../img:latest"
  command = ["httpd", "-f", "-p", "127.0.0.1:%d", "-h", "/www"]
  port    = %d
}
`, ports[0], ports[0], ports[1], ports[1])
	if err := os.WriteFile(filepath.Join(work, "main.hcl"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("chown", "-R", user, work, filepath.Join(base, "img")).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v\n%s", err, out)
	}
	indigoAs := func(args ...string) (bool, string) {
		return testsrv.RunAs(user, append([]string{"sh", "-c", `cd "$0" && exec env HOME="$0" TF_CLI_CONFIG_FILE= INDIGO_LOG= ../indigo "$@"`, work}, args...)...)
	}
	t.Cleanup(func() { indigoAs("destroy", "-auto-approve") })
	if ok, out := indigoAs("apply", "-auto-approve"); !ok {
		t.Fatalf("apply as %s:\n%s", user, out)
	}
	root := filepath.Join(work, "site")
	recs := readContainers(t, root)
	for i, name := range []string{"traced", "default"} {
		if body := httpGet(ports[i]); body != testsrv.BusyboxIndex {
			t.Errorf("%s answers %q", name, body)
		}
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", recs[name].PID))
		if err != nil || strings.Contains(string(status), "\nUid:\t0\t") {
			t.Errorf("%s: process %d runs as root or not at all (%v)", name, recs[name].PID, err)
		}
	}
	if ok, out := indigoAs("plan", "-detailed-exitcode"); !ok {
		t.Errorf("a second plan is not empty:\n%s", out)
	}
	if ok, out := indigoAs("destroy", "-auto-approve"); !ok {
		t.Fatalf("destroy as %s:\n%s", user, out)
	}
	for name, rec := range recs {
		for i := 0; i < 100 && processAlive(rec.PID, rec.StartTicks); i++ {
			time.Sleep(20 * time.Millisecond)
		}
		if processAlive(rec.PID, rec.StartTicks) {
			t.Errorf("%s: process %d outlives destroy", name, rec.PID)
		}
	}
	if left, _ := os.ReadDir(root); len(left) != 0 {
		t.Errorf("destroy left %v under the root", left)
	}
}
