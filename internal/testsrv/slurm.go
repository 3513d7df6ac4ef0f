package testsrv

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// SlurmInstall is how to get Slurm (slurmctld, slurmd and the client
// commands) on the project's machines.
const SlurmInstall = "apt-get install -y slurm-wlm"

// slurmDirPrefix names the shared cluster's directory under os.TempDir().
const slurmDirPrefix = "indigo-testsrv-slurm-"

// slurmReadyTimeout is how long the controller and the node may take to
// report the node idle; about a second is usual.
const slurmReadyTimeout = 60 * time.Second

// Slurm is a one-node Slurm cluster on this machine: slurmctld and slurmd
// started from a slurm.conf of their own in a temporary directory, on free
// loopback ports.
//
// It uses auth/none and cred/none (no munge daemon to run): anyone on this
// machine may talk to it, which is fine for a test cluster bound to
// 127.0.0.1 and nothing else. Finished jobs are kept by the controller for
// MinJobAge (10 minutes) and written by jobcomp/filetxt to a job
// completion log, which `sacct --completion` reads: there is no slurmdbd
// (it needs MySQL or MariaDB), so plain `sacct` answers "accounting
// storage is disabled".
type Slurm struct {
	// Conf is the slurm.conf path; the client commands find the cluster
	// through SLURM_CONF=Conf (see Env).
	Conf string
	// Dir is the cluster's directory: state, spool, logs, job
	// completion log.
	Dir string
	// Partition is the one partition, the default.
	Partition string
	// Node is the node's name.
	Node string
	// Cluster is the cluster's name (unique per instance).
	Cluster string
	// CtldPort and SlurmdPort are the daemons' ports on 127.0.0.1.
	CtldPort, SlurmdPort int
	// JobCompLog is the job completion log (jobcomp/filetxt).
	JobCompLog string

	mu            sync.Mutex
	ctld          *daemon
	slurmd        *daemon
	untrack       func()
	untrackShared func() // removes the shared cluster's directory
}

type daemon struct {
	name   string
	cmd    *exec.Cmd
	exited chan struct{}
}

// StartSlurm starts a one-node cluster for this test and stops it (its
// jobs cancelled, every process it started gone) with t.Cleanup. It skips
// the test (see Missing) when Slurm is not installed.
func StartSlurm(t testing.TB) *Slurm {
	t.Helper()
	for _, bin := range []string{"slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "scancel", "sacct"} {
		if _, err := lookSbin(bin); err != nil {
			Missing(t, fmt.Sprintf("Slurm is not installed (%s not found); install it with: %s", bin, SlurmInstall))
			return nil
		}
	}
	s, err := startSlurm(t.TempDir())
	if err != nil {
		t.Fatalf("starting Slurm: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// sharedSlurm is the package's cluster, see SharedSlurm.
var sharedSlurm struct {
	sync.Mutex
	s   *Slurm
	err error
}

// SharedSlurm returns a cluster started once per test binary (package) on
// first use and stopped by Main. Tests sharing it must tell their jobs
// apart by name or id; a test that stops the controller uses StartSlurm.
func SharedSlurm(t testing.TB) *Slurm {
	t.Helper()
	for _, bin := range []string{"slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "scancel", "sacct"} {
		if _, err := lookSbin(bin); err != nil {
			Missing(t, fmt.Sprintf("Slurm is not installed (%s not found); install it with: %s", bin, SlurmInstall))
			return nil
		}
	}
	sharedSlurm.Lock()
	defer sharedSlurm.Unlock()
	if sharedSlurm.s == nil && sharedSlurm.err == nil {
		// The directories of test binaries that died without Main.
		removeStaleDirs(slurmDirPrefix)
		dir, err := os.MkdirTemp("", slurmDirPrefix)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "owner"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
			t.Fatal(err)
		}
		sharedSlurm.s, sharedSlurm.err = startSlurm(dir)
		if sharedSlurm.s != nil {
			s := sharedSlurm.s
			// The directory goes with the cluster.
			s.untrackShared = func() { _ = os.RemoveAll(dir) }
		}
	}
	if sharedSlurm.err != nil {
		t.Fatalf("starting Slurm: %v", sharedSlurm.err)
	}
	return sharedSlurm.s
}

// lookSbin finds a Slurm command on PATH or in /usr/sbin (not on root's
// PATH everywhere).
func lookSbin(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	p := filepath.Join("/usr/sbin", name)
	if _, err := os.Stat(p); err != nil {
		return "", err
	}
	return p, nil
}

// Env is the environment the client commands (sbatch, squeue, scancel,
// scontrol, sacct) need to reach this cluster: os.Environ() with
// SLURM_CONF set.
func (s *Slurm) Env() []string {
	env := []string{"SLURM_CONF=" + s.Conf}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SLURM_CONF=") {
			env = append(env, kv)
		}
	}
	return env
}

// Command returns a client command (sbatch, squeue, ...) for this cluster.
func (s *Slurm) Command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = s.Env()
	return cmd
}

// nodeResources are the CPUs and memory (MiB) slurmd finds on this
// machine, as `slurmd -C` prints them.
func nodeResources() (cpus int, memMiB int) {
	cpus, memMiB = runtime.NumCPU(), 1024
	bin, err := lookSbin("slurmd")
	if err != nil {
		return
	}
	out, err := exec.Command(bin, "-C").Output()
	if err != nil {
		return
	}
	for _, f := range strings.Fields(string(out)) {
		k, v, _ := strings.Cut(f, "=")
		n, err := strconv.Atoi(v)
		if err != nil {
			continue
		}
		switch k {
		case "CPUs":
			cpus = n
		case "RealMemory":
			memMiB = n
		}
	}
	return
}

func startSlurm(dir string) (*Slurm, error) {
	for _, d := range []string{"state", "spool", "log"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	cpus, mem := nodeResources()
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		ctldPort, err := freePort()
		if err != nil {
			return nil, err
		}
		slurmdPort, err := freePort()
		if err != nil {
			return nil, err
		}
		if ctldPort == slurmdPort {
			continue
		}
		s := &Slurm{
			Dir:        dir,
			Conf:       filepath.Join(dir, "slurm.conf"),
			Partition:  "batch",
			Node:       "indigo-node",
			Cluster:    "indigo" + strconv.Itoa(ctldPort),
			CtldPort:   ctldPort,
			SlurmdPort: slurmdPort,
			JobCompLog: filepath.Join(dir, "jobcomp.log"),
		}
		if err := os.WriteFile(s.Conf, []byte(s.config(cpus, mem)), 0o644); err != nil {
			return nil, err
		}
		s.untrack = track(s.Stop)
		if err := s.start(); err != nil {
			s.Stop()
			lastErr = err
			if errors.Is(err, errPortTaken) {
				continue
			}
			return nil, err
		}
		return s, nil
	}
	return nil, lastErr
}

// config is the cluster's slurm.conf.
func (s *Slurm) config(cpus, memMiB int) string {
	p := func(name string) string { return filepath.Join(s.Dir, name) }
	// Jobs ask for a little memory unless they say otherwise, and the
	// partition lets up to 16 jobs share a core (OverSubscribe=FORCE:16),
	// so many small test jobs run side by side on the one node.
	defMem := max(64, memMiB/(4*max(cpus, 1)))
	return fmt.Sprintf(`# A one-node test cluster written by indigo's internal/testsrv.
ClusterName=%[1]s
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=%[2]d
SlurmdPort=%[3]d
SlurmUser=root
SlurmdUser=root
AuthType=auth/none
CredType=cred/none
StateSaveLocation=%[4]s
SlurmdSpoolDir=%[5]s
SlurmctldPidFile=%[6]s
SlurmdPidFile=%[7]s
SlurmctldLogFile=%[8]s
SlurmdLogFile=%[9]s
ProctrackType=proctrack/pgid
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=%[10]s
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
MessageTimeout=5
MinJobAge=600
DefMemPerCPU=%[13]d
NodeName=%[11]s NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=%[12]d RealMemory=%[14]d State=UNKNOWN
PartitionName=%[15]s Nodes=%[11]s Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:16
`, s.Cluster, s.CtldPort, s.SlurmdPort, p("state"), p("spool"), p("slurmctld.pid"), p("slurmd.pid"),
		p("log/slurmctld.log"), p("log/slurmd.log"), s.JobCompLog, s.Node, cpus, defMem, memMiB, s.Partition)
}

func (s *Slurm) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctld == nil {
		d, err := s.startDaemon("slurmctld", "-D", "-i", "-f", s.Conf)
		if err != nil {
			return err
		}
		s.ctld = d
	}
	if s.slurmd == nil {
		d, err := s.startDaemon("slurmd", "-D", "-N", s.Node, "-f", s.Conf)
		if err != nil {
			return err
		}
		s.slurmd = d
	}
	return s.waitReady()
}

// startDaemon runs one daemon in the foreground, its output in
// log/NAME.out.
func (s *Slurm) startDaemon(name string, args ...string) (*daemon, error) {
	bin, err := lookSbin(name)
	if err != nil {
		return nil, err
	}
	out, err := os.OpenFile(filepath.Join(s.Dir, "log", name+".out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	cmd := exec.Command(bin, args...)
	cmd.Env = s.Env()
	cmd.Dir = s.Dir
	cmd.Stdout, cmd.Stderr = out, out
	// Killed with the test binary, however it ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	d := &daemon{name: name, cmd: cmd, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(d.exited)
	}()
	return d, nil
}

// waitReady waits until the node is idle in the partition.
func (s *Slurm) waitReady() error {
	deadline := time.Now().Add(slurmReadyTimeout)
	var last string
	for {
		out, err := s.Command("sinfo", "-h", "-N", "-o", "%T").CombinedOutput()
		last = strings.TrimSpace(string(out))
		if err == nil && (last == "idle" || last == "mixed" || last == "allocated") {
			return nil
		}
		for _, d := range []*daemon{s.ctld, s.slurmd} {
			select {
			case <-d.exited:
				tail := s.logTails()
				if strings.Contains(tail, "Address already in use") {
					return fmt.Errorf("%s: %w", d.name, errPortTaken)
				}
				return fmt.Errorf("%s exited before the node was ready (%s); its logs:\n%s", d.name, d.cmd.ProcessState, tail)
			default:
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the node was not idle after %s (sinfo: %q, %v); the logs:\n%s", slurmReadyTimeout, last, err, s.logTails())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *Slurm) logTails() string {
	var b strings.Builder
	for _, f := range []string{"log/slurmctld.log", "log/slurmd.log", "log/slurmctld.out", "log/slurmd.out"} {
		fmt.Fprintf(&b, "--- %s\n%s\n", f, logTail(filepath.Join(s.Dir, f), 0))
	}
	return b.String()
}

// StopController stops slurmctld (SIGTERM: it saves its state first),
// leaving slurmd and running jobs alone; StartController brings it back on
// the same port with the state it saved.
func (s *Slurm) StopController() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopDaemon(&s.ctld, syscall.SIGTERM)
}

// StartController starts slurmctld again (after StopController) and waits
// until the node is back.
func (s *Slurm) StartController(t testing.TB) {
	t.Helper()
	if err := retryOnPortTaken(s.start); err != nil {
		t.Fatalf("restarting slurmctld: %v", err)
	}
}

// retryOnPortTaken restarts a server on the port it had a moment ago:
// start is tried again while the kernel has not let go of the port.
func retryOnPortTaken(start func() error) error {
	var err error
	for range 20 {
		if err = start(); !errors.Is(err, errPortTaken) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	return err
}

// stopDaemon signals *d, waits for it to exit (killing it after 10 s) and
// clears it. Callers hold s.mu.
func (s *Slurm) stopDaemon(d **daemon, sig syscall.Signal) {
	if *d == nil {
		return
	}
	_ = (*d).cmd.Process.Signal(sig)
	select {
	case <-(*d).exited:
	case <-time.After(10 * time.Second):
		_ = (*d).cmd.Process.Kill()
		<-(*d).exited
	}
	*d = nil
}

// Stop cancels every job, stops both daemons and kills whatever they left
// (job steps and the jobs' processes). It is idempotent.
func (s *Slurm) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctld != nil {
		// Cancel what runs, so slurmd ends the jobs' processes itself.
		_ = s.Command("scancel", "--full", "--partition="+s.Partition).Run()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			out, err := s.Command("squeue", "-h", "-o", "%i").Output()
			if err != nil || len(bytes.TrimSpace(out)) == 0 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	s.stopDaemon(&s.slurmd, syscall.SIGTERM)
	s.stopDaemon(&s.ctld, syscall.SIGTERM)
	// Job steps outlive slurmd; they and the jobs' processes carry this
	// cluster's SLURM_CONF in their environment.
	s.killOrphans()
	if s.untrack != nil {
		s.untrack()
		s.untrack = nil
	}
	if s.untrackShared != nil {
		s.untrackShared()
		s.untrackShared = nil
	}
}

// killOrphans kills the job steps and job processes this cluster left
// (Processes) and waits a little for them to go.
func (s *Slurm) killOrphans() {
	pids := s.Processes()
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids {
		for time.Now().Before(deadline) && aliveProc(pid) {
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// aliveProc reports whether pid exists and is not a zombie (a zombie of
// another parent stays until reaped, holding nothing).
func aliveProc(pid int) bool {
	st, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	return err == nil && !bytes.Contains(st, []byte(") Z "))
}

// Processes returns the pids of the processes of this cluster still
// running, for tests that check nothing was left: Slurm's own (slurmctld,
// slurmd, slurmstepd) and the jobs' (with SLURM_JOB_ID set), found by this
// cluster's SLURM_CONF in their environment.
func (s *Slurm) Processes() []int {
	want := []byte("SLURM_CONF=" + s.Conf)
	self := os.Getpid()
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self || !aliveProc(pid) {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil {
			continue
		}
		comm, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		ours, job := false, bytes.HasPrefix(comm, []byte("slurm"))
		for _, kv := range bytes.Split(env, []byte{0}) {
			ours = ours || bytes.Equal(kv, want)
			job = job || bytes.HasPrefix(kv, []byte("SLURM_JOB_ID="))
		}
		if ours && job {
			pids = append(pids, pid)
		}
	}
	return pids
}
