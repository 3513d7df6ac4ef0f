// Package view turns indigo's models (diagnostics, plans, rankings, state)
// into what a person reads in a terminal and into versioned JSON for tools.
// The models know nothing about terminals; commands pick a view. The
// documented JSON views of plans and of the state, which tools parse, are
// the subpackages jsonplan and jsonstate.
package view

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// Sources gives access to the text of the files diagnostics point at.
type Sources struct {
	files map[string]*hcl.File
	read  map[string][]byte
	// BaseDir, when set, shortens file names relative to it.
	BaseDir string
}

// NewSources returns Sources backed by already parsed files; files missing
// from the map (TOSCA templates, variables files) are read from disk on
// demand.
func NewSources(files map[string]*hcl.File) *Sources {
	return &Sources{files: files, read: map[string][]byte{}}
}

func (s *Sources) bytes(name string) []byte {
	if s == nil {
		return nil
	}
	if f, ok := s.files[name]; ok && f != nil {
		return f.Bytes
	}
	if b, ok := s.read[name]; ok {
		return b
	}
	b, err := os.ReadFile(name)
	if err != nil {
		b = nil
	}
	s.read[name] = b
	return b
}

func (s *Sources) context(name string, offset int) string {
	if s == nil {
		return ""
	}
	f, ok := s.files[name]
	if !ok || f == nil || f.Nav == nil {
		return ""
	}
	if nav, ok := f.Nav.(interface{ ContextString(int) string }); ok {
		return nav.ContextString(offset)
	}
	return ""
}

// DisplayName shortens a file name for display.
func (s *Sources) DisplayName(name string) string {
	if s == nil || s.BaseDir == "" || name == "" {
		return name
	}
	if rel, err := filepath.Rel(s.BaseDir, name); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return name
}

// Snippet is the source line a diagnostic points at.
type Snippet struct {
	Context string `json:"context"`
	Code    string `json:"code"`
	// StartLine is the line number of Code.
	StartLine int `json:"start_line"`
	// HighlightStartOffset and HighlightEndOffset are byte offsets into Code
	// of the part the diagnostic is about.
	HighlightStartOffset int `json:"highlight_start_offset"`
	HighlightEndOffset   int `json:"highlight_end_offset"`
	// Values describe the values the diagnostic's expression referred to
	// (expressionValues); empty, never absent.
	Values []ExpressionValue `json:"values"`
	// FunctionCall is the function the diagnostic arose in, if any.
	FunctionCall *FunctionCall `json:"function_call,omitempty"`
}

// snippet extracts the line of rng.Start and the highlighted part of it.
func (s *Sources) snippet(rng *hcl.Range) *Snippet {
	if rng == nil {
		return nil
	}
	src := s.bytes(rng.Filename)
	if src == nil {
		return nil
	}
	start := rng.Start.Byte
	if start < 0 || start > len(src) {
		return nil
	}
	// Trust the line number over the byte offset when they disagree (a
	// front end that could not compute bytes).
	lineStart, lineNo := 0, 1
	for i := 0; i < len(src) && lineNo < rng.Start.Line; i++ {
		if src[i] == '\n' {
			lineNo++
			lineStart = i + 1
		}
	}
	if lineNo != rng.Start.Line {
		return nil
	}
	lineEnd := lineStart
	for lineEnd < len(src) && src[lineEnd] != '\n' {
		lineEnd++
	}
	code := strings.TrimRight(string(src[lineStart:lineEnd]), "\r")
	if start < lineStart || start > lineEnd {
		// Compute the offset from the column instead.
		start = lineStart + columnOffset(code, rng.Start.Column)
	}
	end := rng.End.Byte
	if rng.End.Line != rng.Start.Line || end > lineStart+len(code) || end < start {
		end = lineStart + len(code)
	}
	return &Snippet{
		Context:              s.context(rng.Filename, start),
		Code:                 code,
		StartLine:            lineNo,
		HighlightStartOffset: start - lineStart,
		HighlightEndOffset:   end - lineStart,
		Values:               []ExpressionValue{},
	}
}

// columnOffset converts a 1-based character column into a byte offset.
func columnOffset(line string, col int) int {
	off := 0
	for i := 1; i < col && off < len(line); i++ {
		_, size := utf8.DecodeRuneInString(line[off:])
		off += size
	}
	return off
}

// Diagnostics writes diags for people: each with its severity, summary,
// location, the source line with the problem underlined, and the detail.
func Diagnostics(w io.Writer, diags hcl.Diagnostics, src *Sources) {
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	for _, d := range diags {
		sev := "Error"
		if d.Severity == hcl.DiagWarning {
			sev = "Warning"
		}
		fmt.Fprintf(bw, "\n%s: %s\n", sev, d.Summary)
		if d.Subject != nil {
			name := src.DisplayName(d.Subject.Filename)
			if sn := src.snippet(d.Subject); sn != nil {
				if a := diagAddress(d); a != "" {
					fmt.Fprintf(bw, "\n  with %s,", a)
				}
				fmt.Fprintf(bw, "\n  on %s line %d", name, d.Subject.Start.Line)
				if sn.Context != "" {
					fmt.Fprintf(bw, ", in %s", sn.Context)
				}
				fmt.Fprintf(bw, ":\n")
				prefix := fmt.Sprintf("%4d: ", sn.StartLine)
				fmt.Fprintf(bw, "%s%s\n", prefix, sn.Code)
				fmt.Fprintf(bw, "%s%s\n", strings.Repeat(" ", len(prefix)), underline(sn))
				values, call := expressionValues(d), functionCall(d)
				if len(values) > 0 || call != nil {
					fmt.Fprintf(bw, "    ├%s\n", strings.Repeat("─", 16))
					if call != nil {
						fmt.Fprintf(bw, "    │ while calling %s\n", call.callLine())
					}
					for _, v := range values {
						fmt.Fprintf(bw, "    │ %s %s\n", v.Traversal, v.Statement)
					}
				}
			} else if d.Subject.Filename != "" {
				fmt.Fprintf(bw, "\n  on %s line %d, column %d\n", name, d.Subject.Start.Line, d.Subject.Start.Column)
			}
		}
		if d.Detail != "" {
			fmt.Fprintf(bw, "\n%s\n", wrap(d.Detail, Columns))
		}
	}
}

// addressed is what a diagnostic about one resource instance carries in
// its Extra (the planner's problems from providers).
type addressed interface{ DiagnosticAddress() string }

// diagAddress is the resource instance d is about, or "".
func diagAddress(d *hcl.Diagnostic) string {
	if a, ok := hcl.DiagnosticExtra[addressed](d); ok {
		return a.DiagnosticAddress()
	}
	return ""
}

// underline returns a line of spaces and carets that sits under the
// highlighted part of the snippet, keeping tabs so it lines up.
func underline(sn *Snippet) string {
	var b strings.Builder
	for _, r := range sn.Code[:sn.HighlightStartOffset] {
		if r == '\t' {
			b.WriteRune('\t')
		} else {
			b.WriteRune(' ')
		}
	}
	n := utf8.RuneCountInString(sn.Code[sn.HighlightStartOffset:sn.HighlightEndOffset])
	if n < 1 {
		n = 1
	}
	b.WriteString(strings.Repeat("^", n))
	return b.String()
}

// Columns is the width prose is folded at, as Terraform folds it when its
// output is not a terminal (in CI logs, most often).
const Columns = 78

// Rule is the horizontal rule between the parts of a plan, one column
// narrower than Columns, as Terraform's.
var Rule = strings.Repeat("─", Columns-1)

// Fold folds prose at Columns, as Terraform folds its messages when its
// output is not a terminal.
func Fold(text string) string { return wrap(text, Columns) }

// wrap folds text at width, keeping existing line breaks and indentation.
func wrap(text string, width int) string {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		if len(para) <= width || strings.HasPrefix(para, " ") {
			out = append(out, para)
			continue
		}
		line := ""
		for _, word := range strings.Fields(para) {
			if line != "" && len(line)+1+len(word) > width {
				out = append(out, line)
				line = word
				continue
			}
			if line == "" {
				line = word
			} else {
				line += " " + word
			}
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// DiagnosticsJSONVersion is the format_version of the JSON diagnostics
// document.
const DiagnosticsJSONVersion = "1.0"

// JSONPos is a position in a source file.
type JSONPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

// JSONRange is a range in a source file.
type JSONRange struct {
	Filename string  `json:"filename"`
	Start    JSONPos `json:"start"`
	End      JSONPos `json:"end"`
}

// JSONDiagnostic is one diagnostic in JSON output.
type JSONDiagnostic struct {
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
	Detail   string `json:"detail,omitempty"`
	// Address is the resource instance the problem is about, as
	// Terraform's diagnostics name it.
	Address string     `json:"address,omitempty"`
	Range   *JSONRange `json:"range,omitempty"`
	Snippet *Snippet   `json:"snippet,omitempty"`
}

// ValidateJSON is the document `indigo validate -json` prints.
type ValidateJSON struct {
	FormatVersion string           `json:"format_version"`
	Valid         bool             `json:"valid"`
	ErrorCount    int              `json:"error_count"`
	WarningCount  int              `json:"warning_count"`
	Diagnostics   []JSONDiagnostic `json:"diagnostics"`
}

// ToJSON converts diagnostics to their JSON form, in a stable order.
func ToJSON(diags hcl.Diagnostics, src *Sources) []JSONDiagnostic {
	out := make([]JSONDiagnostic, 0, len(diags))
	for _, d := range diags {
		jd := JSONDiagnostic{Severity: "error", Summary: d.Summary, Detail: d.Detail, Address: diagAddress(d)}
		if d.Severity == hcl.DiagWarning {
			jd.Severity = "warning"
		}
		if d.Subject != nil {
			r := d.Subject
			jd.Range = &JSONRange{
				Filename: src.DisplayName(r.Filename),
				Start:    JSONPos{Line: r.Start.Line, Column: r.Start.Column, Byte: r.Start.Byte},
				End:      JSONPos{Line: r.End.Line, Column: r.End.Column, Byte: r.End.Byte},
			}
			if jd.Snippet = src.snippet(r); jd.Snippet != nil {
				jd.Snippet.Values, jd.Snippet.FunctionCall = expressionValues(d), functionCall(d)
			}
		}
		out = append(out, jd)
	}
	return out
}

// WriteValidateJSON writes the validate document.
func WriteValidateJSON(w io.Writer, diags hcl.Diagnostics, src *Sources) error {
	doc := ValidateJSON{FormatVersion: DiagnosticsJSONVersion, Diagnostics: ToJSON(diags, src)}
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			doc.ErrorCount++
		} else {
			doc.WarningCount++
		}
	}
	doc.Valid = doc.ErrorCount == 0
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// Sort orders diagnostics by file, position, then errors before warnings,
// so output is stable whatever order the checks ran in.
func Sort(diags hcl.Diagnostics) {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i], diags[j]
		if (a.Subject == nil) != (b.Subject == nil) {
			return a.Subject == nil
		}
		if a.Subject != nil {
			if a.Subject.Filename != b.Subject.Filename {
				return a.Subject.Filename < b.Subject.Filename
			}
			if a.Subject.Start.Byte != b.Subject.Start.Byte {
				return a.Subject.Start.Byte < b.Subject.Start.Byte
			}
			if a.Subject.Start.Line != b.Subject.Start.Line {
				return a.Subject.Start.Line < b.Subject.Start.Line
			}
		}
		if a.Severity != b.Severity {
			return a.Severity == hcl.DiagError
		}
		return a.Summary < b.Summary
	})
}
