package tosca

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/indigo-cloud/indigo/lang/units"
	"gopkg.in/yaml.v3"
)

// primitive reports whether name is a TOSCA primitive or built-in type.
func primitive(name string) bool {
	switch name {
	case "string", "integer", "float", "boolean", "timestamp", "null", "version", "range", "list", "map",
		"scalar-unit.size", "scalar-unit.time", "scalar-unit.frequency", "scalar-unit.bitrate", "any":
		return true
	}
	return false
}

// parseScalarUnit returns the value in base units (bytes, seconds, hertz,
// bits per second), read by the one quantity vocabulary in lang/units.
func parseScalarUnit(typ, s string) (float64, error) {
	return units.ParseScalar(units.Class(typ), s)
}

var versionRe = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*([.\-+_][0-9A-Za-z.\-+_]*)?$`)

// parseVersion splits a TOSCA version into comparable numeric parts.
func parseVersion(s string) ([]int, error) {
	if !versionRe.MatchString(s) {
		return nil, fmt.Errorf("%q is not a version: write major.minor[.fix[.qualifier[-build]]], as in 1.2.0", s)
	}
	var out []int
	for _, p := range strings.Split(s, ".") {
		n, err := strconv.Atoi(p)
		if err != nil {
			break
		}
		out = append(out, n)
	}
	return out, nil
}

func compareVersions(a, b []int) int {
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

func parseTimestamp(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999 -07:00", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a timestamp: write it as in ISO 8601, 2026-11-25T09:00:00Z", s)
}

// baseOf returns the primitive a type is (or derives from), "" for a complex
// data type, with the data type chain for its constraints.
func (r *registry) baseOf(typ string) (string, []*typeDef) {
	if typ == "" {
		return "any", nil
	}
	if primitive(typ) {
		return typ, nil
	}
	ch := r.chain(dataKind, typ)
	if len(ch) == 0 {
		return "?", nil
	}
	last := ch[len(ch)-1]
	if primitive(last.parent) {
		return last.parent, ch
	}
	return "", ch
}

// scalarOf reads a scalar as a value of base type base, for comparisons.
// It returns one of float64, string, []int (version), time.Time, bool.
func scalarOf(base string, n *yaml.Node) (any, error) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return nil, fmt.Errorf("expected a single value, found %s", kindName(n))
	}
	v := n.Value
	switch base {
	case "integer":
		i, err := strconv.ParseInt(strings.ReplaceAll(v, "_", ""), 0, 64)
		if err != nil || n.Tag == "!!float" || n.Tag == "!!bool" {
			return nil, fmt.Errorf("expected a whole number, found %s", kindName(n))
		}
		return float64(i), nil
	case "float":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || n.Tag == "!!bool" {
			return nil, fmt.Errorf("expected a number, found %s", kindName(n))
		}
		return f, nil
	case "boolean":
		b, ok := parseBool(v)
		if !ok {
			return nil, fmt.Errorf("expected true or false, found %s", kindName(n))
		}
		return b, nil
	case "version":
		p, err := parseVersion(v)
		if err != nil {
			return nil, err
		}
		return p, nil
	case "timestamp":
		t, err := parseTimestamp(v)
		if err != nil {
			return nil, err
		}
		return t, nil
	case "scalar-unit.size", "scalar-unit.time", "scalar-unit.frequency", "scalar-unit.bitrate":
		f, err := parseScalarUnit(base, v)
		if err != nil {
			return nil, err
		}
		return f, nil
	}
	return v, nil
}

func compareAny(a, b any) (int, bool) {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		if !ok {
			return 0, false
		}
		switch {
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	case string:
		y, ok := b.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(x, y), true
	case []int:
		y, ok := b.([]int)
		if !ok {
			return 0, false
		}
		return compareVersions(x, y), true
	case time.Time:
		y, ok := b.(time.Time)
		if !ok {
			return 0, false
		}
		return x.Compare(y), true
	case bool:
		y, ok := b.(bool)
		if !ok || x != y {
			return 1, ok
		}
		return 0, true
	}
	return 0, false
}

// constraint is one constraint clause.
type constraint struct {
	op   string
	args []*yaml.Node
	src  *source
	n    *yaml.Node
	re   *regexp.Regexp
}

var constraintArity = map[string]int{
	"equal": 1, "greater_than": 1, "greater_or_equal": 1, "less_than": 1, "less_or_equal": 1,
	"in_range": 2, "valid_values": -1, "length": 1, "min_length": 1, "max_length": 1, "pattern": 1,
	"schema": 1,
}

func (l *loader) parseConstraints(s *source, n *yaml.Node) []*constraint {
	if isNull(n) {
		return nil
	}
	var list []*yaml.Node
	switch {
	case isSeq(n):
		list = items(n)
	case isMap(n):
		list = []*yaml.Node{n}
	default:
		l.diags = append(l.diags, s.errorf(n, "Invalid constraints", "constraints must be a list of clauses such as - greater_or_equal: 1, not %s.", kindName(n)))
		return nil
	}
	var out []*constraint
	for _, it := range list {
		ps := l.pairs(s, it)
		if len(ps) != 1 {
			l.diags = append(l.diags, s.errorf(it, "Invalid constraint", "Each constraint is a mapping with exactly one operator, such as - valid_values: [a, b]."))
			continue
		}
		op := ps[0].key.Value
		arity, known := constraintArity[op]
		if !known {
			l.diags = append(l.diags, s.errorf(ps[0].key, "Unknown constraint operator",
				"%q is not a TOSCA constraint. Use equal, greater_than, greater_or_equal, less_than, less_or_equal, in_range, valid_values, length, min_length, max_length or pattern.", op))
			continue
		}
		c := &constraint{op: op, src: s, n: ps[0].key}
		v := resolve(ps[0].value)
		switch {
		case arity == 1:
			c.args = []*yaml.Node{v}
			if isSeq(v) && op != "equal" {
				l.diags = append(l.diags, s.errorf(v, "Invalid constraint argument", "%s takes one value, not a list.", op))
				continue
			}
		case arity == 2:
			c.args = items(v)
			if len(c.args) != 2 {
				l.diags = append(l.diags, s.errorf(v, "Invalid constraint argument", "in_range takes a list of two values, [lower, upper]."))
				continue
			}
		default:
			if !isSeq(v) {
				l.diags = append(l.diags, s.errorf(v, "Invalid constraint argument", "valid_values takes a list of values, not %s.", kindName(v)))
				continue
			}
			c.args = items(v)
		}
		if op == "pattern" {
			p, _ := scalarString(v)
			re, err := regexp.Compile("^(?:" + p + ")$")
			if err != nil {
				l.diags = append(l.diags, s.errorf(v, "Invalid pattern", "The pattern is not a valid regular expression: %v.", err))
				continue
			}
			c.re = re
		}
		out = append(out, c)
	}
	return out
}

// describe prints a constraint the way a user reads it.
func (c *constraint) describe() string {
	var args []string
	for _, a := range c.args {
		args = append(args, yamlText(a))
	}
	switch c.op {
	case "valid_values":
		return "one of " + strings.Join(args, ", ")
	case "in_range":
		return "between " + args[0] + " and " + args[1]
	}
	return strings.ReplaceAll(c.op, "_", " ") + " " + strings.Join(args, ", ")
}

// yamlText renders a small node back as flow YAML for messages.
func yamlText(n *yaml.Node) string {
	n = resolve(n)
	if n == nil {
		return "null"
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!str" && (n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 || n.Value == "") {
			return strconv.Quote(n.Value)
		}
		return n.Value
	case yaml.SequenceNode:
		var parts []string
		for _, c := range n.Content {
			parts = append(parts, yamlText(c))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case yaml.MappingNode:
		var parts []string
		for i := 0; i+1 < len(n.Content); i += 2 {
			parts = append(parts, yamlText(n.Content[i])+": "+yamlText(n.Content[i+1]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return "?"
}

// check tests a value against the constraint; it returns a message when
// the value violates it or the constraint's arguments are unusable.
func (c *constraint) check(base string, n *yaml.Node) (string, bool) {
	n = resolve(n)
	switch c.op {
	case "length", "min_length", "max_length":
		want, err := strconv.Atoi(c.args[0].Value)
		if err != nil {
			return fmt.Sprintf("%s needs a whole number, not %s", c.op, kindName(c.args[0])), false
		}
		var got int
		switch {
		case n.Kind == yaml.ScalarNode:
			got = utf8.RuneCountInString(n.Value)
		case n.Kind == yaml.SequenceNode:
			got = len(n.Content)
		case n.Kind == yaml.MappingNode:
			got = len(n.Content) / 2
		}
		ok := (c.op == "length" && got == want) || (c.op == "min_length" && got >= want) || (c.op == "max_length" && got <= want)
		if !ok {
			return fmt.Sprintf("its length is %d, and it must be %s", got, c.describe()), false
		}
		return "", true
	case "pattern":
		if n.Kind != yaml.ScalarNode || !c.re.MatchString(n.Value) {
			return fmt.Sprintf("%s does not match the pattern %s", kindName(n), yamlText(c.args[0])), false
		}
		return "", true
	case "schema":
		return "", true
	}
	if base == "range" && n.Kind == yaml.SequenceNode {
		// a range is within a range when both its ends are
		for _, end := range n.Content {
			if end.Value == "UNBOUNDED" {
				continue
			}
			if msg, ok := c.check("integer", end); !ok {
				return msg, false
			}
		}
		return "", true
	}
	if n.Kind != yaml.ScalarNode {
		if c.op == "equal" || c.op == "valid_values" {
			for _, a := range c.args {
				if yamlText(a) == yamlText(n) {
					return "", true
				}
			}
			return fmt.Sprintf("%s is not %s", yamlText(n), c.describe()), false
		}
		return fmt.Sprintf("%s cannot be compared with %s", kindName(n), c.op), false
	}
	if base == "string" || base == "any" || base == "" {
		base = "string"
	}
	v, err := scalarOf(base, n)
	if err != nil {
		return err.Error(), false
	}
	cmp := func(a *yaml.Node) (int, bool) {
		w, err := scalarOf(base, a)
		if err != nil {
			return 0, false
		}
		return compareAny(v, w)
	}
	bad := func() (string, bool) {
		return fmt.Sprintf("%s is not %s", yamlText(n), c.describe()), false
	}
	switch c.op {
	case "equal":
		if r, ok := cmp(c.args[0]); !ok || r != 0 {
			return bad()
		}
	case "greater_than":
		if r, ok := cmp(c.args[0]); !ok || r <= 0 {
			return bad()
		}
	case "greater_or_equal":
		if r, ok := cmp(c.args[0]); !ok || r < 0 {
			return bad()
		}
	case "less_than":
		if r, ok := cmp(c.args[0]); !ok || r >= 0 {
			return bad()
		}
	case "less_or_equal":
		if r, ok := cmp(c.args[0]); !ok || r > 0 {
			return bad()
		}
	case "in_range":
		lo, ok1 := cmp(c.args[0])
		hi, ok2 := cmp(c.args[1])
		if c.args[1].Value == "UNBOUNDED" {
			hi, ok2 = -1, true
		}
		if !ok1 || !ok2 || lo < 0 || hi > 0 {
			return bad()
		}
	case "valid_values":
		for _, a := range c.args {
			if r, ok := cmp(a); ok && r == 0 {
				return "", true
			}
		}
		return bad()
	}
	return "", true
}

// checkValue validates a literal value against a schema: its type,
// entries and constraints. Values that are intrinsic function calls are
// checked where the function is converted instead.
func (l *loader) checkValue(s *source, n *yaml.Node, sc *schema, reg *registry, what string) {
	l.checkTyped(s, n, sc.typ, sc.entry, sc.constraints, reg, what, 0)
}

func (l *loader) checkTyped(s *source, n *yaml.Node, typ string, entry *schema, cons []*constraint, reg *registry, what string, depth int) {
	n = resolve(n)
	if depth > 20 || isNull(n) || isFunctionCall(n) || !l.spend(s, n) {
		return
	}
	base, chain := reg.baseOf(typ)
	mismatch := func(want string) {
		l.diags = append(l.diags, s.errorf(n, "Type mismatch", "%s must be %s, not %s. Change the value, or check the type the definition declares.", what, want, kindName(n)))
	}
	switch base {
	case "?":
		return // unknown data types are reported where they are declared
	case "any":
	case "string":
		if n.Kind != yaml.ScalarNode {
			mismatch("a string")
			return
		}
	case "integer", "float", "boolean", "version", "timestamp", "scalar-unit.size", "scalar-unit.time", "scalar-unit.frequency", "scalar-unit.bitrate":
		if n.Kind != yaml.ScalarNode {
			mismatch("a single " + base + " value")
			return
		}
		if _, err := scalarOf(base, n); err != nil {
			l.diags = append(l.diags, s.errorf(n, "Type mismatch", "%s must be %s %s: %v.", what, article(base), base, err))
			return
		}
	case "range":
		its := items(n)
		if len(its) != 2 {
			mismatch("a range, [lower, upper]")
			return
		}
		lo, err1 := strconv.Atoi(its[0].Value)
		hi, err2 := strconv.Atoi(its[1].Value)
		if its[1].Value == "UNBOUNDED" {
			hi, err2 = math.MaxInt, nil
		}
		if err1 != nil || err2 != nil || lo > hi {
			mismatch("a range of two whole numbers, lower first (the upper may be UNBOUNDED)")
			return
		}
	case "list":
		if n.Kind != yaml.SequenceNode {
			mismatch("a list")
			return
		}
		if entry == nil && len(chain) > 0 {
			entry = chain[0].entry
		}
		if entry != nil {
			for i, it := range items(n) {
				l.checkTyped(s, it, entry.typ, entry.entry, entry.constraints, reg, fmt.Sprintf("%s[%d]", what, i), depth+1)
			}
		}
	case "map":
		if n.Kind != yaml.MappingNode {
			mismatch("a map")
			return
		}
		if entry == nil && len(chain) > 0 {
			entry = chain[0].entry
		}
		if entry != nil {
			for _, p := range l.pairs(s, n) {
				l.checkTyped(s, p.value, entry.typ, entry.entry, entry.constraints, reg, fmt.Sprintf("%s[%q]", what, p.key.Value), depth+1)
			}
		}
	case "":
		// a complex data type: a mapping of its properties
		if n.Kind != yaml.MappingNode {
			mismatch("a mapping of the " + typ + " properties")
			return
		}
		props := reg.properties(dataKind, typ, false)
		given := map[string]bool{}
		for _, p := range l.pairs(s, n) {
			given[p.key.Value] = true
			d := props[p.key.Value]
			if d == nil {
				l.diags = append(l.diags, s.errorf(p.key, "Unknown property",
					"The data type %s has no property %q. %s", typ, p.key.Value, knownNames("Its properties are", props)))
				continue
			}
			l.checkTyped(s, p.value, d.typ, d.entry, d.constraints, reg, what+"."+p.key.Value, depth+1)
		}
		for _, name := range sortedKeys(props) {
			d := props[name]
			if d.required && !d.hasDefault && !given[name] {
				l.diags = append(l.diags, s.errorf(n, "Missing required property",
					"%s is a %s and needs the property %q. Add it.", what, typ, name))
			}
		}
	}
	for _, t := range chain {
		cons = append(cons, t.constraints...)
	}
	for _, c := range cons {
		if msg, ok := c.check(base, n); !ok {
			l.diags = append(l.diags, s.errorf(n, "Constraint not met",
				"%s: %s (constraint at %s). Change the value to satisfy the constraint.", what, msg, c.src.rng(c.n).String()))
		}
	}
}

func article(word string) string {
	if strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

func knownNames(prefix string, m map[string]*schema) string {
	if len(m) == 0 {
		return "It declares none."
	}
	return prefix + " " + strings.Join(sortedKeys(m), ", ") + "."
}
