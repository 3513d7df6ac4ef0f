package jsonprovider

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/providers/plugin"
)

// TestNew covers what hashicorp/local does not have: nested attributes,
// nested blocks with bounds, Markdown descriptions, deprecation, write-only
// attributes, identity schemas and variadic, nullable parameters.
func TestNew(t *testing.T) {
	s := &plugin.Schema{
		Provider: &plugin.Block{Attributes: map[string]*plugin.Attribute{
			"token": {Type: cty.String, Optional: true, Sensitive: true, Description: "The *token*.", MarkdownDescription: true},
		}},
		Resources: map[string]plugin.ResourceSchema{
			"thing": {
				Version: 2,
				Block: &plugin.Block{
					Attributes: map[string]*plugin.Attribute{
						"id":       {Type: cty.String, Computed: true},
						"password": {Type: cty.String, Optional: true, WriteOnly: true},
						"old":      {Type: cty.List(cty.Number), Optional: true, Deprecated: true, DeprecationMessage: "Use new."},
						"ports": {NestedType: &plugin.Object{Nesting: plugin.NestingSet, Attributes: map[string]*plugin.Attribute{
							"number": {Type: cty.Number, Required: true},
						}}},
					},
					BlockTypes: map[string]*plugin.NestedBlock{
						"disk": {Nesting: plugin.NestingList, MinItems: 1, MaxItems: 3, Block: plugin.Block{
							Attributes: map[string]*plugin.Attribute{"size": {Type: cty.Number, Required: true}},
						}},
					},
					Description: "A thing.",
				},
				Identity: &plugin.IdentitySchema{Version: 1, Attributes: map[string]*plugin.IdentityAttribute{
					"name": {Type: cty.String, RequiredForImport: true},
				}},
			},
		},
		Functions: map[string]plugin.FunctionDecl{
			"join": {
				Parameters:        []plugin.Parameter{{Name: "sep", Type: cty.String, Description: "Separator."}},
				VariadicParameter: &plugin.Parameter{Name: "parts", Type: cty.String, AllowNullValue: true},
				ReturnType:        cty.String,
				Summary:           "Joins.",
			},
		},
	}
	doc, err := New(map[string]*plugin.Schema{"example.com/acme/thing": s})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := doc.Write(&buf); err != nil {
		t.Fatal(err)
	}
	const want = `{"format_version":"1.0","provider_schemas":{"example.com/acme/thing":{
	"provider":{"version":0,"block":{"attributes":{"token":{"type":"string","description":"The *token*.","description_kind":"markdown","optional":true,"sensitive":true}},"description_kind":"plain"}},
	"resource_schemas":{"thing":{"version":2,"block":{
		"attributes":{
			"id":{"type":"string","description_kind":"plain","computed":true},
			"old":{"type":["list","number"],"description_kind":"plain","deprecated":true,"deprecation_message":"Use new.","optional":true},
			"password":{"type":"string","description_kind":"plain","optional":true,"write_only":true},
			"ports":{"nested_type":{"attributes":{"number":{"type":"number","description_kind":"plain","required":true}},"nesting_mode":"set"},"description_kind":"plain"}},
		"block_types":{"disk":{"nesting_mode":"list","block":{"attributes":{"size":{"type":"number","description_kind":"plain","required":true}},"description_kind":"plain"},"min_items":1,"max_items":3}},
		"description":"A thing.","description_kind":"plain"}}},
	"functions":{"join":{"summary":"Joins.","return_type":"string",
		"parameters":[{"name":"sep","description":"Separator.","type":"string"}],
		"variadic_parameter":{"name":"parts","is_nullable":true,"type":"string"}}},
	"resource_identity_schemas":{"thing":{"version":1,"attributes":{"name":{"type":"string","required_for_import":true}}}}
}}}`
	var got, exp any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("got\n%s", buf.String())
	}
	if bytes.Count(buf.Bytes(), []byte("\n")) != 1 {
		t.Errorf("want one line of JSON, got\n%s", buf.String())
	}
}
