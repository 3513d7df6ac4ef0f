//go:build linux

package indigo

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"golang.org/x/sys/unix"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/providers/indigo/internal/protoharness"
	"github.com/indigo-cloud/indigo/providers/indigo/internal/supervise"
)

// gone reports whether no live process has pid.
func gone(pid int) bool {
	state, _, err := supervise.ReadProcStat(pid)
	return err != nil || state == 'Z' || state == 'X'
}

// waitGone waits (bounded) until pid is gone; the test fails if it is not.
func waitGone(t *testing.T, pid int, what string) {
	t.Helper()
	for i := 0; i < 200 && !gone(pid); i++ {
		time.Sleep(25 * time.Millisecond)
	}
	if !gone(pid) {
		t.Errorf("%s (pid %d) is still running", what, pid)
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// readPidFile waits for a shell to write its pid into name.
func readPidFile(t *testing.T, name string) int {
	t.Helper()
	for i := 0; i < 200; i++ {
		data, err := os.ReadFile(name)
		if pid, perr := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && perr == nil {
			return pid
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no pid in %s", name)
	return 0
}

// cleanupService stops a service the test created if the test did not.
func cleanupService(t *testing.T, h *protoharness.Harness, state tftypes.Value) {
	t.Cleanup(func() {
		if !state.IsNull() {
			_ = h.Destroy("indigo_service", state)
		}
	})
}

func TestServiceLifecycle(t *testing.T) {
	root := filepath.Join(t.TempDir(), "site")
	h := newHarness(t, root)
	cfg := map[string]any{"command": []string{"sleep", "300"}}
	state := h.Create("indigo_service", cfg)
	cleanupService(t, h, state)

	pid := int(protoharness.GetInt(t, state, "pid"))
	if !supervise.Running(pid, uint64(protoharness.GetInt(t, state, "proc_start_time"))) {
		t.Fatalf("service pid %d is not running", pid)
	}
	if sid, err := unix.Getsid(pid); err != nil || sid != pid {
		t.Errorf("service session id = %d (%v), want its own session %d", sid, err, pid)
	}
	if pgid, err := syscall.Getpgid(pid); err != nil || pgid != pid {
		t.Errorf("service process group = %d (%v), want its own group %d", pgid, err, pid)
	}
	id := protoharness.GetString(t, state, "id")
	if got, want := protoharness.GetString(t, state, "log_file"), filepath.Join(root, "logs", "service-"+id+".log"); got != want {
		t.Errorf("log_file = %s, want %s", got, want)
	}
	if _, err := os.Stat(protoharness.GetString(t, state, "log_file")); err != nil {
		t.Errorf("log file: %v", err)
	}
	if _, err := time.Parse(time.RFC3339Nano, protoharness.GetString(t, state, "started_at")); err != nil {
		t.Errorf("started_at: %v", err)
	}

	if got := h.Read("indigo_service", state); !got.Equal(state) {
		t.Errorf("Read of a running service changed its state:\n%v\n%v", got, state)
	}
	p, err := h.Plan("indigo_service", state, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Replace) > 0 || !p.Planned.Equal(state) {
		t.Errorf("unchanged config planned a change: %v", p.Replace)
	}

	// stop_timeout changes in place; anything else replaces.
	cfg["stop_timeout"] = "3s"
	if p, err = h.Plan("indigo_service", state, cfg); err != nil {
		t.Fatal(err)
	}
	if len(p.Replace) > 0 {
		t.Errorf("stop_timeout change planned a replacement of %v", p.Replace)
	}
	for attr, v := range map[string]any{
		"command":       []string{"sleep", "301"},
		"env":           map[string]string{"A": "b"},
		"sensitive_env": map[string]string{"A": "b"},
		"port":          8080,
		"dir":           ".",
		"log_file":      "other.log",
		"health_check":  map[string]any{"tcp": "127.0.0.1:1"},
	} {
		changed := map[string]any{"command": []string{"sleep", "300"}, attr: v}
		if p, err = h.Plan("indigo_service", state, changed); err != nil {
			t.Fatal(err)
		}
		if len(p.Replace) == 0 {
			t.Errorf("changing %s does not replace the service", attr)
		}
	}

	if err := h.Destroy("indigo_service", state); err != nil {
		t.Fatal(err)
	}
	waitGone(t, pid, "destroyed service")
	state = tftypes.Value{}
}

func TestServiceDrift(t *testing.T) {
	h := newHarness(t, t.TempDir())
	state := h.Create("indigo_service", map[string]any{"command": []string{"sleep", "300"}})
	cleanupService(t, h, state)
	pid := int(protoharness.GetInt(t, state, "pid"))

	// The same pid with another start time is another process: gone.
	reused := protoharness.With(t, state, "proc_start_time", tftypes.NewValue(tftypes.Number, protoharness.GetInt(t, state, "proc_start_time")+1))
	if got := h.Read("indigo_service", reused); !got.IsNull() {
		t.Errorf("Read of a reused pid returned %v, want null", got)
	}
	if !supervise.Running(pid, uint64(protoharness.GetInt(t, state, "proc_start_time"))) {
		t.Fatal("Read of a reused pid touched the real process")
	}

	// Killed outside: gone from state, so the next plan starts it again.
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, pid, "killed service")
	if got := h.Read("indigo_service", state); !got.IsNull() {
		t.Errorf("Read of a killed service returned %v, want null", got)
	}
	// Deleting a service that is already gone is fine.
	if err := h.Destroy("indigo_service", state); err != nil {
		t.Errorf("destroying a dead service: %v", err)
	}
}

func TestServiceExitsAtStart(t *testing.T) {
	root := t.TempDir()
	h := newHarness(t, root)
	pidFile := filepath.Join(root, "pid")
	script := fmt.Sprintf(`echo $$ > %s; sleep 300 & echo $! > %s.child; echo "cannot bind: address in use" >&2; exit 3`, pidFile, pidFile)
	_, err := h.TryCreate("indigo_service", map[string]any{"command": []string{"sh", "-c", script}})
	if err == nil {
		t.Fatal("a service that exits at once was created")
	}
	msg := err.Error()
	for _, want := range []string{"exit status 3", "cannot bind: address in use", "Last lines of its log", `AttributeName("command")`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not contain %q:\n%s", want, msg)
		}
	}
	waitGone(t, readPidFile(t, pidFile), "the failed service")
	waitGone(t, readPidFile(t, pidFile+".child"), "the failed service's child")
}

func TestServiceHealthTimeout(t *testing.T) {
	root := t.TempDir()
	h := newHarness(t, root)
	pidFile := filepath.Join(root, "pid")
	script := fmt.Sprintf(`sleep 300 & echo $! > %s.child; echo $$ > %s; echo starting; exec sleep 301`, pidFile, pidFile)
	closed := fmt.Sprintf("127.0.0.1:%d", testsrv.FreePort(t))
	_, err := h.TryCreate("indigo_service", map[string]any{
		"command":      []string{"sh", "-c", script},
		"health_check": map[string]any{"tcp": closed, "timeout": "1s", "interval": "100ms"},
	})
	if err == nil {
		t.Fatal("a service that never gets healthy was created")
	}
	for _, want := range []string{"did not become healthy within 1s", closed, "starting"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not contain %q:\n%v", want, err)
		}
	}
	waitGone(t, readPidFile(t, pidFile), "the unhealthy service")
	waitGone(t, readPidFile(t, pidFile+".child"), "the unhealthy service's child")
}

func TestServiceHealthChecks(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, t.TempDir())
	for name, extra := range map[string]map[string]any{
		"http":      {"health_check": map[string]any{"http": "http://127.0.0.1:%d/health", "interval": "50ms"}},
		"port only": {},
	} {
		t.Run(name, func(t *testing.T) {
			port := testsrv.FreePort(t)
			cfg := map[string]any{
				"command": []string{exe},
				"env":     map[string]string{"INDIGO_TEST_HELPER": "http"},
				"port":    port,
			}
			if hc, ok := extra["health_check"].(map[string]any); ok {
				cfg["health_check"] = map[string]any{"http": fmt.Sprintf(hc["http"].(string), port), "interval": hc["interval"]}
			}
			state := h.Create("indigo_service", cfg)
			cleanupService(t, h, state)
			// Create returned only once the service answered.
			resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/health", port))
			if err != nil {
				t.Fatalf("service not answering after create: %v", err)
			}
			resp.Body.Close()
			if err := h.Destroy("indigo_service", state); err != nil {
				t.Fatal(err)
			}
			waitGone(t, int(protoharness.GetInt(t, state, "pid")), "destroyed HTTP service")
		})
	}
}

func TestServiceStopEscalatesToKill(t *testing.T) {
	h := newHarness(t, t.TempDir())
	state := h.Create("indigo_service", map[string]any{
		"command":      []string{"sh", "-c", `trap "" TERM; while :; do sleep 0.05; done`},
		"stop_timeout": "300ms",
	})
	cleanupService(t, h, state)
	pid := int(protoharness.GetInt(t, state, "pid"))
	if err := h.Destroy("indigo_service", state); err != nil {
		t.Fatal(err)
	}
	waitGone(t, pid, "service that ignores SIGTERM")
	if members := supervise.GroupMembers(pid); len(members) > 0 {
		t.Errorf("process group %d still has %v", pid, members)
	}
}

func TestServiceEnvironment(t *testing.T) {
	root := t.TempDir()
	t.Setenv("INDIGO_BUILTIN_PROVIDER", "indigo")
	t.Setenv("TF_PLUGIN_MAGIC_COOKIE", "cookie")
	t.Setenv("INDIGO_TEST_INHERITED", "inherited")
	if err := os.Mkdir(filepath.Join(root, "work"), 0o755); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, root)
	state := h.Create("indigo_service", map[string]any{
		"command":       []string{"sh", "-c", `echo "$FOO|$SECRET|$INDIGO_TEST_INHERITED|${INDIGO_BUILTIN_PROVIDER-unset}|${TF_PLUGIN_MAGIC_COOKIE-unset}|$(pwd)" > out; exec sleep 300`},
		"dir":           "work",
		"env":           map[string]string{"FOO": "foo", "SECRET": "overridden"},
		"sensitive_env": map[string]string{"SECRET": "s3cret"},
	})
	cleanupService(t, h, state)
	out := filepath.Join(root, "work", "out")
	var got string
	for i := 0; i < 1000 && !strings.HasSuffix(got, "\n"); i++ {
		data, _ := os.ReadFile(out)
		got = string(data)
		time.Sleep(10 * time.Millisecond)
	}
	want := "foo|s3cret|inherited|unset|unset|" + filepath.Join(root, "work") + "\n"
	if got != want {
		t.Errorf("service saw %q, want %q", got, want)
	}
}

func TestServiceValidation(t *testing.T) {
	h := newHarness(t, t.TempDir())
	tests := []struct {
		name   string
		config map[string]any
		wantAt string
	}{
		{"empty command", map[string]any{"command": []string{}}, `AttributeName("command")`},
		{"empty program", map[string]any{"command": []string{""}}, `AttributeName("command").ElementKeyInt(0)`},
		{"bad port", map[string]any{"command": []string{"x"}, "port": 70000}, `AttributeName("port")`},
		{"both checks", map[string]any{"command": []string{"x"}, "health_check": map[string]any{"tcp": "127.0.0.1:1", "http": "http://x/"}}, `AttributeName("health_check")`},
		{"no check", map[string]any{"command": []string{"x"}, "health_check": map[string]any{"timeout": "1s"}}, `AttributeName("health_check")`},
		{"bad url", map[string]any{"command": []string{"x"}, "health_check": map[string]any{"http": "ftp://x"}}, `AttributeName("health_check").AttributeName("http")`},
		{"bad address", map[string]any{"command": []string{"x"}, "health_check": map[string]any{"tcp": "localhost"}}, `AttributeName("health_check").AttributeName("tcp")`},
		{"bad timeout", map[string]any{"command": []string{"x"}, "health_check": map[string]any{"tcp": "127.0.0.1:1", "timeout": "soon"}}, `AttributeName("health_check").AttributeName("timeout")`},
		{"bad stop timeout", map[string]any{"command": []string{"x"}, "stop_timeout": "-1s"}, `AttributeName("stop_timeout")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := h.Validate("indigo_service", tt.config)
			if len(errs) == 0 {
				t.Fatal("no error")
			}
			if errs[0].Attribute == nil || errs[0].Attribute.String() != tt.wantAt {
				t.Errorf("diagnostic at %v, want %s (%s)", errs[0].Attribute, tt.wantAt, errs[0].Detail)
			}
		})
	}
}

func TestServiceStartErrors(t *testing.T) {
	h := newHarness(t, t.TempDir())
	_, err := h.TryCreate("indigo_service", map[string]any{"command": []string{"no-such-program-indigo"}})
	if err == nil || !strings.Contains(err.Error(), "no-such-program-indigo") || !strings.Contains(err.Error(), `AttributeName("command")`) {
		t.Errorf("missing program: %v", err)
	}
	_, err = h.TryCreate("indigo_service", map[string]any{"command": []string{"sleep", "1"}, "dir": "missing"})
	if err == nil || !strings.Contains(err.Error(), "not an existing directory") || !strings.Contains(err.Error(), `AttributeName("dir")`) {
		t.Errorf("missing dir: %v", err)
	}
}

// TestServiceCreateCancelled cancels an apply (as StopProvider or an
// interrupted indigo does) while create waits for a health check: the
// create fails at once and the process is gone.
func TestServiceCreateCancelled(t *testing.T) {
	root := t.TempDir()
	h := newHarness(t, root)
	pidFile := filepath.Join(root, "pid")
	p, err := h.Plan("indigo_service", tftypes.Value{}, map[string]any{
		"command":      []string{"sh", "-c", fmt.Sprintf(`echo $$ > %s; exec sleep 300`, pidFile)},
		"health_check": map[string]any{"tcp": fmt.Sprintf("127.0.0.1:%d", testsrv.FreePort(t)), "timeout": "5m"},
	})
	if err != nil {
		t.Fatal(err)
	}
	typ := h.Type("indigo_service")
	null, planned, cfg := h.Dynamic(typ, tftypes.NewValue(typ, nil)), h.Dynamic(typ, p.Planned), h.Dynamic(typ, p.Config)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Cancel once the service runs (bounded, in case it never does).
		for i := 0; i < 500; i++ {
			// The file exists before the shell has written the pid into it.
			if b, err := os.ReadFile(pidFile); err == nil && len(strings.TrimSpace(string(b))) > 0 {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
	}()
	resp, err := h.Server.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
		TypeName: "indigo_service", PriorState: &null, PlannedState: &planned, Config: &cfg,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := protoharness.DiagsError(resp.Diagnostics); err == nil || !strings.Contains(err.Error(), "cancelled") {
		t.Errorf("cancelled create: %v, want an error saying it was cancelled", err)
	}
	waitGone(t, readPidFile(t, pidFile), "the service whose create was cancelled")
}
