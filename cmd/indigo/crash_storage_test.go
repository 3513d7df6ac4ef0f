package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// TestCrashStorage kills indigo at random moments while it applies or
// destroys storages on two real MinIO servers, and checks that the next
// run loses nothing: every bucket that exists is recorded in the state,
// none twice, and after the run completes a plan has nothing to do.
// INDIGO_CRASH_TRIALS sets the number of trials (default 8; make crash runs
// more).
func TestCrashStorage(t *testing.T) {
	trials := crashTrials(8, 2)
	opts := testsrv.MinIOOptions{AccessKey: s3User, SecretKey: s3Secret}
	a, b := testsrv.StartMinIO(t, opts), testsrv.StartMinIO(t, opts)
	clients := []*minio.Client{a.Client(t), b.Client(t)}
	dir := t.TempDir()
	config := func(n int) string {
		var storages strings.Builder
		for i := range n {
			fmt.Fprintf(&storages, `
storage "s%d" {
  force_destroy = true
  qos { copies = 2 }
  lifecycle {
    after      = "7d"
    expire     = true
    noncurrent = true
  }
  placement { prefer = [site.a] }
}
`, i)
		}
		return twoS3Sites(a, b, storages.String())
	}
	vars := []string{"-var", "key=" + s3User, "-var", "secret=" + s3Secret}
	command := func(args ...string) *exec.Cmd {
		cmd := indigoCmd(t, dir, append(args, vars...)...)
		cmd.Env = append(cmd.Env, "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=")
		return cmd
	}
	writeConfig(t, dir, config(3))
	start := time.Now()
	if out, err := command("apply", "-auto-approve").CombinedOutput(); err != nil {
		t.Fatalf("first apply: %v\n%s", err, out)
	}
	window := time.Since(start)
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewSource(seed))
	t.Logf("seed %d, %d trials; a full apply takes %s", seed, trials, window)

	// existing lists the buckets on both servers; recorded those the state
	// holds (by name, with how often).
	existing := func() []string {
		var out []string
		for _, c := range clients {
			bs, err := c.ListBuckets(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range bs {
				out = append(out, b.Name)
			}
		}
		slices.Sort(out)
		return out
	}
	recorded := func() []string {
		out, err := indigoCmd(t, dir, "show", "-json").Output()
		if err != nil {
			t.Fatalf("show: %v", err)
		}
		var doc struct {
			Values struct {
				Root module `json:"root_module"`
			} `json:"values"`
		}
		if err := json.Unmarshal(out, &doc); err != nil {
			t.Fatalf("show -json: %v\n%s", err, out)
		}
		var names []string
		doc.Values.Root.walk(func(r resourceJSON) {
			if r.Type == "indigo_s3_bucket" {
				names = append(names, r.Values["name"].(string))
			}
		})
		slices.Sort(names)
		return names
	}
	unrecorded := 0
	for trial := 1; trial <= trials; trial++ {
		// Alternate between growing, shrinking and destroying, so creates
		// and deletes are both interrupted.
		n := 1 + rng.Intn(4)
		args := []string{"apply", "-auto-approve"}
		if trial%3 == 0 {
			args = []string{"destroy", "-auto-approve"}
		} else {
			writeConfig(t, dir, config(n))
		}
		cmd := command(args...)
		out := &output{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(rng.Int63n(int64(window)))
		time.Sleep(delay)
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		time.Sleep(700 * time.Millisecond)
		// The next run reconciles what was in flight, then completes.
		if rec, err := command(args...).CombinedOutput(); err != nil {
			t.Fatalf("trial %d (killed after %s during %s): the run after the crash failed: %v\n%s\n--- the killed run:\n%s", trial, delay, args[0], err, rec, out.String())
		}
		got, want := recorded(), existing()
		if !slices.Equal(got, slices.Compact(slices.Clone(got))) {
			t.Errorf("trial %d: a bucket is recorded twice: %v", trial, got)
		}
		for _, name := range want {
			if !slices.Contains(got, name) {
				unrecorded++
				t.Errorf("trial %d (killed after %s during %s): bucket %s exists but is not recorded", trial, delay, args[0], name)
			}
		}
		planArgs := []string{"plan", "-detailed-exitcode"}
		if args[0] == "destroy" {
			planArgs = []string{"plan", "-destroy", "-detailed-exitcode"}
			if len(want) > 0 {
				t.Errorf("trial %d: buckets left after destroy: %v", trial, want)
			}
		}
		if pout, err := command(planArgs...).CombinedOutput(); err != nil {
			t.Fatalf("trial %d: the plan after recovery is not empty (%v):\n%s", trial, err, pout)
		}
		if t.Failed() {
			t.Fatalf("trial %d failed; the killed run said:\n%s", trial, out.String())
		}
	}
	t.Logf("%d trials, %d unrecorded buckets", trials, unrecorded)
}

type resourceJSON struct {
	Type   string         `json:"type"`
	Values map[string]any `json:"values"`
}

type module struct {
	Resources []resourceJSON `json:"resources"`
	Children  []module       `json:"child_modules"`
}

func (m module) walk(fn func(resourceJSON)) {
	for _, r := range m.Resources {
		fn(r)
	}
	for _, c := range m.Children {
		c.walk(fn)
	}
}
