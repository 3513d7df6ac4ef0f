package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// fmtSamples returns HCL sources to format: the examples and, when present,
// every file of the shared Terraform corpus.
func fmtSamples(t *testing.T) map[string][]byte {
	out := map[string][]byte{
		"messy.hcl": []byte("resource \"a\" \"b\" {\nx=1\n  yy = \"2\"\n    nested {\n  a = [1,2,\n3]\n  }\n  s = <<EOT\n  keep   this\nEOT\n  # comment\n}\nlocals {\nm = {a=1, bb = 2}\n}\n"),
	}
	roots := []string{"../../examples"}
	if shared := sharedCorpus(); shared != "" {
		roots = append(roots, filepath.Join(shared, "terraform"))
	} else {
		t.Log("../shared/corpus is absent: formatting only the built-in samples and examples")
	}
	for _, root := range roots {
		filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && isFormattable(d.Name()) {
				if b, err := os.ReadFile(path); err == nil {
					out[path] = b
				}
			}
			return nil
		})
	}
	return out
}

func sharedCorpus() string {
	p, err := filepath.Abs("../../../shared/corpus")
	if err != nil {
		return ""
	}
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// meaningTokens lexes src into its tokens, without the whitespace that
// formatting may change.
func meaningTokens(t *testing.T, src []byte, name string) []string {
	toks, diags := hclsyntax.LexConfig(src, name, hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("%s: %s", name, diags.Error())
	}
	var out []string
	for _, tok := range toks {
		text := string(tok.Bytes)
		if tok.Type == hclsyntax.TokenComment {
			text = strings.TrimRight(text, " \t\r\n")
		}
		out = append(out, tok.Type.String()+" "+text)
	}
	return out
}

// TestFmtKeepsMeaningAndIsIdempotent formats every sample, checks that the
// token stream (everything but whitespace) is unchanged, that the result
// parses to the same structure, and that formatting again changes nothing.
func TestFmtKeepsMeaningAndIsIdempotent(t *testing.T) {
	samples := fmtSamples(t)
	if len(samples) < 2 {
		t.Fatal("no samples")
	}
	for name, src := range samples {
		out, diags := formatSource(src, name)
		if diags.HasErrors() {
			t.Errorf("%s: %s", name, diags.Error())
			continue
		}
		before, after := meaningTokens(t, src, name), meaningTokens(t, out, name)
		if strings.Join(before, "\n") != strings.Join(after, "\n") {
			t.Errorf("%s: formatting changed the tokens", name)
			continue
		}
		again, _ := formatSource(out, name)
		if !bytes.Equal(again, out) {
			t.Errorf("%s: formatting is not idempotent", name)
		}
		f1, _ := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
		f2, _ := hclsyntax.ParseConfig(out, name, hcl.InitialPos)
		a1, _ := f1.Body.JustAttributes()
		a2, _ := f2.Body.JustAttributes()
		if len(a1) != len(a2) || len(f1.Body.(*hclsyntax.Body).Blocks) != len(f2.Body.(*hclsyntax.Body).Blocks) {
			t.Errorf("%s: formatting changed the structure", name)
		}
	}
	t.Logf("formatted %d files", len(samples))
}
