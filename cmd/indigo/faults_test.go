package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/indigo-cloud/indigo/internal/faults"
	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/providers/plugin/plugintest"
	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/local"
	"github.com/indigo-cloud/indigo/state/pg"
	"github.com/indigo-cloud/indigo/state/s3"
)

// faultTrials is how many random moments each fault is injected at:
// INDIGO_FAULT_TRIALS (make faults sets 20), else 1, which keeps make test
// near a minute and a half for the ten faults (each trial is three or four
// runs of indigo).
func faultTrials() int {
	if n, err := strconv.Atoi(os.Getenv("INDIGO_FAULT_TRIALS")); err == nil && n > 0 {
		return n
	}
	return 1
}

// TestFaults injects each fault of internal/faults at random moments into
// real runs of indigo, with a real third-party provider
// (hashicorp/local, whose objects are files) and real PostgreSQL and MinIO
// backends, and checks what docs/engine.md promises: a run that fails says
// what to do; no object exists unrecorded (the state or the journal holds
// it); the state still reads back; and once the fault is gone, the next
// run converges (a plan after it is empty, every object recorded once).
// It prints the table of figures; INDIGO_FAULTS_TABLE names a file to
// write it to as well.
func TestFaults(t *testing.T) {
	trials := faultTrials()
	bin := plugintest.RealProvider(t, plugintest.LocalModule, plugintest.LocalVersion)
	mirror := localMirror(t, bin)
	var table faults.Table
	seed := time.Now().UnixNano()
	if s := os.Getenv("INDIGO_FAULT_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	t.Logf("seed %d (INDIGO_FAULT_SEED repeats it), %d trials per fault", seed, trials)
	for _, f := range faultList {
		t.Run(f.name, func(t *testing.T) {
			row := table.Row(f.name)
			f.run(t, &faultEnv{mirror: mirror, row: row, rng: rand.New(rand.NewSource(seed)), trials: trials})
		})
	}
	t.Logf("\n%s", table.String())
	if path := os.Getenv("INDIGO_FAULTS_TABLE"); path != "" {
		if err := os.WriteFile(path, []byte(table.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
}

type faultEnv struct {
	mirror string
	row    *faults.Row
	rng    *rand.Rand
	trials int
}

var faultList = []struct {
	name string
	run  func(t *testing.T, e *faultEnv)
}{
	{"state disk full (ENOSPC)", faultDiskFull},
	{"state disk turns read-only", faultDiskReadOnly},
	{"pg sessions terminated", faultPGSessions},
	{"pg server stopped mid-apply", faultPGDown},
	{"minio stopped and restarted", faultMinIORestart},
	{"minio slow or silent (proxy)", faultMinIOSlow},
	{"provider killed (SIGKILL)", faultProviderKilled},
	{"provider frozen (SIGSTOP)", faultProviderFrozen},
	{"indigo killed in init -migrate-state", faultKillMigrate},
	{"indigo killed in force-unlock", faultKillForceUnlock},
}

// localMirror puts the hashicorp/local binary in a filesystem mirror and
// returns a Terraform CLI configuration that installs from it.
func localMirror(t *testing.T, bin string) string {
	t.Helper()
	mirror := filepath.Join(t.TempDir(), "mirror")
	pkg := filepath.Join(mirror, "registry.terraform.io", "hashicorp", "local", "2.5.3", runtime.GOOS+"_"+runtime.GOARCH)
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(bin, filepath.Join(pkg, "terraform-provider-local_v2.5.3")); err != nil {
		t.Fatal(err)
	}
	cli := filepath.Join(filepath.Dir(mirror), "terraformrc")
	if err := os.WriteFile(cli, []byte("provider_installation {\n  filesystem_mirror {\n    path    = \""+mirror+"\"\n    include = [\"registry.terraform.io/*/*\"]\n  }\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return cli
}

// faultRig is a workspace whose objects are files that hashicorp/local
// writes to out/, its state in the backend the fault is about.
type faultRig struct {
	t      *testing.T
	e      *faultEnv
	dir    string
	env    []string
	open   func() (state.Backend, error)
	window time.Duration
	n, gen int
	// cur is the output of the run started last.
	cur *output
}

const faultConfig = `terraform {
  required_providers {
    local = {
      source  = "hashicorp/local"
      version = "~> 2.5"
    }
  }
}

variable "n" {
  type = number
}

variable "gen" {
  type = number
}

resource "local_file" "f" {
  count    = var.n
  filename = "${path.module}/out/f${count.index}.txt"
  content  = "file ${count.index}, generation ${var.gen}\n"
}
`

// newFaultRig sets up the workspace with backend (an HCL backend block, or
// "" for the local default) and applies it once, which measures the
// window faults are injected in.
func newFaultRig(t *testing.T, e *faultEnv, backend string, env []string, open func(dir string) (state.Backend, error)) *faultRig {
	t.Helper()
	r := &faultRig{t: t, e: e, dir: t.TempDir(), n: 12}
	r.env = append([]string{"TF_CLI_CONFIG_FILE=" + e.mirror, "HOME=" + t.TempDir(), "TMPDIR=" + t.TempDir(),
		"HTTPS_PROXY=http://127.0.0.1:1", "HTTP_PROXY=http://127.0.0.1:1", "NO_PROXY=127.0.0.1"}, env...)
	r.open = func() (state.Backend, error) { return open(r.dir) }
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(r.dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("main.tf", faultConfig)
	if backend != "" {
		write("backend.hcl", "indigo {\n"+backend+"\n}\n")
	}
	r.writeVars()
	if out, err := r.run("init"); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	start := time.Now()
	if out, err := r.run("apply", "-auto-approve"); err != nil {
		t.Fatalf("first apply: %v\n%s", err, out)
	}
	r.window = time.Since(start)
	t.Logf("a full apply takes %s", r.window)
	return r
}

func (r *faultRig) writeVars() {
	r.t.Helper()
	if err := os.WriteFile(filepath.Join(r.dir, "terraform.tfvars"), fmt.Appendf(nil, "n   = %d\ngen = %d\n", r.n, r.gen), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// next changes the configuration for a trial: more or fewer files, and
// new content for all, so the apply creates, updates and deletes.
func (r *faultRig) next() {
	r.n = 4 + r.e.rng.Intn(20)
	r.gen++
	r.writeVars()
}

func (r *faultRig) cmd(args ...string) *exec.Cmd {
	cmd := indigoCmd(r.t, r.dir, args...)
	cmd.Env = append(cmd.Env, r.env...)
	return cmd
}

func (r *faultRig) run(args ...string) (string, error) {
	out, err := r.cmd(args...).CombinedOutput()
	return string(out), err
}

func (r *faultRig) start(args ...string) (*exec.Cmd, *output) {
	r.t.Helper()
	cmd := r.cmd(args...)
	out := &output{}
	r.cur = out
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	return cmd, out
}

// wait waits for a faulted run to end; one that hangs for two minutes is
// killed and reported.
func (r *faultRig) wait(cmd *exec.Cmd, out *output) error {
	r.t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		// Its goroutines, to see where it hangs.
		_ = syscall.Kill(cmd.Process.Pid, syscall.SIGQUIT)
		time.Sleep(time.Second)
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		r.t.Errorf("the faulted run did not end within a minute:\n%s", out.String())
		return fmt.Errorf("hung")
	}
}

// moment returns a random moment within a full apply.
func (r *faultRig) moment() time.Duration {
	return time.Duration(r.e.rng.Int63n(int64(r.window) + 1))
}

// strike waits for the moment to inject a fault: in odd trials a random
// moment of the whole run (planning included), in even ones a random
// moment after the run began to change things.
func (r *faultRig) strike(trial int) {
	if trial%2 == 1 || r.cur == nil {
		time.Sleep(r.moment())
		return
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		s := r.cur.String()
		if strings.Contains(s, "Creating...") || strings.Contains(s, "Destroying...") || strings.Contains(s, "Modifying...") {
			break
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(r.moment() / 3)
}

// files lists the objects that exist: the files in out/.
func (r *faultRig) files() []string {
	entries, _ := os.ReadDir(filepath.Join(r.dir, "out"))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// recorded reads the state (snapshot and journal) and returns how often
// each file is recorded, and the files of operations in flight.
func (r *faultRig) recorded() (map[string]int, map[string]bool, error) {
	b, err := r.open()
	if err != nil {
		return nil, nil, err
	}
	defer closeBackend(context.Background(), b)
	m, err := state.Open(context.Background(), b, state.OpenOptions{ReadOnly: true})
	if err != nil {
		return nil, nil, err
	}
	st := m.State()
	m.Close(context.Background())
	name := func(attrs []byte) string {
		var a struct {
			Filename string `json:"filename"`
		}
		if json.Unmarshal(attrs, &a) != nil || a.Filename == "" {
			return ""
		}
		return filepath.Base(a.Filename)
	}
	rec := map[string]int{}
	for _, addr := range st.AllInstances() {
		if obj := st.ResourceInstance(addr); obj != nil {
			rec[name(obj.AttrsJSON)]++
		}
	}
	pending := map[string]bool{}
	for _, in := range st.InFlight() {
		if in.Planned != nil {
			pending[name(in.Planned.AttrsJSON)] = true
		}
		if obj := st.ResourceInstance(in.Addr); obj != nil {
			pending[name(obj.AttrsJSON)] = true
		}
	}
	return rec, pending, nil
}

// whatToDo are the phrases of an error that tells the user what to do.
var whatToDo = []string{"indigo apply", "indigo state push", "force-unlock", "run apply", "plan again", "Run indigo", "run indigo"}

// afterFault checks what a faulted run left: its message, the state, and
// that every object it made is recorded or in flight.
func (r *faultRig) afterFault(trial int, runErr error, out string) {
	r.t.Helper()
	row := r.e.row
	row.Trials++
	if os.Getenv("INDIGO_FAULT_LOG") != "" {
		r.t.Logf("trial %d, the faulted run (%v):\n%s", trial, runErr, out)
	}
	if runErr != nil && !slices.ContainsFunc(whatToDo, func(s string) bool { return strings.Contains(out, s) }) {
		row.Unclear++
		r.t.Errorf("trial %d: the faulted run failed without saying what to do:\n%s", trial, out)
	}
	files := r.files()
	for _, f := range files {
		// Every file is written with the trial's generation: those that
		// have it were made by the faulted run.
		if b, err := os.ReadFile(filepath.Join(r.dir, "out", f)); err == nil && strings.Contains(string(b), fmt.Sprintf("generation %d\n", r.gen)) {
			row.Created++
		}
	}
	rec, pending, err := r.recorded()
	if err != nil {
		row.FailedRecoveries++
		r.t.Errorf("trial %d: the state does not read back after the fault: %v\n--- the faulted run:\n%s", trial, err, out)
		return
	}
	for _, f := range files {
		if rec[f] == 0 && !pending[f] {
			if keep := os.Getenv("INDIGO_FAULT_KEEP"); keep != "" {
				_ = exec.Command("cp", "-a", r.dir, filepath.Join(keep, fmt.Sprintf("trial%d", trial))).Run()
				if b, err := r.open(); err == nil {
					if lb, ok := b.(*local.Backend); ok {
						_ = exec.Command("sh", "-c", "cp -a "+filepath.Dir(lb.Path())+" "+filepath.Join(keep, fmt.Sprintf("trial%d-state", trial))).Run()
					}
				}
			}
			row.Unrecorded++
			r.t.Errorf("trial %d: %s exists but is neither recorded nor in flight\n--- the faulted run:\n%s", trial, f, out)
		}
	}
	for f, n := range rec {
		if n > 1 {
			row.Duplicates++
			r.t.Errorf("trial %d: %s is recorded %d times", trial, f, n)
		}
	}
}

var forceUnlockID = regexp.MustCompile(`indigo force-unlock (\S+)`)

// recover runs apply once the fault is gone (breaking a lock the faulted
// run could not release, as its message says), then checks that the state
// records every object exactly once and that a plan has nothing to do.
func (r *faultRig) recover(trial int, faulted string) {
	r.t.Helper()
	row := r.e.row
	fail := func(format string, args ...any) {
		row.FailedRecoveries++
		r.t.Errorf("trial %d: "+format+"\n--- the faulted run:\n%s", append(append([]any{trial}, args...), faulted)...)
	}
	out, err := r.run("apply", "-auto-approve")
	if err != nil && strings.Contains(out, "is locked") {
		if m := forceUnlockID.FindStringSubmatch(out); m != nil {
			if fo, ferr := r.run("force-unlock", m[1]); ferr != nil {
				fail("force-unlock %s: %v\n%s", m[1], ferr, fo)
				return
			}
			out, err = r.run("apply", "-auto-approve")
		}
	}
	if err != nil {
		fail("the run after the fault failed: %v\n%s", err, out)
		return
	}
	if pout, err := r.run("plan", "-detailed-exitcode"); err != nil {
		fail("the plan after recovery is not empty (%v):\n%s", err, pout)
		return
	}
	rec, pending, err := r.recorded()
	if err != nil {
		fail("the state does not read back after recovery: %v", err)
		return
	}
	if len(pending) > 0 {
		fail("operations still in flight after recovery: %v", pending)
	}
	files := r.files()
	for _, f := range files {
		if rec[f] == 0 {
			row.Unrecorded++
			r.t.Errorf("trial %d: %s exists but is not recorded after recovery", trial, f)
		}
	}
	for f, n := range rec {
		if n > 1 {
			row.Duplicates++
			r.t.Errorf("trial %d: %s is recorded %d times after recovery", trial, f, n)
		}
	}
	if len(files) != r.n {
		fail("%d files exist after recovery, the configuration has %d", len(files), r.n)
	}
}

// applyTrials runs the usual trial: change the configuration, start an
// apply, inject the fault (inject blocks until it is in, and returns what
// removes it, called once the run ended), check, remove, recover.
func (r *faultRig) applyTrials(inject func(trial int, cmd *exec.Cmd) (remove func()), args ...string) {
	for trial := 1; trial <= r.e.trials; trial++ {
		r.next()
		cmd, out := r.start(append([]string{"apply", "-auto-approve"}, args...)...)
		remove := inject(trial, cmd)
		err := r.wait(cmd, out)
		if remove != nil {
			remove()
		}
		r.afterFault(trial, err, out.String())
		r.recover(trial, out.String())
		if r.t.Failed() {
			return
		}
	}
}

func localStateAt(path string) func(string) (state.Backend, error) {
	return func(dir string) (state.Backend, error) {
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		return local.New(path), nil
	}
}

// faultDiskFull fills the state disk (ENOSPC) at a random moment.
func faultDiskFull(t *testing.T, e *faultEnv) {
	diskTrials(t, e, (*faults.Disk).Fill, (*faults.Disk).Free)
}

// faultDiskReadOnly turns the state disk read-only at a random moment, the
// way a failing ext4 disk does (errors=remount-ro).
func faultDiskReadOnly(t *testing.T, e *faultEnv) {
	diskTrials(t, e, (*faults.Disk).Break, (*faults.Disk).Repair)
}

var statePush = regexp.MustCompile(`indigo state push (\S+)`)

// diskTrials runs the trials of a state disk fault: breakDisk during an
// apply, mend once the run ended. Every other trial then takes the
// message's advice and pushes the recovery file back, after afterFault has
// counted what the journal alone holds (so that count does not depend on
// it), before the next apply.
func diskTrials(t *testing.T, e *faultEnv, breakDisk, mend func(*faults.Disk) error) {
	disk := faults.NewDisk(t, 4<<20)
	path := filepath.Join(disk.Dir, "indigo.state")
	r := newFaultRig(t, e, `  backend "local" {
    path = "`+path+`"
  }`, nil, localStateAt(path))
	pushed := 0
	for trial := 1; trial <= e.trials; trial++ {
		r.next()
		cmd, out := r.start("apply", "-auto-approve")
		r.strike(trial)
		if err := breakDisk(disk); err != nil {
			t.Fatal(err)
		}
		err := r.wait(cmd, out)
		if err != nil && strings.Contains(out.String(), "could not be saved") && !strings.Contains(out.String(), "indigo state push") {
			t.Errorf("trial %d: the state was not saved and the message does not say how to push it back:\n%s", trial, out.String())
		}
		if err := mend(disk); err != nil {
			t.Fatal(err)
		}
		r.afterFault(trial, err, out.String())
		if m := statePush.FindStringSubmatch(out.String()); m != nil && trial%2 == 0 {
			if pout, err := r.run("state", "push", m[1]); err != nil {
				e.row.FailedRecoveries++
				t.Errorf("trial %d: pushing the recovery file back: %v\n%s", trial, err, pout)
			} else {
				pushed++
			}
		}
		r.recover(trial, out.String())
		if t.Failed() {
			return
		}
	}
	t.Logf("%d recovery files pushed back", pushed)
}

func pgRig(t *testing.T, e *faultEnv) (*faultRig, string) {
	conn := testsrv.Postgres(t)
	r := newFaultRig(t, e, `  backend "pg" {
    workspace = "faults"
  }`, []string{"PG_CONN_STR=" + conn, "INDIGO_BACKEND_TIMEOUT=10s"}, func(string) (state.Backend, error) {
		return pg.New(context.Background(), pg.Config{ConnString: conn, Workspace: "faults"})
	})
	return r, conn
}

func faultPGSessions(t *testing.T, e *faultEnv) {
	r, conn := pgRig(t, e)
	r.applyTrials(func(trial int, cmd *exec.Cmd) func() {
		for range 2 {
			time.Sleep(r.moment() / 2)
			if _, err := faults.TerminateSessions(context.Background(), conn); err != nil {
				t.Fatal(err)
			}
		}
		return nil
	})
}

func faultPGDown(t *testing.T, e *faultEnv) {
	r, _ := pgRig(t, e)
	r.applyTrials(func(trial int, cmd *exec.Cmd) func() {
		r.strike(trial)
		return testsrv.StopPostgres(t)
	})
}

// minioRig keeps the state in MinIO, reached through a proxy.
func minioRig(t *testing.T, e *faultEnv, env ...string) (*faultRig, *testsrv.MinIO, *faults.Proxy) {
	srv := testsrv.StartMinIO(t, testsrv.MinIOOptions{})
	if err := srv.Client(t).MakeBucket(context.Background(), "state", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	proxy := faults.NewProxy(t, srv.Host)
	endpoint := "http://" + proxy.Addr
	env = append([]string{"AWS_ACCESS_KEY_ID=" + srv.AccessKey, "AWS_SECRET_ACCESS_KEY=" + srv.SecretKey}, env...)
	r := newFaultRig(t, e, `  backend "s3" {
    bucket   = "state"
    key      = "faults/indigo.state"
    endpoint = "`+endpoint+`"
  }`, env, func(string) (state.Backend, error) {
		return s3.New(context.Background(), s3.Config{Bucket: "state", Key: "faults/indigo.state", Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey})
	})
	return r, srv, proxy
}

func faultMinIORestart(t *testing.T, e *faultEnv) {
	r, srv, _ := minioRig(t, e, "INDIGO_BACKEND_TIMEOUT=5s")
	r.applyTrials(func(trial int, cmd *exec.Cmd) func() {
		r.strike(trial)
		srv.Stop()
		if trial%2 == 1 {
			// Back while the run may still be going.
			srv.Restart(t)
			return nil
		}
		return func() { srv.Restart(t) }
	})
}

func faultMinIOSlow(t *testing.T, e *faultEnv) {
	r, _, proxy := minioRig(t, e, "INDIGO_BACKEND_TIMEOUT=1s")
	r.applyTrials(func(trial int, cmd *exec.Cmd) func() {
		r.strike(trial)
		if trial%2 == 1 {
			proxy.SetDelay(1500 * time.Millisecond)
		} else {
			proxy.Drop(true)
		}
		return func() {
			proxy.SetDelay(0)
			proxy.Drop(false)
			proxy.Cut()
		}
	})
}

// providerOf waits (up to 5 s) for the provider process under cmd.
func providerOf(cmd *exec.Cmd) (faults.Process, bool) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		if p, ok := faults.FindDescendant(cmd.Process.Pid, "terraform-provider-local"); ok {
			return p, true
		}
		if time.Now().After(deadline) {
			return faults.Process{}, false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func faultProviderKilled(t *testing.T, e *faultEnv) {
	r := newFaultRig(t, e, "", nil, localStateAt(DefaultStatePath))
	r.applyTrials(func(trial int, cmd *exec.Cmd) func() {
		r.strike(trial)
		if p, ok := providerOf(cmd); ok {
			_ = p.Kill()
		}
		return nil
	})
}

func faultProviderFrozen(t *testing.T, e *faultEnv) {
	r := newFaultRig(t, e, "", nil, localStateAt(DefaultStatePath))
	var frozen []faults.Process
	timedOut := 0
	for trial := 1; trial <= e.trials; trial++ {
		r.next()
		cmd, out := r.start("apply", "-auto-approve", "-provider-timeout=2s")
		r.strike(trial)
		p, ok := providerOf(cmd)
		if ok {
			_ = p.Freeze()
			frozen = append(frozen, p)
		}
		err := r.wait(cmd, out)
		if ok && p.Alive() {
			t.Errorf("trial %d: indigo left the frozen provider process %d behind", trial, p.PID)
			_ = p.Kill()
			_ = p.Thaw()
		}
		if err != nil && strings.Contains(out.String(), "did not finish") {
			timedOut++
			if !strings.Contains(out.String(), "hashicorp/local") || !strings.Contains(out.String(), "local_file.f[") {
				t.Errorf("trial %d: the timeout does not name the provider and the resource:\n%s", trial, out.String())
			}
		}
		r.afterFault(trial, err, out.String())
		r.recover(trial, out.String())
		if t.Failed() {
			return
		}
	}
	t.Logf("%d of %d trials timed out a frozen provider call", timedOut, e.trials)
}

func faultKillMigrate(t *testing.T, e *faultEnv) {
	conn := testsrv.Postgres(t)
	r := newFaultRig(t, e, "", []string{"PG_CONN_STR=" + conn}, localStateAt(DefaultStatePath))
	localB := local.New(filepath.Join(r.dir, DefaultStatePath))
	setBackend := func(ws string) {
		block := ""
		if ws != "" {
			block = "indigo {\n  backend \"pg\" {\n    workspace = \"" + ws + "\"\n  }\n}\n"
		}
		if err := os.WriteFile(filepath.Join(r.dir, "backend.hcl"), []byte(block), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Measure a migration, and go back.
	setBackend("m0")
	start := time.Now()
	if out, err := r.run("init", "-migrate-state"); err != nil {
		t.Fatalf("migrating: %v\n%s", err, out)
	}
	window := time.Since(start)
	setBackend("")
	if out, err := r.run("init", "-reconfigure"); err != nil {
		t.Fatalf("back to local: %v\n%s", err, out)
	}
	for trial := 1; trial <= e.trials; trial++ {
		src := readState(t, localB)
		ws := fmt.Sprintf("m%d", trial)
		setBackend(ws)
		cmd, out := r.start("init", "-migrate-state")
		time.Sleep(time.Duration(e.rng.Int63n(int64(window) + 1)))
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		e.row.Trials++
		if got := readState(t, localB); !got.Equal(src) {
			e.row.FailedRecoveries++
			t.Errorf("trial %d: the source state changed during an interrupted migration", trial)
		}
		// Run it again: it completes, and the copy is the source.
		if rout, err := r.run("init", "-migrate-state"); err != nil {
			e.row.FailedRecoveries++
			t.Errorf("trial %d: migrating again after the kill: %v\n%s\n--- the killed run:\n%s", trial, err, rout, out.String())
			return
		}
		pb, err := pg.New(context.Background(), pg.Config{ConnString: conn, Workspace: ws})
		if err != nil {
			t.Fatal(err)
		}
		got := readState(t, pb)
		pb.Close(context.Background())
		if !got.Equal(src) {
			e.row.FailedRecoveries++
			t.Errorf("trial %d: the migrated state (serial %d, %d instances) is not the source (serial %d, %d instances)", trial, got.Serial, len(got.AllInstances()), src.Serial, len(src.AllInstances()))
		}
		if pout, err := r.run("plan", "-detailed-exitcode"); err != nil {
			e.row.FailedRecoveries++
			t.Errorf("trial %d: the plan on the migrated state is not empty (%v):\n%s", trial, err, pout)
		}
		setBackend("")
		if out, err := r.run("init", "-reconfigure"); err != nil {
			t.Fatalf("back to local: %v\n%s", err, out)
		}
		if t.Failed() {
			return
		}
	}
}

func faultKillForceUnlock(t *testing.T, e *faultEnv) {
	r, _ := pgRig(t, e)
	for trial := 1; trial <= e.trials; trial++ {
		r.next()
		holder, hout := r.start("apply", "-auto-approve")
		r.strike(trial)
		// The holder hangs (frozen), keeping its lock.
		_ = syscall.Kill(-holder.Process.Pid, syscall.SIGSTOP)
		out, err := r.run("plan")
		m := forceUnlockID.FindStringSubmatch(out)
		if err == nil || m == nil {
			// The apply was over before it froze.
			_ = syscall.Kill(-holder.Process.Pid, syscall.SIGCONT)
			_ = r.wait(holder, hout)
		} else {
			fu := r.cmd("force-unlock", m[1])
			if err := fu.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Duration(e.rng.Int63n(int64(300 * time.Millisecond))))
			_ = syscall.Kill(-fu.Process.Pid, syscall.SIGKILL)
			_ = fu.Wait()
			// The frozen holder is gone for good.
			_ = syscall.Kill(-holder.Process.Pid, syscall.SIGKILL)
			_ = syscall.Kill(-holder.Process.Pid, syscall.SIGCONT)
			_ = holder.Wait()
		}
		r.afterFault(trial, nil, hout.String())
		r.recover(trial, hout.String())
		if t.Failed() {
			return
		}
	}
}
