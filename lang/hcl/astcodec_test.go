package hcllang

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// everySyntax holds every kind of node hclsyntax's parser makes from a file
// without errors.
const everySyntax = `
terraform {
  required_version = ">= 1.5"
}

variable "names" {
  type    = list(object({ a = string, b = optional(number, 2) }))
  default = []
}

locals {
  n1    = 1
  n2    = -2.5e10
  n3    = 0.1
  n4    = 123456789012345678901234567890
  t     = true
  f     = false
  z     = null
  s     = "plain"
  tpl   = "a ${var.x} b %{ if local.t }yes%{ else }no%{ endif } c"
  loop  = "%{ for i, v in var.names ~}${i}=${v.a} %{ endfor ~}"
  esc   = "dollar $${x} percent %%{y} \"quoted\" \u00e9 \n"
  uni   = "çødé ☃"
  heredoc = <<-EOT
    line ${local.s}
      indented %{ if local.t }t%{ endif }
    EOT
  raw = <<EOT
raw
EOT
  ops   = (1 + 2) * 3 / 4 % 5 - 6
  cmp   = 1 < 2 && 2 <= 3 || 3 > 4 && 4 >= 5 || 1 == 1 && 2 != 3
  not   = !local.t
  cond  = local.t ? "y" : "n"
  tuple = [1, "two", [3], {}]
  empty = []
  obj   = { a = 1, "b" = 2, (local.s) = 3, c: 4 }
  index = local.tuple[0]
  attr  = var.names[0].a
  str   = local.obj["a"]
  splat = var.names[*].a
  legacy = var.names.*.a
  deep  = var.names[*].a[0]
  fori  = [for i, v in var.names : v.a if v.b > 1]
  form  = { for v in var.names : v.a => v.b... }
  call  = max(1, 2, 3)
  none  = timestamp()
  spread = max([1, 2]...)
  ns    = provider::ns::fn(1)
  paren = (local.n1)
  rel   = merge({ a = 1 }, {}).a
  relidx = [1, 2][0]
}

resource "x" "y" {
  count = 2
  nested {
    inner = count.index
    deeper "label" {}
  }
  dynamic "d" {
    for_each = local.tuple
    content {
      v = d.value
    }
  }
}

module "m" {
  source = "./m"
}
`

// roundTrip encodes the tree of src and decodes it, failing the test when
// the decoded tree is not the parser's.
func roundTrip(t *testing.T, name, src string) bool {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), name, hcl.InitialPos)
	if len(diags) > 0 {
		return false
	}
	body := f.Body.(*hclsyntax.Body)
	data, err := encodeBody(body)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	got, err := decodeBody(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if !reflect.DeepEqual(got, body) {
		var want, have strings.Builder
		dumpBody(&want, body, "")
		dumpBody(&have, got, "")
		t.Fatalf("%s: the decoded tree differs from the parsed one\nparsed:\n%s\ndecoded:\n%s", name, want.String(), have.String())
	}
	checkSplatSymbols(t, name, got)
	return true
}

// checkSplatSymbols fails unless every splat's Each refers to the splat's
// own Item, as in the parser's tree: evaluation finds the element by that
// pointer.
func checkSplatSymbols(t *testing.T, name string, body *hclsyntax.Body) {
	t.Helper()
	hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
		s, ok := n.(*hclsyntax.SplatExpr)
		if !ok {
			return nil
		}
		found := false
		hclsyntax.VisitAll(s.Each, func(m hclsyntax.Node) hcl.Diagnostics {
			if m == hclsyntax.Node(s.Item) {
				found = true
			}
			return nil
		})
		if !found {
			t.Errorf("%s: splat at %v: Each does not refer to Item", name, s.SrcRange)
		}
		return nil
	})
}

func TestSyntaxTreeRoundTrip(t *testing.T) {
	for name, src := range map[string]string{
		"every syntax": everySyntax,
		"generated":    generated(50),
		"empty":        "",
		"comments":     "# only\n/* comments */\n",
	} {
		if !roundTrip(t, name, src) {
			t.Fatalf("%s does not parse cleanly", name)
		}
	}
	for name, src := range pieceSources {
		roundTrip(t, name, src)
	}
}

// Every file of the shared corpus of real configurations that parses
// without a diagnostic round-trips.
func TestSyntaxTreeRoundTripCorpus(t *testing.T) {
	root := terraformCorpus(t)
	n := 0
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".tf") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if roundTrip(t, p, string(src)) {
			n++
		}
		return nil
	})
	if n < 100 {
		t.Fatalf("only %d corpus files round-tripped", n)
	}
	t.Logf("%d corpus files round-tripped", n)
}

// terraformCorpus finds shared/corpus/terraform beside the repository, or
// beside the nearest ancestor that has it.
func terraformCorpus(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		c := filepath.Join(dir, "shared", "corpus", "terraform")
		if st, err := os.Stat(c); err == nil && st.IsDir() {
			return c
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Skip("the shared Terraform corpus (../shared/corpus/terraform) is not beside the repository; skipping")
		}
		dir = parent
	}
}

// A tree holding what the parser never makes from a clean file is not
// encoded: the file is parsed each time.
func TestSyntaxTreeUnencodable(t *testing.T) {
	for name, x := range map[string]hclsyntax.Expression{
		"syntax error placeholder": &hclsyntax.ExprSyntaxError{Placeholder: cty.DynamicVal},
		"marked literal":           &hclsyntax.LiteralValueExpr{Val: cty.StringVal("s").Mark("sensitive")},
		"typed null":               &hclsyntax.LiteralValueExpr{Val: cty.NullVal(cty.String)},
		"unknown":                  &hclsyntax.LiteralValueExpr{Val: cty.UnknownVal(cty.String)},
		"list literal":             &hclsyntax.LiteralValueExpr{Val: cty.ListValEmpty(cty.String)},
	} {
		body := &hclsyntax.Body{Attributes: hclsyntax.Attributes{"a": {Name: "a", Expr: x}}}
		if _, err := encodeBody(body); err == nil {
			t.Errorf("%s: encoded", name)
		}
	}
}

func FuzzSyntaxTreeRoundTrip(f *testing.F) {
	f.Add(everySyntax)
	f.Add(generated(3))
	for _, src := range pieceSources {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		roundTrip(t, "fuzz.tf", src)
	})
}

// Whatever bytes an entry holds, decoding returns a tree or an error.
func FuzzDecodeSyntaxTree(f *testing.F) {
	for _, src := range []string{everySyntax, generated(2), "a = [for x in y : x]\n"} {
		pf, _ := hclsyntax.ParseConfig([]byte(src), "f.tf", hcl.InitialPos)
		data, err := encodeBody(pf.Body.(*hclsyntax.Body))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		decodeBody(data)
	})
}
