package hcllang

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// dumpBody writes every item of a parsed body with its ranges, so that two
// parses can be compared exactly.
func dumpBody(b *strings.Builder, body *hclsyntax.Body, indent string) {
	fmt.Fprintf(b, "%sbody %v end %v\n", indent, body.SrcRange, body.EndRange)
	names := make([]string, 0, len(body.Attributes))
	for n := range body.Attributes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		a := body.Attributes[n]
		fmt.Fprintf(b, "%sattr %s %v %v %v\n", indent, n, a.SrcRange, a.NameRange, a.Expr.Range())
	}
	for _, blk := range body.Blocks {
		fmt.Fprintf(b, "%sblock %s %q %v %v %v %v\n", indent, blk.Type, blk.Labels, blk.TypeRange, blk.LabelRanges, blk.OpenBraceRange, blk.CloseBraceRange)
		dumpBody(b, blk.Body, indent+"  ")
	}
}

// dumpFile is dumpBody of a file with its diagnostics and, at every line
// start, what its navigation says (the context diagnostics print).
func dumpFile(f *hcl.File, diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "diag %v\n", d)
	}
	if f == nil {
		return b.String()
	}
	if body, ok := f.Body.(*hclsyntax.Body); ok {
		dumpBody(&b, body, "")
	}
	nav, _ := f.Nav.(interface {
		ContextString(int) string
		ContextDefRange(int) hcl.Range
	})
	for off := 0; off <= len(f.Bytes); off++ {
		if nav != nil && (off == 0 || f.Bytes[off-1] == '\n' || off%7 == 0) {
			fmt.Fprintf(&b, "nav %d %q %v\n", off, nav.ContextString(off), nav.ContextDefRange(off))
		}
	}
	return b.String()
}

// checkPieces fails when parsing src in up to n pieces gives anything the
// single parse does not.
func checkPieces(t *testing.T, src string, n int) {
	t.Helper()
	want := dumpFile(hclsyntax.ParseConfig([]byte(src), "main.tf", hcl.InitialPos))
	got := dumpFile(parseInPieces([]byte(src), "main.tf", n))
	if got != want {
		t.Errorf("%d pieces of\n%s\ngave\n%s\nwant\n%s", n, src, got, want)
	}
}

func generated(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "resource \"local_file\" \"r%d\" {\n  filename = \"${path.module}/out/r%d.txt\"\n  content  = \"r%d\\n\"\n}\n", i, i, i)
	}
	return b.String()
}

var pieceSources = map[string]string{
	"generated": generated(40),
	"nested and unicode": generated(5) + `locals {
  ünï = "çødé ☃"
  m = {
    a = 1
  }
}
module "m" {
  source = "./m"
  nested {
    x = [
      1,
    ]
  }
}
` + generated(5) + "output \"o\" {\n  value = local.m\n}\n",
	"heredoc holding blocks": generated(3) + `locals {
  script = <<EOT
}
resource "x" "inside_heredoc" {
}
resource "y" "also_inside" {
}
EOT
}
` + generated(3),
	"comment holding blocks": generated(3) + "/*\n}\nresource \"x\" \"c\" {\n}\n}\nresource \"z\" \"d\" {\n}\n*/\n" + generated(3),
	"top-level arguments":    "a = 1\n" + generated(4) + "b = 2\n" + generated(4),
	"argument set twice":     "a = 1\n" + generated(6) + "a = 2\n" + generated(6),
	"syntax error":           generated(6) + "resource \"x\" {\n  a = \n}\n" + generated(6),
	"unclosed block":         generated(6) + "resource \"x\" \"y\" {\n" + generated(6),
	"crlf":                   strings.ReplaceAll(generated(8), "\n", "\r\n"),
	"no trailing newline":    strings.TrimSuffix(generated(8), "\n"),
	"multi-line expression": generated(3) + `locals {
  x = {
}
resource = 1
  }
}
` + generated(3),
}

func TestParseInPiecesIsTheSingleParse(t *testing.T) {
	for name, src := range pieceSources {
		t.Run(name, func(t *testing.T) {
			for n := 1; n <= 7; n++ {
				checkPieces(t, src, n)
			}
		})
	}
}

// TestParseInPiecesCuts checks that a large generated file is really cut
// (else the test above proves nothing about joining).
func TestParseInPiecesCuts(t *testing.T) {
	src := []byte(generated(40))
	if cuts := pieceCuts(src, 4); len(cuts) != 3 {
		t.Fatalf("pieceCuts gave %v, want 3 cuts", cuts)
	}
	f, diags := parseInPieces(src, "main.tf", 4)
	if diags != nil {
		t.Fatal(diags)
	}
	if _, ok := f.Nav.(pieceNav); !ok {
		t.Fatalf("the file was parsed as one (Nav %T)", f.Nav)
	}
	if n := len(f.Body.(*hclsyntax.Body).Blocks); n != 40 {
		t.Fatalf("%d blocks, want 40", n)
	}
}

func FuzzParseInPieces(f *testing.F) {
	for _, src := range pieceSources {
		f.Add(src, 3)
	}
	f.Fuzz(func(t *testing.T, src string, n int) {
		if n < 1 || n > 8 {
			return
		}
		checkPieces(t, src, n)
	})
}

// BenchmarkParseLargeFile parses the 1 MB file of 10,000 resource blocks
// that benchvs validates, whole and in pieces.
func BenchmarkParseLargeFile(b *testing.B) {
	src := []byte(generated(10000))
	for _, n := range []int{1, 16, 64, 256, 1024} {
		b.Run(fmt.Sprintf("pieces=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if _, diags := parseInPieces(src, "main.tf", n); diags.HasErrors() {
					b.Fatal(diags)
				}
			}
		})
	}
}
