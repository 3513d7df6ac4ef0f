package plugin

import (
	"context"
	"errors"
	"testing"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/msgpack"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/indigo-cloud/indigo/providers/plugin/internal/tfplugin5"
	"github.com/indigo-cloud/indigo/providers/plugin/internal/tfplugin6"
)

func TestParseSchema6(t *testing.T) {
	str := []byte(`"string"`)
	good := func() *tfplugin6.GetProviderSchema_Response {
		return &tfplugin6.GetProviderSchema_Response{
			Provider: &tfplugin6.Schema{Block: &tfplugin6.Schema_Block{Attributes: []*tfplugin6.Schema_Attribute{{Name: "region", Type: str, Optional: true}}}},
			ResourceSchemas: map[string]*tfplugin6.Schema{"x_thing": {Version: 3, Block: &tfplugin6.Schema_Block{
				Attributes: []*tfplugin6.Schema_Attribute{
					{Name: "id", Type: str, Computed: true},
					{Name: "pw", Type: str, Optional: true, Sensitive: true, WriteOnly: true},
					{Name: "cfg", Optional: true, NestedType: &tfplugin6.Schema_Object{
						Nesting:    tfplugin6.Schema_Object_MAP,
						Attributes: []*tfplugin6.Schema_Attribute{{Name: "v", Type: []byte(`"number"`), Required: true}},
					}},
				},
				BlockTypes: []*tfplugin6.Schema_NestedBlock{{TypeName: "rule", Nesting: tfplugin6.Schema_NestedBlock_SET, MinItems: 1, MaxItems: 4, Block: &tfplugin6.Schema_Block{}}},
			}}},
			Functions: map[string]*tfplugin6.Function{"f": {
				Parameters: []*tfplugin6.Function_Parameter{{Name: "a", Type: str, AllowNullValue: true}},
				Return:     &tfplugin6.Function_Return{Type: []byte(`["list","string"]`)},
			}},
			ServerCapabilities: &tfplugin6.ServerCapabilities{PlanDestroy: true},
		}
	}
	cases := []struct {
		name    string
		mutate  func(*tfplugin6.GetProviderSchema_Response)
		raw     []byte
		check   func(*testing.T, *Schema)
		invalid bool
		diag    string
	}{
		{
			name: "good",
			check: func(t *testing.T, s *Schema) {
				rs := s.Resources["x_thing"]
				if rs.Version != 3 || !rs.Block.Attributes["pw"].WriteOnly || !rs.Block.Attributes["pw"].Sensitive {
					t.Errorf("resource schema %+v", rs)
				}
				want := cty.Object(map[string]cty.Type{
					"id": cty.String, "pw": cty.String,
					"cfg":  cty.Map(cty.Object(map[string]cty.Type{"v": cty.Number})),
					"rule": cty.Set(cty.EmptyObject),
				})
				if got := rs.Block.ImpliedType(); !got.Equals(want) {
					t.Errorf("implied type %#v, want %#v", got, want)
				}
				if nb := rs.Block.BlockTypes["rule"]; nb.MinItems != 1 || nb.MaxItems != 4 || nb.Nesting != NestingSet {
					t.Errorf("rule block %+v", nb)
				}
				if f := s.Functions["f"]; !f.ReturnType.Equals(cty.List(cty.String)) || !f.Parameters[0].AllowNullValue {
					t.Errorf("function %+v", f)
				}
				if !s.Capabilities.PlanDestroy || s.Capabilities.GetProviderSchemaOptional {
					t.Errorf("capabilities %+v", s.Capabilities)
				}
				if s.ProviderMeta != nil {
					t.Errorf("provider meta %+v, want nil", s.ProviderMeta)
				}
			},
		},
		{
			name:   "no provider block",
			mutate: func(r *tfplugin6.GetProviderSchema_Response) { r.Provider = nil },
			check: func(t *testing.T, s *Schema) {
				if s.Provider == nil || !s.Provider.ImpliedType().Equals(cty.EmptyObject) {
					t.Errorf("provider schema %+v, want empty", s.Provider)
				}
			},
		},
		{
			name: "description kinds and deprecation messages",
			mutate: func(r *tfplugin6.GetProviderSchema_Response) {
				b := r.ResourceSchemas["x_thing"].Block
				b.Attributes[0].DescriptionKind = tfplugin6.StringKind_MARKDOWN
				b.Attributes[0].Deprecated, b.Attributes[0].DeprecationMessage = true, "Use name."
				b.BlockTypes[0].Block.DescriptionKind = tfplugin6.StringKind_MARKDOWN
			},
			check: func(t *testing.T, s *Schema) {
				b := s.Resources["x_thing"].Block
				if a := b.Attributes["id"]; !a.MarkdownDescription || a.DeprecationMessage != "Use name." {
					t.Errorf("attribute id %+v", a)
				}
				if a := b.Attributes["pw"]; a.MarkdownDescription || a.DeprecationMessage != "" {
					t.Errorf("attribute pw %+v", a)
				}
				if nb := b.BlockTypes["rule"]; !nb.Block.MarkdownDescription {
					t.Errorf("rule block %+v", &nb.Block)
				}
			},
		},
		{name: "invalid attribute type", mutate: func(r *tfplugin6.GetProviderSchema_Response) {
			r.ResourceSchemas["x_thing"].Block.Attributes[0].Type = []byte(`"strung"`)
		}, invalid: true},
		{name: "attribute without a type", mutate: func(r *tfplugin6.GetProviderSchema_Response) {
			r.ResourceSchemas["x_thing"].Block.Attributes[0].Type = nil
		}, invalid: true},
		{name: "invalid block nesting", mutate: func(r *tfplugin6.GetProviderSchema_Response) {
			r.ResourceSchemas["x_thing"].Block.BlockTypes[0].Nesting = tfplugin6.Schema_NestedBlock_INVALID
		}, invalid: true},
		{name: "group nesting for a nested attribute", mutate: func(r *tfplugin6.GetProviderSchema_Response) {
			r.ResourceSchemas["x_thing"].Block.Attributes[2].NestedType.Nesting = 5
		}, invalid: true},
		{name: "invalid function type", mutate: func(r *tfplugin6.GetProviderSchema_Response) {
			r.Functions["f"].Return.Type = []byte(`{`)
		}, invalid: true},
		{name: "not protobuf", raw: []byte{0xff, 0xff, 0xff}, invalid: true},
		{name: "error diagnostics", mutate: func(r *tfplugin6.GetProviderSchema_Response) {
			r.Diagnostics = []*tfplugin6.Diagnostic{{Severity: tfplugin6.Diagnostic_ERROR, Summary: "no schema for you"}}
		}, diag: "no schema for you"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := tc.raw
			if raw == nil {
				resp := good()
				if tc.mutate != nil {
					tc.mutate(resp)
				}
				var err error
				if raw, err = proto.Marshal(resp); err != nil {
					t.Fatal(err)
				}
			}
			s, diags, err := (&protocol6{}).parseSchema(raw)
			switch {
			case tc.invalid:
				if !errors.Is(err, ErrInvalidResponse) {
					t.Errorf("err = %v, want ErrInvalidResponse", err)
				}
			case tc.diag != "":
				if err != nil || s != nil || !hasDiag(diags, Error, tc.diag, nil) {
					t.Errorf("parseSchema = %v, %v, %v", s, diags, err)
				}
			default:
				if err != nil || diags.HasErrors() {
					t.Fatalf("parseSchema: %v %v", err, diags)
				}
				tc.check(t, s)
			}
		})
	}
}

// TestParseSchema5Descriptions: protocol 5 keeps description kinds and
// deprecation messages too.
func TestParseSchema5Descriptions(t *testing.T) {
	raw, err := proto.Marshal(&tfplugin5.GetProviderSchema_Response{
		Provider: &tfplugin5.Schema{Block: &tfplugin5.Schema_Block{DescriptionKind: tfplugin5.StringKind_MARKDOWN}},
		ResourceSchemas: map[string]*tfplugin5.Schema{"x_thing": {Block: &tfplugin5.Schema_Block{
			Attributes: []*tfplugin5.Schema_Attribute{{Name: "old", Type: []byte(`"string"`), Optional: true, Deprecated: true, DeprecationMessage: "Use new.", DescriptionKind: tfplugin5.StringKind_MARKDOWN}},
			BlockTypes: []*tfplugin5.Schema_NestedBlock{{TypeName: "rule", Nesting: tfplugin5.Schema_NestedBlock_LIST, Block: &tfplugin5.Schema_Block{DescriptionKind: tfplugin5.StringKind_MARKDOWN}}},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	s, diags, err := (&protocol5{}).parseSchema(raw)
	if err != nil || diags.HasErrors() {
		t.Fatalf("parseSchema: %v %v", err, diags)
	}
	if !s.Provider.MarkdownDescription {
		t.Errorf("provider block %+v", s.Provider)
	}
	b := s.Resources["x_thing"].Block
	if a := b.Attributes["old"]; !a.MarkdownDescription || a.DeprecationMessage != "Use new." {
		t.Errorf("attribute old %+v", a)
	}
	if nb := b.BlockTypes["rule"]; !nb.Block.MarkdownDescription {
		t.Errorf("rule block %+v", &nb.Block)
	}
}

func TestPath6(t *testing.T) {
	ap := &tfplugin6.AttributePath{Steps: []*tfplugin6.AttributePath_Step{
		{Selector: &tfplugin6.AttributePath_Step_AttributeName{AttributeName: "rule"}},
		{Selector: &tfplugin6.AttributePath_Step_ElementKeyInt{ElementKeyInt: 2}},
		{Selector: &tfplugin6.AttributePath_Step_AttributeName{AttributeName: "tags"}},
		{Selector: &tfplugin6.AttributePath_Step_ElementKeyString{ElementKeyString: "env"}},
		{}, // a step with no selector ends the path
		{Selector: &tfplugin6.AttributePath_Step_AttributeName{AttributeName: "lost"}},
	}}
	want := cty.GetAttrPath("rule").IndexInt(2).GetAttr("tags").IndexString("env")
	if got := path6(ap); !got.Equals(want) {
		t.Errorf("path6 = %s, want %s", FormatPath(got), FormatPath(want))
	}
	if got := path6(nil); got != nil {
		t.Errorf("path6(nil) = %#v", got)
	}
}

// fakeClient5 answers some tfplugin5 RPCs in process, as a legacy-SDK
// provider would: PrepareProviderConfig fills in a default, GetMetadata,
// GetFunctions and GetResourceIdentitySchemas are not implemented.
type fakeClient5 struct {
	tfplugin5.ProviderClient
}

func (fakeClient5) GetSchema(context.Context, *tfplugin5.GetProviderSchema_Request, ...grpc.CallOption) (*tfplugin5.GetProviderSchema_Response, error) {
	return &tfplugin5.GetProviderSchema_Response{
		Provider: &tfplugin5.Schema{Block: &tfplugin5.Schema_Block{Attributes: []*tfplugin5.Schema_Attribute{
			{Name: "region", Type: []byte(`"string"`), Optional: true},
		}}},
		ResourceSchemas: map[string]*tfplugin5.Schema{"legacy_thing": {Block: &tfplugin5.Schema_Block{}}},
		Functions:       map[string]*tfplugin5.Function{"id": {Return: &tfplugin5.Function_Return{Type: []byte(`"string"`)}}},
	}, nil
}

func (fakeClient5) PrepareProviderConfig(_ context.Context, req *tfplugin5.PrepareProviderConfig_Request, _ ...grpc.CallOption) (*tfplugin5.PrepareProviderConfig_Response, error) {
	ty := cty.Object(map[string]cty.Type{"region": cty.String})
	cfg, err := msgpack.Unmarshal(req.GetConfig().GetMsgpack(), ty)
	if err != nil {
		return nil, err
	}
	if cfg.GetAttr("region").IsNull() {
		cfg = cty.ObjectVal(map[string]cty.Value{"region": cty.StringVal("eu-default")})
	}
	b, err := msgpack.Marshal(cfg, ty)
	return &tfplugin5.PrepareProviderConfig_Response{PreparedConfig: &tfplugin5.DynamicValue{Msgpack: b}}, err
}

func (fakeClient5) GetMetadata(context.Context, *tfplugin5.GetMetadata_Request, ...grpc.CallOption) (*tfplugin5.GetMetadata_Response, error) {
	return nil, status.Error(codes.Unimplemented, "unknown method GetMetadata")
}

func (fakeClient5) GetFunctions(context.Context, *tfplugin5.GetFunctions_Request, ...grpc.CallOption) (*tfplugin5.GetFunctions_Response, error) {
	return nil, status.Error(codes.Unimplemented, "unknown method GetFunctions")
}

func (fakeClient5) GetResourceIdentitySchemas(context.Context, *tfplugin5.GetResourceIdentitySchemas_Request, ...grpc.CallOption) (*tfplugin5.GetResourceIdentitySchemas_Response, error) {
	return nil, status.Error(codes.Unimplemented, "unknown method GetResourceIdentitySchemas")
}

func (fakeClient5) MoveResourceState(context.Context, *tfplugin5.MoveResourceState_Request, ...grpc.CallOption) (*tfplugin5.MoveResourceState_Response, error) {
	return nil, status.Error(codes.Unimplemented, "unknown method MoveResourceState")
}

func fakeProvider(client tfplugin5.ProviderClient) *Provider {
	return &Provider{
		name:   "registry.terraform.io/example/legacy",
		proto:  &protocol5{client: client},
		proc:   &process{exited: make(chan struct{})},
		stderr: newStderrTail(stderrTailSize),
		logger: testLoggerOrNull(),
	}
}

func TestLegacyProvider(t *testing.T) {
	ctx := context.Background()
	p := fakeProvider(fakeClient5{})

	// PrepareProviderConfig's answer replaces the configuration.
	cfg := cty.ObjectVal(map[string]cty.Value{"region": cty.NullVal(cty.String)})
	prepared, diags := p.ValidateProviderConfig(ctx, cfg)
	if diags.HasErrors() || !prepared.GetAttr("region").RawEquals(cty.StringVal("eu-default")) {
		t.Errorf("prepared = %#v, %v", prepared, diags)
	}

	// Missing RPCs: Metadata and Functions fall back to the schema; Move is
	// unsupported.
	md, err := p.Metadata(ctx)
	if err != nil || len(md.Resources) != 1 || md.Resources[0] != "legacy_thing" {
		t.Errorf("Metadata = %+v, %v", md, err)
	}
	fns, err := p.Functions(ctx)
	if _, ok := fns["id"]; err != nil || !ok {
		t.Errorf("Functions = %+v, %v", fns, err)
	}
	mv := p.MoveResourceState(ctx, MoveRequest{Addr: "legacy_thing.a", TargetTypeName: "legacy_thing"})
	var ce *CallError
	if err := mv.Diagnostics.Err(); !errors.Is(err, errors.ErrUnsupported) || !errors.As(err, &ce) || ce.Addr != "legacy_thing.a" {
		t.Errorf("move on a provider without it: %v", err)
	}
	if mv.Diagnostics[0].Summary != "Provider does not support MoveResourceState" {
		t.Errorf("summary %q", mv.Diagnostics[0].Summary)
	}
	// No GetResourceIdentitySchemas: no identities, and no failure.
	s, err := p.Schema(ctx)
	if err != nil {
		t.Fatalf("schema of a provider without identities: %v", err)
	}
	if id := s.Resources["legacy_thing"].Identity; id != nil {
		t.Errorf("legacy_thing has identity schema %+v, want none", id)
	}
}
