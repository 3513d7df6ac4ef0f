//go:build unix

package state_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/local"
	"github.com/indigo-cloud/indigo/state/statetest"
)

const (
	crashDirEnv   = "INDIGO_STATE_CRASH_CHILD"
	crashStartEnv = "INDIGO_STATE_CRASH_START"
	crashAddrs    = 40
)

// TestCrashChild is the process TestCrashKill9 kills: it is not a test on
// its own and skips unless started by it.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("helper process for TestCrashKill9")
	}
	start, _ := strconv.Atoi(os.Getenv(crashStartEnv))
	ctx := context.Background()
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(3)
	}
	m, err := state.Open(ctx, local.New(filepath.Join(dir, "indigo.state")),
		state.OpenOptions{Operation: "apply", FlushInterval: 15 * time.Millisecond})
	if err != nil {
		fail(err)
	}
	// Reconcile what the previous child left in flight, as the planner
	// does: here the provider "created" the planned object.
	for _, in := range m.InFlight() {
		if err := m.Result(ctx, state.Result{IntentID: in.ID, Object: in.Planned}); err != nil {
			fail(err)
		}
	}
	fmt.Println("OPEN")
	for i := start; ; i++ {
		addr := statetest.Instance(fmt.Sprintf("t%d", i%crashAddrs), nil)
		id, err := m.Intent(ctx, state.Intent{Op: state.OpCreate, Addr: addr, Provider: statetest.Provider, Planned: statetest.Object("planned", i)})
		if err != nil {
			fail(err)
		}
		fmt.Printf("I %d %s\n", i, id)
		if err := m.Result(ctx, state.Result{IntentID: id, Object: statetest.Object("done", i)}); err != nil {
			fail(err)
		}
		fmt.Printf("R %d\n", i)
		if i%13 == 0 {
			if err := m.SetOutput(ctx, "n", &state.Output{Value: json.RawMessage(strconv.Itoa(i)), Type: json.RawMessage(`"number"`)}); err != nil {
				fail(err)
			}
			fmt.Printf("O %d\n", i)
		}
		if i%97 == 0 {
			if err := m.Persist(ctx); err != nil {
				fail(err)
			}
		}
	}
}

// TestCrashKill9 runs a child that journals intents and results and writes
// snapshots in a loop, kills it with SIGKILL at a random moment, and checks
// that the next Open succeeds at once (no stale lock) and that the state
// holds every change whose append had returned.
func TestCrashKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills 25 processes")
	}
	dir := t.TempDir()
	b := local.New(filepath.Join(dir, "indigo.state"))
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	start := 1
	totalResults := 0
	for trial := 0; trial < 25; trial++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashStartEnv+"="+strconv.Itoa(start))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan []byte, 1)
		go func() {
			data, _ := io.ReadAll(out)
			lines <- data
		}()
		// Kill anywhere from before Open finishes to well into the loop.
		time.Sleep(time.Duration(rng.IntN(400)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		data := <-lines
		werr := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("trial %d: the child exited on its own (%v): %s", trial, werr, stderr.Bytes())
		}

		acked := parseCrashLog(data)
		m, err := state.Open(ctx, b, state.OpenOptions{Operation: "verify", FlushInterval: -1})
		if err != nil {
			t.Fatalf("trial %d: Open after kill -9: %v", trial, err)
		}
		s := m.State()
		for i := range acked.results {
			if n := objectN(t, s, i); n < i {
				t.Fatalf("trial %d: result %d was acknowledged but the state holds %d for t%d", trial, i, n, i%crashAddrs)
			}
		}
		for i, id := range acked.intents {
			if _, done := acked.results[i]; done {
				continue
			}
			if s.Pending[id] == nil && objectN(t, s, i) < i {
				t.Fatalf("trial %d: intent %d (%s) was acknowledged but is neither in flight nor resolved", trial, i, id)
			}
		}
		if acked.output > 0 {
			var n int
			if o := s.Outputs["n"]; o == nil || json.Unmarshal(o.Value, &n) != nil || n < acked.output {
				t.Fatalf("trial %d: output n was set to %d but the state has %v", trial, acked.output, s.Outputs["n"])
			}
		}
		if err := m.Close(ctx); err != nil {
			t.Fatalf("trial %d: Close: %v", trial, err)
		}
		totalResults += len(acked.results)
		start = acked.last + 10
	}
	t.Logf("25 kills, %d acknowledged results checked", totalResults)
}

type crashLog struct {
	intents map[int]string
	results map[int]struct{}
	output  int
	last    int
}

func parseCrashLog(data []byte) crashLog {
	l := crashLog{intents: map[int]string{}, results: map[int]struct{}{}}
	// Only complete lines count: a line cut by the kill may carry half an
	// intent ID.
	if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
		data = data[:i+1]
	} else {
		data = nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		i, err := strconv.Atoi(f[1])
		if err != nil {
			continue
		}
		switch f[0] {
		case "I":
			if len(f) == 3 {
				l.intents[i] = f[2]
			}
		case "R":
			l.results[i] = struct{}{}
		case "O":
			l.output = max(l.output, i)
		}
		l.last = max(l.last, i)
	}
	return l
}

// objectN returns the counter stored in the object at t(i%crashAddrs), or -1.
func objectN(t *testing.T, s *state.State, i int) int {
	o := s.ResourceInstance(statetest.Instance(fmt.Sprintf("t%d", i%crashAddrs), nil))
	if o == nil {
		return -1
	}
	var attrs struct{ N int }
	if err := json.Unmarshal(o.AttrsJSON, &attrs); err != nil {
		t.Fatalf("attributes %s: %v", o.AttrsJSON, err)
	}
	return attrs.N
}
