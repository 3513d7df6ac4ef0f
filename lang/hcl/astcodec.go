package hcllang

import (
	"encoding/binary"
	"errors"
	"maps"
	"math/big"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// The syntax tree of a native-syntax file in a compact binary form, for the
// parse cache (parsecache.go). Decoding gives back a body equal, field by
// field, to the one hclsyntax's parser built: the same nodes, ranges, names
// and literal values, with nil and empty slices kept apart and the
// anonymous symbol of a splat shared between its Item and its Each as the
// parser shares it. The parser's output is the format's only input: a
// tree holding a node or value the parser does not make (a syntax error
// placeholder, a marked or typed literal) is not encoded (errUnencodable),
// and the file is then parsed each time.
//
// Layout: the string table (a count, then each string as a length and its
// bytes), then the body. Integers are unsigned varints; a string is its
// index in the table; a slice or map is its length plus one, 0 for nil.

// errUnencodable says that a tree holds something the format does not.
var errUnencodable = errors.New("syntax tree holds a node the parse cache does not encode")

// Node tags.
const (
	tagNil byte = iota
	tagLiteral
	tagScopeTraversal
	tagRelativeTraversal
	tagFunctionCall
	tagConditional
	tagIndex
	tagTupleCons
	tagObjectCons
	tagObjectConsKey
	tagFor
	tagSplat
	tagAnonSymbol
	tagBinaryOp
	tagUnaryOp
	tagTemplate
	tagTemplateJoin
	tagTemplateWrap
	tagParentheses
)

// Literal value tags.
const (
	valString byte = iota
	valNumber
	valTrue
	valFalse
	valNull
)

// Traverser tags.
const (
	travRoot byte = iota
	travAttr
	travIndex
	travSplat
)

// operations are hclsyntax's operators, by their index in the format.
var operations = []*hclsyntax.Operation{
	hclsyntax.OpLogicalOr, hclsyntax.OpLogicalAnd, hclsyntax.OpLogicalNot,
	hclsyntax.OpEqual, hclsyntax.OpNotEqual,
	hclsyntax.OpGreaterThan, hclsyntax.OpGreaterThanOrEqual,
	hclsyntax.OpLessThan, hclsyntax.OpLessThanOrEqual,
	hclsyntax.OpAdd, hclsyntax.OpSubtract, hclsyntax.OpMultiply,
	hclsyntax.OpDivide, hclsyntax.OpModulo, hclsyntax.OpNegate,
}

// encodeBody returns the binary form of a body the parser built.
func encodeBody(b *hclsyntax.Body) ([]byte, error) {
	e := &astEncoder{strs: map[string]uint64{}, anon: map[*hclsyntax.AnonSymbolExpr]uint64{}}
	if err := e.body(b); err != nil {
		return nil, err
	}
	out := binary.AppendUvarint(nil, uint64(len(e.list)))
	for _, s := range e.list {
		out = binary.AppendUvarint(out, uint64(len(s)))
		out = append(out, s...)
	}
	return append(out, e.buf...), nil
}

type astEncoder struct {
	buf  []byte
	strs map[string]uint64
	list []string
	anon map[*hclsyntax.AnonSymbolExpr]uint64
}

func (e *astEncoder) uint(n uint64) { e.buf = binary.AppendUvarint(e.buf, n) }

func (e *astEncoder) int(n int) error {
	if n < 0 {
		return errUnencodable
	}
	e.uint(uint64(n))
	return nil
}

func (e *astEncoder) bool(b bool) {
	if b {
		e.buf = append(e.buf, 1)
	} else {
		e.buf = append(e.buf, 0)
	}
}

func (e *astEncoder) str(s string) {
	i, ok := e.strs[s]
	if !ok {
		i = uint64(len(e.list))
		e.strs[s] = i
		e.list = append(e.list, s)
	}
	e.uint(i)
}

// length writes the length of a slice or map, plus one; 0 for nil.
func (e *astEncoder) length(n int, isNil bool) {
	if isNil {
		e.uint(0)
		return
	}
	e.uint(uint64(n) + 1)
}

func (e *astEncoder) pos(p hcl.Pos) error {
	if p.Line < 0 || p.Column < 0 || p.Byte < 0 {
		return errUnencodable
	}
	e.uint(uint64(p.Line))
	e.uint(uint64(p.Column))
	e.uint(uint64(p.Byte))
	return nil
}

func (e *astEncoder) rng(r hcl.Range) error {
	e.str(r.Filename)
	if err := e.pos(r.Start); err != nil {
		return err
	}
	return e.pos(r.End)
}

func (e *astEncoder) ranges(rs ...hcl.Range) error {
	for _, r := range rs {
		if err := e.rng(r); err != nil {
			return err
		}
	}
	return nil
}

func (e *astEncoder) body(b *hclsyntax.Body) error {
	if b == nil {
		return errUnencodable
	}
	e.length(len(b.Attributes), b.Attributes == nil)
	for _, name := range slices.Sorted(maps.Keys(b.Attributes)) {
		a := b.Attributes[name]
		if a == nil || a.Name != name {
			return errUnencodable
		}
		e.str(a.Name)
		if err := e.expr(a.Expr); err != nil {
			return err
		}
		if err := e.ranges(a.SrcRange, a.NameRange, a.EqualsRange); err != nil {
			return err
		}
	}
	e.length(len(b.Blocks), b.Blocks == nil)
	for _, blk := range b.Blocks {
		if blk == nil {
			return errUnencodable
		}
		e.str(blk.Type)
		e.length(len(blk.Labels), blk.Labels == nil)
		for _, l := range blk.Labels {
			e.str(l)
		}
		if err := e.body(blk.Body); err != nil {
			return err
		}
		e.length(len(blk.LabelRanges), blk.LabelRanges == nil)
		if err := e.ranges(blk.LabelRanges...); err != nil {
			return err
		}
		if err := e.ranges(blk.TypeRange, blk.OpenBraceRange, blk.CloseBraceRange); err != nil {
			return err
		}
	}
	return e.ranges(b.SrcRange, b.EndRange)
}

func (e *astEncoder) exprs(xs []hclsyntax.Expression) error {
	e.length(len(xs), xs == nil)
	for _, x := range xs {
		if err := e.expr(x); err != nil {
			return err
		}
	}
	return nil
}

func (e *astEncoder) op(o *hclsyntax.Operation) error {
	i := slices.Index(operations, o)
	if i < 0 {
		return errUnencodable
	}
	e.uint(uint64(i))
	return nil
}

func (e *astEncoder) expr(x hcl.Expression) error {
	switch x := x.(type) {
	case nil:
		e.buf = append(e.buf, tagNil)
		return nil
	case *hclsyntax.LiteralValueExpr:
		e.buf = append(e.buf, tagLiteral)
		if err := e.value(x.Val); err != nil {
			return err
		}
		return e.rng(x.SrcRange)
	case *hclsyntax.ScopeTraversalExpr:
		e.buf = append(e.buf, tagScopeTraversal)
		if err := e.traversal(x.Traversal); err != nil {
			return err
		}
		return e.rng(x.SrcRange)
	case *hclsyntax.RelativeTraversalExpr:
		e.buf = append(e.buf, tagRelativeTraversal)
		if err := e.expr(x.Source); err != nil {
			return err
		}
		if err := e.traversal(x.Traversal); err != nil {
			return err
		}
		return e.rng(x.SrcRange)
	case *hclsyntax.FunctionCallExpr:
		e.buf = append(e.buf, tagFunctionCall)
		e.str(x.Name)
		if err := e.exprs(x.Args); err != nil {
			return err
		}
		e.bool(x.ExpandFinal)
		return e.ranges(x.NameRange, x.OpenParenRange, x.CloseParenRange)
	case *hclsyntax.ConditionalExpr:
		e.buf = append(e.buf, tagConditional)
		for _, sub := range []hclsyntax.Expression{x.Condition, x.TrueResult, x.FalseResult} {
			if err := e.expr(sub); err != nil {
				return err
			}
		}
		return e.rng(x.SrcRange)
	case *hclsyntax.IndexExpr:
		e.buf = append(e.buf, tagIndex)
		if err := e.expr(x.Collection); err != nil {
			return err
		}
		if err := e.expr(x.Key); err != nil {
			return err
		}
		return e.ranges(x.SrcRange, x.OpenRange, x.BracketRange)
	case *hclsyntax.TupleConsExpr:
		e.buf = append(e.buf, tagTupleCons)
		if err := e.exprs(x.Exprs); err != nil {
			return err
		}
		return e.ranges(x.SrcRange, x.OpenRange)
	case *hclsyntax.ObjectConsExpr:
		e.buf = append(e.buf, tagObjectCons)
		e.length(len(x.Items), x.Items == nil)
		for _, it := range x.Items {
			if err := e.expr(it.KeyExpr); err != nil {
				return err
			}
			if err := e.expr(it.ValueExpr); err != nil {
				return err
			}
		}
		return e.ranges(x.SrcRange, x.OpenRange)
	case *hclsyntax.ObjectConsKeyExpr:
		e.buf = append(e.buf, tagObjectConsKey)
		if err := e.expr(x.Wrapped); err != nil {
			return err
		}
		e.bool(x.ForceNonLiteral)
		return nil
	case *hclsyntax.ForExpr:
		e.buf = append(e.buf, tagFor)
		e.str(x.KeyVar)
		e.str(x.ValVar)
		for _, sub := range []hclsyntax.Expression{x.CollExpr, x.KeyExpr, x.ValExpr, x.CondExpr} {
			if err := e.expr(sub); err != nil {
				return err
			}
		}
		e.bool(x.Group)
		return e.ranges(x.SrcRange, x.OpenRange, x.CloseRange)
	case *hclsyntax.SplatExpr:
		e.buf = append(e.buf, tagSplat)
		if err := e.expr(x.Source); err != nil {
			return err
		}
		if err := e.expr(x.Each); err != nil {
			return err
		}
		if x.Item == nil {
			return errUnencodable
		}
		if err := e.expr(x.Item); err != nil {
			return err
		}
		return e.ranges(x.SrcRange, x.MarkerRange)
	case *hclsyntax.AnonSymbolExpr:
		// An index, so that every reference to one symbol decodes to
		// one pointer.
		e.buf = append(e.buf, tagAnonSymbol)
		i, ok := e.anon[x]
		if !ok {
			i = uint64(len(e.anon))
			e.anon[x] = i
		}
		e.uint(i)
		return e.rng(x.SrcRange)
	case *hclsyntax.BinaryOpExpr:
		e.buf = append(e.buf, tagBinaryOp)
		if err := e.expr(x.LHS); err != nil {
			return err
		}
		if err := e.op(x.Op); err != nil {
			return err
		}
		if err := e.expr(x.RHS); err != nil {
			return err
		}
		return e.rng(x.SrcRange)
	case *hclsyntax.UnaryOpExpr:
		e.buf = append(e.buf, tagUnaryOp)
		if err := e.op(x.Op); err != nil {
			return err
		}
		if err := e.expr(x.Val); err != nil {
			return err
		}
		return e.ranges(x.SrcRange, x.SymbolRange)
	case *hclsyntax.TemplateExpr:
		e.buf = append(e.buf, tagTemplate)
		if err := e.exprs(x.Parts); err != nil {
			return err
		}
		return e.rng(x.SrcRange)
	case *hclsyntax.TemplateJoinExpr:
		e.buf = append(e.buf, tagTemplateJoin)
		return e.expr(x.Tuple)
	case *hclsyntax.TemplateWrapExpr:
		e.buf = append(e.buf, tagTemplateWrap)
		if err := e.expr(x.Wrapped); err != nil {
			return err
		}
		return e.rng(x.SrcRange)
	case *hclsyntax.ParenthesesExpr:
		e.buf = append(e.buf, tagParentheses)
		if err := e.expr(x.Expression); err != nil {
			return err
		}
		return e.rng(x.SrcRange)
	}
	return errUnencodable
}

// value writes a literal the parser makes: a string, a number, a bool or
// null.
func (e *astEncoder) value(v cty.Value) error {
	if v.IsMarked() || !v.IsKnown() {
		return errUnencodable
	}
	switch {
	case v.IsNull():
		if v.Type() != cty.DynamicPseudoType {
			return errUnencodable
		}
		e.buf = append(e.buf, valNull)
	case v.Type() == cty.String:
		e.buf = append(e.buf, valString)
		e.str(v.AsString())
	case v.Type() == cty.Number:
		b, err := v.AsBigFloat().GobEncode()
		if err != nil {
			return errUnencodable
		}
		e.buf = append(e.buf, valNumber)
		e.uint(uint64(len(b)))
		e.buf = append(e.buf, b...)
	case v.Type() == cty.Bool:
		if v.True() {
			e.buf = append(e.buf, valTrue)
		} else {
			e.buf = append(e.buf, valFalse)
		}
	default:
		return errUnencodable
	}
	return nil
}

func (e *astEncoder) traversal(t hcl.Traversal) error {
	e.length(len(t), t == nil)
	for _, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			e.buf = append(e.buf, travRoot)
			e.str(s.Name)
			if err := e.rng(s.SrcRange); err != nil {
				return err
			}
		case hcl.TraverseAttr:
			e.buf = append(e.buf, travAttr)
			e.str(s.Name)
			if err := e.rng(s.SrcRange); err != nil {
				return err
			}
		case hcl.TraverseIndex:
			e.buf = append(e.buf, travIndex)
			if err := e.value(s.Key); err != nil {
				return err
			}
			if err := e.rng(s.SrcRange); err != nil {
				return err
			}
		case hcl.TraverseSplat:
			e.buf = append(e.buf, travSplat)
			if err := e.traversal(s.Each); err != nil {
				return err
			}
			if err := e.rng(s.SrcRange); err != nil {
				return err
			}
		default:
			return errUnencodable
		}
	}
	return nil
}

// decodeBody reads what encodeBody wrote. Any inconsistency is an error,
// never a panic: the caller then parses the file.
func decodeBody(data []byte) (body *hclsyntax.Body, err error) {
	d := &astDecoder{data: data}
	n := d.uint()
	if n > uint64(len(data)) {
		return nil, errCorrupt
	}
	d.strs = make([]string, n)
	for i := range d.strs {
		l := d.uint()
		if d.err != nil || l > uint64(len(d.data)-d.off) {
			return nil, errCorrupt
		}
		d.strs[i] = string(d.data[d.off : d.off+int(l)])
		d.off += int(l)
	}
	body = d.body(0)
	if d.err == nil && d.off != len(d.data) {
		d.err = errCorrupt
	}
	if d.err != nil {
		return nil, d.err
	}
	return body, nil
}

// errCorrupt says that a cached tree does not decode.
var errCorrupt = errors.New("parse cache entry does not decode")

// maxDepth bounds the nesting a decoded tree may have (the parser's own
// limit on nesting is lower), so that a corrupt entry cannot exhaust the
// stack.
const maxDepth = 10000

type astDecoder struct {
	data []byte
	off  int
	strs []string
	anon []*hclsyntax.AnonSymbolExpr
	err  error
}

func (d *astDecoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
}

func (d *astDecoder) uint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.data[d.off:])
	if n <= 0 {
		d.fail()
		return 0
	}
	d.off += n
	return v
}

// int reads a non-negative int.
func (d *astDecoder) int() int {
	v := d.uint()
	if v > uint64(int(^uint(0)>>1)) {
		d.fail()
		return 0
	}
	return int(v)
}

func (d *astDecoder) byte() byte {
	if d.err != nil || d.off >= len(d.data) {
		d.fail()
		return 0
	}
	b := d.data[d.off]
	d.off++
	return b
}

func (d *astDecoder) bool() bool {
	switch d.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail()
	return false
}

func (d *astDecoder) str() string {
	i := d.uint()
	if i >= uint64(len(d.strs)) {
		d.fail()
		return ""
	}
	return d.strs[i]
}

// length reads a slice's or map's length and whether it is nil. A length
// beyond what the remaining bytes could hold is corrupt (every element
// takes at least one byte).
func (d *astDecoder) length() (int, bool) {
	v := d.uint()
	if v == 0 {
		return 0, true
	}
	if v-1 > uint64(len(d.data)-d.off) {
		d.fail()
		return 0, true
	}
	return int(v - 1), false
}

func (d *astDecoder) pos() hcl.Pos {
	return hcl.Pos{Line: d.int(), Column: d.int(), Byte: d.int()}
}

func (d *astDecoder) rng() hcl.Range {
	return hcl.Range{Filename: d.str(), Start: d.pos(), End: d.pos()}
}

func (d *astDecoder) body(depth int) *hclsyntax.Body {
	if depth > maxDepth {
		d.fail()
		return nil
	}
	b := &hclsyntax.Body{}
	if n, isNil := d.length(); !isNil {
		b.Attributes = make(hclsyntax.Attributes, n)
		for range n {
			a := &hclsyntax.Attribute{Name: d.str()}
			a.Expr = d.expr(depth + 1)
			a.SrcRange, a.NameRange, a.EqualsRange = d.rng(), d.rng(), d.rng()
			if d.err != nil {
				return nil
			}
			b.Attributes[a.Name] = a
		}
	}
	if n, isNil := d.length(); !isNil {
		b.Blocks = make(hclsyntax.Blocks, 0, n)
		for range n {
			blk := &hclsyntax.Block{Type: d.str()}
			if n, isNil := d.length(); !isNil {
				blk.Labels = make([]string, n)
				for i := range blk.Labels {
					blk.Labels[i] = d.str()
				}
			}
			blk.Body = d.body(depth + 1)
			if n, isNil := d.length(); !isNil {
				blk.LabelRanges = make([]hcl.Range, n)
				for i := range blk.LabelRanges {
					blk.LabelRanges[i] = d.rng()
				}
			}
			blk.TypeRange, blk.OpenBraceRange, blk.CloseBraceRange = d.rng(), d.rng(), d.rng()
			if d.err != nil {
				return nil
			}
			b.Blocks = append(b.Blocks, blk)
		}
	}
	b.SrcRange, b.EndRange = d.rng(), d.rng()
	return b
}

func (d *astDecoder) exprs(depth int) []hclsyntax.Expression {
	n, isNil := d.length()
	if isNil {
		return nil
	}
	xs := make([]hclsyntax.Expression, n)
	for i := range xs {
		xs[i] = d.expr(depth)
		if d.err != nil {
			return nil
		}
	}
	return xs
}

func (d *astDecoder) op() *hclsyntax.Operation {
	i := d.uint()
	if i >= uint64(len(operations)) {
		d.fail()
		return nil
	}
	return operations[i]
}

// expr reads an expression; a nil one is an untyped nil, as the parser
// leaves an absent one.
func (d *astDecoder) expr(depth int) hclsyntax.Expression {
	if depth > maxDepth {
		d.fail()
		return nil
	}
	depth++
	switch d.byte() {
	case tagNil:
		return nil
	case tagLiteral:
		return &hclsyntax.LiteralValueExpr{Val: d.value(), SrcRange: d.rng()}
	case tagScopeTraversal:
		return &hclsyntax.ScopeTraversalExpr{Traversal: d.traversal(depth), SrcRange: d.rng()}
	case tagRelativeTraversal:
		return &hclsyntax.RelativeTraversalExpr{Source: d.expr(depth), Traversal: d.traversal(depth), SrcRange: d.rng()}
	case tagFunctionCall:
		return &hclsyntax.FunctionCallExpr{Name: d.str(), Args: d.exprs(depth), ExpandFinal: d.bool(),
			NameRange: d.rng(), OpenParenRange: d.rng(), CloseParenRange: d.rng()}
	case tagConditional:
		return &hclsyntax.ConditionalExpr{Condition: d.expr(depth), TrueResult: d.expr(depth), FalseResult: d.expr(depth), SrcRange: d.rng()}
	case tagIndex:
		return &hclsyntax.IndexExpr{Collection: d.expr(depth), Key: d.expr(depth), SrcRange: d.rng(), OpenRange: d.rng(), BracketRange: d.rng()}
	case tagTupleCons:
		return &hclsyntax.TupleConsExpr{Exprs: d.exprs(depth), SrcRange: d.rng(), OpenRange: d.rng()}
	case tagObjectCons:
		x := &hclsyntax.ObjectConsExpr{}
		if n, isNil := d.length(); !isNil {
			x.Items = make([]hclsyntax.ObjectConsItem, n)
			for i := range x.Items {
				x.Items[i] = hclsyntax.ObjectConsItem{KeyExpr: d.expr(depth), ValueExpr: d.expr(depth)}
				if d.err != nil {
					return nil
				}
			}
		}
		x.SrcRange, x.OpenRange = d.rng(), d.rng()
		return x
	case tagObjectConsKey:
		return &hclsyntax.ObjectConsKeyExpr{Wrapped: d.expr(depth), ForceNonLiteral: d.bool()}
	case tagFor:
		return &hclsyntax.ForExpr{KeyVar: d.str(), ValVar: d.str(),
			CollExpr: d.expr(depth), KeyExpr: d.expr(depth), ValExpr: d.expr(depth), CondExpr: d.expr(depth),
			Group: d.bool(), SrcRange: d.rng(), OpenRange: d.rng(), CloseRange: d.rng()}
	case tagSplat:
		x := &hclsyntax.SplatExpr{Source: d.expr(depth), Each: d.expr(depth)}
		item, ok := d.expr(depth).(*hclsyntax.AnonSymbolExpr)
		if !ok {
			d.fail()
			return nil
		}
		x.Item = item
		x.SrcRange, x.MarkerRange = d.rng(), d.rng()
		return x
	case tagAnonSymbol:
		i := d.uint()
		rng := d.rng()
		switch {
		case d.err != nil:
			return nil
		case i < uint64(len(d.anon)):
			return d.anon[i]
		case i == uint64(len(d.anon)):
			x := &hclsyntax.AnonSymbolExpr{SrcRange: rng}
			d.anon = append(d.anon, x)
			return x
		}
		d.fail()
		return nil
	case tagBinaryOp:
		return &hclsyntax.BinaryOpExpr{LHS: d.expr(depth), Op: d.op(), RHS: d.expr(depth), SrcRange: d.rng()}
	case tagUnaryOp:
		return &hclsyntax.UnaryOpExpr{Op: d.op(), Val: d.expr(depth), SrcRange: d.rng(), SymbolRange: d.rng()}
	case tagTemplate:
		return &hclsyntax.TemplateExpr{Parts: d.exprs(depth), SrcRange: d.rng()}
	case tagTemplateJoin:
		return &hclsyntax.TemplateJoinExpr{Tuple: d.expr(depth)}
	case tagTemplateWrap:
		return &hclsyntax.TemplateWrapExpr{Wrapped: d.expr(depth), SrcRange: d.rng()}
	case tagParentheses:
		return &hclsyntax.ParenthesesExpr{Expression: d.expr(depth), SrcRange: d.rng()}
	}
	d.fail()
	return nil
}

func (d *astDecoder) value() cty.Value {
	switch d.byte() {
	case valNull:
		return cty.NullVal(cty.DynamicPseudoType)
	case valString:
		return cty.StringVal(d.str())
	case valNumber:
		n := d.int()
		if d.err != nil || n > len(d.data)-d.off {
			d.fail()
			return cty.DynamicVal
		}
		f := new(big.Float)
		if err := f.GobDecode(d.data[d.off : d.off+n]); err != nil || f.IsInf() {
			d.fail()
			return cty.DynamicVal
		}
		d.off += n
		return cty.NumberVal(f)
	case valTrue:
		return cty.True
	case valFalse:
		return cty.False
	}
	d.fail()
	return cty.DynamicVal
}

func (d *astDecoder) traversal(depth int) hcl.Traversal {
	if depth > maxDepth {
		d.fail()
		return nil
	}
	n, isNil := d.length()
	if isNil {
		return nil
	}
	t := make(hcl.Traversal, 0, n)
	for range n {
		switch d.byte() {
		case travRoot:
			t = append(t, hcl.TraverseRoot{Name: d.str(), SrcRange: d.rng()})
		case travAttr:
			t = append(t, hcl.TraverseAttr{Name: d.str(), SrcRange: d.rng()})
		case travIndex:
			t = append(t, hcl.TraverseIndex{Key: d.value(), SrcRange: d.rng()})
		case travSplat:
			t = append(t, hcl.TraverseSplat{Each: d.traversal(depth + 1), SrcRange: d.rng()})
		default:
			d.fail()
		}
		if d.err != nil {
			return nil
		}
	}
	return t
}
