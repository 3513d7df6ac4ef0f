package local_test

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/indigo-cloud/indigo/providers/indigo/internal/protoharness"
)

const copyType = "indigo_storage_copy"

// writeFile writes content to dir/rel with mode, creating parents.
func writeFile(t testing.TB, dir, rel, content string, mode fs.FileMode) {
	t.Helper()
	name := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(name, mode); err != nil {
		t.Fatal(err)
	}
}

func readFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// tree maps every regular file under dir (slash paths) to its SHA-256 and
// mode, skipping nothing: what a user listing the directory would see.
func tree(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = fmt.Sprintf("%x %04o", sha256.Sum256(b), info.Mode().Perm())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameData fails unless replica holds exactly the source's data files
// (everything but names starting with .indigo), by SHA-256 and mode.
func sameData(t *testing.T, source, replica string) {
	t.Helper()
	data := func(m map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			if !strings.HasPrefix(k, ".indigo") {
				out[k] = v
			}
		}
		return out
	}
	want, got := data(tree(t, source)), data(tree(t, replica))
	for k, v := range want {
		if got[k] != v {
			t.Errorf("replica %s: %q, want %q", k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("replica holds %s, which the source does not", k)
		}
	}
}

// counts is what Read reports of a copy.
type counts struct {
	files, bytes, missing, extra, expired int64
	inSync                                bool
}

func countsOf(t testing.TB, v tftypes.Value) counts {
	t.Helper()
	return counts{
		files: protoharness.GetInt(t, v, "files"), bytes: protoharness.GetInt(t, v, "bytes"),
		missing: protoharness.GetInt(t, v, "missing"), extra: protoharness.GetInt(t, v, "extra"), expired: protoharness.GetInt(t, v, "expired"),
		inSync: protoharness.GetBool(t, v, "in_sync"),
	}
}

// refresh reads the copy and checks what it reports.
func refresh(t *testing.T, h *protoharness.Harness, state tftypes.Value, want counts) tftypes.Value {
	t.Helper()
	v, warnings := h.ReadWarnings(copyType, state)
	if v.IsNull() {
		t.Fatal("Read removed the copy from state")
	}
	if len(warnings) > 0 {
		t.Errorf("Read warned: %v", warnings)
	}
	if got := countsOf(t, v); got != want {
		t.Errorf("Read reported %+v, want %+v", got, want)
	}
	return v
}

// repairPlanned plans config from the refreshed state, checks that the plan
// is the repair (in_sync planned true, an update not a replacement) and
// applies it.
func repairPlanned(t *testing.T, h *protoharness.Harness, state tftypes.Value, config map[string]any) tftypes.Value {
	t.Helper()
	p, err := h.Plan(copyType, state, config)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Replace) > 0 {
		t.Fatal("the repair was planned as a replacement")
	}
	if p.Planned.Equal(state) {
		t.Fatal("a copy out of sync planned no change")
	}
	if !protoharness.GetBool(t, p.Planned, "in_sync") {
		t.Error("in_sync planned false")
	}
	if protoharness.Get(t, p.Planned, "missing").IsKnown() {
		t.Error("missing planned known; the apply decides it")
	}
	next, err := h.Apply(copyType, p)
	if err != nil {
		t.Fatalf("repair: %v", err)
	}
	if !protoharness.GetBool(t, next, "in_sync") || protoharness.GetInt(t, next, "missing")+protoharness.GetInt(t, next, "extra")+protoharness.GetInt(t, next, "expired") != 0 {
		t.Errorf("after the repair: %+v", countsOf(t, next))
	}
	return next
}

// noChange fails unless a plan from state is a no-op.
func noChange(t *testing.T, h *protoharness.Harness, state tftypes.Value, config map[string]any) {
	t.Helper()
	p, err := h.Plan(copyType, state, config)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Planned.Equal(state) {
		t.Errorf("a copy in sync planned a change:\n%v\nfrom\n%v", p.Planned, state)
	}
}

// TestReplicaFollowsSource is the QoS "copies = 2" over two local sites:
// a primary indigo_directory and a replica that must hold what it holds.
func TestReplicaFollowsSource(t *testing.T) {
	root := t.TempDir()
	h := newHarness(t, root)
	primary := protoharness.GetString(t, h.Create("indigo_directory", map[string]any{"path": "storage/primary"}), "id")
	cfg := map[string]any{"path": "storage/replica", "source": primary}
	replica := h.Create(copyType, cfg)
	replicaDir := protoharness.GetString(t, replica, "id")
	if replicaDir != filepath.Join(root, "storage/replica") {
		t.Fatalf("id %s", replicaDir)
	}
	if info, err := os.Stat(replicaDir); err != nil || info.Mode().Perm() != 0o750 {
		t.Fatalf("replica directory: %v %v", info, err)
	}

	// The planner's manifest is in both copies and differs: it describes
	// each copy. Neither is copied nor deleted; nor is an .indigo directory.
	writeFile(t, primary, ".indigo-qos.json", `{"copy":"primary"}`, 0o644)
	writeFile(t, replicaDir, ".indigo-qos.json", `{"copy":"replica"}`, 0o644)
	writeFile(t, primary, ".indigo-cache/state", "x", 0o644)
	var size int64
	for i := range 20 {
		rel := fmt.Sprintf("f%02d.dat", i)
		switch {
		case i%4 == 1:
			rel = "run1/" + rel
		case i%4 == 2:
			rel = "run1/deep/er/" + rel
		case i%4 == 3:
			rel = "run2/" + rel
		}
		mode := fs.FileMode(0o644)
		if i == 7 {
			mode = 0o600
		}
		content := strings.Repeat(fmt.Sprintf("file %d\n", i), i*50)
		size += int64(len(content))
		writeFile(t, primary, rel, content, mode)
	}

	state := refresh(t, h, replica, counts{missing: 20})
	state = repairPlanned(t, h, state, cfg)
	if got := countsOf(t, state); got != (counts{files: 20, bytes: size, inSync: true}) {
		t.Errorf("apply reported %+v", got)
	}
	sameData(t, primary, replicaDir)
	if got := readFile(t, filepath.Join(replicaDir, ".indigo-qos.json")); got != `{"copy":"replica"}` {
		t.Errorf("the replica's manifest was touched: %s", got)
	}
	if _, err := os.Stat(filepath.Join(replicaDir, ".indigo-cache")); !os.IsNotExist(err) {
		t.Errorf(".indigo-cache was copied: %v", err)
	}
	state = refresh(t, h, state, counts{files: 20, bytes: size, inSync: true})
	noChange(t, h, state, cfg)

	// Copies keep the source's modification time.
	si, _ := os.Stat(filepath.Join(primary, "run2/f03.dat"))
	ri, _ := os.Stat(filepath.Join(replicaDir, "run2/f03.dat"))
	if !si.ModTime().Equal(ri.ModTime()) {
		t.Errorf("modification time %v, source's %v", ri.ModTime(), si.ModTime())
	}

	t.Run("delete in the primary", func(t *testing.T) {
		name := filepath.Join(primary, "f00.dat")
		gone := int64(len(readFile(t, name)))
		os.Remove(name)
		size -= gone
		state = refresh(t, h, state, counts{files: 20, bytes: size + gone, extra: 1})
		state = repairPlanned(t, h, state, cfg)
		if _, err := os.Stat(filepath.Join(replicaDir, "f00.dat")); !os.IsNotExist(err) {
			t.Errorf("f00.dat still in the replica: %v", err)
		}
		sameData(t, primary, replicaDir)
		state = refresh(t, h, state, counts{files: 19, bytes: size, inSync: true})
	})

	t.Run("change in the primary", func(t *testing.T) {
		// Same size, other bytes: only the hash tells.
		name := filepath.Join(primary, "run1/f01.dat")
		old := readFile(t, name)
		writeFile(t, primary, "run1/f01.dat", strings.ToUpper(old), 0o644)
		state = refresh(t, h, state, counts{files: 19, bytes: size, missing: 1})
		state = repairPlanned(t, h, state, cfg)
		sameData(t, primary, replicaDir)
		state = refresh(t, h, state, counts{files: 19, bytes: size, inSync: true})
	})

	t.Run("mode changed in the replica", func(t *testing.T) {
		os.Chmod(filepath.Join(replicaDir, "run1/deep/er/f06.dat"), 0o666)
		state = refresh(t, h, state, counts{files: 19, bytes: size, missing: 1})
		state = repairPlanned(t, h, state, cfg)
		sameData(t, primary, replicaDir)
	})

	t.Run("file written into the replica", func(t *testing.T) {
		writeFile(t, replicaDir, "run2/stray", "not in the primary", 0o644)
		writeFile(t, replicaDir, "new/dir/stray", "nor this", 0o644)
		state = refresh(t, h, state, counts{files: 21, bytes: size + 18 + 8, extra: 2})
		state = repairPlanned(t, h, state, cfg)
		sameData(t, primary, replicaDir)
		if _, err := os.Stat(filepath.Join(replicaDir, "new")); !os.IsNotExist(err) {
			t.Errorf("a directory the source does not have was kept: %v", err)
		}
	})

	t.Run("directory removed from the primary", func(t *testing.T) {
		var lost int64
		for rel, f := range tree(t, filepath.Join(primary, "run1/deep")) {
			_ = f
			lost += int64(len(readFile(t, filepath.Join(primary, "run1/deep", rel))))
		}
		os.RemoveAll(filepath.Join(primary, "run1/deep"))
		state = refresh(t, h, state, counts{files: 19, bytes: size, extra: 5})
		state = repairPlanned(t, h, state, cfg)
		size -= lost
		if _, err := os.Stat(filepath.Join(replicaDir, "run1/deep")); !os.IsNotExist(err) {
			t.Errorf("run1/deep still in the replica: %v", err)
		}
		sameData(t, primary, replicaDir)
		refresh(t, h, state, counts{files: 14, bytes: size, inSync: true})
	})

	if got := readFile(t, filepath.Join(primary, ".indigo-qos.json")); got != `{"copy":"primary"}` {
		t.Errorf("the primary's manifest was touched: %s", got)
	}
	if got := readFile(t, filepath.Join(replicaDir, ".indigo-qos.json")); got != `{"copy":"replica"}` {
		t.Errorf("the replica's manifest was touched: %s", got)
	}
}

// age sets a file's modification time to d ago.
func age(t testing.TB, name string, d time.Duration) {
	t.Helper()
	old := time.Now().Add(-d)
	if err := os.Chtimes(name, old, old); err != nil {
		t.Fatal(err)
	}
}

func TestExpiry(t *testing.T) {
	root := t.TempDir()
	h := newHarness(t, root)

	t.Run("primary", func(t *testing.T) {
		cfg := map[string]any{"path": "primary", "rule": []map[string]any{{"expire_after": "2s"}}}
		state := h.Create(copyType, cfg)
		dir := protoharness.GetString(t, state, "id")
		writeFile(t, dir, "old.dat", "12345", 0o644)
		writeFile(t, dir, "sub/new.dat", "123", 0o644)
		writeFile(t, dir, ".indigo-qos.json", "{}", 0o644)
		age(t, filepath.Join(dir, "old.dat"), time.Hour)
		age(t, filepath.Join(dir, "sub/new.dat"), -time.Hour) // never due, however slow the test
		age(t, filepath.Join(dir, ".indigo-qos.json"), time.Hour)
		state = refresh(t, h, state, counts{files: 2, bytes: 8, expired: 1})
		state = repairPlanned(t, h, state, cfg)
		if got := tree(t, dir); len(got) != 2 || got["sub/new.dat"] == "" || got[".indigo-qos.json"] == "" {
			t.Errorf("after expiry the copy holds %v", got)
		}
		refresh(t, h, state, counts{files: 1, bytes: 3, inSync: true})
	})

	t.Run("prefix", func(t *testing.T) {
		cfg := map[string]any{"path": "prefixed", "rule": []map[string]any{
			{"prefix": "logs/", "expire_after": "2s"},
			{"prefix": "", "expire_after": "1d"},
			{"expire_after": "1s", "expire": false},
		}}
		state := h.Create(copyType, cfg)
		dir := protoharness.GetString(t, state, "id")
		for _, rel := range []string{"logs/a", "logs/b/c", "logsx", "data/d", "data/e"} {
			writeFile(t, dir, rel, "x", 0o644)
			age(t, filepath.Join(dir, rel), time.Hour)
		}
		age(t, filepath.Join(dir, "data/e"), 49*time.Hour)
		state = refresh(t, h, state, counts{files: 5, bytes: 5, expired: 3})
		repairPlanned(t, h, state, cfg)
		got := tree(t, dir)
		if len(got) != 2 || got["logsx"] == "" || got["data/d"] == "" {
			t.Errorf("after expiry the copy holds %v", got)
		}
	})

	t.Run("replica", func(t *testing.T) {
		// A replica judges age by the source's file: it lets go of what
		// the primary's rules expire (or soon will), and never copies it
		// back.
		src := filepath.Join(root, "src")
		writeFile(t, src, "keep", "keep", 0o644)
		writeFile(t, src, "stale", "stale", 0o644)
		age(t, filepath.Join(src, "stale"), 2*time.Hour)
		noRules := map[string]any{"path": "replica", "source": src}
		state := h.Create(copyType, noRules)
		dir := protoharness.GetString(t, state, "id")
		if len(tree(t, dir)) != 2 {
			t.Fatalf("replica %v", tree(t, dir))
		}
		cfg := map[string]any{"path": "replica", "source": src, "rule": []map[string]any{{"expire_after": "1h"}}}
		p, err := h.Plan(copyType, state, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if state, err = h.Apply(copyType, p); err != nil {
			t.Fatal(err)
		}
		if got := tree(t, dir); len(got) != 1 || got["keep"] == "" {
			t.Errorf("replica %v", got)
		}
		state = refresh(t, h, state, counts{files: 1, bytes: 4, inSync: true})

		writeFile(t, src, "later", "later", 0o644)
		state = repairPlanned(t, h, refresh(t, h, state, counts{files: 1, bytes: 4, missing: 1}), cfg)
		age(t, filepath.Join(src, "later"), 2*time.Hour)
		refresh(t, h, state, counts{files: 2, bytes: 9, expired: 1})
	})
}

func TestLeftoverTemporaryFiles(t *testing.T) {
	root := t.TempDir()
	h := newHarness(t, root)
	src := filepath.Join(root, "src")
	writeFile(t, src, "a/b", "whole", 0o644)
	cfg := map[string]any{"path": "replica", "source": src}
	state := h.Create(copyType, cfg)
	dir := protoharness.GetString(t, state, "id")

	// What a kill -9 in the middle of a copy leaves: a partial temporary
	// file beside the real name. It is not data.
	writeFile(t, dir, "a/.indigo-tmp-12345", "who", 0o600)
	writeFile(t, dir, ".indigo-tmp-999", "", 0o600)
	state = refresh(t, h, state, counts{files: 1, bytes: 5, inSync: true})

	writeFile(t, src, "c", "more", 0o644)
	state = refresh(t, h, state, counts{files: 1, bytes: 5, missing: 1})
	repairPlanned(t, h, state, cfg)
	for rel := range tree(t, dir) {
		if strings.Contains(rel, ".indigo-tmp-") {
			t.Errorf("leftover %s not removed", rel)
		}
	}
	sameData(t, src, dir)
}

func TestDelete(t *testing.T) {
	root := t.TempDir()
	h := newHarness(t, root)
	cfg := map[string]any{"path": "copy"}
	state := h.Create(copyType, cfg)
	dir := protoharness.GetString(t, state, "id")
	writeFile(t, dir, "data", "precious", 0o644)

	err := h.Destroy(copyType, state)
	if err == nil || !strings.Contains(err.Error(), "Copy not empty") || !strings.Contains(err.Error(), "force_destroy = true") || !strings.Contains(err.Error(), dir) {
		t.Fatalf("deleting a copy with data: %v", err)
	}
	if readFile(t, filepath.Join(dir, "data")) != "precious" {
		t.Fatal("data lost")
	}

	forced := map[string]any{"path": "copy", "force_destroy": true}
	p, err := h.Plan(copyType, state, forced)
	if err != nil {
		t.Fatal(err)
	}
	if state, err = h.Apply(copyType, p); err != nil {
		t.Fatal(err)
	}
	if err := h.Destroy(copyType, state); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("directory still there: %v", err)
	}

	// An empty copy goes without force_destroy, leftover temporary files
	// notwithstanding.
	state = h.Create(copyType, cfg)
	writeFile(t, dir, ".indigo-tmp-1", "x", 0o600)
	if err := h.Destroy(copyType, state); err != nil {
		t.Fatalf("deleting an empty copy: %v", err)
	}
}

func TestDeletedByHand(t *testing.T) {
	root := t.TempDir()
	h := newHarness(t, root)
	state := h.Create(copyType, map[string]any{"path": "copy"})
	os.RemoveAll(protoharness.GetString(t, state, "id"))
	if v := h.Read(copyType, state); !v.IsNull() {
		t.Fatalf("Read kept a copy whose directory is gone: %v", v)
	}
}

func TestSourceMissing(t *testing.T) {
	root := t.TempDir()
	h := newHarness(t, root)
	src := filepath.Join(root, "src")
	writeFile(t, src, "a", "a", 0o644)
	cfg := map[string]any{"path": "replica", "source": src}
	state := h.Create(copyType, cfg)
	dir := protoharness.GetString(t, state, "id")
	os.RemoveAll(src)

	v, warnings := h.ReadWarnings(copyType, state)
	if len(warnings) != 1 || warnings[0] != "Source not found" {
		t.Errorf("warnings %v", warnings)
	}
	if got := countsOf(t, v); got != (counts{files: 1, bytes: 1}) {
		t.Errorf("Read reported %+v", got)
	}
	p, err := h.Plan(copyType, v, cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.Apply(copyType, p)
	if err == nil || !strings.Contains(err.Error(), "Source not found") {
		t.Fatalf("apply with the source gone: %v", err)
	}
	if readFile(t, filepath.Join(dir, "a")) != "a" {
		t.Fatal("the replica lost data when its source vanished")
	}
}

func TestValidation(t *testing.T) {
	root := t.TempDir()
	h := newHarness(t, root)
	for _, c := range []struct {
		name string
		cfg  map[string]any
		want string
	}{
		{"own source", map[string]any{"path": "a", "source": "a"}, "Copy is its own source"},
		{"empty path", map[string]any{"path": ""}, "must not be empty"},
		{"bad duration", map[string]any{"path": "a", "rule": []map[string]any{{"expire_after": "soon"}}}, "not a duration"},
		{"negative duration", map[string]any{"path": "a", "rule": []map[string]any{{"expire_after": "-1s"}}}, "negative"},
		{"absolute prefix", map[string]any{"path": "a", "rule": []map[string]any{{"prefix": "/logs/", "expire_after": "1d"}}}, "never matches"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := h.Plan(copyType, tftypes.Value{}, c.cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}

	// Nested copies are found at apply time, when the paths are known.
	if err := os.MkdirAll(filepath.Join(root, "outer"), 0o755); err != nil {
		t.Fatal(err)
	}
	p, err := h.Plan(copyType, tftypes.Value{}, map[string]any{"path": "outer/inner", "source": filepath.Join(root, "outer")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Apply(copyType, p); err == nil || !strings.Contains(err.Error(), "Copy and source overlap") {
		t.Errorf("a replica inside its source: %v", err)
	}
}

func TestImport(t *testing.T) {
	root := t.TempDir()
	h := newHarness(t, root)
	writeFile(t, root, "existing/a", "abc", 0o644)
	v, err := h.ImportState(copyType, "existing")
	if err != nil {
		t.Fatal(err)
	}
	if got := countsOf(t, v); got != (counts{files: 1, bytes: 3, inSync: true}) {
		t.Errorf("imported %+v", got)
	}
	if protoharness.GetString(t, v, "id") != filepath.Join(root, "existing") {
		t.Errorf("id %s", protoharness.GetString(t, v, "id"))
	}
}
