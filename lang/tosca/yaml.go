package tosca

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"gopkg.in/yaml.v3"
)

var yamlErrLine = regexp.MustCompile(`line (\d+)(?:, column (\d+))?: (.*)`)

// parseYAML reads one YAML document. Syntax errors become diagnostics at the
// line the YAML parser names.
func parseYAML(name string, src []byte) (*source, hcl.Diagnostics) {
	s := newSource(name, src)
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		line, col := 1, 1
		if m := yamlErrLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			if m[2] != "" {
				col, _ = strconv.Atoi(m[2])
			}
			msg = m[3]
			if parserError(msg) {
				// yaml.v3 numbers parser errors from 0 and scanner
				// errors from 1; move parser errors to their real line
				line++
			}
		}
		p := s.pos(line, col)
		r := hcl.Range{Filename: name, Start: p, End: s.advance(p, 1)}
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid YAML",
			Detail:   "The file is not valid YAML: " + msg + ". Fix the syntax at this line (check indentation, unclosed quotes and brackets, and a missing space after a colon).",
			Subject:  &r,
		}}
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind == 0 {
		p := s.pos(1, 1)
		r := hcl.Range{Filename: name, Start: p, End: p}
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Empty template",
			Detail:   "The file holds no YAML document. A TOSCA file starts with tosca_definitions_version: tosca_simple_yaml_1_0.",
			Subject:  &r,
		}}
	}
	s.root = doc.Content[0]
	return s, breakAliasCycles(s, s.root)
}

// breakAliasCycles finds the aliases that refer to a node containing them
// (a: &x {b: *x}, or a merge key <<: *x inside x), whose value would be
// infinite, reports each one and turns it into null, so that nothing after
// this has to guard against cycles. (How many values aliases may stand for
// is bounded by the loader's work budget, see spend.) An alias to a node
// that is not one of its ancestors cannot close a cycle: YAML defines an
// anchor before any alias to it, so that node is complete and was checked
// itself.
func breakAliasCycles(s *source, root *yaml.Node) hcl.Diagnostics {
	var diags hcl.Diagnostics
	open := map[*yaml.Node]bool{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil {
			return
		}
		if n.Kind == yaml.AliasNode {
			if open[n.Alias] {
				diags = append(diags, s.errorf(n, "Recursive alias",
					"The alias *%s refers to a node that contains it, so its value would never end. Refer to a node outside this one, or write out what you need.", n.Value))
				n.Kind, n.Tag, n.Value, n.Alias = yaml.ScalarNode, "!!null", "", nil
			}
			return
		}
		open[n] = true
		for _, c := range n.Content {
			walk(c)
		}
		delete(open, n)
	}
	walk(root)
	return diags
}

// parserError reports whether a yaml.v3 message comes from its parser
// (rather than its scanner).
func parserError(msg string) bool {
	for _, p := range []string{"did not find expected key", "did not find expected node content", "did not find expected ',' or", "did not find expected '-' indicator", "did not find expected <document start>", "found undefined tag handle", "found duplicate %YAML", "found incompatible YAML document", "found duplicate %TAG"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// pair is one key and value of a YAML mapping.
type pair struct {
	key   *yaml.Node
	value *yaml.Node
}

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		return n.Content[0]
	}
	return n
}

// isNull reports whether n is absent or the YAML null.
func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// isMap and isSeq test a node's kind after aliases.
func isMap(n *yaml.Node) bool { n = resolve(n); return n != nil && n.Kind == yaml.MappingNode }
func isSeq(n *yaml.Node) bool { n = resolve(n); return n != nil && n.Kind == yaml.SequenceNode }
func isScalar(n *yaml.Node) bool {
	n = resolve(n)
	return n != nil && n.Kind == yaml.ScalarNode && n.Tag != "!!null"
}

// pairs returns the entries of a mapping, with merge keys (<<) expanded.
// Duplicate keys are reported once per mapping as warnings: YAML 1.1
// loaders (the INDIGO orchestrator's among them) kept the last value, and
// real type files rely on it, so indigo does the same and says where.
func (l *loader) pairs(s *source, n *yaml.Node) []pair {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	out := make([]pair, 0, len(n.Content)/2)
	index := map[string]int{}
	report := !l.dupSeen[n]
	if report {
		l.dupSeen[n] = true
	}
	add := func(k, v *yaml.Node) {
		if i, dup := index[k.Value]; dup {
			if report {
				prev := out[i].key
				l.diags = append(l.diags, s.warnf(k, "Duplicate key",
					"The key %q is already defined at line %d of this mapping; the value given here is used and the earlier one ignored, as YAML 1.1 loaders did. Remove one of the two.",
					k.Value, prev.Line))
			}
			out[i] = pair{k, v}
			return
		}
		index[k.Value] = len(out)
		out = append(out, pair{k, v})
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k == nil {
			continue
		}
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			for _, src := range mergeSources(v) {
				for _, p := range l.pairs(s, src) {
					if _, ok := index[p.key.Value]; !ok {
						index[p.key.Value] = len(out)
						out = append(out, p)
					}
				}
			}
			continue
		}
		if k.Kind != yaml.ScalarNode {
			l.diags = append(l.diags, s.errorf(k, "Unsupported mapping key",
				"A key here must be a plain name; complex keys (a list or a mapping used as a key) are not part of TOSCA."))
			continue
		}
		add(k, n.Content[i+1])
	}
	return out
}

func mergeSources(v *yaml.Node) []*yaml.Node {
	v = resolve(v)
	if v == nil {
		return nil
	}
	if v.Kind == yaml.SequenceNode {
		var out []*yaml.Node
		for _, c := range v.Content {
			out = append(out, resolve(c))
		}
		return out
	}
	return []*yaml.Node{v}
}

// lookup returns the value of key in mapping n, or nil.
func (l *loader) lookup(s *source, n *yaml.Node, key string) *yaml.Node {
	for _, p := range l.pairs(s, n) {
		if p.key.Value == key {
			return resolve(p.value)
		}
	}
	return nil
}

// items returns the elements of a sequence.
func items(n *yaml.Node) []*yaml.Node {
	n = resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out[i] = resolve(c)
	}
	return out
}

// scalarString returns a scalar's text.
func scalarString(n *yaml.Node) (string, bool) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", false
	}
	return n.Value, true
}

// parseBool reads a boolean, accepting the YAML 1.1 spellings (yes, no, on,
// off, y, n) that TOSCA files written for YAML 1.1 loaders use.
func parseBool(s string) (bool, bool) {
	switch s {
	case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y":
		return true, true
	case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N":
		return false, true
	}
	return false, false
}

// kindName names a node's kind for messages.
func kindName(n *yaml.Node) string {
	n = resolve(n)
	switch {
	case n == nil || isNull(n):
		return "nothing (null)"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	}
	switch n.Tag {
	case "!!int":
		return "the number " + n.Value
	case "!!float":
		return "the number " + n.Value
	case "!!bool":
		return "the boolean " + n.Value
	}
	return strconv.Quote(n.Value)
}
