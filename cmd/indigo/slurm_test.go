package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// completedJobs is what the cluster's job completion log says of the jobs
// of a name: "STATE EXIT" per job, in order.
func completedJobs(t *testing.T, s *testsrv.Slurm, name string) []string {
	t.Helper()
	out, err := s.Command("sacct", "--completion", "-n", "-P", "-o", "JobID,JobName,State,ExitCode").Output()
	if err != nil {
		t.Fatalf("sacct --completion: %v", err)
	}
	var states []string
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Split(line, "|"); len(f) == 4 && f[1] == name {
			states = append(states, f[2]+" "+f[3])
		}
	}
	return states
}

// activeJobs lists the jobs the controller has pending or running.
func activeJobs(t *testing.T, s *testsrv.Slurm) string {
	t.Helper()
	out, err := s.Command("squeue", "-h", "-o", "%i %j %T").CombinedOutput()
	if err != nil {
		t.Fatalf("squeue: %v %s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// uc2Batch is the batch part of examples/uc2-galaxy-batch (run by
// TestOpenStackExamples with its OpenStack part): its jobs run on a real
// Slurm cluster; after apply both are COMPLETED in the job completion log,
// the second read the first's output and the deployment's output says so;
// after destroy no job runs and no output file is left.
func uc2Batch(t *testing.T) (func(dir, applied string), func(dir string)) {
	s := testsrv.StartSlurm(t)
	t.Setenv("INDIGO_VAR_slurm_conf", s.Conf)
	afterApply := func(dir, applied string) {
		t.Helper()
		for _, name := range []string{"make_reference", "count_reads"} {
			if got := completedJobs(t, s, name); len(got) != 1 || got[0] != "COMPLETED 0:0" {
				t.Errorf("job %s in the job completion log: %v, want one COMPLETED 0:0", name, got)
			}
		}
		ref, _ := filepath.Glob(filepath.Join(dir, "jobs", "make_reference-*.out"))
		if len(ref) != 1 {
			t.Fatalf("make_reference's output files: %v", ref)
		}
		if b, _ := os.ReadFile(ref[0]); strings.Count(string(b), "ACGT") != 3 {
			t.Errorf("make_reference's output:\n%s", b)
		}
		if !strings.Contains(applied, "reads: 3") {
			t.Errorf("the outputs do not show the batch result \"reads: 3\":\n%s", applied)
		}
	}
	afterDestroy := func(dir string) {
		t.Helper()
		if jobs := activeJobs(t, s); jobs != "" {
			t.Errorf("jobs left after destroy:\n%s", jobs)
		}
		if left, err := os.ReadDir(filepath.Join(dir, "jobs")); !os.IsNotExist(err) {
			t.Errorf("the jobs' directory is left after destroy: %v %v", left, err)
		}
	}
	return afterApply, afterDestroy
}

// slurmModule writes, in a new directory, a module with one slurm site
// (cluster conf) and one batch job, component, running script; it returns
// the directory.
func slurmModule(t *testing.T, conf, component, script string) string {
	t.Helper()
	dir := t.TempDir()
	src := `site "hpc" {
  kind = "slurm"
  settings {
    conf     = "` + conf + `"
    work_dir = "out"
  }
}

deployment "analysis" {
  placement {
    sites = [site.hpc]
  }
  component "` + component + `" {
    type = "tosca.nodes.indigo.Batch.Job"
    properties {
      executable  = "` + script + `"
      environment = {}
    }
  }
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// indigoStep runs indigo in dir and fails the test unless it exits want.
func indigoStep(t *testing.T, dir string, want int, args ...string) string {
	t.Helper()
	out, code := runIn(t, dir, args...)
	if code != want {
		t.Fatalf("indigo %s: exit %d, want %d\n%s", strings.Join(args, " "), code, want, out)
	}
	return out
}

// TestSlurmJobFails: a job that exits non-zero fails the apply with its
// exit code and the end of its standard error; the job is in state, and
// the next plan submits it again.
func TestSlurmJobFails(t *testing.T) {
	s := testsrv.SharedSlurm(t)
	dir := slurmModule(t, s.Conf, "step", `echo reading input.dat; echo 'input.dat: no such file' >&2; exit 4`)
	out := indigoStep(t, dir, 1, "apply", "-auto-approve")
	flat := strings.Join(strings.Fields(out), " ") // the view wraps lines
	for _, want := range []string{"ended FAILED with exit code 4", "input.dat: no such file", "Slurm site hpc"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the apply's error does not say %q:\n%s", want, out)
		}
	}
	if got := completedJobs(t, s, "step"); len(got) == 0 || got[len(got)-1] != "FAILED 4:0" {
		t.Errorf("the job completion log says %v, want FAILED 4:0", got)
	}
	list, _ := runIn(t, dir, "state", "list")
	if !strings.Contains(list, "indigo_slurm_job.step") {
		t.Errorf("the failed job is not in state:\n%s", list)
	}
	if out, code := runIn(t, dir, "plan", "-detailed-exitcode"); code != 2 || !strings.Contains(out, "indigo_slurm_job") {
		t.Errorf("plan after a failed job: exit %d, want 2 (submit it again)\n%s", code, out)
	}
	indigoStep(t, dir, 0, "destroy", "-auto-approve")
}

// TestSlurmControllerDown: with slurmctld down a plan fails with a message
// naming the site and the controller, and the state is left as it was;
// with the controller back, the plan is empty again.
func TestSlurmControllerDown(t *testing.T) {
	s := testsrv.StartSlurm(t)
	dir := slurmModule(t, s.Conf, "step", "echo done")
	indigoStep(t, dir, 0, "apply", "-auto-approve")
	before, err := os.ReadFile(filepath.Join(dir, "indigo.state"))
	if err != nil {
		t.Fatal(err)
	}
	s.StopController()
	out, code := runIn(t, dir, "plan")
	flat := strings.Join(strings.Fields(out), " ") // the view wraps lines
	if code != 1 || !strings.Contains(flat, "Slurm site hpc") || !strings.Contains(flat, "controller (slurmctld) cannot be reached") {
		t.Errorf("plan with the controller down: exit %d, want 1 with a message naming the site and its controller\n%s", code, out)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "indigo.state"))
	if !bytes.Equal(before, after) {
		t.Errorf("the state changed while the controller was down")
	}
	s.StartController(t)
	if out, code := runIn(t, dir, "plan", "-detailed-exitcode"); code != 0 {
		t.Errorf("plan with the controller back: exit %d, want 0\n%s", code, out)
	}
	indigoStep(t, dir, 0, "destroy", "-auto-approve")
}

// TestSlurmCrashDuringWait: indigo killed (-9) while it waits for a job it
// has submitted leaves nothing unrecorded: the next run finds the job by
// its name (an interrupted create) and records it, the next apply waits
// for it, and it ran once: neither lost nor submitted twice.
func TestSlurmCrashDuringWait(t *testing.T) {
	s := testsrv.SharedSlurm(t)
	dir := slurmModule(t, s.Conf, "crashy", "sleep 6")
	cmd, out := startIndigo(t, dir, "apply", "-auto-approve")
	waitForOutput(out, "Creating...")
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && !strings.Contains(activeJobs(t, s), "crashy RUNNING"); {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(activeJobs(t, s), "crashy RUNNING") {
		t.Fatalf("the job is not running: %q\n%s", activeJobs(t, s), out)
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Wait()

	// The job is found by name and recorded. Slurm does not report a
	// job's environment, so the configured one is adopted by an update in
	// place: nothing is submitted again.
	plan, code := runIn(t, dir, "plan", "-detailed-exitcode")
	if code == 1 || strings.Contains(plan, "to add") && !strings.Contains(plan, "0 to add") || !strings.Contains(plan, "0 to destroy") {
		t.Errorf("plan after the crash: exit %d, want nothing added or destroyed (the running job found and recorded)\n%s", code, plan)
	}
	indigoStep(t, dir, 0, "apply", "-auto-approve")
	if out, code := runIn(t, dir, "plan", "-detailed-exitcode"); code != 0 {
		t.Errorf("plan after adopting the job: exit %d, want 0\n%s", code, out)
	}
	if list, _ := runIn(t, dir, "state", "list"); !strings.Contains(list, "indigo_slurm_job.crashy") {
		t.Errorf("the job is not in state after the crash:\n%s\n%s", list, plan)
	}
	if got := completedJobs(t, s, "crashy"); len(got) != 1 || got[0] != "COMPLETED 0:0" {
		t.Errorf("jobs named crashy in the job completion log: %v, want one COMPLETED 0:0", got)
	}
	indigoStep(t, dir, 0, "destroy", "-auto-approve")
}
