package tosca

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to the loader: it must never panic, and
// every diagnostic must be located. Seeds are the templates under testdata
// and the corpus kept in testdata/fuzz.
func FuzzLoad(f *testing.F) {
	for _, pattern := range []string{"testdata/bad/*.yaml", "testdata/good/*.yaml", "testdata/compose/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	noFiles := Options{ReadFile: func(string) ([]byte, error) { return nil, os.ErrNotExist }}
	f.Fuzz(func(t *testing.T, src []byte) {
		m, diags := LoadBytes("fuzz.yaml", src, noFiles)
		for _, d := range diags {
			if d.Subject == nil || d.Subject.Filename == "" || d.Subject.Start.Line < 1 {
				t.Fatalf("unlocated diagnostic: %s: %s", d.Summary, d.Detail)
			}
			if d.Subject.Start.Byte > len(src) || d.Subject.End.Byte > len(src) || d.Subject.End.Byte < d.Subject.Start.Byte {
				if d.Subject.Filename == "fuzz.yaml" {
					t.Fatalf("range %v outside the %d-byte source", d.Subject, len(src))
				}
			}
		}
		if !diags.HasErrors() && m == nil {
			t.Fatal("no module and no error")
		}
	})
}
