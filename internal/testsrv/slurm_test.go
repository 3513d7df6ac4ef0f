package testsrv_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// TestSlurm: a job submitted with sbatch runs on the node, finishes
// COMPLETED in the job completion log (sacct --completion), and after Stop
// no process of the cluster is left.
func TestSlurm(t *testing.T) {
	s := testsrv.StartSlurm(t)
	out := filepath.Join(t.TempDir(), "out.txt")
	b, err := s.Command("sbatch", "--parsable", "--output="+out, "--wrap", "echo hello from $SLURM_JOB_ID").CombinedOutput()
	if err != nil {
		t.Fatalf("sbatch: %v\n%s", err, b)
	}
	id := strings.TrimSpace(string(b))
	var state string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		b, err := s.Command("sacct", "--completion", "-n", "-P", "-j", id, "-o", "JobID,State").Output()
		if err == nil && strings.HasPrefix(string(b), id+"|") {
			state = strings.TrimSpace(strings.TrimPrefix(string(b), id+"|"))
			break
		}
	}
	if state != "COMPLETED" {
		t.Fatalf("job %s: state %q in the job completion log, want COMPLETED", id, state)
	}
	if got, _ := os.ReadFile(out); strings.TrimSpace(string(got)) != "hello from "+id {
		t.Errorf("the job's output is %q", got)
	}

	// A long job is running when the cluster stops: nothing is left.
	if b, err := s.Command("sbatch", "--parsable", "--chdir="+filepath.Dir(out), "--wrap", "sleep 300").CombinedOutput(); err != nil {
		t.Fatalf("sbatch: %v\n%s", err, b)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if b, _ := s.Command("squeue", "-h", "-t", "R", "-o", "%i").Output(); len(strings.TrimSpace(string(b))) > 0 {
			break
		}
	}
	if len(s.Processes()) == 0 {
		t.Error("Processes finds nothing while the cluster runs a job")
	}
	s.Stop()
	if left := s.Processes(); len(left) > 0 {
		t.Errorf("processes left after Stop: %v", left)
	}
}
