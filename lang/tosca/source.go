package tosca

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"gopkg.in/yaml.v3"
)

// source is one YAML file read into memory, with what is needed to turn a
// yaml.Node's line and column into an hcl.Range with byte offsets (the
// diagnostic renderer prints snippets from byte offsets).
type source struct {
	name  string
	src   []byte
	lines []int // byte offset where each line starts
	root  *yaml.Node
}

func newSource(name string, src []byte) *source {
	s := &source{name: name, src: src, lines: []int{0}}
	for i, b := range src {
		if b == '\n' {
			s.lines = append(s.lines, i+1)
		}
	}
	return s
}

// pos converts a yaml line and column (both 1-based, the column counted in
// characters) into an hcl.Pos.
func (s *source) pos(line, col int) hcl.Pos {
	if line < 1 {
		line, col = 1, 1
	}
	if line > len(s.lines) {
		line = len(s.lines)
	}
	off := s.lines[line-1]
	end := len(s.src)
	if line < len(s.lines) {
		end = s.lines[line]
	}
	b := off
	for c := 1; c < col && b < end; c++ {
		_, w := utf8.DecodeRune(s.src[b:end])
		b += w
	}
	return hcl.Pos{Line: line, Column: col, Byte: b}
}

// advance returns p moved forward by n bytes on the same line.
func (s *source) advance(p hcl.Pos, n int) hcl.Pos {
	end := len(s.src)
	if p.Line < len(s.lines) {
		end = s.lines[p.Line] - 1
	}
	for i := 0; i < n && p.Byte < end; {
		r, w := utf8.DecodeRune(s.src[p.Byte:end])
		if r == '\n' {
			break
		}
		p.Byte += w
		p.Column++
		i += w
	}
	return p
}

// rng returns the range a node covers: a scalar its text on its first line,
// a collection from its start to the end of its last element.
func (s *source) rng(n *yaml.Node) hcl.Range {
	if n == nil {
		return hcl.Range{Filename: s.name, Start: hcl.InitialPos, End: hcl.InitialPos}
	}
	start := s.pos(n.Line, n.Column)
	end := start
	switch n.Kind {
	case yaml.ScalarNode:
		width := len(n.Value)
		switch n.Style {
		case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
			width = s.quotedWidth(start)
		case yaml.LiteralStyle, yaml.FoldedStyle:
			width = 1
		}
		if i := strings.IndexByte(n.Value, '\n'); i >= 0 && n.Style == 0 {
			width = i
		}
		if width < 1 {
			width = 1
		}
		end = s.advance(start, width)
	case yaml.MappingNode, yaml.SequenceNode:
		if len(n.Content) > 0 {
			end = s.rng(n.Content[len(n.Content)-1]).End
		} else {
			end = s.advance(start, 1)
		}
		if n.Style&yaml.FlowStyle != 0 {
			end = s.closeFlow(end)
		}
	case yaml.AliasNode:
		end = s.advance(start, len(n.Value)+1)
	default:
		end = s.advance(start, 1)
	}
	if end.Byte < start.Byte {
		end = start
	}
	return hcl.Range{Filename: s.name, Start: start, End: end}
}

// closeFlow extends the end of a flow collection over its closing bracket.
func (s *source) closeFlow(end hcl.Pos) hcl.Pos {
	for i := end.Byte; i < len(s.src) && i < end.Byte+4096; i++ {
		switch s.src[i] {
		case ' ', '\t', '\r', '\n', ',':
			continue
		case '}', ']':
			return s.posAt(i + 1)
		}
		break
	}
	return end
}

// posAt converts a byte offset into a position.
func (s *source) posAt(b int) hcl.Pos {
	line := sort.Search(len(s.lines), func(i int) bool { return s.lines[i] > b })
	col := 1 + utf8.RuneCount(s.src[s.lines[line-1]:b])
	return hcl.Pos{Line: line, Column: col, Byte: b}
}

// quotedWidth finds the closing quote of a quoted scalar starting at p, on
// the same line; it returns 1 when the scalar spans lines.
func (s *source) quotedWidth(p hcl.Pos) int {
	if p.Byte >= len(s.src) {
		return 1
	}
	q := s.src[p.Byte]
	for i := p.Byte + 1; i < len(s.src); i++ {
		switch s.src[i] {
		case '\n':
			return 1
		case '\\':
			if q == '"' {
				i++
			}
		case q:
			if q == '\'' && i+1 < len(s.src) && s.src[i+1] == '\'' {
				i++
				continue
			}
			return i - p.Byte + 1
		}
	}
	return 1
}

// diag builds an error diagnostic at n.
func (s *source) errorf(n *yaml.Node, summary, detail string, args ...any) *hcl.Diagnostic {
	r := s.rng(n)
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: &r}
}

// warnf builds a warning diagnostic at n.
func (s *source) warnf(n *yaml.Node, summary, detail string, args ...any) *hcl.Diagnostic {
	r := s.rng(n)
	return &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: &r}
}
