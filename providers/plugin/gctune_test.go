package plugin

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestGCNotesLearnFromTheLastRun starts the test provider with notes
// kept: the first start judges it by its binary's size and lets it collect
// less often, as its environment shows; its peak is learnt when it exits,
// and the next start goes by that; a note of a large peak, the user's own
// GOGC and INDIGO_PROVIDER_GOGC=off leave it alone.
func TestGCNotesLearnFromTheLastRun(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("a child's peak memory is learnt on Linux only")
	}
	notes := &GCNotes{Dir: t.TempDir()}
	const key = "h1:test-provider-binary registry.terraform.io/test/test"
	start := func(env ...string) []string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		p, err := Start(ctx, StartOptions{Name: testProviderName, Cmd: providerCmd(t, 5, env...), CacheKey: key, GC: notes})
		if err != nil {
			t.Fatal(err)
		}
		environ, err := os.ReadFile("/proc/" + strconv.Itoa(p.proc.Pid()) + "/environ")
		p.Close()
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(string(environ), "\x00")
	}
	tuned := func(env []string) bool {
		return slices.Contains(env, "GOGC=400") && slices.Contains(env, "GOMEMLIMIT=512MiB")
	}

	// The test provider's binary is small (gcSmallBinary): judged by it
	// when never seen.
	if env := start(); !tuned(env) {
		t.Fatal("a small provider never seen was started with Go's default collector")
	}
	if _, err := os.Stat(notes.path(key)); err != nil {
		t.Fatalf("the provider's peak was not kept: %v", err)
	}
	if env := start(); !tuned(env) {
		t.Fatal("a provider that stayed small was started with Go's default collector")
	}
	if env := start("GOGC=50"); tuned(env) || !slices.Contains(env, "GOGC=50") {
		t.Fatal("the user's GOGC was overridden")
	}
	if env := start(GCTuneEnv + "=off"); tuned(env) {
		t.Fatal(GCTuneEnv + "=off did not turn the tuning off")
	}
	notes.record(key, 100, 900<<10) // a cloud provider's peak
	if env := start(); tuned(env) {
		t.Fatal("a provider that peaked at 900 MiB was started with a tuned collector")
	}
}

// TestGCNotesJudgeANewProviderByItsBinary: a provider never seen whose
// binary is large starts with Go's default collector.
func TestGCNotesJudgeANewProviderByItsBinary(t *testing.T) {
	dir := t.TempDir()
	notes := &GCNotes{Dir: filepath.Join(dir, "notes")}
	small, large := filepath.Join(dir, "small"), filepath.Join(dir, "large")
	if err := os.WriteFile(small, make([]byte, 1<<20), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(large)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(gcSmallBinary); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	if _, gogc := notes.tune("k-small", small, nil); gogc != gcSmallPercent {
		t.Errorf("a 1 MiB binary never seen: GOGC %d, want %d", gogc, gcSmallPercent)
	}
	if env, gogc := notes.tune("k-large", large, nil); gogc != 100 || len(env) != 0 {
		t.Errorf("a 64 MiB binary never seen: GOGC %d, environment %q; want Go's default", gogc, env)
	}
	if _, gogc := notes.tune("k-missing", filepath.Join(dir, "missing"), nil); gogc != 100 {
		t.Errorf("a binary that cannot be read: GOGC %d, want Go's default", gogc)
	}
}

// TestGCNoteScale checks the scaling of a peak to Go's default setting.
func TestGCNoteScale(t *testing.T) {
	for _, c := range []struct {
		n    gcNote
		want bool
	}{
		{gcNote{PeakKiB: 60 << 10, GOGC: 100}, true},
		{gcNote{PeakKiB: 120 << 10, GOGC: 400}, true}, // about 48 MiB at 100
		{gcNote{PeakKiB: 120 << 10, GOGC: 100}, false},
		{gcNote{PeakKiB: 300 << 10, GOGC: 400}, false},
		{gcNote{}, false},
	} {
		if got := small(c.n); got != c.want {
			t.Errorf("small(%+v) = %v, want %v", c.n, got, c.want)
		}
	}
}
