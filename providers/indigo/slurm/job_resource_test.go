package slurm_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/providers/indigo/internal/protoharness"
)

const job = "indigo_slurm_job"

// sacctState is what the cluster's job completion log says of a job.
func sacctState(t *testing.T, s *testsrv.Slurm, id string) string {
	t.Helper()
	out, err := s.Command("sacct", "--completion", "-n", "-P", "-j", id, "-o", "JobID,State,ExitCode").Output()
	if err != nil {
		t.Fatalf("sacct --completion -j %s: %v", id, err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Split(line, "|"); len(f) == 3 && f[0] == id {
			return f[1] + " " + f[2]
		}
	}
	return ""
}

// squeueState is what the controller says of a job ("" when it does not
// know it).
func squeueState(t *testing.T, s *testsrv.Slurm, id string) string {
	t.Helper()
	out, _ := s.Command("squeue", "-h", "-t", "all", "-j", id, "-o", "%T").Output()
	return strings.TrimSpace(string(out))
}

// TestJob: a job runs to completion on the cluster, its output in state;
// a second plan changes nothing; a changed script replaces it; destroy
// removes its files.
func TestJob(t *testing.T) {
	s := testsrv.SharedSlurm(t)
	root := t.TempDir()
	h := newHarness(t, s, root)
	dir := filepath.Join(root, "run") // created for the job, removed with it
	cfg := map[string]any{
		"work_dir":    "run",
		"name":        "hello",
		"script":      "echo \"hello $GREETING from $SLURM_JOB_ID\"\npwd\n",
		"environment": map[string]string{"GREETING": "world; $(touch /tmp/not-expanded)"},
		"cpus":        1,
		"memory":      "64M",
		"time_limit":  "5",
	}
	st := h.Create(job, cfg)
	id := protoharness.GetString(t, st, "job_id")
	if got := protoharness.GetString(t, st, "state"); got != "COMPLETED" {
		t.Fatalf("state = %q, want COMPLETED", got)
	}
	if got := protoharness.GetInt(t, st, "exit_code"); got != 0 {
		t.Errorf("exit_code = %d", got)
	}
	if got := sacctState(t, s, id); got != "COMPLETED 0:0" {
		t.Errorf("sacct --completion says %q, want COMPLETED 0:0", got)
	}
	want := "hello world; $(touch /tmp/not-expanded) from " + id + "\n" + dir + "\n"
	if got := protoharness.GetString(t, st, "stdout"); got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
	out := protoharness.GetString(t, st, "output_path")
	if out != filepath.Join(dir, "hello-"+id+".out") || protoharness.GetString(t, st, "partition") != s.Partition {
		t.Errorf("output_path %q, partition %q", out, protoharness.GetString(t, st, "partition"))
	}

	// Read finds the same; the plan is empty.
	st = h.Read(job, st)
	if p, err := h.Plan(job, st, cfg); err != nil || !p.Noop() {
		t.Fatalf("second plan: %v, noop %v (replace %v)", err, err == nil && p.Noop(), p.Replace)
	}

	// A changed script is a new job.
	cfg["script"] = "echo again"
	p, err := h.Plan(job, st, cfg)
	if err != nil || len(p.Replace) == 0 {
		t.Fatalf("plan with a changed script: %v, replace %v", err, p.Replace)
	}
	st2, err := h.Apply(job, p)
	if err != nil {
		t.Fatal(err)
	}
	if id2 := protoharness.GetString(t, st2, "job_id"); id2 == id || protoharness.GetString(t, st2, "stdout") != "again\n" {
		t.Errorf("after replacement: job %s (was %s), stdout %q", id2, id, protoharness.GetString(t, st2, "stdout"))
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the replaced job's output %s is still there (%v)", out, err)
	}
	if err := h.Destroy(job, st2); err != nil {
		t.Fatal(err)
	}
	if left, err := os.ReadDir(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the work dir indigo created is still there after destroy: %v %v", left, err)
	}
	// A work dir that was there before stays.
	st = h.Create(job, map[string]any{"name": "inroot", "script": "true"})
	if err := h.Destroy(job, st); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(root); err != nil {
		t.Errorf("the provider's work_dir, which was there before, is gone: %v", err)
	}
}

// TestJobFails: a job that exits non-zero fails the create with its exit
// code and the end of its standard error, and is recorded (tainted) so the
// next apply replaces it.
func TestJobFails(t *testing.T) {
	s := testsrv.SharedSlurm(t)
	h := newHarness(t, s, t.TempDir())
	cfg := map[string]any{"name": "broken", "script": "echo working\necho 'input.dat: no such file' >&2\nexit 3\n"}
	p, err := h.Plan(job, tftypes.Value{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ty := h.Type(job)
	prior, planned, conf := h.Dynamic(ty, tftypes.NewValue(ty, nil)), h.Dynamic(ty, p.Planned), h.Dynamic(ty, p.Config)
	resp, err := h.Server.ApplyResourceChange(context.Background(), &tfprotov6.ApplyResourceChangeRequest{
		TypeName: job, PriorState: &prior, PlannedState: &planned, Config: &conf})
	if err != nil {
		t.Fatal(err)
	}
	aerr := protoharness.DiagsError(resp.Diagnostics)
	if aerr == nil {
		t.Fatal("a job that exits 3 was created without an error")
	}
	for _, want := range []string{"ended FAILED with exit code 3", "input.dat: no such file", "Slurm site hpc"} {
		if !strings.Contains(aerr.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, aerr)
		}
	}
	st := h.Value(ty, resp.NewState)
	if st.IsNull() {
		t.Fatal("the failed job is not recorded in state")
	}
	id := protoharness.GetString(t, st, "job_id")
	if got := sacctState(t, s, id); got != "FAILED 3:0" {
		t.Errorf("sacct --completion says %q, want FAILED 3:0", got)
	}
	if got := protoharness.GetInt(t, st, "exit_code"); got != 3 || protoharness.GetString(t, st, "state") != "FAILED" {
		t.Errorf("state %s, exit_code %d", protoharness.GetString(t, st, "state"), got)
	}
	// The next plan replaces it.
	if p, err := h.Plan(job, h.Read(job, st), cfg); err != nil || len(p.Replace) == 0 {
		t.Errorf("plan after a failed job: %v, replace %v; want a replacement", err, p.Replace)
	}
}

// TestJobCancel: a job that runs when it is destroyed is cancelled, and
// one cancelled behind indigo's back is seen by Read and replaced.
func TestJobCancel(t *testing.T) {
	s := testsrv.SharedSlurm(t)
	h := newHarness(t, s, t.TempDir())
	cfg := map[string]any{"name": "long", "script": "sleep 300", "wait": false}
	st := h.Create(job, cfg)
	id := protoharness.GetString(t, st, "job_id")
	if got := protoharness.GetString(t, st, "state"); got != "PENDING" && got != "RUNNING" {
		t.Fatalf("state of a job not waited for = %q, want PENDING or RUNNING", got)
	}
	if p, err := h.Plan(job, h.Read(job, st), cfg); err != nil || !p.Noop() {
		t.Fatalf("plan of a running job: %v (replace %v)", err, p.Replace)
	}
	if err := h.Destroy(job, st); err != nil {
		t.Fatal(err)
	}
	if got := squeueState(t, s, id); got != "CANCELLED" {
		t.Errorf("after destroy the controller says %q, want CANCELLED", got)
	}

	// Cancelled by hand: Read says so, the plan replaces it.
	st = h.Create(job, cfg)
	id = protoharness.GetString(t, st, "job_id")
	if out, err := s.Command("scancel", id).CombinedOutput(); err != nil {
		t.Fatalf("scancel: %v %s", err, out)
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && squeueState(t, s, id) != "CANCELLED"; {
		time.Sleep(100 * time.Millisecond)
	}
	st = h.Read(job, st)
	if got := protoharness.GetString(t, st, "state"); got != "CANCELLED" {
		t.Errorf("Read after scancel: state %q", got)
	}
	p, err := h.Plan(job, st, cfg)
	if err != nil || len(p.Replace) == 0 {
		t.Fatalf("plan after scancel: %v, replace %v; want a replacement", err, p.Replace)
	}
	st, err = h.Apply(job, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Destroy(job, st); err != nil {
		t.Fatal(err)
	}
}

// TestJobImport: a job submitted by hand is imported by id.
func TestJobImport(t *testing.T) {
	s := testsrv.SharedSlurm(t)
	dir := t.TempDir()
	h := newHarness(t, s, dir)
	cmd := s.Command("sbatch", "--parsable", "--job-name=byhand", "--chdir="+dir, "--output=byhand.out")
	cmd.Stdin = strings.NewReader("#!/bin/sh\necho by hand\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(string(out))
	st, err := h.ImportState(job, id)
	if err != nil {
		t.Fatal(err)
	}
	if protoharness.GetString(t, st, "name") != "byhand" || protoharness.GetString(t, st, "output_path") != filepath.Join(dir, "byhand.out") ||
		!strings.Contains(protoharness.GetString(t, st, "script"), "echo by hand") {
		t.Errorf("imported: name %q, output_path %q, script %q", protoharness.GetString(t, st, "name"),
			protoharness.GetString(t, st, "output_path"), protoharness.GetString(t, st, "script"))
	}
	if _, err := h.ImportState(job, "x/1"); err == nil {
		t.Error("import of an id that is neither a number nor a job name succeeded")
	}
	// By name: only jobs indigo submitted (an interrupted create finds
	// its job so), the newest first.
	if _, err := h.ImportState(job, "byhand"); err == nil {
		t.Error("a job submitted by hand was imported by name")
	}
	first := h.Create(job, map[string]any{"name": "lost", "script": "true"})
	second := h.Create(job, map[string]any{"name": "lost", "script": "true"})
	st, err = h.ImportState(job, "lost")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := protoharness.GetString(t, st, "job_id"), protoharness.GetString(t, second, "job_id"); got != want {
		t.Errorf("import by name found job %s, want the newest, %s (the first was %s)", got, want, protoharness.GetString(t, first, "job_id"))
	}
	if _, err := h.ImportState(job, "999999"); err == nil {
		t.Error("import of a job nobody knows succeeded")
	}
}

// TestControllerDown: with slurmctld down, create and read fail with a
// message naming the site and the controller, and nothing recorded is
// lost; with it back, the job is read as before.
func TestControllerDown(t *testing.T) {
	s := testsrv.StartSlurm(t)
	h := newHarness(t, s, t.TempDir())
	st := h.Create(job, map[string]any{"name": "before", "script": "echo ok"})
	s.StopController()
	_, err := h.TryCreate(job, map[string]any{"name": "during", "script": "echo ok"})
	if err == nil || !strings.Contains(err.Error(), "Slurm site hpc") || !strings.Contains(err.Error(), "controller (slurmctld) cannot be reached") {
		t.Errorf("create with the controller down: %v", err)
	}
	if _, err := h.TryRead(job, st); err == nil || !strings.Contains(err.Error(), "cannot be reached") {
		t.Errorf("read with the controller down: %v", err)
	}
	s.StartController(t)
	if got := h.Read(job, st); protoharness.GetString(t, got, "state") != "COMPLETED" {
		t.Errorf("after the controller is back: state %q", protoharness.GetString(t, got, "state"))
	}
}
