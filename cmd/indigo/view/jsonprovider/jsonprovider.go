// Package jsonprovider is the JSON view of provider schemas: what `indigo
// providers schema -json` prints. Its shape is Terraform's documented
// provider schema representation (format_version, provider_schemas keyed by
// the provider's source address, each with its provider, resource, data
// source and ephemeral resource schemas, functions and resource identity
// schemas), so that editors, documentation generators and policy tools that
// read Terraform's output read indigo's.
//
// It knows nothing of how the schemas were obtained; the command starts
// the providers and hands their plugin.Schema here.
package jsonprovider

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/providers/plugin"
)

// FormatVersion is the version of this JSON representation; a change that
// a reader could trip over bumps it.
const FormatVersion = "1.0"

// Schemas is the whole document.
type Schemas struct {
	FormatVersion   string               `json:"format_version"`
	ProviderSchemas map[string]*Provider `json:"provider_schemas,omitempty"`
}

// Provider is one provider's schemas.
type Provider struct {
	Provider                 *Schema                    `json:"provider,omitempty"`
	ResourceSchemas          map[string]*Schema         `json:"resource_schemas,omitempty"`
	DataSourceSchemas        map[string]*Schema         `json:"data_source_schemas,omitempty"`
	EphemeralResourceSchemas map[string]*Schema         `json:"ephemeral_resource_schemas,omitempty"`
	Functions                map[string]*Function       `json:"functions,omitempty"`
	ResourceIdentitySchemas  map[string]*IdentitySchema `json:"resource_identity_schemas,omitempty"`
}

// Schema is a versioned block: the provider's configuration, or a resource,
// data source or ephemeral resource type.
type Schema struct {
	Version int64  `json:"version"`
	Block   *Block `json:"block,omitempty"`
}

// Block is a configuration block.
type Block struct {
	Attributes      map[string]*Attribute `json:"attributes,omitempty"`
	BlockTypes      map[string]*BlockType `json:"block_types,omitempty"`
	Description     string                `json:"description,omitempty"`
	DescriptionKind string                `json:"description_kind,omitempty"`
	Deprecated      bool                  `json:"deprecated,omitempty"`
}

// Attribute is one attribute: its type in cty's JSON form, or a nested type
// (protocol 6 nested attributes), with its flags, each left out when false.
type Attribute struct {
	Type               json.RawMessage `json:"type,omitempty"`
	NestedType         *NestedType     `json:"nested_type,omitempty"`
	Description        string          `json:"description,omitempty"`
	DescriptionKind    string          `json:"description_kind,omitempty"`
	Deprecated         bool            `json:"deprecated,omitempty"`
	DeprecationMessage string          `json:"deprecation_message,omitempty"`
	Required           bool            `json:"required,omitempty"`
	Optional           bool            `json:"optional,omitempty"`
	Computed           bool            `json:"computed,omitempty"`
	Sensitive          bool            `json:"sensitive,omitempty"`
	WriteOnly          bool            `json:"write_only,omitempty"`
}

// NestedType is the type of a nested attribute.
type NestedType struct {
	Attributes  map[string]*Attribute `json:"attributes,omitempty"`
	NestingMode string                `json:"nesting_mode,omitempty"`
}

// BlockType is a block type nested in a block; zero MinItems and MaxItems
// (no bound) are left out.
type BlockType struct {
	NestingMode string `json:"nesting_mode,omitempty"`
	Block       *Block `json:"block,omitempty"`
	MinItems    int    `json:"min_items,omitempty"`
	MaxItems    int    `json:"max_items,omitempty"`
}

// Function is the signature of a provider-defined function.
type Function struct {
	Description        string          `json:"description,omitempty"`
	Summary            string          `json:"summary,omitempty"`
	DeprecationMessage string          `json:"deprecation_message,omitempty"`
	ReturnType         json.RawMessage `json:"return_type"`
	Parameters         []*Parameter    `json:"parameters,omitempty"`
	VariadicParameter  *Parameter      `json:"variadic_parameter,omitempty"`
}

// Parameter is one parameter of a function.
type Parameter struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	IsNullable  bool            `json:"is_nullable,omitempty"`
	Type        json.RawMessage `json:"type"`
}

// IdentitySchema is a resource type's identity schema.
type IdentitySchema struct {
	Version    int64                         `json:"version"`
	Attributes map[string]*IdentityAttribute `json:"attributes,omitempty"`
}

// IdentityAttribute is one attribute of an identity.
type IdentityAttribute struct {
	Type              json.RawMessage `json:"type,omitempty"`
	Description       string          `json:"description,omitempty"`
	RequiredForImport bool            `json:"required_for_import,omitempty"`
	OptionalForImport bool            `json:"optional_for_import,omitempty"`
}

// New returns the document for schemas, keyed by each provider's source
// address (registry.terraform.io/hashicorp/local).
func New(schemas map[string]*plugin.Schema) (*Schemas, error) {
	out := &Schemas{FormatVersion: FormatVersion, ProviderSchemas: make(map[string]*Provider, len(schemas))}
	for addr, s := range schemas {
		p, err := provider(s)
		if err != nil {
			return nil, fmt.Errorf("provider %s: %w", addr, err)
		}
		out.ProviderSchemas[addr] = p
	}
	return out, nil
}

// Write writes the document as one line of JSON, as Terraform does.
func (s *Schemas) Write(w io.Writer) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func provider(s *plugin.Schema) (*Provider, error) {
	var err error
	p := &Provider{}
	if p.Provider, err = schema(0, s.Provider); err != nil {
		return nil, fmt.Errorf("provider configuration: %w", err)
	}
	if p.ResourceSchemas, err = schemas(s.Resources, "resource type"); err != nil {
		return nil, err
	}
	if p.DataSourceSchemas, err = schemas(s.DataSources, "data source"); err != nil {
		return nil, err
	}
	if p.EphemeralResourceSchemas, err = schemas(s.EphemeralResources, "ephemeral resource type"); err != nil {
		return nil, err
	}
	for name, rs := range s.Resources {
		if rs.Identity == nil {
			continue
		}
		is, err := identity(rs.Identity)
		if err != nil {
			return nil, fmt.Errorf("identity of resource type %s: %w", name, err)
		}
		if p.ResourceIdentitySchemas == nil {
			p.ResourceIdentitySchemas = map[string]*IdentitySchema{}
		}
		p.ResourceIdentitySchemas[name] = is
	}
	for name, f := range s.Functions {
		fn, err := function(f)
		if err != nil {
			return nil, fmt.Errorf("function %s: %w", name, err)
		}
		if p.Functions == nil {
			p.Functions = map[string]*Function{}
		}
		p.Functions[name] = fn
	}
	return p, nil
}

func schemas(in map[string]plugin.ResourceSchema, what string) (map[string]*Schema, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]*Schema, len(in))
	for name, rs := range in {
		s, err := schema(rs.Version, rs.Block)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", what, name, err)
		}
		out[name] = s
	}
	return out, nil
}

func schema(version int64, b *plugin.Block) (*Schema, error) {
	if b == nil {
		return &Schema{Version: version}, nil
	}
	blk, err := block(b)
	if err != nil {
		return nil, err
	}
	return &Schema{Version: version, Block: blk}, nil
}

func block(b *plugin.Block) (*Block, error) {
	out := &Block{Description: b.Description, DescriptionKind: descriptionKind(b.MarkdownDescription), Deprecated: b.Deprecated}
	for name, a := range b.Attributes {
		attr, err := attribute(a)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", name, err)
		}
		if out.Attributes == nil {
			out.Attributes = make(map[string]*Attribute, len(b.Attributes))
		}
		out.Attributes[name] = attr
	}
	for name, nb := range b.BlockTypes {
		inner, err := block(&nb.Block)
		if err != nil {
			return nil, fmt.Errorf("block %s: %w", name, err)
		}
		if out.BlockTypes == nil {
			out.BlockTypes = make(map[string]*BlockType, len(b.BlockTypes))
		}
		out.BlockTypes[name] = &BlockType{NestingMode: nestingMode(nb.Nesting), Block: inner, MinItems: nb.MinItems, MaxItems: nb.MaxItems}
	}
	return out, nil
}

func attribute(a *plugin.Attribute) (*Attribute, error) {
	out := &Attribute{
		Description:        a.Description,
		DescriptionKind:    descriptionKind(a.MarkdownDescription),
		Deprecated:         a.Deprecated,
		DeprecationMessage: a.DeprecationMessage,
		Required:           a.Required,
		Optional:           a.Optional,
		Computed:           a.Computed,
		Sensitive:          a.Sensitive,
		WriteOnly:          a.WriteOnly,
	}
	if a.NestedType != nil {
		nt := &NestedType{NestingMode: nestingMode(a.NestedType.Nesting)}
		for name, na := range a.NestedType.Attributes {
			attr, err := attribute(na)
			if err != nil {
				return nil, fmt.Errorf("attribute %s: %w", name, err)
			}
			if nt.Attributes == nil {
				nt.Attributes = make(map[string]*Attribute, len(a.NestedType.Attributes))
			}
			nt.Attributes[name] = attr
		}
		out.NestedType = nt
		return out, nil
	}
	ty, err := typeJSON(a.Type)
	if err != nil {
		return nil, err
	}
	out.Type = ty
	return out, nil
}

func function(f plugin.FunctionDecl) (*Function, error) {
	ret, err := typeJSON(f.ReturnType)
	if err != nil {
		return nil, fmt.Errorf("return type: %w", err)
	}
	out := &Function{Description: f.Description, Summary: f.Summary, DeprecationMessage: f.DeprecationMessage, ReturnType: ret}
	for _, p := range f.Parameters {
		param, err := parameter(p)
		if err != nil {
			return nil, err
		}
		out.Parameters = append(out.Parameters, param)
	}
	if f.VariadicParameter != nil {
		if out.VariadicParameter, err = parameter(*f.VariadicParameter); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func parameter(p plugin.Parameter) (*Parameter, error) {
	ty, err := typeJSON(p.Type)
	if err != nil {
		return nil, fmt.Errorf("parameter %s: %w", p.Name, err)
	}
	return &Parameter{Name: p.Name, Description: p.Description, IsNullable: p.AllowNullValue, Type: ty}, nil
}

func identity(s *plugin.IdentitySchema) (*IdentitySchema, error) {
	out := &IdentitySchema{Version: s.Version}
	for name, a := range s.Attributes {
		ty, err := typeJSON(a.Type)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", name, err)
		}
		if out.Attributes == nil {
			out.Attributes = make(map[string]*IdentityAttribute, len(s.Attributes))
		}
		out.Attributes[name] = &IdentityAttribute{Type: ty, Description: a.Description, RequiredForImport: a.RequiredForImport, OptionalForImport: a.OptionalForImport}
	}
	return out, nil
}

// typeJSON is ty in cty's JSON type form ("string", ["list","string"]).
func typeJSON(ty cty.Type) (json.RawMessage, error) {
	if ty == cty.NilType {
		return nil, fmt.Errorf("no type")
	}
	b, err := ty.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return b, nil
}

func descriptionKind(markdown bool) string {
	if markdown {
		return "markdown"
	}
	return "plain"
}

// nestingMode is m as the JSON spells it: single, group, list, set, map.
func nestingMode(m plugin.NestingMode) string {
	return strings.ToLower(m.String())
}
