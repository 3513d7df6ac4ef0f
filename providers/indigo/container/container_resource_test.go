package container_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/providers/indigo"
	"github.com/indigo-cloud/indigo/providers/indigo/internal/protoharness"
	"github.com/indigo-cloud/indigo/providers/indigo/internal/supervise"
)

const typ = "indigo_container"

// needTools skips (or fails under INDIGO_TEST_REQUIRE=1) without the
// tools a container needs, and returns the busybox image.
func needTools(t testing.TB) string {
	t.Helper()
	for _, tool := range []string{"skopeo", "umoci", "proot"} {
		if _, err := exec.LookPath(tool); err != nil {
			testsrv.Missing(t, tool+" is not installed: apt-get install -y skopeo umoci proot bubblewrap busybox-static (make test-deps)")
		}
	}
	return testsrv.BusyboxImage(t)
}

func newHarness(t testing.TB, root string) *protoharness.Harness {
	t.Helper()
	return protoharness.New(t, indigo.NewProtocol6Server("test")(), map[string]any{"root": root})
}

// httpd is a container that serves the image's /www on port.
func httpd(name, image string, port int, extra map[string]any) map[string]any {
	cfg := map[string]any{
		"name":    name,
		"image":   image,
		"command": []string{"httpd", "-f", "-p", fmt.Sprintf("127.0.0.1:%d", port), "-h", "/www"},
		"port":    port,
	}
	for k, v := range extra {
		cfg[k] = v
	}
	return cfg
}

// get fetches http://127.0.0.1:port/file and returns the body ("" when
// nothing answers).
func get(port int, file string) string {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d/%s", port, file))
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// alive reports whether the process a state records runs.
func alive(t testing.TB, state tftypes.Value) bool {
	return supervise.Running(int(protoharness.GetInt(t, state, "pid")), uint64(protoharness.GetInt(t, state, "proc_start_time")))
}

// destroyAtEnd destroys the container when the test ends, whatever
// happened, so no process outlives the test.
func destroyAtEnd(t *testing.T, h *protoharness.Harness, state *tftypes.Value) {
	t.Cleanup(func() {
		if !state.IsNull() {
			h.Destroy(typ, *state)
		}
	})
}

// waitDead waits until pid no longer runs.
func waitDead(pid int, ticks uint64) bool {
	for i := 0; i < 200; i++ {
		if !supervise.Running(pid, ticks) {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// TestContainerLifecycle runs a busybox httpd container from a local OCI
// layout: it answers on its port, a plan changes nothing, a killed process
// is drift that an apply repairs, a moved tag replaces it with the new
// image, and destroy leaves no process and no directory.
func TestContainerLifecycle(t *testing.T) {
	needTools(t)
	layout := filepath.Join(t.TempDir(), "layout")
	digest1, err := testsrv.WriteBusyboxImage(layout, "v", map[string]string{"/www/version.txt": "1\n"})
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	h := newHarness(t, root)
	port := testsrv.FreePort(t)
	cfg := httpd("web", "oci:"+layout+":v", port, map[string]any{"env": map[string]string{"GREETING": "hi"}, "stop_timeout": "2s"})

	p, err := h.Plan(typ, tftypes.Value{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := protoharness.GetString(t, p.Planned, "image_digest"); got != digest1 {
		t.Errorf("planned image_digest = %q, want %q (known at plan time)", got, digest1)
	}
	state, err := h.Apply(typ, p)
	if err != nil {
		t.Fatal(err)
	}
	destroyAtEnd(t, h, &state)
	if body := get(port, ""); body != testsrv.BusyboxIndex {
		t.Fatalf("the container answers %q, want the image's index page", body)
	}
	if got := get(port, "version.txt"); got != "1\n" {
		t.Errorf("version.txt = %q", got)
	}
	if !alive(t, state) || !protoharness.GetBool(t, state, "running") {
		t.Fatalf("state says pid %d, running %v", protoharness.GetInt(t, state, "pid"), protoharness.GetBool(t, state, "running"))
	}
	bundle := filepath.Join(root, "containers", "web")
	if protoharness.GetString(t, state, "bundle") != bundle {
		t.Errorf("bundle = %q", protoharness.GetString(t, state, "bundle"))
	}
	if _, err := os.Stat(filepath.Join(root, "images", strings.TrimPrefix(digest1, "sha256:"), "index.json")); err != nil {
		t.Errorf("the image is not in the content-addressed cache: %v", err)
	}
	// The environment reaches the process inside the container.
	environ, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", protoharness.GetInt(t, state, "pid")))
	if !strings.Contains(string(environ), "GREETING=hi") || !strings.Contains(string(environ), fmt.Sprintf("PORT=%d", port)) {
		t.Errorf("environment of the container: %q", environ)
	}

	// No drift: a plan is empty.
	state = h.Read(typ, state)
	if p, err := h.Plan(typ, state, cfg); err != nil || !p.Noop() {
		t.Fatalf("a second plan is not empty (%v): %v -> %v", err, p.Prior, p.Planned)
	}

	// A killed container is drift, and an apply starts it again.
	pid, ticks := int(protoharness.GetInt(t, state, "pid")), uint64(protoharness.GetInt(t, state, "proc_start_time"))
	syscall.Kill(-pid, syscall.SIGKILL)
	if !waitDead(pid, ticks) {
		t.Fatal("the killed container still runs")
	}
	state = h.Read(typ, state)
	if protoharness.GetBool(t, state, "running") {
		t.Fatal("Read does not notice the killed container")
	}
	p, err = h.Plan(typ, state, cfg)
	if err != nil || p.Noop() || len(p.Replace) != 0 {
		t.Fatalf("plan after the kill: %v, noop %v, replace %v; want an update", err, p.Noop(), p.Replace)
	}
	if state, err = h.Apply(typ, p); err != nil {
		t.Fatal(err)
	}
	if body := get(port, ""); body != testsrv.BusyboxIndex || !alive(t, state) {
		t.Fatalf("after the repair the container answers %q", body)
	}

	// The tag moves to new content: the plan replaces the container.
	digest2, err := testsrv.WriteBusyboxImage(layout, "v", map[string]string{"/www/version.txt": "2\n"})
	if err != nil {
		t.Fatal(err)
	}
	state = h.Read(typ, state)
	p, err = h.Plan(typ, state, cfg)
	if err != nil || len(p.Replace) != 1 || p.Replace[0] != `AttributeName("image_digest")` {
		t.Fatalf("plan after the tag moved: %v, replace %v", err, p.Replace)
	}
	if state, err = h.Apply(typ, p); err != nil {
		t.Fatal(err)
	}
	if got := protoharness.GetString(t, state, "image_digest"); got != digest2 {
		t.Errorf("image_digest = %q, want %q", got, digest2)
	}
	if got := get(port, "version.txt"); got != "2\n" {
		t.Errorf("after the replacement version.txt = %q, want the new image's", got)
	}
	if _, err := os.Stat(filepath.Join(root, "images", strings.TrimPrefix(digest1, "sha256:"))); err == nil {
		t.Errorf("the old image stays cached though no container uses it")
	}

	// Destroy leaves nothing.
	pid, ticks = int(protoharness.GetInt(t, state, "pid")), uint64(protoharness.GetInt(t, state, "proc_start_time"))
	if err := h.Destroy(typ, state); err != nil {
		t.Fatal(err)
	}
	state = tftypes.NewValue(h.Type(typ), nil)
	if !waitDead(pid, ticks) || len(supervise.GroupMembers(pid)) > 0 {
		t.Errorf("the container's processes outlive destroy: %v", supervise.GroupMembers(pid))
	}
	left, _ := os.ReadDir(root)
	if len(left) != 0 {
		t.Errorf("destroy left %v under the root", left)
	}
}

// TestContainerSharedImage: two containers of one image pull it once;
// the cache keeps it until the last one is destroyed. Each container has
// its own root file system. It also runs each runtime this machine has.
func TestContainerSharedImage(t *testing.T) {
	image := needTools(t)
	root := t.TempDir()
	h := newHarness(t, root)
	runtimes := []string{"proot"}
	if exec.Command("bwrap", "--bind", "/", "/", "--dev-bind", "/dev", "/dev", "--bind", "/proc", "/proc", "true").Run() == nil {
		runtimes = append(runtimes, "bwrap")
	}
	var states []tftypes.Value
	var ports []int
	for i, rt := range runtimes {
		port := testsrv.FreePort(t)
		st := h.Create(typ, httpd(fmt.Sprintf("c%d", i), image, port, map[string]any{"runtime": rt, "stop_timeout": "2s"}))
		states = append(states, st)
		ports = append(ports, port)
		destroyAtEnd(t, h, &states[len(states)-1])
	}
	// A third one with a volume and a command of its own, no port.
	vol := filepath.Join(root, "shared")
	os.Mkdir(vol, 0o755)
	st := h.Create(typ, map[string]any{
		"name": "writer", "image": image,
		"command": []string{"sh", "-c", "echo written > /data/out.txt; exec sleep 600"},
		"volume":  []map[string]any{{"host_path": "shared", "container_path": "/data"}},
	})
	destroyAtEnd(t, h, &st)
	for i := 0; i < 100; i++ {
		if b, _ := os.ReadFile(filepath.Join(vol, "out.txt")); string(b) == "written\n" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if b, err := os.ReadFile(filepath.Join(vol, "out.txt")); string(b) != "written\n" {
		t.Errorf("the volume does not show what the container wrote: %q, %v", b, err)
	}
	for i, port := range ports {
		if body := get(port, ""); body != testsrv.BusyboxIndex {
			t.Errorf("%s container answers %q", runtimes[i], body)
		}
		if got := protoharness.GetString(t, states[i], "runtime"); got != runtimes[i] {
			t.Errorf("runtime = %q, want %q", got, runtimes[i])
		}
	}
	cached, _ := os.ReadDir(filepath.Join(root, "images"))
	if n := countDirs(cached); n != 1 {
		t.Errorf("%d images cached for one image", n)
	}
	if err := h.Destroy(typ, st); err != nil {
		t.Fatal(err)
	}
	st = tftypes.NewValue(h.Type(typ), nil)
	cached, _ = os.ReadDir(filepath.Join(root, "images"))
	if countDirs(cached) != 1 {
		t.Errorf("the image was removed while containers still use it")
	}
	for i := range states {
		if err := h.Destroy(typ, states[i]); err != nil {
			t.Fatal(err)
		}
		states[i] = tftypes.NewValue(h.Type(typ), nil)
	}
	left, _ := os.ReadDir(root)
	if len(left) != 1 || left[0].Name() != "shared" {
		t.Errorf("after the last destroy the root holds %v, want only the volume", left)
	}
}

func countDirs(entries []os.DirEntry) int {
	n := 0
	for _, e := range entries {
		if e.IsDir() {
			n++
		}
	}
	return n
}

// TestContainerImport adopts a running container by its name, as the
// engine does for a create a crash cut short: the imported state needs no
// change.
func TestContainerImport(t *testing.T) {
	image := needTools(t)
	root := t.TempDir()
	h := newHarness(t, root)
	port := testsrv.FreePort(t)
	cfg := httpd("web", image, port, nil)
	state := h.Create(typ, cfg)
	destroyAtEnd(t, h, &state)
	imported, err := h.ImportState(typ, "web")
	if err != nil {
		t.Fatal(err)
	}
	if p, err := h.Plan(typ, imported, cfg); err != nil || !p.Noop() {
		t.Fatalf("the imported container needs a change (%v): %v -> %v", err, p.Prior, p.Planned)
	}
	if _, err := h.ImportState(typ, "nothing"); err == nil {
		t.Errorf("importing a container that does not exist succeeded")
	}
	if _, err := h.ImportState(typ, "../etc"); err == nil || !strings.Contains(err.Error(), "by its name") {
		t.Errorf("a bad import id: %v", err)
	}
	// A second container of the same name is refused, and the first stays.
	if _, err := h.TryCreate(typ, httpd("web", image, testsrv.FreePort(t), nil)); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("a second container named web: %v", err)
	}
	if get(port, "") != testsrv.BusyboxIndex {
		t.Errorf("the first container no longer answers")
	}
}

// TestContainerFailures: a container that exits at once, or never opens
// its port, or whose image is missing, fails with what it said and leaves
// nothing behind.
func TestContainerFailures(t *testing.T) {
	image := needTools(t)
	root := t.TempDir()
	h := newHarness(t, root)
	_, err := h.TryCreate(typ, map[string]any{"name": "bad", "image": image, "command": []string{"sh", "-c", "echo broken config >&2; exit 3"}})
	if err == nil || !strings.Contains(err.Error(), "exited during startup") || !strings.Contains(err.Error(), "broken config") {
		t.Errorf("a container that exits: %v", err)
	}
	// Without a command the image's own runs: busybox's image says
	// /bin/sh, which ends at once with no input.
	_, err = h.TryCreate(typ, map[string]any{"name": "default", "image": image, "command": tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, nil)})
	if err == nil || !strings.Contains(err.Error(), "exited during startup (exit status 0)") {
		t.Errorf("a container running the image's /bin/sh: %v", err)
	}
	_, err = h.TryCreate(typ, map[string]any{"name": "deaf", "image": image, "command": []string{"sleep", "60"},
		"port": testsrv.FreePort(t), "start_timeout": "500ms"})
	if err == nil || !strings.Contains(err.Error(), "did not become healthy") {
		t.Errorf("a container that never listens: %v", err)
	}
	_, err = h.TryCreate(typ, map[string]any{"name": "ghost", "image": "oci:" + filepath.Join(root, "no-such-layout") + ":x", "command": []string{"true"}})
	if err == nil || !strings.Contains(err.Error(), "no-such-layout") {
		t.Errorf("a missing image: %v", err)
	}
	left, _ := os.ReadDir(root)
	if len(left) != 0 {
		t.Errorf("failed starts left %v under the root", left)
	}
	errs := h.Validate(typ, map[string]any{"name": "a/b", "image": "docker://", "port": 70000, "command": []string{}})
	if len(errs) != 4 {
		t.Errorf("validation found %d problems, want 4 (name, image, port, command): %v", len(errs), protoharness.DiagsError(errs))
	}
}

// TestContainerDirectoryRemoved: removing a running container's directory
// by hand is drift (not running); the apply stops the orphaned process
// and starts the container afresh. An oci-archive of the same image is
// the same image: the cache holds it once.
func TestContainerDirectoryRemoved(t *testing.T) {
	image := needTools(t)
	root := t.TempDir()
	h := newHarness(t, root)
	port := testsrv.FreePort(t)
	archive := filepath.Join(t.TempDir(), "busybox.tar")
	if out, err := exec.Command("skopeo", "copy", "--quiet", image, "oci-archive:"+archive+":latest").CombinedOutput(); err != nil {
		t.Fatalf("skopeo copy to an archive: %v\n%s", err, out)
	}
	cfg := httpd("web", "oci-archive:"+archive+":latest", port, map[string]any{"stop_timeout": "2s"})
	state := h.Create(typ, cfg)
	destroyAtEnd(t, h, &state)
	other := h.Create(typ, httpd("other", image, testsrv.FreePort(t), map[string]any{"stop_timeout": "2s"}))
	destroyAtEnd(t, h, &other)
	if a, b := protoharness.GetString(t, state, "image_digest"), protoharness.GetString(t, other, "image_digest"); a != b {
		t.Errorf("the archive's digest %s differs from the layout's %s", a, b)
	}
	if cached, _ := os.ReadDir(filepath.Join(root, "images")); countDirs(cached) != 1 {
		t.Errorf("%d images cached, want 1", countDirs(cached))
	}

	pid, ticks := int(protoharness.GetInt(t, state, "pid")), uint64(protoharness.GetInt(t, state, "proc_start_time"))
	if err := os.RemoveAll(filepath.Join(root, "containers", "web")); err != nil {
		t.Fatal(err)
	}
	state = h.Read(typ, state)
	if state.IsNull() || protoharness.GetBool(t, state, "running") {
		t.Fatalf("after its directory was removed the container reads as %v", state)
	}
	p, err := h.Plan(typ, state, cfg)
	if err != nil || p.Noop() {
		t.Fatalf("plan: %v, noop %v", err, p.Noop())
	}
	if state, err = h.Apply(typ, p); err != nil {
		t.Fatal(err)
	}
	if !waitDead(pid, ticks) {
		t.Errorf("the orphaned process %d still runs", pid)
	}
	if body := get(port, ""); body != testsrv.BusyboxIndex || !alive(t, state) {
		t.Errorf("the restarted container answers %q", body)
	}
}

// TestContainerUnrecordedProcess: a start cut short after the process
// started but before the record named its pid (a kill -9 of indigo and
// its provider in that window) leaves a process only the root file system
// it runs identifies. Import adopts it, and a delete of a state that does
// not know its pid still stops it.
func TestContainerUnrecordedProcess(t *testing.T) {
	image := needTools(t)
	root := t.TempDir()
	h := newHarness(t, root)
	port := testsrv.FreePort(t)
	cfg := httpd("web", image, port, map[string]any{"stop_timeout": "2s"})
	state := h.Create(typ, cfg)
	destroyAtEnd(t, h, &state)
	pid, ticks := int(protoharness.GetInt(t, state, "pid")), uint64(protoharness.GetInt(t, state, "proc_start_time"))

	// The record as the cut-short start left it: no pid.
	recPath := filepath.Join(root, "containers", "web", "container.json")
	b, err := os.ReadFile(recPath)
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	json.Unmarshal(b, &rec)
	delete(rec, "pid")
	delete(rec, "proc_start_time")
	delete(rec, "started_at")
	b, _ = json.Marshal(rec)
	if err := os.WriteFile(recPath, b, 0o644); err != nil {
		t.Fatal(err)
	}

	imported, err := h.ImportState(typ, "web")
	if err != nil {
		t.Fatal(err)
	}
	if got := protoharness.GetInt(t, imported, "pid"); int(got) != pid || !protoharness.GetBool(t, imported, "running") {
		t.Fatalf("import found pid %d, running %v; want the running process %d adopted", got, protoharness.GetBool(t, imported, "running"), pid)
	}

	// A state that does not know the pid at all.
	unknown := protoharness.With(t, state, "pid", tftypes.NewValue(tftypes.Number, nil))
	unknown = protoharness.With(t, unknown, "proc_start_time", tftypes.NewValue(tftypes.Number, nil))
	if err := h.Destroy(typ, unknown); err != nil {
		t.Fatal(err)
	}
	state = tftypes.NewValue(h.Type(typ), nil)
	if !waitDead(pid, ticks) {
		t.Errorf("the unrecorded process %d outlives the delete", pid)
	}
	if left, _ := os.ReadDir(root); len(left) != 0 {
		t.Errorf("the delete left %v", left)
	}
}
