package planner

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/json"
	"github.com/zclconf/go-cty/cty"
)

const diagPathSrc = `resource "x_thing" "a" {
  name  = "a"
  ports = [80, 443]
  tags  = { env = "prod", "team" = "ops" }
  rule {
    port = 1
  }
  rule {
    port = 2
  }
  listener "http" {
    port = 8080
  }
  dynamic "volume" {
    for_each = var.volumes
    content {
      size = volume.value
    }
  }
}
`

// TestPathRange: a provider's attribute path points at the argument,
// element or nested block it is about, and at the resource when the path
// is not in the source.
func TestPathRange(t *testing.T) {
	f, diags := hclsyntax.ParseConfig([]byte(diagPathSrc), "main.tf", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	block := f.Body.(*hclsyntax.Body).Blocks[0]
	body := block.Body
	decl := block.DefRange()
	cases := []struct {
		name      string
		path      cty.Path
		line, col int
	}{
		{"argument", cty.GetAttrPath("name"), 2, 11},
		{"list element", cty.GetAttrPath("ports").IndexInt(1), 3, 16},
		{"list element out of range", cty.GetAttrPath("ports").IndexInt(5), 3, 11},
		{"object key", cty.GetAttrPath("tags").IndexString("team"), 4, 36},
		{"object attribute", cty.GetAttrPath("tags").GetAttr("env"), 4, 19},
		{"second block of a list", cty.GetAttrPath("rule").IndexInt(1).GetAttr("port"), 9, 12},
		{"block itself", cty.GetAttrPath("rule").IndexInt(0), 5, 3},
		{"block of a map by label", cty.GetAttrPath("listener").IndexString("http").GetAttr("port"), 12, 12},
		{"set element: first header", cty.GetAttrPath("rule").Index(cty.ObjectVal(map[string]cty.Value{"port": cty.NumberIntVal(2)})), 5, 3},
		{"dynamic block content", cty.GetAttrPath("volume").GetAttr("size"), 17, 14},
		{"dynamic block index stops at the block", cty.GetAttrPath("volume").IndexInt(3).GetAttr("size"), 16, 5},
		{"computed attribute", cty.GetAttrPath("id"), 1, 1},
		{"missing attribute of a block", cty.GetAttrPath("rule").IndexInt(0).GetAttr("proto"), 5, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := pathRange(body, c.path, &decl)
			if r == nil {
				t.Fatal("no range")
			}
			if r.Start.Line != c.line || r.Start.Column != c.col {
				t.Errorf("%s: got %d:%d (%q), want %d:%d", pathString(c.path), r.Start.Line, r.Start.Column, r.SliceBytes([]byte(diagPathSrc)), c.line, c.col)
			}
		})
	}
}

// TestPathRangeJSON: in the JSON syntax the argument is found; deeper
// steps stop at its value.
func TestPathRangeJSON(t *testing.T) {
	src := `{"name": "a", "ports": [80, 443]}`
	f, diags := json.Parse([]byte(src), "main.tf.json")
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	decl := hcl.Range{Filename: "main.tf.json", Start: hcl.InitialPos, End: hcl.InitialPos}
	r := pathRange(f.Body, cty.GetAttrPath("ports").IndexInt(1), &decl)
	if got := string(r.SliceBytes([]byte(src))); got != "[80, 443]" {
		t.Errorf("got %q", got)
	}
	if r := pathRange(f.Body, cty.GetAttrPath("id"), &decl); r != &decl {
		t.Errorf("a computed attribute should fall back to the resource, got %v", r)
	}
}
