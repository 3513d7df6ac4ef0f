package slurm

import (
	"testing"
)

func TestParseScontrol(t *testing.T) {
	out := "JobId=7 JobName=count reads UserId=root(0) GroupId=root(0) Account=(null) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) " +
		"ExitCode=3:0 Partition=batch Command=/bin/sh -c x=1 WorkDir=/scratch/a b StdErr=/scratch/e.7 StdIn=/dev/null StdOut=/scratch/o.7 Power=\n"
	info, ok := parseScontrol([]byte(out), "7")
	if !ok {
		t.Fatal("job 7 not found")
	}
	want := jobInfo{ID: "7", Name: "count reads", State: "FAILED", ExitCode: 3, Reason: "NonZeroExitCode", Partition: "batch",
		WorkDir: "/scratch/a b", StdOut: "/scratch/o.7", StdErr: "/scratch/e.7"}
	if info != want {
		t.Errorf("got %+v\nwant %+v", info, want)
	}
	if _, ok := parseScontrol([]byte(out), "70"); ok {
		t.Error("job 70 found in job 7's record")
	}
}

func TestParseSacct(t *testing.T) {
	out := "12|step|CANCELLED by 0|0:15|batch||/w\n13|other|COMPLETED|0:0|batch|acct|/w\n"
	info, err := parseSacct([]byte(out), "12")
	if err != nil || info.State != "CANCELLED" || info.Signal != 15 || info.Name != "step" || info.WorkDir != "/w" {
		t.Errorf("job 12: %+v, %v", info, err)
	}
	if info, err := parseSacct([]byte(out), "13"); err != nil || info.Account != "acct" || info.State != "COMPLETED" {
		t.Errorf("job 13: %+v, %v", info, err)
	}
	if _, err := parseSacct([]byte(out), "1"); err != errNoJob {
		t.Errorf("job 1: %v, want errNoJob", err)
	}
}

func TestExpandPath(t *testing.T) {
	t.Setenv("USER", "alice")
	for _, c := range []struct{ pattern, want string }{
		{"%x-%j.out", "/w/job-42.out"},
		{"/abs/%u/%J.log", "/abs/alice/42.log"},
		{"100%%-%y", "/w/100%-%y"},
		{"trailing%", "/w/trailing%"},
	} {
		if got := expandPath(c.pattern, "42", "job", "/w"); got != c.want {
			t.Errorf("expandPath(%q) = %q, want %q", c.pattern, got, c.want)
		}
	}
}

func TestStates(t *testing.T) {
	for _, st := range []string{"PENDING", "RUNNING", "COMPLETING", "REQUEUED", ""} {
		if terminal(st) {
			t.Errorf("%q is terminal", st)
		}
	}
	for _, st := range []string{"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE"} {
		if !terminal(st) {
			t.Errorf("%q is not terminal", st)
		}
	}
	if !controllerDown("sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)") || controllerDown("Invalid job id specified") {
		t.Error("controllerDown misreads the messages")
	}
}
