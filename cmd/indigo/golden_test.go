package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// TestBadInputs runs indigo validate on each configuration in testdata/bad
// and compares what a user sees, as text and as JSON, with the golden
// sections of the archive. INDIGO_UPDATE=1 rewrites the golden sections;
// review their diff as carefully as code.
func TestBadInputs(t *testing.T) {
	archives, err := filepath.Glob("testdata/bad/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(archives) < 30 {
		t.Fatalf("only %d bad inputs: the suite must keep at least 30", len(archives))
	}
	update := testsrv.Updating()
	for _, path := range archives {
		name := strings.TrimSuffix(filepath.Base(path), ".txtar")
		t.Run(name, func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			var wantText, wantJSON []byte
			var inputs []txtar.File
			for _, f := range ar.Files {
				switch f.Name {
				case "want.txt":
					wantText = f.Data
				case "want.json":
					wantJSON = f.Data
				default:
					inputs = append(inputs, f)
					p := filepath.Join(dir, f.Name)
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(p, f.Data, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			gotText, code := runIn(t, dir, "validate")
			if code != 1 {
				t.Errorf("exit status %d, want 1 (the input is invalid)", code)
			}
			if !strings.Contains(gotText, "Error: ") {
				t.Errorf("no error reported:\n%s", gotText)
			}
			gotJSON, _ := runIn(t, dir, "validate", "-json")
			if update {
				ar.Files = append(inputs, txtar.File{Name: "want.txt", Data: []byte(gotText)}, txtar.File{Name: "want.json", Data: []byte(gotJSON)})
				if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if !bytes.Equal([]byte(gotText), wantText) {
				t.Errorf("text output differs from the golden file (INDIGO_UPDATE=1 to refresh):\n--- got\n%s\n--- want\n%s", gotText, wantText)
			}
			if !bytes.Equal([]byte(gotJSON), wantJSON) {
				t.Errorf("JSON output differs from the golden file (INDIGO_UPDATE=1 to refresh):\n--- got\n%s\n--- want\n%s", gotJSON, wantJSON)
			}
		})
	}
}

// runIn runs indigo in dir, in-process, and returns stdout+stderr and the
// exit status.
func runIn(t testing.TB, dir string, args ...string) (string, int) {
	t.Helper()
	return runInWith(t, dir, "", args...)
}

// runInWith is runIn with stdin as the command's standard input.
func runInWith(t testing.TB, dir, stdin string, args ...string) (string, int) {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	var out bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &out)
	return out.String(), code
}
