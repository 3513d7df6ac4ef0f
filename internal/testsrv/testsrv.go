package testsrv

import (
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// CacheDir is $INDIGO_TEST_CACHE or $HOME/.cache/indigo-test; binaries go
// under CacheDir()/bin.
func CacheDir() string {
	if d := os.Getenv("INDIGO_TEST_CACHE"); d != "" {
		return d
	}
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		return filepath.Join(home, ".cache", "indigo-test")
	}
	return filepath.Join(os.TempDir(), "indigo-test-cache")
}

// FreePort returns a free TCP port on 127.0.0.1.
//
// The port is free when FreePort returns; something else may take it before
// the caller binds it, so servers started here retry on a new port when
// theirs is taken.
func FreePort(t testing.TB) int {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatalf("finding a free port on 127.0.0.1: %v", err)
	}
	return port
}

// FreePorts returns n distinct free TCP ports on 127.0.0.1: all are held
// open until the last is found, so none is handed out twice (as n calls
// of FreePort may).
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("finding a free port on 127.0.0.1: %v", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Missing skips the test with msg (which should include the install
// command), or fails it when INDIGO_TEST_REQUIRE=1.
func Missing(t testing.TB, msg string) {
	t.Helper()
	if Required() {
		t.Fatal(msg + " (INDIGO_TEST_REQUIRE=1: failing instead of skipping)")
		return
	}
	t.Skip(msg)
}

// Required reports whether INDIGO_TEST_REQUIRE=1 asks that tests fail,
// rather than skip, when something they need is missing.
func Required() bool { return os.Getenv("INDIGO_TEST_REQUIRE") == "1" }

// Main runs the package's tests and then stops every server started once
// per package (call from TestMain: os.Exit(testsrv.Main(m))).
func Main(m *testing.M) int {
	code := m.Run()
	stopAll()
	return code
}

// running holds the stop functions of the servers still running, so Main
// can stop whatever the tests did not.
var running struct {
	sync.Mutex
	next  int
	stops map[int]func()
}

// track registers stop and returns a function that unregisters it.
func track(stop func()) (untrack func()) {
	running.Lock()
	defer running.Unlock()
	if running.stops == nil {
		running.stops = map[int]func(){}
	}
	id := running.next
	running.next++
	running.stops[id] = stop
	return func() {
		running.Lock()
		delete(running.stops, id)
		running.Unlock()
	}
}

func stopAll() {
	running.Lock()
	stops := running.stops
	running.stops = nil
	running.Unlock()
	for _, stop := range stops {
		stop()
	}
}
