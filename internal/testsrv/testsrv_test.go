package testsrv

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestCacheDir(t *testing.T) {
	t.Setenv("INDIGO_TEST_CACHE", "/somewhere/else")
	if got := CacheDir(); got != "/somewhere/else" {
		t.Errorf("CacheDir() = %q with INDIGO_TEST_CACHE set", got)
	}
	t.Setenv("INDIGO_TEST_CACHE", "")
	t.Setenv("HOME", "/home/someone")
	if got, want := CacheDir(), "/home/someone/.cache/indigo-test"; got != want {
		t.Errorf("CacheDir() = %q, want %q", got, want)
	}
}

func TestFreePort(t *testing.T) {
	port := FreePort(t)
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("port %d from FreePort is not free: %v", port, err)
	}
	l.Close()
}

// recorder is a testing.TB that records how the test ended instead of
// ending it.
type recorder struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (r *recorder) Helper() {}
func (r *recorder) Skip(args ...any) {
	r.skipped, r.msg = true, sprint(args)
}
func (r *recorder) Fatal(args ...any) { r.failed, r.msg = true, sprint(args) }
func (r *recorder) Errorf(format string, args ...any) {
	r.failed = true
	r.msg = format
}
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...) }

func sprint(args []any) string {
	var b strings.Builder
	for _, a := range args {
		b.WriteString(a.(string))
	}
	return b.String()
}

func TestMissing(t *testing.T) {
	t.Setenv("INDIGO_TEST_REQUIRE", "")
	r := &recorder{TB: t}
	Missing(r, "frob is not installed; install it with: apt-get install -y frob")
	if !r.skipped || r.failed || !strings.Contains(r.msg, "apt-get install -y frob") {
		t.Errorf("without INDIGO_TEST_REQUIRE: skipped=%v failed=%v msg=%q; want a skip with the message", r.skipped, r.failed, r.msg)
	}
	t.Setenv("INDIGO_TEST_REQUIRE", "1")
	r = &recorder{TB: t}
	Missing(r, "frob is not installed; install it with: apt-get install -y frob")
	if r.skipped || !r.failed || !strings.Contains(r.msg, "apt-get install -y frob") {
		t.Errorf("with INDIGO_TEST_REQUIRE=1: skipped=%v failed=%v msg=%q; want a failure with the message", r.skipped, r.failed, r.msg)
	}
}

func TestGolden(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "out.txt")

	t.Setenv("INDIGO_UPDATE", "1")
	Golden(t, path, []byte("one\ntwo\n"))
	if b, err := os.ReadFile(path); err != nil || string(b) != "one\ntwo\n" {
		t.Fatalf("INDIGO_UPDATE=1 did not write the file: %q, %v", b, err)
	}

	t.Setenv("INDIGO_UPDATE", "")
	Golden(t, path, []byte("one\ntwo\n")) // equal: passes

	r := &recorder{TB: t}
	Golden(r, path, []byte("one\nthree\n"))
	if !r.failed {
		t.Fatal("a different output passed")
	}
	if b, _ := os.ReadFile(path); string(b) != "one\ntwo\n" {
		t.Errorf("a failed comparison changed the file: %q", b)
	}

	r = &recorder{TB: t}
	Golden(r, filepath.Join(t.TempDir(), "absent"), []byte("x"))
	if !r.failed {
		t.Error("a missing golden file passed")
	}
}

func TestLineDiff(t *testing.T) {
	want := "a\nb\nc\nd\ne\nf\ng\nh\ni\n"
	got := "a\nb\nc\nd\nE\nf\ng\nh\ni\n"
	d := lineDiff(want, got)
	for _, s := range []string{"-e\n", "+E\n", " d\n", " f\n"} {
		if !strings.Contains(d, s) {
			t.Errorf("diff lacks %q:\n%s", s, d)
		}
	}
	if strings.Contains(d, " a\n") {
		t.Errorf("diff shows more than three lines of context:\n%s", d)
	}
	if d := describeDiff([]byte{0, 1, 2}, []byte{0, 1, 3, 4}); !strings.Contains(d, "first difference at byte 2") {
		t.Errorf("binary diff: %s", d)
	}
}
