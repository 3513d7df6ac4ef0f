package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/local"
)

// indigoCmd runs this test binary as the indigo command (testscript's
// TestMain dispatches on the program name), in dir.
func indigoCmd(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// testscript dispatches on the base name of argv[0]: a copy named
	// indigo would do, but exec.Cmd lets us set argv[0] directly.
	cmd := &exec.Cmd{Path: exe, Args: append([]string{"indigo"}, args...), Dir: dir}
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE=", "INDIGO_LOG=")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// output is a command's combined output, safe to read while the command
// writes it.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// startIndigo starts indigo with args in dir, its output collected.
func startIndigo(t *testing.T, dir string, args ...string) (*exec.Cmd, *output) {
	t.Helper()
	cmd := indigoCmd(t, dir, args...)
	out := &output{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}

// waitForOutput waits up to 30 s for text to appear in out.
func waitForOutput(out *output, text string) {
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), text) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
}

// crashConfig is ~50 resources of the built-in provider: directories,
// files that depend on them and on each other, and no-op resources.
func crashConfig(generation int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "provider \"indigo\" {\n  root = \"site\"\n}\n\nvariable \"generation\" {\n  type    = number\n  default = %d\n}\n\n", generation)
	b.WriteString(`resource "indigo_directory" "d" {
  count = 10
  path  = "dir${count.index}"
}

resource "indigo_file" "f" {
  count   = 30
  path    = "${indigo_directory.d[count.index % 10].path}/file${count.index}.txt"
  content = "file ${count.index}, generation ${var.generation}\n"
}

resource "indigo_file" "index" {
  path    = "index.txt"
  content = join("\n", indigo_file.f[*].id)
}

resource "indigo_noop" "n" {
  count = 9
  input = { file = indigo_file.f[count.index].id, generation = var.generation }
}
`)
	return b.String()
}

// checkConsistent asserts that every file on disk under the site is
// recorded, nothing is recorded twice, and the state parses. Right after a
// crash (inFlight), a file may instead be covered by an operation the
// journal records as started: the next run reconciles it.
func checkConsistent(t *testing.T, dir string, inFlight bool) {
	t.Helper()
	m, err := state.Open(context.Background(), local.New(filepath.Join(dir, "indigo.state")), state.OpenOptions{ReadOnly: true})
	if err != nil {
		t.Fatalf("the state does not open after a crash: %v", err)
	}
	st := m.State()
	m.Close(context.Background())
	recorded := map[string]int{}
	for _, addr := range st.AllInstances() {
		if addr.Resource.Type != "indigo_file" && addr.Resource.Type != "indigo_directory" {
			continue
		}
		obj := st.ResourceInstance(addr)
		var attrs struct {
			Path string `json:"path"`
		}
		if err := json.Unmarshal(obj.AttrsJSON, &attrs); err != nil {
			t.Fatalf("%s: attributes do not parse: %v", addr, err)
		}
		recorded[filepath.Clean(attrs.Path)]++
	}
	for p, n := range recorded {
		if n > 1 {
			t.Errorf("%s is recorded %d times", p, n)
		}
	}
	pending := map[string]bool{}
	if inFlight {
		for _, in := range st.InFlight() {
			if in.Planned == nil {
				continue
			}
			var attrs struct {
				Path string `json:"path"`
			}
			if json.Unmarshal(in.Planned.AttrsJSON, &attrs) == nil && attrs.Path != "" {
				pending[filepath.Clean(attrs.Path)] = true
			}
		}
	}
	site := filepath.Join(dir, "site")
	filepath.Walk(site, func(p string, info os.FileInfo, err error) error {
		if err != nil || p == site {
			return nil
		}
		rel, _ := filepath.Rel(site, p)
		if strings.HasPrefix(rel, "logs") || strings.Contains(filepath.Base(p), ".tmp") || strings.HasPrefix(filepath.Base(p), ".") {
			return nil
		}
		if recorded[rel] == 0 && !pending[rel] {
			t.Errorf("%s exists on disk but is not in the state (nor in an operation the journal records as started)", rel)
		}
		return nil
	})
}

// trialSetup applies the crash configuration in a new directory and
// returns it, a seeded random source, a function that writes generation
// gen of the configuration, and how long the full apply took (the window
// to strike in).
func trialSetup(t *testing.T, trials int) (string, *rand.Rand, func(gen int), time.Duration) {
	t.Helper()
	dir := t.TempDir()
	seed := time.Now().UnixNano()
	t.Logf("seed %d, %d trials", seed, trials)
	write := func(gen int) {
		if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(crashConfig(gen)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(0)
	start := time.Now()
	if out, err := indigoCmd(t, dir, "apply", "-auto-approve").CombinedOutput(); err != nil {
		t.Fatalf("first apply: %v\n%s", err, out)
	}
	window := time.Since(start)
	t.Logf("a full apply takes %s", window)
	return dir, rand.New(rand.NewSource(seed)), write, window
}

// killDuring starts indigo with args in dir, kills it (kill -9, its whole
// process group, built-in providers included) after a random delay within
// window, and waits until its providers, which notice their parent died
// within a second, are gone. It returns the delay and indigo's output.
func killDuring(t *testing.T, dir string, rng *rand.Rand, window time.Duration, args ...string) (time.Duration, *output) {
	t.Helper()
	cmd, out := startIndigo(t, dir, args...)
	delay := time.Duration(rng.Int63n(int64(window)))
	time.Sleep(delay)
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	cmd.Wait()
	time.Sleep(700 * time.Millisecond)
	return delay, out
}

// crashTrials is how many trials a crash test runs: INDIGO_CRASH_TRIALS
// when set (make crash sets it), else def, or short under -short.
func crashTrials(def, short int) int {
	if s := os.Getenv("INDIGO_CRASH_TRIALS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	if testing.Short() {
		return short
	}
	return def
}

// TestCrash kills indigo apply at random moments and checks that the next
// run loses nothing: every object on disk is recorded, nothing twice, the
// state parses, and after a completing apply a plan has nothing to do.
// INDIGO_CRASH_TRIALS sets the number of trials (default 20; make crash
// runs 100).
func TestCrash(t *testing.T) {
	trials := crashTrials(20, 3)
	dir, rng, write, window := trialSetup(t, trials)
	for trial := 1; trial <= trials; trial++ {
		destroy := trial%5 == 0
		write(trial)
		args := []string{"apply", "-auto-approve"}
		if destroy {
			args = []string{"destroy", "-auto-approve"}
		}
		delay, out := killDuring(t, dir, rng, window, args...)
		checkConsistent(t, dir, true)
		if t.Failed() {
			t.Fatalf("trial %d (killed after %s during %s):\n%s", trial, delay, args[0], out.String())
		}
		rec, err := indigoCmd(t, dir, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("trial %d: the run after the crash failed: %v\n%s", trial, err, rec)
		}
		checkConsistent(t, dir, false)
		plan := indigoCmd(t, dir, "plan", "-detailed-exitcode")
		if destroy {
			plan = indigoCmd(t, dir, "plan", "-destroy", "-detailed-exitcode")
		}
		if pout, err := plan.CombinedOutput(); err != nil {
			t.Fatalf("trial %d: the plan after recovery is not empty (%v):\n%s", trial, err, pout)
		}
		if t.Failed() {
			t.Fatalf("trial %d failed", trial)
		}
	}
}

// TestConcurrentApplies starts 8 applies on one state at once: one
// proceeds, the others fail at once naming the lock's holder, and no
// update is lost.
func TestConcurrentApplies(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(crashConfig(1)), 0o644); err != nil {
		t.Fatal(err)
	}
	const n = 8
	type result struct {
		out  string
		err  error
		took time.Duration
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			start := time.Now()
			out, err := indigoCmd(t, dir, "apply", "-auto-approve").CombinedOutput()
			results[i] = result{string(out), err, time.Since(start)}
		}(i)
	}
	wg.Wait()
	ok := 0
	var refused []time.Duration
	for _, r := range results {
		if r.err == nil {
			ok++
			continue
		}
		if !strings.Contains(r.out, "is locked") || !strings.Contains(r.out, "force-unlock") {
			t.Errorf("a refused apply must name the lock and its holder:\n%s", r.out)
		}
		refused = append(refused, r.took)
	}
	if ok < 1 {
		t.Fatalf("no apply succeeded")
	}
	sort.Slice(refused, func(i, j int) bool { return refused[i] < refused[j] })
	t.Logf("%d applied, %d refused", ok, len(refused))
	// Nothing lost: the state is consistent and complete.
	checkConsistent(t, dir, false)
	if out, err := indigoCmd(t, dir, "plan", "-detailed-exitcode").CombinedOutput(); err != nil {
		t.Fatalf("after the concurrent applies a plan is not empty (%v):\n%s", err, out)
	}
}

// TestInterrupt sends Ctrl-C (SIGINT) during an apply of a chain of slow
// services: indigo stops starting new operations and asks the provider to
// stop (StopProvider); the running operation ends (here the provider
// cancels the service it was starting, leaving no process) and its outcome
// is recorded; indigo exits with an error saying so. Every service process
// that runs is recorded, nothing is left in flight, and destroy stops them
// all.
func TestInterrupt(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("provider \"indigo\" {\n  root = \"site\"\n}\n")
	for i := 0; i < 8; i++ {
		fmt.Fprintf(&b, "resource \"indigo_service\" \"s%d\" {\n  command = [\"sleep\", \"%d\"]\n", i, 7300+i)
		if i > 0 {
			fmt.Fprintf(&b, "  depends_on = [indigo_service.s%d]\n", i-1)
		}
		b.WriteString("}\n")
	}
	os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(b.String()), 0o644)
	t.Cleanup(func() {
		indigoCmd(t, dir, "destroy", "-auto-approve").Run()
	})
	cmd, out := startIndigo(t, dir, "apply", "-auto-approve")
	// Wait until the second service is being created, then interrupt.
	waitForOutput(out, "indigo_service.s1: Creating")
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	if err == nil {
		t.Fatalf("an interrupted apply must exit with an error:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "Interrupt received") || !strings.Contains(out.String(), "interrupted") {
		t.Fatalf("the user is told what happens:\n%s", out.String())
	}
	m, err2 := state.Open(context.Background(), local.New(filepath.Join(dir, "indigo.state")), state.OpenOptions{ReadOnly: true})
	if err2 != nil {
		t.Fatal(err2)
	}
	st := m.State()
	m.Close(context.Background())
	recorded := map[string]bool{}
	for _, addr := range st.AllInstances() {
		var attrs struct {
			Command []string `json:"command"`
		}
		json.Unmarshal(st.ResourceInstance(addr).AttrsJSON, &attrs)
		recorded[strings.Join(attrs.Command, " ")] = true
	}
	if len(recorded) == 0 || len(recorded) == 8 {
		t.Fatalf("%d services recorded; the interrupt should have stopped the chain part way:\n%s", len(recorded), out.String())
	}
	if len(st.InFlight()) != 0 {
		t.Fatalf("a single interrupt lets running operations finish: %d left in flight", len(st.InFlight()))
	}
	// Every running service is recorded.
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		raw, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
		if len(args) == 2 && args[0] == "sleep" && strings.HasPrefix(args[1], "730") {
			if !recorded["sleep "+args[1]] {
				t.Errorf("service %q runs but is not recorded", strings.Join(args, " "))
			}
		}
	}
}

// TestDoubleInterrupt presses Ctrl-C twice during applies of the crash
// configuration, the way a terminal does (SIGINT to the whole process
// group, providers included): the second interrupt abandons running
// operations, indigo exits at once, and the state stays consistent: the
// next apply reconciles what was in flight and a plan after it is empty.
func TestDoubleInterrupt(t *testing.T) {
	trials := 6
	if testing.Short() {
		trials = 2
	}
	dir, rng, write, window := trialSetup(t, trials)
	abandoned := 0
	for trial := 1; trial <= trials; trial++ {
		write(trial)
		cmd, out := startIndigo(t, dir, "apply", "-auto-approve")
		// Interrupt once the apply is carrying out the plan.
		waitForOutput(out, "Modifying...")
		time.Sleep(time.Duration(rng.Int63n(int64(window / 4))))
		syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		time.Sleep(2 * time.Millisecond)
		syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
			t.Fatalf("trial %d: indigo did not exit after two interrupts:\n%s", trial, out.String())
		}
		if strings.Contains(out.String(), "Second interrupt") {
			abandoned++
		}
		if n := strings.Count(out.String(), "Error: Interrupted\n"); n > 1 {
			t.Errorf("trial %d: the steps an interrupt kept from starting are reported %d times, not once:\n%s", trial, n, out.String())
		}
		time.Sleep(700 * time.Millisecond) // providers notice their parent is gone
		checkConsistent(t, dir, true)
		if rec, err := indigoCmd(t, dir, "apply", "-auto-approve").CombinedOutput(); err != nil {
			t.Fatalf("trial %d: the run after the interrupts failed: %v\n%s\nthe interrupted run:\n%s", trial, err, rec, out.String())
		}
		checkConsistent(t, dir, false)
		if pout, err := indigoCmd(t, dir, "plan", "-detailed-exitcode").CombinedOutput(); err != nil {
			t.Fatalf("trial %d: the plan after recovery is not empty (%v):\n%s", trial, err, pout)
		}
	}
	t.Logf("%d of %d trials abandoned running operations", abandoned, trials)
	if abandoned == 0 {
		t.Fatalf("no trial reached the second interrupt while operations ran; the test did not exercise abandoning")
	}
}
