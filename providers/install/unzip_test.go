package install

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTestZip(t *testing.T, z []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "p.zip")
	if err := os.WriteFile(path, z, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestUnpackZipKeepsModes(t *testing.T) {
	z := makeZip(t,
		zipEntry{name: "terraform-provider-x_v1.0.0", body: []byte("#!/bin/sh\n"), mode: 0o755},
		zipEntry{name: "docs/", mode: os.ModeDir | 0o755},
		zipEntry{name: "docs/README.md", body: []byte("readme"), mode: 0o600},
	)
	dest := t.TempDir()
	if err := unpackZip(writeTestZip(t, z), dest); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{"terraform-provider-x_v1.0.0": 0o755, "docs/README.md": 0o644} {
		fi, err := os.Stat(filepath.Join(dest, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s mode = %v, want %v", name, fi.Mode().Perm(), want)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dest, "docs", "README.md")); string(b) != "readme" {
		t.Errorf("content = %q", b)
	}
}

func TestUnpackZipRefusesEscapes(t *testing.T) {
	tests := []struct {
		name    string
		entries []zipEntry
		wantErr string
	}{
		{"parent", []zipEntry{{name: "../evil", body: []byte("x"), mode: 0o644}}, "outside the package directory"},
		{"nested parent", []zipEntry{{name: "a/../../evil", body: []byte("x"), mode: 0o644}}, "outside the package directory"},
		{"absolute", []zipEntry{{name: "/etc/evil", body: []byte("x"), mode: 0o644}}, "outside the package directory"},
		{"backslash", []zipEntry{{name: `..\evil`, body: []byte("x"), mode: 0o644}}, "backslash"},
		{"symlink", []zipEntry{{name: "link", body: []byte("/etc/passwd"), mode: os.ModeSymlink | 0o777}}, "not a regular file"},
		{"duplicate", []zipEntry{{name: "a", body: []byte("1"), mode: 0o644}, {name: "a", body: []byte("2"), mode: 0o644}}, "file exists"},
		{"dot", []zipEntry{{name: "./a", body: []byte("1"), mode: 0o644}}, "outside the package directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dest := filepath.Join(root, "pkg")
			os.Mkdir(dest, 0o755)
			err := unpackZip(writeTestZip(t, makeZip(t, tt.entries...)), dest)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			if _, err := os.Lstat(filepath.Join(root, "evil")); err == nil {
				t.Error("a file was written outside the destination")
			}
		})
	}
}

func TestUnpackZipRefusesLyingSizes(t *testing.T) {
	// An entry stored uncompressed whose directory says it is smaller
	// than it is.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "f", Method: zip.Store}
	h.SetMode(0o644)
	w, _ := zw.CreateHeader(h)
	w.Write(bytes.Repeat([]byte("a"), 1000))
	zw.Close()
	z := buf.Bytes()
	// Patch the central directory's uncompressed size (1000 = 0x3e8) to 10.
	cd := bytes.LastIndex(z, []byte("PK\x01\x02"))
	z[cd+24], z[cd+25] = 10, 0
	err := unpackZip(writeTestZip(t, z), t.TempDir())
	if err == nil {
		t.Fatal("an entry larger than declared was unpacked")
	}
}
