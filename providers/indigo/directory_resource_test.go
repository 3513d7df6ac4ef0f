package indigo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/providers/indigo/internal/protoharness"
)

func TestDirectoryLifecycle(t *testing.T) {
	root := t.TempDir()
	h := newHarness(t, root)
	name := filepath.Join(root, "a", "b")
	cfg := map[string]any{"path": "a/b", "permission": "0700"}
	state := h.Create("indigo_directory", cfg)
	if got := mode(t, name); got != 0o700 {
		t.Errorf("mode = %o, want exactly 700 (not less the umask)", got)
	}
	if got := protoharness.GetString(t, state, "id"); got != name {
		t.Errorf("id = %q, want the absolute path %q", got, name)
	}

	// Permission change: in place.
	cfg["permission"] = "0750"
	p, err := h.Plan("indigo_directory", state, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Replace) > 0 {
		t.Errorf("permission change planned a replacement of %v", p.Replace)
	}
	if state, err = h.Apply("indigo_directory", p); err != nil {
		t.Fatal(err)
	}
	if got := mode(t, name); got != 0o750 {
		t.Errorf("mode after update = %o, want 750", got)
	}

	// Not empty: delete refuses and says what to do.
	if err := os.WriteFile(filepath.Join(name, "keep"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = h.Destroy("indigo_directory", state)
	if err == nil || !strings.Contains(err.Error(), "force_destroy") || !strings.Contains(err.Error(), name) {
		t.Fatalf("deleting a non-empty directory: error %v, want one naming it and force_destroy", err)
	}
	if _, err := os.Stat(filepath.Join(name, "keep")); err != nil {
		t.Errorf("content lost after a refused delete: %v", err)
	}

	// force_destroy: in place, then delete removes everything.
	cfg["force_destroy"] = true
	if p, err = h.Plan("indigo_directory", state, cfg); err != nil {
		t.Fatal(err)
	}
	if len(p.Replace) > 0 {
		t.Errorf("force_destroy change planned a replacement of %v", p.Replace)
	}
	if state, err = h.Apply("indigo_directory", p); err != nil {
		t.Fatal(err)
	}
	if err := h.Destroy("indigo_directory", state); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(name); !os.IsNotExist(err) {
		t.Errorf("directory still there after force destroy: %v", err)
	}
}

func TestDirectoryEmptyDeleteAndDrift(t *testing.T) {
	root := t.TempDir()
	h := newHarness(t, root)
	name := filepath.Join(root, "d")
	state := h.Create("indigo_directory", map[string]any{"path": "d"})
	if got := protoharness.GetString(t, state, "permission"); got != "0755" {
		t.Errorf("default permission = %s", got)
	}
	if err := os.Chmod(name, 0o711); err != nil {
		t.Fatal(err)
	}
	state = h.Read("indigo_directory", state)
	if got := protoharness.GetString(t, state, "permission"); got != "0711" {
		t.Errorf("after chmod outside, permission = %s", got)
	}
	if err := h.Destroy("indigo_directory", state); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(name); !os.IsNotExist(err) {
		t.Errorf("empty directory still there after destroy: %v", err)
	}
	if got := h.Read("indigo_directory", state); !got.IsNull() {
		t.Errorf("directory deleted outside: Read returned %v, want null", got)
	}
	// A file where the directory should be: also gone from state, and a
	// create says why it cannot proceed.
	if err := os.WriteFile(name, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := h.Read("indigo_directory", state); !got.IsNull() {
		t.Errorf("directory replaced by a file: Read returned %v, want null", got)
	}
	if _, err := h.TryCreate("indigo_directory", map[string]any{"path": "d"}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("create over a file: %v", err)
	}
}

func TestDirectoryCreateAdoptsExisting(t *testing.T) {
	root := t.TempDir()
	h := newHarness(t, root)
	name := filepath.Join(root, "existing")
	if err := os.Mkdir(name, 0o777); err != nil {
		t.Fatal(err)
	}
	h.Create("indigo_directory", map[string]any{"path": "existing", "permission": "0700"})
	if got := mode(t, name); got != 0o700 {
		t.Errorf("adopted directory mode = %o, want 700", got)
	}
}

func TestDirectoryImport(t *testing.T) {
	root := t.TempDir()
	h := newHarness(t, root)
	if err := os.Mkdir(filepath.Join(root, "imp"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(root, "imp"), 0o750); err != nil {
		t.Fatal(err)
	}
	state, err := h.ImportState("indigo_directory", "imp")
	if err != nil {
		t.Fatal(err)
	}
	if got := protoharness.GetString(t, state, "permission"); got != "0750" {
		t.Errorf("imported permission = %s", got)
	}
	p, err := h.Plan("indigo_directory", state, map[string]any{"path": "imp", "permission": "0750"})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Planned.Equal(state) {
		t.Errorf("plan after import is not empty:\nplanned %v\nstate   %v", p.Planned, state)
	}
	if _, err := h.ImportState("indigo_directory", "nope"); err == nil {
		t.Error("importing a missing directory succeeded")
	}
}

// TestDirectoryDeleteIgnoresCrashLeftovers: a file write killed half way
// leaves its temporary file; it does not keep the directory from being
// deleted, while real content still does.
func TestDirectoryDeleteIgnoresCrashLeftovers(t *testing.T) {
	root := t.TempDir()
	h := newHarness(t, root)
	name := filepath.Join(root, "d")
	state := h.Create("indigo_directory", map[string]any{"path": "d"})
	if err := os.WriteFile(filepath.Join(name, ".data.txt.tmp-123456"), []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(name, ".keep"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := h.Destroy("indigo_directory", state); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("a directory with real content must be kept: %v", err)
	}
	if _, err := os.Stat(filepath.Join(name, ".data.txt.tmp-123456")); !os.IsNotExist(err) {
		t.Fatalf("the stale temporary file should be gone: %v", err)
	}
	os.Remove(filepath.Join(name, ".keep"))
	os.WriteFile(filepath.Join(name, ".other.tmp-99"), nil, 0o600)
	if err := h.Destroy("indigo_directory", state); err != nil {
		t.Fatalf("only crash leftovers remain: %v", err)
	}
}
