package indigo

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/indigo-cloud/indigo/providers/indigo/internal/protoharness"
)

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func mode(t *testing.T, name string) os.FileMode {
	t.Helper()
	info, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

func TestFileLifecycle(t *testing.T) {
	root := filepath.Join(t.TempDir(), "site") // does not exist yet: created on first write
	h := newHarness(t, root)
	name := filepath.Join(root, "sub", "dir", "a.txt")
	cfg := map[string]any{"path": "sub/dir/a.txt", "content": "hello\n", "file_permission": "0600"}

	p, err := h.Plan("indigo_file", tftypes.Value{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := protoharness.GetString(t, p.Planned, "id"); got != sha("hello\n") {
		t.Errorf("planned id = %s, want the content's sha256 (known at plan time)", got)
	}
	state, err := h.Apply("indigo_file", p)
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, name); got != "hello\n" {
		t.Errorf("file content = %q", got)
	}
	if got := mode(t, name); got != 0o600 {
		t.Errorf("file mode = %o, want 600", got)
	}
	if got := protoharness.GetInt(t, state, "size"); got != 6 {
		t.Errorf("size = %d, want 6", got)
	}
	if got := protoharness.GetString(t, state, "directory_permission"); got != "0755" {
		t.Errorf("directory_permission = %s, want the default 0755", got)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(root, "sub", "dir", ".a.txt.tmp-*")); len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}

	// Same config again: no change.
	state = h.Read("indigo_file", state)
	p, err = h.Plan("indigo_file", state, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Replace) > 0 || !p.Planned.Equal(state) {
		t.Errorf("unchanged config planned a change: replace=%v\nplanned %v\nstate   %v", p.Replace, p.Planned, state)
	}

	// New content and mode: rewritten in place.
	cfg["content"] = "world"
	cfg["file_permission"] = "0640"
	p, err = h.Plan("indigo_file", state, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Replace) > 0 {
		t.Errorf("content change planned a replacement of %v, want an in-place update", p.Replace)
	}
	if got := protoharness.GetString(t, p.Planned, "id"); got != sha("world") {
		t.Errorf("planned id = %s, want sha256 of the new content", got)
	}
	if state, err = h.Apply("indigo_file", p); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, name); got != "world" {
		t.Errorf("after update content = %q", got)
	}
	if got := mode(t, name); got != 0o640 {
		t.Errorf("after update mode = %o, want 640", got)
	}

	// New path: replaced.
	cfg["path"] = "b.txt"
	p, err = h.Plan("indigo_file", state, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(p.Replace, ",") != `AttributeName("path")` {
		t.Errorf("path change: replace = %v, want path", p.Replace)
	}
	if state, err = h.Apply("indigo_file", p); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(name); !os.IsNotExist(err) {
		t.Errorf("old file still there after replacement: %v", err)
	}
	if got := readFile(t, filepath.Join(root, "b.txt")); got != "world" {
		t.Errorf("new file content = %q", got)
	}

	if err := h.Destroy("indigo_file", state); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "b.txt")); !os.IsNotExist(err) {
		t.Errorf("file still there after destroy: %v", err)
	}
	// Destroying again (already gone) is not an error.
	if err := h.Destroy("indigo_file", state); err != nil {
		t.Errorf("second destroy: %v", err)
	}
}

func TestFileBinaryAndSensitiveContent(t *testing.T) {
	root := t.TempDir()
	h := newHarness(t, root)
	bin := []byte{0, 1, 2, 0xff, 0xfe}
	state := h.Create("indigo_file", map[string]any{"path": "bin", "content_base64": base64.StdEncoding.EncodeToString(bin)})
	if got := readFile(t, filepath.Join(root, "bin")); got != string(bin) {
		t.Errorf("binary content = %q", got)
	}
	if got := protoharness.GetInt(t, state, "size"); got != 5 {
		t.Errorf("size = %d", got)
	}
	h.Create("indigo_file", map[string]any{"path": "secret", "sensitive_content": "s3cret"})
	if got := readFile(t, filepath.Join(root, "secret")); got != "s3cret" {
		t.Errorf("sensitive content = %q", got)
	}
	if !h.Schemas["indigo_file"].Block.Attributes[sensitiveIndex(t, h)].Sensitive {
		t.Error("sensitive_content is not marked sensitive in the schema")
	}
}

func sensitiveIndex(t *testing.T, h *protoharness.Harness) int {
	for i, a := range h.Schemas["indigo_file"].Block.Attributes {
		if a.Name == "sensitive_content" {
			return i
		}
	}
	t.Fatal("no sensitive_content")
	return 0
}

func TestFileDrift(t *testing.T) {
	root := t.TempDir()
	h := newHarness(t, root)
	name := filepath.Join(root, "f")
	cfg := map[string]any{"path": "f", "content": "desired"}
	state := h.Create("indigo_file", cfg)

	// Changed outside: Read puts what is on disk into state, and the next
	// plan rewrites it in place.
	if err := os.WriteFile(name, []byte("changed outside"), 0o644); err != nil {
		t.Fatal(err)
	}
	state = h.Read("indigo_file", state)
	if got := protoharness.GetString(t, state, "content"); got != "changed outside" {
		t.Errorf("after outside change, state content = %q", got)
	}
	if got := protoharness.GetString(t, state, "id"); got != sha("changed outside") {
		t.Errorf("after outside change, state id = %s", got)
	}
	p, err := h.Plan("indigo_file", state, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Replace) > 0 || protoharness.GetString(t, p.Planned, "content") != "desired" || p.Planned.Equal(state) {
		t.Errorf("drift did not plan an in-place rewrite: replace=%v planned=%v", p.Replace, p.Planned)
	}
	if state, err = h.Apply("indigo_file", p); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, name); got != "desired" {
		t.Errorf("after fixing drift content = %q", got)
	}

	// Mode changed outside.
	if err := os.Chmod(name, 0o600); err != nil {
		t.Fatal(err)
	}
	state = h.Read("indigo_file", state)
	if got := protoharness.GetString(t, state, "file_permission"); got != "0600" {
		t.Errorf("after chmod outside, file_permission = %s", got)
	}

	// Binary content outside a text file: still a difference.
	if err := os.WriteFile(name, []byte{0xff, 'x'}, 0o644); err != nil {
		t.Fatal(err)
	}
	state = h.Read("indigo_file", state)
	if got := protoharness.GetString(t, state, "content"); got != "\uFFFDx" {
		t.Errorf("non-UTF-8 content read as %q", got)
	}

	// Deleted outside: gone from state, so the next plan creates it.
	if err := os.Remove(name); err != nil {
		t.Fatal(err)
	}
	if got := h.Read("indigo_file", state); !got.IsNull() {
		t.Errorf("file deleted outside: Read returned %v, want null (removed from state)", got)
	}
}

func TestFileImport(t *testing.T) {
	root := t.TempDir()
	h := newHarness(t, root)
	if err := os.WriteFile(filepath.Join(root, "text"), []byte("imported"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin"), []byte{0xff, 0}, 0o644); err != nil {
		t.Fatal(err)
	}
	state, err := h.ImportState("indigo_file", "text")
	if err != nil {
		t.Fatal(err)
	}
	for attr, want := range map[string]string{
		"path": "text", "content": "imported", "file_permission": "0640", "directory_permission": "0755", "id": sha("imported"),
	} {
		if got := protoharness.GetString(t, state, attr); got != want {
			t.Errorf("imported %s = %q, want %q", attr, got, want)
		}
	}
	// The imported state matches a config that describes the same file.
	p, err := h.Plan("indigo_file", state, map[string]any{"path": "text", "content": "imported", "file_permission": "0640"})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Planned.Equal(state) {
		t.Errorf("plan after import is not empty:\nplanned %v\nstate   %v", p.Planned, state)
	}

	state, err = h.ImportState("indigo_file", "bin")
	if err != nil {
		t.Fatal(err)
	}
	if got := protoharness.GetString(t, state, "content_base64"); got != base64.StdEncoding.EncodeToString([]byte{0xff, 0}) {
		t.Errorf("binary file imported with content_base64 = %q", got)
	}
	if _, err := h.ImportState("indigo_file", "missing"); err == nil || !strings.Contains(err.Error(), filepath.Join(root, "missing")) {
		t.Errorf("importing a missing file: error %v does not name the path", err)
	}
}

func TestFileValidation(t *testing.T) {
	h := newHarness(t, t.TempDir())
	tests := []struct {
		name    string
		config  map[string]any
		wantAt  string // attribute path of the diagnostic, "" for none
		wantMsg string
	}{
		{"no content", map[string]any{"path": "a"}, "", "exactly one of content, content_base64, sensitive_content"},
		{"two contents", map[string]any{"path": "a", "content": "x", "content_base64": "eA=="}, "content_base64", "both set"},
		{"bad permission", map[string]any{"path": "a", "content": "x", "file_permission": "999"}, "file_permission", "octal permission"},
		{"setuid", map[string]any{"path": "a", "content": "x", "file_permission": "4755"}, "file_permission", "setuid"},
		{"bad dir permission", map[string]any{"path": "a", "content": "x", "directory_permission": "rwx"}, "directory_permission", "octal permission"},
		{"bad base64", map[string]any{"path": "a", "content_base64": "!!"}, "content_base64", "base64"},
		{"empty path", map[string]any{"path": "", "content": "x"}, "path", "must not be empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := h.Validate("indigo_file", tt.config)
			if len(errs) == 0 {
				t.Fatal("no error")
			}
			d := errs[0]
			at := ""
			if d.Attribute != nil {
				at = strings.TrimSuffix(strings.TrimPrefix(d.Attribute.String(), `AttributeName("`), `")`)
			}
			if at != tt.wantAt {
				t.Errorf("diagnostic at %q, want %q (%s: %s)", at, tt.wantAt, d.Summary, d.Detail)
			}
			if !strings.Contains(d.Detail, tt.wantMsg) {
				t.Errorf("detail %q does not mention %q", d.Detail, tt.wantMsg)
			}
		})
	}
	if errs := h.Validate("indigo_file", map[string]any{"path": "a", "content": ""}); len(errs) > 0 {
		t.Errorf("empty content is valid, got %v", protoharness.DiagsError(errs))
	}
}

func TestUnwritableRoot(t *testing.T) {
	tmp := t.TempDir()
	// A root below a regular file cannot be created, even by root (which
	// permission bits do not stop).
	blocker := filepath.Join(tmp, "blocker")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	roots := []string{filepath.Join(blocker, "site")}
	if os.Geteuid() != 0 {
		ro := filepath.Join(tmp, "readonly")
		if err := os.Mkdir(ro, 0o555); err != nil {
			t.Fatal(err)
		}
		roots = append(roots, ro)
	}
	for _, root := range roots {
		h := newHarness(t, root)
		for resource, cfg := range map[string]map[string]any{
			"indigo_file":      {"path": "a.txt", "content": "x"},
			"indigo_directory": {"path": "d"},
			"indigo_service":   {"command": []string{"sleep", "300"}},
		} {
			_, err := h.TryCreate(resource, cfg)
			if err == nil {
				t.Fatalf("%s created under unwritable root %s", resource, root)
			}
			if !strings.Contains(err.Error(), root) || !strings.Contains(err.Error(), "Site root not writable") {
				t.Errorf("%s error does not name the root %s clearly: %v", resource, root, err)
			}
		}
	}
}

func TestFileDataSource(t *testing.T) {
	root := t.TempDir()
	h := newHarness(t, root)
	if err := os.WriteFile(filepath.Join(root, "d.txt"), []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	state, err := h.ReadData("indigo_file", map[string]any{"path": "d.txt"})
	if err != nil {
		t.Fatal(err)
	}
	if got := protoharness.GetString(t, state, "content"); got != "data" {
		t.Errorf("content = %q", got)
	}
	if got := protoharness.GetString(t, state, "content_base64"); got != "ZGF0YQ==" {
		t.Errorf("content_base64 = %q", got)
	}
	_, err = h.ReadData("indigo_file", map[string]any{"path": "missing.txt"})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(root, "missing.txt")) {
		t.Errorf("missing file: error %v does not name the path", err)
	}
}

// TestFileConcurrentCreates creates files in parallel through one provider
// server, as a parallel apply does; run with -race.
func TestFileConcurrentCreates(t *testing.T) {
	root := filepath.Join(t.TempDir(), "site")
	h := newHarness(t, root)
	const n = 32
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := h.TryCreate("indigo_file", map[string]any{"path": fmt.Sprintf("dir%d/f%d", i%4, i), "content": fmt.Sprint(i)})
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	for i := range n {
		if got := readFile(t, filepath.Join(root, fmt.Sprintf("dir%d/f%d", i%4, i))); got != fmt.Sprint(i) {
			t.Errorf("f%d = %q", i, got)
		}
	}
}

func TestProviderRoot(t *testing.T) {
	wd := t.TempDir()
	t.Chdir(wd)
	// No root: the working directory.
	h := newHarness(t, "")
	h.Create("indigo_file", map[string]any{"path": "in-wd.txt", "content": "x"})
	if got := readFile(t, filepath.Join(wd, "in-wd.txt")); got != "x" {
		t.Errorf("file under the default root = %q", got)
	}
	// A relative root: relative to the working directory.
	h = newHarness(t, "rel/site")
	state := h.Create("indigo_directory", map[string]any{"path": "d"})
	if got, want := protoharness.GetString(t, state, "id"), filepath.Join(wd, "rel", "site", "d"); got != want {
		t.Errorf("directory under a relative root at %s, want %s", got, want)
	}
	// Absolute paths ignore the root.
	abs := filepath.Join(t.TempDir(), "abs.txt")
	h.Create("indigo_file", map[string]any{"path": abs, "content": "y"})
	if got := readFile(t, abs); got != "y" {
		t.Errorf("absolute path content = %q", got)
	}
	// An empty root is a validation error on root.
	srv := NewProtocol6Server("test")()
	sresp, err := srv.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	pt := sresp.Provider.ValueType()
	cfg, err := tfprotov6.NewDynamicValue(pt, protoharness.ToValue(pt, map[string]any{"root": ""}))
	if err != nil {
		t.Fatal(err)
	}
	vresp, err := srv.ValidateProviderConfig(context.Background(), &tfprotov6.ValidateProviderConfigRequest{Config: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := protoharness.DiagsError(vresp.Diagnostics); err == nil || !strings.Contains(err.Error(), `AttributeName("root")`) {
		t.Errorf("empty root: %v, want an error at root", err)
	}
}
