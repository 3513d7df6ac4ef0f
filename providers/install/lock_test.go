package install

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// golden compares got with the file testdata/name (testsrv.Golden).
// testdata is absolute so that tests that change directory still find it.
var testdata, _ = filepath.Abs("testdata")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	testsrv.Golden(t, filepath.Join(testdata, name), got)
}

// renderDiags prints diagnostics as a user sees them: file:line:col.
func renderDiags(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		sev := "error"
		if d.Severity == hcl.DiagWarning {
			sev = "warning"
		}
		loc := "-"
		if d.Subject != nil {
			loc = fmt.Sprintf("%s:%d:%d", filepath.ToSlash(d.Subject.Filename), d.Subject.Start.Line, d.Subject.Start.Column)
		}
		fmt.Fprintf(&b, "%s: %s: %s; %s\n", loc, sev, d.Summary, d.Detail)
	}
	return b.String()
}

func TestLockRoundTripIsByteExact(t *testing.T) {
	for _, name := range []string{"golden.lock.hcl"} {
		src, err := os.ReadFile(filepath.Join("testdata", "lock", name))
		if err != nil {
			t.Fatal(err)
		}
		locks, diags := ParseLocks(src, name)
		if diags.HasErrors() {
			t.Fatal(renderDiags(diags))
		}
		if got := locks.Bytes(); !bytes.Equal(got, src) {
			t.Errorf("round trip of %s:\n%s\nwant:\n%s", name, got, src)
		}
	}
}

func TestLockBuiltInCode(t *testing.T) {
	locks := NewLocks()
	// Inserted out of order, with duplicate and unsorted hashes.
	locks.SetProvider(MustParseProvider("hashicorp/null"), MustParseVersionForTest("3.2.2"), MustParseConstraints("= 3.2.2"),
		[]Hash{"vendor:unknown-scheme-kept", "h1:zT1ZbegaAYHwQa+QwIFugArWikRJI9dqohj8xb0GY88="})
	locks.SetProvider(MustParseProvider("hashicorp/aws"), MustParseVersionForTest("5.31.0"), MustParseConstraints("~> 5.0, >= 4"),
		[]Hash{
			"zh:2fe4884cb9642f48a5889f8dff8f5f511418a18537a9dfa77ada3bcdad391e4e",
			"h1:ltxyuBWIy9cq0kIKDJH1jeWJy/y7XJLjS4QrsQK4plA=",
			"zh:0cdb9c2083bf0902442384f7309367791e4640581652dda456f2d6d7abf0de8d",
			"h1:ltxyuBWIy9cq0kIKDJH1jeWJy/y7XJLjS4QrsQK4plA=",
		})
	locks.SetProvider(MustParseProvider("example.com/acme/demo"), MustParseVersionForTest("1.2.0"), Constraints{},
		[]Hash{"h1:F8S4KSrIYF7GXpEXazWtxQn48H5vMjzRx/LQNM1ruIQ="})
	golden(t, "lock/golden.lock.hcl", locks.Bytes())
}

func TestLockReadsTerraformFile(t *testing.T) {
	dir := t.TempDir()
	tf, err := os.ReadFile(filepath.Join("testdata", "lock", "terraform-written.lock.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, TerraformLockFileName), tf, 0o644); err != nil {
		t.Fatal(err)
	}
	locks, path, diags := ReadLocks(dir)
	if diags.HasErrors() || path != filepath.Join(dir, TerraformLockFileName) {
		t.Fatalf("ReadLocks = %s, %s", path, renderDiags(diags))
	}
	lp := locks.Provider(MustParseProvider("hashicorp/foo"))
	if lp == nil || lp.Version.String() != "2.0.0" || lp.Constraints.String() != "> 1.0.0, 2.0.0, ~> 2.0, <= 3.0.0, < 4.0.0" ||
		len(lp.Hashes) != 1 || lp.Hashes[0] != "h1:Av+rQTw9jjvhQfkjN3e9zujhtDgm7qQtj1009uv0kcM=" {
		t.Fatalf("lock = %+v", lp)
	}
	// Written back, only the header names indigo instead of terraform.
	want := strings.Replace(string(tf), `"terraform init"`, `"indigo init"`, 1)
	if got := string(locks.Bytes()); got != want {
		t.Errorf("rewritten:\n%s\nwant:\n%s", got, want)
	}

	// Once indigo's own file exists, it wins.
	if err := NewLocks().WriteFile(filepath.Join(dir, LockFileName)); err != nil {
		t.Fatal(err)
	}
	locks, path, _ = ReadLocks(dir)
	if path != filepath.Join(dir, LockFileName) || len(locks.Providers()) != 0 {
		t.Errorf("ReadLocks read %s with %d providers", path, len(locks.Providers()))
	}

	// Neither: empty locks, no error.
	locks, path, diags = ReadLocks(t.TempDir())
	if path != "" || diags.HasErrors() || len(locks.Providers()) != 0 {
		t.Errorf("empty dir: %q %v", path, diags)
	}
}

func TestLockParseErrorsAreLocated(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "lock", "invalid.lock.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	locks, diags := ParseLocks(src, "invalid.lock.hcl")
	golden(t, "lock/invalid.diags", []byte(renderDiags(diags)))
	// The valid block survives.
	if lp := locks.Provider(MustParseProvider("hashicorp/local")); lp == nil || lp.Version.String() != "2.0.0" {
		t.Errorf("valid block lost: %+v", lp)
	}
}

func TestWriteFileIsAtomicAndClean(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, LockFileName)
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	locks := NewLocks()
	locks.SetProvider(demo, MustParseVersionForTest("1.0.0"), Constraints{}, []Hash{"h1:x"})
	if err := locks.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, locks.Bytes()) {
		t.Fatalf("file = %q, %v", got, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v", fi.Mode())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	// A directory that cannot be written to fails cleanly.
	if err := locks.WriteFile(filepath.Join(dir, "missing", LockFileName)); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}

func TestVerifyMismatchMessage(t *testing.T) {
	dir := t.TempDir()
	pkg := filepath.Join(dir, "pkg")
	if err := os.Mkdir(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pkg, "terraform-provider-demo_v1.2.0"), []byte("a fixed package body\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	locks := NewLocks()
	locks.SetProvider(demo, MustParseVersionForTest("1.2.0"), Constraints{}, []Hash{
		"h1:F8S4KSrIYF7GXpEXazWtxQn48H5vMjzRx/LQNM1ruIQ=",
		"zh:0cdb9c2083bf0902442384f7309367791e4640581652dda456f2d6d7abf0de8d",
	})
	// Run from dir so the message shows a relative, stable path.
	t.Chdir(dir)
	err := Verify(locks, demo, "pkg")
	var mismatch *HashMismatchError
	if !errors.As(err, &mismatch) {
		t.Fatalf("Verify = %v", err)
	}
	golden(t, "verify-mismatch.golden", []byte(err.Error()+"\n"))

	// The right hash passes.
	h, err := HashDir("pkg")
	if err != nil {
		t.Fatal(err)
	}
	locks.SetProvider(demo, MustParseVersionForTest("1.2.0"), Constraints{}, []Hash{h})
	if err := Verify(locks, demo, "pkg"); err != nil {
		t.Errorf("Verify with the right hash: %v", err)
	}
}

func TestHashDirIsTerraformsH1(t *testing.T) {
	// Terraform 1.11 recorded this h1: for a package holding one file
	// with this content (see TestTerraformCompatibility for the live check).
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "terraform-provider-demo_v1.2.0"), []byte("a fixed package body\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	h, err := HashDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	// dirhash Hash1: base64(sha256("<sha256 hex>  <name>\n")).
	want := Hash("h1:" + b64sha256(sha256Hex([]byte("a fixed package body\n"))+"  terraform-provider-demo_v1.2.0\n"))
	if h != want {
		t.Errorf("HashDir = %s, want %s", h, want)
	}
	// Through a symbolic link, as an install directory often is.
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	if h2, err := HashDir(link); err != nil || h2 != h {
		t.Errorf("HashDir(link) = %s, %v", h2, err)
	}
}

func FuzzParseLocks(f *testing.F) {
	for _, name := range []string{"golden.lock.hcl", "invalid.lock.hcl", "terraform-written.lock.hcl"} {
		src, err := os.ReadFile(filepath.Join("testdata", "lock", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		locks, diags := ParseLocks(src, "fuzz.hcl")
		if diags.HasErrors() {
			return
		}
		// What parses cleanly must survive a round trip.
		again, diags := ParseLocks(locks.Bytes(), "again.hcl")
		if diags.HasErrors() {
			t.Fatalf("rendered lock does not parse: %s\n%s", renderDiags(diags), locks.Bytes())
		}
		if !again.Equal(locks) {
			t.Fatalf("round trip changed the lock:\n%s\n%s", locks.Bytes(), again.Bytes())
		}
	})
}
