package eval

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// TestDecodeAttrs: validate's one-pass decoding of a body whose spec has
// only attributes gives hcldec's value, diagnostics and references, on
// good bodies and on every kind of mistake, for a whole body and for the
// body a resource's own arguments (count) were taken out of.
func TestDecodeAttrs(t *testing.T) {
	spec := hcldec.ObjectSpec{
		"name": &hcldec.AttrSpec{Name: "name", Type: cty.String, Required: true},
		"size": &hcldec.AttrSpec{Name: "size", Type: cty.Number},
		"tags": &hcldec.AttrSpec{Name: "tags", Type: cty.Map(cty.String)},
		"opts": &hcldec.AttrSpec{Name: "opts", Type: cty.ObjectWithOptionalAttrs(map[string]cty.Type{"a": cty.String, "b": cty.Bool}, []string{"b"})},
	}
	obj, schema := attrsOnly(spec)
	if schema == nil {
		t.Fatal("attrsOnly refused a spec of attributes")
	}
	if _, again := attrsOnly(spec); again != schema {
		t.Error("attrsOnly did not remember the spec's schema")
	}
	withBlock := hcldec.ObjectSpec{"name": spec["name"], "b": &hcldec.BlockSpec{TypeName: "b", Nested: hcldec.ObjectSpec{}}}
	if _, s := attrsOnly(withBlock); s != nil {
		t.Error("attrsOnly accepted a spec with a block")
	}

	cases := []string{
		`name = "a"`,
		`name = var.name
size = var.n + 1
tags = { x = var.name, y = "z" }
opts = { a = "x" }`,
		`count = 2
name = "a"`,
		``,
		`size = 3`,
		`name = "a"
nmae = "b"`,
		`name = "a"
size = "big"`,
		`name = "a"
tags = var.name`,
		`name = nope.thing
size = var.missing`,
		`name = "a"
lifecycle {}`,
		`name = "a"
opts = { a = "x", c = 1 }`,
		`name = upper(var.name)
size = var.n / 0`,
	}
	plain := 0
	for i, src := range cases {
		for _, remain := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d/remain=%v", i, remain), func(t *testing.T) {
				body := parseBody(t, src, remain)
				wantCtx, wantTravs := recordingContext()
				ctx, want := wantCtx(hcldec.Variables(body, spec))
				wantVal, vd := hcldec.Decode(body, spec, ctx)
				want = append(want, vd...)

				if content, ok := schema.plainContent(body); ok {
					plain++
					want, d := body.Content(schema.schema)
					if len(d) > 0 || !slices.Equal(slices.Sorted(maps.Keys(content.Attributes)), slices.Sorted(maps.Keys(want.Attributes))) || content.MissingItemRange != want.MissingItemRange {
						t.Errorf("plain content %v, Content finds %v and %v", content, want, d)
					}
				}

				gotCtx, gotTravs := recordingContext()
				gotVal, got := decodeAttrs(body, obj, schema, gotCtx)

				if !gotVal.RawEquals(wantVal) {
					t.Errorf("value %#v, hcldec decodes %#v", gotVal, wantVal)
				}
				if g, w := diagStrings(got), diagStrings(want); !slices.Equal(g, w) {
					t.Errorf("diagnostics\n%q\nhcldec reports\n%q", g, w)
				}
				if g, w := travStrings(*gotTravs), travStrings(*wantTravs); !slices.Equal(g, w) {
					t.Errorf("references %q, hcldec finds %q", g, w)
				}
			})
		}
	}
	// Every body whose arguments are all known to the schema, with the
	// required one, takes the short way, whatever their values: all but
	// the empty one, the one without name, the misspelt argument, the
	// block, and the third case while it still holds count.
	if plain != 15 {
		t.Errorf("%d bodies decoded without Content, want 15", plain)
	}
}

// parseBody parses src as a body, or with remain as what is left of it
// once count is taken out, as the resource decoder leaves it.
func parseBody(t *testing.T, src string, remain bool) hcl.Body {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), "main.tf", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if !remain {
		return f.Body
	}
	_, rest, _ := f.Body.PartialContent(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "count"}}})
	return rest
}

// recordingContext returns an evaluation context maker that knows var.name
// and var.n, reports anything else as undeclared, and records what it was
// asked for.
func recordingContext() (func([]hcl.Traversal) (*hcl.EvalContext, hcl.Diagnostics), *[]hcl.Traversal) {
	var asked []hcl.Traversal
	return func(travs []hcl.Traversal) (*hcl.EvalContext, hcl.Diagnostics) {
		asked = append(asked, travs...)
		var diags hcl.Diagnostics
		for _, tr := range travs {
			if tr.RootName() != "var" {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Undeclared " + tr.RootName(), Subject: tr.SourceRange().Ptr()})
			}
		}
		return &hcl.EvalContext{Variables: map[string]cty.Value{
			"var": cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("web"), "n": cty.NumberIntVal(3)}),
		}, Functions: map[string]function.Function{"upper": stdlib.UpperFunc}}, diags
	}, &asked
}

func diagStrings(diags hcl.Diagnostics) []string {
	var out []string
	for _, d := range diags {
		out = append(out, fmt.Sprintf("%v %s: %s: %s", d.Severity, d.Subject, d.Summary, d.Detail))
	}
	slices.Sort(out)
	return out
}

func travStrings(travs []hcl.Traversal) []string {
	var out []string
	for _, tr := range travs {
		out = append(out, fmt.Sprintf("%s@%s", tr.RootName(), tr.SourceRange()))
	}
	slices.Sort(out)
	return out
}
