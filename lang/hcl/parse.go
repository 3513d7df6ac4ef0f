package hcllang

import (
	"bytes"
	"runtime"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// pieceBytes is about the size of the pieces a large native-syntax file is
// parsed in. hclsyntax lexes a whole file into one slice of tokens that
// grows as it goes; in pieces of this size the slices stay small (in the
// processor's cache, and soon collected): the 1 MB file of 10,000 blocks
// that benchvs validates takes about a tenth less CPU and half the memory
// in 16 pieces than whole, and the pieces parse on every core.
const pieceBytes = 64 << 10

// parseInPieces parses src in up to n pieces. A cut is made only after a
// line holding just "}" and before a line that starts a new item; when a
// piece does not parse cleanly (the cut was inside a heredoc, a comment or
// a multi-line expression, or the file has errors) or two pieces set the
// same top-level argument, the whole file is parsed as one, so that the
// result and the diagnostics are always the single parse's.
func parseInPieces(src []byte, path string, n int) (*hcl.File, hcl.Diagnostics) {
	cuts := pieceCuts(src, n)
	if len(cuts) == 0 {
		return hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	}
	bounds := append(append([]int{0}, cuts...), len(src))
	files := make([]*hcl.File, len(bounds)-1)
	clean := make([]bool, len(files))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range files {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			start := posAt(src, bounds[i])
			f, diags := hclsyntax.ParseConfig(src[bounds[i]:bounds[i+1]], path, start)
			files[i], clean[i] = f, len(diags) == 0
		}()
	}
	wg.Wait()
	body := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}}
	for i, f := range files {
		b, ok := f.Body.(*hclsyntax.Body)
		if !clean[i] || !ok {
			return hclsyntax.ParseConfig(src, path, hcl.InitialPos)
		}
		for name, a := range b.Attributes {
			if _, dup := body.Attributes[name]; dup {
				return hclsyntax.ParseConfig(src, path, hcl.InitialPos)
			}
			body.Attributes[name] = a
		}
		body.Blocks = append(body.Blocks, b.Blocks...)
		if i == 0 {
			body.SrcRange.Filename, body.SrcRange.Start = b.SrcRange.Filename, b.SrcRange.Start
		}
		body.SrcRange.End, body.EndRange = b.SrcRange.End, b.EndRange
	}
	return &hcl.File{Body: body, Bytes: src, Nav: pieceNav{bounds: bounds, files: files}}, nil
}

// pieceCuts returns up to n-1 offsets at which src may be cut: the start of
// a line that follows a line holding just "}" and starts with a letter (a
// block type), near equal fractions of src.
func pieceCuts(src []byte, n int) []int {
	var cuts []int
	last := 0
	for i := 1; i < n; i++ {
		from := max(len(src)*i/n, last)
		j := bytes.Index(src[from:], []byte("\n}\n"))
		if j < 0 {
			break
		}
		cut := from + j + 3
		if cut >= len(src) || !isLetter(src[cut]) {
			// Try from the next line.
			last = from + j + 1
			i--
			continue
		}
		cuts = append(cuts, cut)
		last = cut
	}
	return cuts
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// posAt is the position of the start of the line at offset off.
func posAt(src []byte, off int) hcl.Pos {
	return hcl.Pos{Line: 1 + bytes.Count(src[:off], []byte("\n")), Column: 1, Byte: off}
}

// pieceNav answers what a file's navigation answers (the block a position
// is in, for diagnostics) from the piece that holds the offset.
type pieceNav struct {
	bounds []int
	files  []*hcl.File
}

func (n pieceNav) piece(offset int) any {
	for i, f := range n.files {
		if offset < n.bounds[i+1] || i == len(n.files)-1 {
			return f.Nav
		}
	}
	return nil
}

// ContextString is hclsyntax's file navigation's.
func (n pieceNav) ContextString(offset int) string {
	if nav, ok := n.piece(offset).(interface{ ContextString(int) string }); ok {
		return nav.ContextString(offset)
	}
	return ""
}

// ContextDefRange is hclsyntax's file navigation's.
func (n pieceNav) ContextDefRange(offset int) hcl.Range {
	if nav, ok := n.piece(offset).(interface{ ContextDefRange(int) hcl.Range }); ok {
		return nav.ContextDefRange(offset)
	}
	return hcl.Range{}
}
