package tosca

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// renderDiags prints diagnostics the way the golden files keep them: one
// located line per diagnostic, then its detail, with paths relative to
// testdata.
func renderDiags(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		sev := "error"
		if d.Severity == hcl.DiagWarning {
			sev = "warning"
		}
		where := "(no position)"
		if d.Subject != nil {
			name := filepath.ToSlash(d.Subject.Filename)
			if i := strings.Index(name, "testdata/"); i >= 0 {
				name = name[i+len("testdata/"):]
			}
			where = fmt.Sprintf("%s:%d:%d", name, d.Subject.Start.Line, d.Subject.Start.Column)
		}
		fmt.Fprintf(&b, "%s: %s: %s\n    %s\n", where, sev, d.Summary, d.Detail)
	}
	return b.String()
}

// checkRanges fails when a diagnostic has no position, or when its byte
// offset does not match its line and column in the file it names.
func checkRanges(t *testing.T, diags hcl.Diagnostics) {
	t.Helper()
	for _, d := range diags {
		if d.Subject == nil || d.Subject.Filename == "" || d.Subject.Start.Line < 1 || d.Subject.Start.Column < 1 {
			t.Errorf("unlocated diagnostic: %s: %s", d.Summary, d.Detail)
			continue
		}
		checkPos(t, d.Subject.Filename, d.Subject.Start)
		checkPos(t, d.Subject.Filename, d.Subject.End)
	}
}

func checkPos(t *testing.T, file string, p hcl.Pos) {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		if strings.HasPrefix(file, "embedded:") {
			src, err = typeFiles.ReadFile(strings.TrimPrefix(file, "embedded:"))
		}
		if err != nil {
			return
		}
	}
	line, col := 1, 1
	for i := 0; i < p.Byte && i < len(src); {
		r, w := utf8.DecodeRune(src[i:])
		i += w
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	if line != p.Line || col != p.Column {
		t.Errorf("%s: byte %d is at %d:%d, the range says %d:%d", file, p.Byte, line, col, p.Line, p.Column)
	}
}

func TestBadTemplates(t *testing.T) {
	files, _ := filepath.Glob("testdata/bad/*.yaml")
	if len(files) < 25 {
		t.Fatalf("want at least 25 bad templates, have %d", len(files))
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".yaml"), func(t *testing.T) {
			_, diags := Load(f, Options{})
			if len(diags) == 0 {
				t.Fatal("no diagnostics for a bad template")
			}
			checkRanges(t, diags)
			got := renderDiags(diags)
			testsrv.Golden(t, strings.TrimSuffix(f, ".yaml")+".txt", []byte(got))
		})
	}
}
