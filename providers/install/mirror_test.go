package install

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestMirrorFromRegistry mirrors a registry's release for two platforms:
// the archives are the registry's own, the index files list them with
// their h1: hashes, and the result installs both as a filesystem mirror
// and served as a network mirror.
func TestMirrorFromRegistry(t *testing.T) {
	ts := newTestServer(t)
	ts.addRelease(demo, "1.1.0")
	ts.addRelease(demo, "1.2.0")
	inst := directInstaller(t, ts)
	dir := t.TempDir()
	plats := []Platform{CurrentPlatform, otherPlatform()}
	if err := inst.Mirror(context.Background(), reqs(t, demo.String(), "~> 1.1"), nil, plats, dir, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	provDir := filepath.Join(dir, "registry.example.com", "acme", "demo")
	wantArchives := map[string]any{}
	for _, plat := range plats {
		name := zipName("demo", "1.2.0", plat)
		got, err := os.ReadFile(filepath.Join(provDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, ts.zipFor(demo, "1.2.0", plat)) {
			t.Errorf("%s differs from the registry's archive", name)
		}
		wantArchives[plat.String()] = map[string]any{"url": name, "hashes": []any{mirrorH1(t, got)}}
	}
	checkJSON(t, filepath.Join(provDir, "index.json"), map[string]any{"versions": map[string]any{"1.2.0": map[string]any{}}})
	checkJSON(t, filepath.Join(provDir, "1.2.0.json"), map[string]any{"archives": wantArchives})

	// A filesystem mirror: installs offline.
	fsInst := &Installer{
		Sources:    Sources{Methods: []Method{{Kind: FilesystemMirror, Location: dir}}},
		Dir:        filepath.Join(t.TempDir(), DefaultDir),
		HTTPClient: offlineClient(t),
	}
	locks, installed, err := fsInst.Install(context.Background(), reqs(t, demo.String(), "~> 1.1"), nil, InstallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if out := runBinary(t, installed[0].Executable); out != "terraform-provider-demo 1.2.0" {
		t.Errorf("installed binary prints %q", out)
	}

	// The same directory served over HTTPS: a network mirror.
	srv := httptest.NewTLSServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(srv.Close)
	netInst := &Installer{
		Sources:    Sources{Methods: []Method{{Kind: NetworkMirror, Location: srv.URL + "/"}}},
		Dir:        filepath.Join(t.TempDir(), DefaultDir),
		HTTPClient: srv.Client(),
	}
	netLocks, _, err := netInst.Install(context.Background(), reqs(t, demo.String(), "~> 1.1"), nil, InstallOptions{})
	if err != nil {
		t.Fatalf("installing from the mirror served over HTTPS: %v", err)
	}
	if !netLocks.Equal(locks) {
		t.Errorf("the network mirror locks\n%s\nthe filesystem mirror\n%s", netLocks.Bytes(), locks.Bytes())
	}

	// Another version later: the index keeps the first.
	if err := inst.Mirror(context.Background(), reqs(t, demo.String(), "1.1.0"), nil, plats[:1], dir, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	checkJSON(t, filepath.Join(provDir, "index.json"), map[string]any{"versions": map[string]any{"1.1.0": map[string]any{}, "1.2.0": map[string]any{}}})
}

// TestMirrorChecksLock: a locked provider is mirrored at its locked
// version, and a package matching none of the lock's hashes is refused
// and not written.
func TestMirrorChecksLock(t *testing.T) {
	ts := newTestServer(t)
	ts.addRelease(demo, "1.1.0")
	ts.addRelease(demo, "1.2.0")
	inst := directInstaller(t, ts)
	locks, _, err := inst.Install(context.Background(), reqs(t, demo.String(), "~> 1.1"), nil, InstallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ts.addRelease(demo, "1.3.0")
	dir := t.TempDir()
	if err := inst.Mirror(context.Background(), reqs(t, demo.String(), "~> 1.1"), locks, []Platform{CurrentPlatform}, dir, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	provDir := filepath.Join(dir, "registry.example.com", "acme", "demo")
	checkJSON(t, filepath.Join(provDir, "index.json"), map[string]any{"versions": map[string]any{"1.2.0": map[string]any{}}})

	bad := NewLocks()
	bad.SetProvider(demo, MustParseVersionForTest("1.2.0"), MustParseConstraints("~> 1.1"), []Hash{"h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="})
	dir = t.TempDir()
	err = inst.Mirror(context.Background(), reqs(t, demo.String(), "~> 1.1"), bad, []Platform{CurrentPlatform}, dir, InstallOptions{})
	var hm *HashMismatchError
	if !errors.As(err, &hm) {
		t.Fatalf("err = %v, want a HashMismatchError", err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "registry.example.com", "acme", "demo"))
	if len(entries) != 0 {
		t.Errorf("a refused package left %v behind", entries)
	}
}

// TestMirrorFromUnpackedMirror: a package found unpacked is zipped, with
// the same h1: hash, and the lock written from the unpacked one accepts
// the mirrored one.
func TestMirrorFromUnpackedMirror(t *testing.T) {
	src := t.TempDir()
	writeMirror(t, src)
	inst := &Installer{
		Sources:    Sources{Methods: []Method{{Kind: FilesystemMirror, Location: src}}},
		Dir:        filepath.Join(t.TempDir(), DefaultDir),
		HTTPClient: offlineClient(t),
	}
	locks, _, err := inst.Install(context.Background(), reqs(t, demo.String(), ""), nil, InstallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := inst.Mirror(context.Background(), reqs(t, demo.String(), ""), locks, []Platform{CurrentPlatform}, dir, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	fresh := &Installer{
		Sources:    Sources{Methods: []Method{{Kind: FilesystemMirror, Location: dir}}},
		Dir:        filepath.Join(t.TempDir(), DefaultDir),
		HTTPClient: offlineClient(t),
	}
	_, installed, err := fresh.Install(context.Background(), reqs(t, demo.String(), ""), locks, InstallOptions{})
	if err != nil {
		t.Fatalf("installing the mirrored package with the first lock: %v", err)
	}
	if out := runBinary(t, installed[0].Executable); out != "terraform-provider-demo 1.0.0" {
		t.Errorf("installed binary prints %q", out)
	}
}

func checkJSON(t *testing.T, path string, want any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n%s\nwant %v", filepath.Base(path), b, want)
	}
}
