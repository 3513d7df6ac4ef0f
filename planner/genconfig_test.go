package planner

import (
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/providers/plugin"
)

// TestGeneratedBlock: the block written for an imported object holds what
// a configuration may set, with the values read; computed-only attributes,
// null optional ones and the identity are left out, a null required one and
// a sensitive one are written null with a comment (the secret never reaches
// the file), nested attributes keep only their configurable parts, and
// nested blocks are written as blocks of each nesting.
func TestGeneratedBlock(t *testing.T) {
	inner := func() plugin.Block {
		return plugin.Block{Attributes: map[string]*plugin.Attribute{
			"port":  {Type: cty.Number, Required: true},
			"state": {Type: cty.String, Computed: true},
		}}
	}
	b := &plugin.Block{
		Attributes: map[string]*plugin.Attribute{
			"id":       {Type: cty.String, Optional: true, Computed: true},
			"name":     {Type: cty.String, Required: true},
			"zone":     {Type: cty.String, Required: true},
			"size":     {Type: cty.Number, Optional: true, Computed: true},
			"note":     {Type: cty.String, Optional: true},
			"arn":      {Type: cty.String, Computed: true},
			"password": {Type: cty.String, Optional: true, Sensitive: true},
			"tags":     {Type: cty.Map(cty.String), Optional: true},
			"old":      {Type: cty.String, Optional: true, Deprecated: true},
			"disks": {NestedType: &plugin.Object{Nesting: plugin.NestingList, Attributes: map[string]*plugin.Attribute{
				"gb":     {Type: cty.Number, Required: true},
				"serial": {Type: cty.String, Computed: true},
			}}, Optional: true},
		},
		BlockTypes: map[string]*plugin.NestedBlock{
			"rule":    {Nesting: plugin.NestingList, Block: inner()},
			"named":   {Nesting: plugin.NestingMap, Block: inner()},
			"timeout": {Nesting: plugin.NestingSingle, Block: plugin.Block{Attributes: map[string]*plugin.Attribute{"create": {Type: cty.String, Optional: true}}}},
			"empty":   {Nesting: plugin.NestingGroup, Block: plugin.Block{Attributes: map[string]*plugin.Attribute{"x": {Type: cty.String, Optional: true}}}},
		},
	}
	v := cty.ObjectVal(map[string]cty.Value{
		"id":       cty.StringVal("i-123"),
		"name":     cty.StringVal("web ${x}"),
		"zone":     cty.NullVal(cty.String),
		"size":     cty.NumberIntVal(20),
		"note":     cty.NullVal(cty.String),
		"arn":      cty.StringVal("arn:x"),
		"password": cty.StringVal("hunter2").Mark("sensitive"),
		"tags":     cty.MapVal(map[string]cty.Value{"team": cty.StringVal("ops")}),
		"old":      cty.StringVal("legacy"),
		"disks": cty.ListVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{
			"gb": cty.NumberIntVal(10), "serial": cty.StringVal("S1"),
		})}),
		"rule": cty.ListVal([]cty.Value{
			cty.ObjectVal(map[string]cty.Value{"port": cty.NumberIntVal(80), "state": cty.StringVal("up")}),
			cty.ObjectVal(map[string]cty.Value{"port": cty.NumberIntVal(443), "state": cty.StringVal("up")}),
		}),
		"named":   cty.MapVal(map[string]cty.Value{"ssh": cty.ObjectVal(map[string]cty.Value{"port": cty.NumberIntVal(22), "state": cty.NullVal(cty.String)})}),
		"timeout": cty.NullVal(cty.Object(map[string]cty.Type{"create": cty.String})),
		"empty":   cty.ObjectVal(map[string]cty.Value{"x": cty.NullVal(cty.String)}),
	})
	addr := config.InstanceAddr{Resource: config.ResourceAddr{Mode: config.ManagedMode, Type: "acme_server", Name: "web"}}
	got := string(generatedBlock(addr, importTarget{id: "i-123"}, &config.LocalProviderRef{LocalName: "acme", Alias: "west"}, b, v))
	want := `# __generated__ by indigo from "i-123"
resource "acme_server" "web" {
  provider = acme.west
  disks = [{
    gb = 10
  }]
  name     = "web $${x}"
  password = null # sensitive: set it from a variable
  size     = 20
  tags = {
    team = "ops"
  }
  zone = null # REQUIRED string
  named "ssh" {
    port = 22
  }
  rule {
    port = 80
  }
  rule {
    port = 443
  }
}
`
	if got != want {
		t.Errorf("generated block:\n%s\nwant:\n%s", got, want)
	}
}
