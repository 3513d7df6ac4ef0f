package testsrv

import (
	"context"
	"crypto/rand"
	"debug/buildinfo"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// MinIOModule and MinIOVersion pin the MinIO server the tests build. The
// module proxy serves only pseudo-versions of it; change both the pin and
// nothing else to move to another one: the stamp file makes the cached
// binary rebuild.
const (
	MinIOModule  = "github.com/minio/minio"
	MinIOVersion = "v0.0.0-20260212201848-7aac2a2c5b7c"
)

// minioReadyTimeout is how long a server may take to answer its first
// ListBuckets; 2–3 s is usual, a loaded 2-core machine needs more.
const minioReadyTimeout = 90 * time.Second

// MinIO is a running MinIO server.
type MinIO struct {
	Endpoint  string // "http://127.0.0.1:PORT"
	Host      string // "127.0.0.1:PORT"
	AccessKey string
	SecretKey string
	Dirs      []string // its drive directories

	bin     string
	env     []string
	console int
	logPath string

	mu      sync.Mutex
	proc    *exec.Cmd
	exited  chan struct{} // closed when proc has exited
	untrack func()
}

// MinIOOptions says how to start a MinIO server.
type MinIOOptions struct {
	Drives int      // 1 (default) or 4 (an erasure set; started with MINIO_CI_CD=on so REDUCED_REDUNDANCY works)
	Env    []string // extra environment, e.g. MINIO_IDENTITY_OPENID_* settings
	// AccessKey and SecretKey are the root credentials; empty means
	// random ones (several servers may share one pair, as an example's
	// single access_key variable expects).
	AccessKey, SecretKey string
}

// StartMinIO starts a MinIO server for this test on a free loopback port,
// waits until a real client call (ListBuckets with minio-go) succeeds, and
// stops it with t.Cleanup.
func StartMinIO(t testing.TB, opts MinIOOptions) *MinIO {
	t.Helper()
	drives := opts.Drives
	switch drives {
	case 0:
		drives = 1
	case 1, 4:
	default:
		t.Fatalf("testsrv.StartMinIO: Drives is %d; use 1 or 4", opts.Drives)
	}
	bin := MinIOBinary(t)
	root := t.TempDir()
	m := &MinIO{
		AccessKey: opts.AccessKey,
		SecretKey: opts.SecretKey,
		bin:       bin,
		logPath:   filepath.Join(root, "minio.log"),
	}
	if m.AccessKey == "" || m.SecretKey == "" {
		m.AccessKey, m.SecretKey = "indigo-"+randomHex(t, 4), randomHex(t, 16)
	}
	for i := 1; i <= drives; i++ {
		d := filepath.Join(root, "drive"+strconv.Itoa(i))
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		m.Dirs = append(m.Dirs, d)
	}
	m.env = append(os.Environ(),
		"MINIO_ROOT_USER="+m.AccessKey,
		"MINIO_ROOT_PASSWORD="+m.SecretKey,
		"MINIO_UPDATE=off",
		// Temp dirs on one disk are not a real erasure set; MinIO
		// refuses them unless told this is a CI run.
		"MINIO_CI_CD=on",
		// Keep the host's settings out of the test.
		"MINIO_CONFIG_ENV_FILE=",
		"HOME="+root,
	)
	m.env = append(m.env, opts.Env...)
	// Registered after t.TempDir, so it runs before the directory goes.
	t.Cleanup(m.Stop)
	const attempts = 3
	for i := 1; ; i++ {
		port, console := FreePort(t), FreePort(t)
		if port == console {
			continue
		}
		m.Host = "127.0.0.1:" + strconv.Itoa(port)
		m.Endpoint = "http://" + m.Host
		m.console = console
		err := m.start()
		if err == nil {
			return m
		}
		if i < attempts && errors.Is(err, errPortTaken) {
			t.Logf("MinIO: %v; trying another port", err)
			continue
		}
		t.Fatalf("starting MinIO: %v", err)
	}
}

// Stop kills the server (for fault tests) and waits until it has exited.
// It is idempotent.
func (m *MinIO) Stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stopLocked()
}

func (m *MinIO) stopLocked() {
	if m.proc == nil {
		return
	}
	_ = m.proc.Process.Kill()
	<-m.exited
	m.proc = nil
	if m.untrack != nil {
		m.untrack()
		m.untrack = nil
	}
}

// Restart starts the server again on the same port and drives (stopping it
// first if it is running) and waits until it is ready.
func (m *MinIO) Restart(t testing.TB) {
	t.Helper()
	m.Stop()
	// The port was ours a moment ago; give the kernel a little time to
	// let go of it before calling it taken.
	if err := retryOnPortTaken(m.start); err != nil {
		t.Fatalf("restarting MinIO: %v", err)
	}
}

// Client returns a minio-go client for the server, as the root user.
func (m *MinIO) Client(t testing.TB) *minio.Client {
	t.Helper()
	c, err := m.client()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (m *MinIO) client() (*minio.Client, error) {
	return minio.New(m.Host, &minio.Options{
		Creds:  credentials.NewStaticV4(m.AccessKey, m.SecretKey, ""),
		Secure: false,
	})
}

var errPortTaken = errors.New("port already in use")

// start runs the server and waits until ListBuckets succeeds, or the
// process exits, or minioReadyTimeout passes.
func (m *MinIO) start() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	logf, err := os.OpenFile(m.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "--- %s: starting minio on %s\n", time.Now().Format(time.RFC3339), m.Host)
	logStart, _ := logf.Seek(0, 2)
	args := []string{"server", "--address", m.Host, "--console-address", "127.0.0.1:" + strconv.Itoa(m.console)}
	args = append(args, m.Dirs...)
	cmd := exec.Command(m.bin, args...)
	cmd.Env = m.env
	cmd.Dir = filepath.Dir(m.logPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Killed with the test binary, however it ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	m.proc, m.exited = cmd, exited
	m.untrack = track(m.Stop)

	c, err := m.client()
	if err != nil {
		m.stopLocked()
		return err
	}
	deadline := time.Now().Add(minioReadyTimeout)
	var lastErr error
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, lastErr = c.ListBuckets(ctx)
		cancel()
		if lastErr == nil {
			return nil
		}
		select {
		case <-exited:
			m.proc = nil
			m.untrack()
			m.untrack = nil
			tail := logTail(m.logPath, logStart)
			if strings.Contains(tail, "address already in use") {
				return fmt.Errorf("%s: %w", m.Host, errPortTaken)
			}
			return fmt.Errorf("minio exited before it was ready (%s); the end of its log %s:\n%s", cmd.ProcessState, m.logPath, tail)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			m.stopLocked()
			return fmt.Errorf("minio on %s not ready after %s: %v; the end of its log %s:\n%s", m.Host, minioReadyTimeout, lastErr, m.logPath, logTail(m.logPath, logStart))
		}
	}
}

// logTail returns the last lines of the log written since offset from.
func logTail(path string, from int64) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if from > 0 && from <= int64(len(b)) {
		b = b[from:]
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// minioTool builds the MinIO server: `go install` of MinIOModule@MinIOVersion,
// outside any module so that @version is what counts (about 6 minutes cold).
var minioTool = &tool{
	name:    "minio",
	title:   "the MinIO server",
	want:    MinIOModule + "@" + MinIOVersion,
	install: fmt.Sprintf("GOBIN=%s go install %s@%s", filepath.Join(CacheDir(), "bin"), MinIOModule, MinIOVersion),
	// A binary built by hand from the pinned version is taken as it is.
	adopt: func(bin string) bool {
		info, err := buildinfo.ReadFile(bin)
		return err == nil && info.Main.Path == MinIOModule && info.Main.Version == MinIOVersion
	},
	steps: [][]string{{"install", MinIOModule + "@" + MinIOVersion}},
	dir:   func(_, bin string) string { return filepath.Dir(bin) },
}

// MinIOBinary returns the path of the minio server binary, building it
// once into CacheDir()/bin; see tool.binary.
func MinIOBinary(t testing.TB) string {
	t.Helper()
	return minioTool.binary(t)
}

func stampIs(path, want string) bool {
	b, err := os.ReadFile(path)
	return err == nil && strings.TrimSpace(string(b)) == want
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// lockFile takes an exclusive flock on path, waiting for it, and returns
// the function that releases it. The lock goes with the process, so a
// killed test binary never leaves it held.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
