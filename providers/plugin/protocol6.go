package plugin

import (
	"context"
	"fmt"

	"github.com/zclconf/go-cty/cty"
	"google.golang.org/protobuf/proto"

	pb "github.com/indigo-cloud/indigo/providers/plugin/internal/tfplugin6"
)

// protocol6 speaks tfplugin6. protocol5.go is its twin for tfplugin5; the
// two differ in RPC names, PrepareProviderConfig and nested attribute types.
type protocol6 struct {
	client pb.ProviderClient
}

var _ protocol = (*protocol6)(nil)

func (c *protocol6) getMetadata(ctx context.Context) (*metadata, error) {
	resp, err := c.client.GetMetadata(ctx, &pb.GetMetadata_Request{})
	if err != nil {
		return nil, err
	}
	m := &metadata{capabilities: capabilities6(resp.GetServerCapabilities()), diags: diags6(resp.GetDiagnostics())}
	for _, r := range resp.GetResources() {
		m.resources = append(m.resources, r.GetTypeName())
	}
	for _, d := range resp.GetDataSources() {
		m.dataSources = append(m.dataSources, d.GetTypeName())
	}
	for _, f := range resp.GetFunctions() {
		m.functions = append(m.functions, f.GetName())
	}
	for _, e := range resp.GetEphemeralResources() {
		m.ephemeralResources = append(m.ephemeralResources, e.GetTypeName())
	}
	return m, nil
}

func (c *protocol6) getProviderSchema(ctx context.Context) ([]byte, error) {
	resp, err := c.client.GetProviderSchema(ctx, &pb.GetProviderSchema_Request{})
	if err != nil {
		return nil, err
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(resp)
}

func (c *protocol6) parseSchema(raw []byte) (*Schema, Diagnostics, error) {
	var resp pb.GetProviderSchema_Response
	if err := proto.Unmarshal(raw, &resp); err != nil {
		return nil, nil, fmt.Errorf("%w: schema: %v", ErrInvalidResponse, err)
	}
	diags := diags6(resp.GetDiagnostics())
	if diags.HasErrors() {
		return nil, diags, nil
	}
	s := &Schema{
		Resources:    make(map[string]ResourceSchema, len(resp.GetResourceSchemas())),
		DataSources:  make(map[string]ResourceSchema, len(resp.GetDataSourceSchemas())),
		Functions:    make(map[string]FunctionDecl, len(resp.GetFunctions())),
		Capabilities: capabilities6(resp.GetServerCapabilities()),
	}
	var err error
	if s.Provider, err = block6(resp.GetProvider().GetBlock()); err != nil {
		return nil, diags, fmt.Errorf("provider schema: %w", err)
	}
	if resp.GetProviderMeta().GetBlock() != nil {
		if s.ProviderMeta, err = block6(resp.GetProviderMeta().GetBlock()); err != nil {
			return nil, diags, fmt.Errorf("provider_meta schema: %w", err)
		}
	}
	for name, rs := range resp.GetResourceSchemas() {
		b, err := block6(rs.GetBlock())
		if err != nil {
			return nil, diags, fmt.Errorf("schema of resource type %s: %w", name, err)
		}
		noteCopies(name, b)
		s.Resources[name] = ResourceSchema{Version: rs.GetVersion(), Block: b}
	}
	for name, ds := range resp.GetDataSourceSchemas() {
		b, err := block6(ds.GetBlock())
		if err != nil {
			return nil, diags, fmt.Errorf("schema of data source %s: %w", name, err)
		}
		noteListedKeys(name, b)
		s.DataSources[name] = ResourceSchema{Version: ds.GetVersion(), Block: b}
	}
	if s.Functions, err = functions6(resp.GetFunctions()); err != nil {
		return nil, diags, err
	}
	if err := ephemeralSchemas6(&resp, s); err != nil {
		return nil, diags, err
	}
	return s, diags, nil
}

func (c *protocol6) validateProviderConfig(ctx context.Context, cfg *dynamicValue) (*dynamicValue, Diagnostics, error) {
	resp, err := c.client.ValidateProviderConfig(ctx, &pb.ValidateProviderConfig_Request{Config: toDynamic6(cfg)})
	if err != nil {
		return nil, nil, err
	}
	// Protocol 6 has no prepared configuration: the configuration stands.
	return cfg, diags6(resp.GetDiagnostics()), nil
}

func (c *protocol6) validateResourceConfig(ctx context.Context, typeName string, cfg *dynamicValue) (Diagnostics, error) {
	resp, err := c.client.ValidateResourceConfig(ctx, &pb.ValidateResourceConfig_Request{
		TypeName:           typeName,
		Config:             toDynamic6(cfg),
		ClientCapabilities: clientCapabilities6(),
	})
	if err != nil {
		return nil, err
	}
	return diags6(resp.GetDiagnostics()), nil
}

func (c *protocol6) validateDataResourceConfig(ctx context.Context, typeName string, cfg *dynamicValue) (Diagnostics, error) {
	resp, err := c.client.ValidateDataResourceConfig(ctx, &pb.ValidateDataResourceConfig_Request{TypeName: typeName, Config: toDynamic6(cfg)})
	if err != nil {
		return nil, err
	}
	return diags6(resp.GetDiagnostics()), nil
}

func (c *protocol6) upgradeResourceState(ctx context.Context, u upgradeCall) (*dynamicValue, Diagnostics, error) {
	resp, err := c.client.UpgradeResourceState(ctx, &pb.UpgradeResourceState_Request{
		TypeName: u.typeName,
		Version:  u.version,
		RawState: &pb.RawState{Json: u.json, Flatmap: u.flatmap},
	})
	if err != nil {
		return nil, nil, err
	}
	return fromDynamic6(resp.GetUpgradedState()), diags6(resp.GetDiagnostics()), nil
}

func (c *protocol6) configureProvider(ctx context.Context, terraformVersion string, cfg *dynamicValue) (Diagnostics, error) {
	resp, err := c.client.ConfigureProvider(ctx, &pb.ConfigureProvider_Request{
		TerraformVersion:   terraformVersion,
		Config:             toDynamic6(cfg),
		ClientCapabilities: clientCapabilities6(),
	})
	if err != nil {
		return nil, err
	}
	return diags6(resp.GetDiagnostics()), nil
}

func (c *protocol6) readResource(ctx context.Context, r readCall) (*readResult, error) {
	resp, err := c.client.ReadResource(ctx, &pb.ReadResource_Request{
		TypeName:           r.typeName,
		CurrentState:       toDynamic6(r.state),
		CurrentIdentity:    toIdentity6(r.identity),
		Private:            r.private,
		ProviderMeta:       toDynamic6(r.meta),
		ClientCapabilities: clientCapabilities6(),
	})
	if err != nil {
		return nil, err
	}
	return &readResult{
		newState: fromDynamic6(resp.GetNewState()),
		identity: fromIdentity6(resp.GetNewIdentity()),
		private:  resp.GetPrivate(),
		diags:    diags6(resp.GetDiagnostics()),
		deferred: resp.GetDeferred() != nil,
	}, nil
}

func (c *protocol6) planResourceChange(ctx context.Context, p planCall) (*planResult, error) {
	resp, err := c.client.PlanResourceChange(ctx, &pb.PlanResourceChange_Request{
		TypeName:           p.typeName,
		PriorState:         toDynamic6(p.prior),
		ProposedNewState:   toDynamic6(p.proposed),
		Config:             toDynamic6(p.config),
		PriorPrivate:       p.priorPrivate,
		PriorIdentity:      toIdentity6(p.priorIdentity),
		ProviderMeta:       toDynamic6(p.meta),
		ClientCapabilities: clientCapabilities6(),
	})
	if err != nil {
		return nil, err
	}
	res := &planResult{
		planned:  fromDynamic6(resp.GetPlannedState()),
		identity: fromIdentity6(resp.GetPlannedIdentity()),
		private:  resp.GetPlannedPrivate(),
		legacy:   resp.GetLegacyTypeSystem(),
		diags:    diags6(resp.GetDiagnostics()),
		deferred: resp.GetDeferred() != nil,
	}
	for _, ap := range resp.GetRequiresReplace() {
		res.requiresReplace = append(res.requiresReplace, path6(ap))
	}
	return res, nil
}

func (c *protocol6) applyResourceChange(ctx context.Context, a applyCall) (*applyResult, error) {
	resp, err := c.client.ApplyResourceChange(ctx, &pb.ApplyResourceChange_Request{
		TypeName:        a.typeName,
		PriorState:      toDynamic6(a.prior),
		PlannedState:    toDynamic6(a.planned),
		Config:          toDynamic6(a.config),
		PlannedPrivate:  a.plannedPrivate,
		PlannedIdentity: toIdentity6(a.plannedIdentity),
		ProviderMeta:    toDynamic6(a.meta),
	})
	if err != nil {
		return nil, err
	}
	return &applyResult{
		newState: fromDynamic6(resp.GetNewState()),
		identity: fromIdentity6(resp.GetNewIdentity()),
		private:  resp.GetPrivate(),
		legacy:   resp.GetLegacyTypeSystem(),
		diags:    diags6(resp.GetDiagnostics()),
	}, nil
}

func (c *protocol6) importResourceState(ctx context.Context, im importCall) (*importResult, error) {
	resp, err := c.client.ImportResourceState(ctx, &pb.ImportResourceState_Request{
		TypeName:           im.typeName,
		Id:                 im.id,
		Identity:           toIdentity6(im.identity),
		ClientCapabilities: clientCapabilities6(),
	})
	if err != nil {
		return nil, err
	}
	res := &importResult{diags: diags6(resp.GetDiagnostics()), deferred: resp.GetDeferred() != nil}
	for _, r := range resp.GetImportedResources() {
		res.resources = append(res.resources, importedRaw{
			typeName: r.GetTypeName(),
			state:    fromDynamic6(r.GetState()),
			identity: fromIdentity6(r.GetIdentity()),
			private:  r.GetPrivate(),
		})
	}
	return res, nil
}

func (c *protocol6) moveResourceState(ctx context.Context, m moveCall) (*moveResult, error) {
	resp, err := c.client.MoveResourceState(ctx, &pb.MoveResourceState_Request{
		SourceProviderAddress:       m.sourceProvider,
		SourceTypeName:              m.sourceType,
		SourceSchemaVersion:         m.sourceVersion,
		SourceState:                 &pb.RawState{Json: m.sourceJSON},
		TargetTypeName:              m.targetType,
		SourcePrivate:               m.sourcePrivate,
		SourceIdentity:              rawIdentity6(m.sourceIdentityJSON),
		SourceIdentitySchemaVersion: m.sourceIdentityVersion,
	})
	if err != nil {
		return nil, err
	}
	return &moveResult{
		state:    fromDynamic6(resp.GetTargetState()),
		identity: fromIdentity6(resp.GetTargetIdentity()),
		private:  resp.GetTargetPrivate(),
		diags:    diags6(resp.GetDiagnostics()),
	}, nil
}

func (c *protocol6) readDataSource(ctx context.Context, typeName string, cfg, meta *dynamicValue) (*readDataResult, error) {
	resp, err := c.client.ReadDataSource(ctx, &pb.ReadDataSource_Request{
		TypeName:           typeName,
		Config:             toDynamic6(cfg),
		ProviderMeta:       toDynamic6(meta),
		ClientCapabilities: clientCapabilities6(),
	})
	if err != nil {
		return nil, err
	}
	return &readDataResult{
		state:    fromDynamic6(resp.GetState()),
		diags:    diags6(resp.GetDiagnostics()),
		deferred: resp.GetDeferred() != nil,
	}, nil
}

func (c *protocol6) getFunctions(ctx context.Context) (map[string]FunctionDecl, Diagnostics, error) {
	resp, err := c.client.GetFunctions(ctx, &pb.GetFunctions_Request{})
	if err != nil {
		return nil, nil, err
	}
	fns, err := functions6(resp.GetFunctions())
	return fns, diags6(resp.GetDiagnostics()), err
}

func (c *protocol6) callFunction(ctx context.Context, name string, args []*dynamicValue) (*dynamicValue, *FunctionError, error) {
	req := &pb.CallFunction_Request{Name: name, Arguments: make([]*pb.DynamicValue, len(args))}
	for i, a := range args {
		req.Arguments[i] = toDynamic6(a)
	}
	resp, err := c.client.CallFunction(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	if fe := resp.GetError(); fe != nil {
		arg := -1
		if fe.FunctionArgument != nil {
			arg = int(fe.GetFunctionArgument())
		}
		return nil, &FunctionError{Function: name, Text: fe.GetText(), Argument: arg}, nil
	}
	return fromDynamic6(resp.GetResult()), nil, nil
}

func (c *protocol6) stop(ctx context.Context) (string, error) {
	resp, err := c.client.StopProvider(ctx, &pb.StopProvider_Request{})
	if err != nil {
		return "", err
	}
	return resp.GetError(), nil
}

func (c *protocol6) getResourceIdentitySchemas(ctx context.Context) ([]byte, error) {
	resp, err := c.client.GetResourceIdentitySchemas(ctx, &pb.GetResourceIdentitySchemas_Request{})
	if err != nil {
		return nil, err
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(resp)
}

func (c *protocol6) parseIdentitySchemas(raw []byte) (map[string]*IdentitySchema, Diagnostics, error) {
	var resp pb.GetResourceIdentitySchemas_Response
	if err := proto.Unmarshal(raw, &resp); err != nil {
		return nil, nil, fmt.Errorf("%w: identity schemas: %v", ErrInvalidResponse, err)
	}
	diags := diags6(resp.GetDiagnostics())
	out := make(map[string]*IdentitySchema, len(resp.GetIdentitySchemas()))
	for name, is := range resp.GetIdentitySchemas() {
		s := &IdentitySchema{Version: is.GetVersion(), Attributes: make(map[string]*IdentityAttribute, len(is.GetIdentityAttributes()))}
		for _, a := range is.GetIdentityAttributes() {
			attr, err := identityAttribute(a.GetName(), a.GetType(), a.GetRequiredForImport(), a.GetOptionalForImport(), a.GetDescription())
			if err != nil {
				return nil, diags, fmt.Errorf("%w: identity schema of resource type %s: %v", ErrInvalidResponse, name, err)
			}
			s.Attributes[a.GetName()] = attr
		}
		out[name] = s
	}
	return out, diags, nil
}

func (c *protocol6) upgradeResourceIdentity(ctx context.Context, typeName string, version int64, json []byte) (*dynamicValue, Diagnostics, error) {
	resp, err := c.client.UpgradeResourceIdentity(ctx, &pb.UpgradeResourceIdentity_Request{
		TypeName:    typeName,
		Version:     version,
		RawIdentity: &pb.RawState{Json: json},
	})
	if err != nil {
		return nil, nil, err
	}
	return fromIdentity6(resp.GetUpgradedIdentity()), diags6(resp.GetDiagnostics()), nil
}

func toIdentity6(v *dynamicValue) *pb.ResourceIdentityData {
	if v == nil {
		return nil
	}
	return &pb.ResourceIdentityData{IdentityData: toDynamic6(v)}
}

func fromIdentity6(id *pb.ResourceIdentityData) *dynamicValue {
	return fromDynamic6(id.GetIdentityData())
}

// rawIdentity6 is a recorded identity as the protocol's RawState, or nil.
func rawIdentity6(json []byte) *pb.RawState {
	if len(json) == 0 {
		return nil
	}
	return &pb.RawState{Json: json}
}

func toDynamic6(v *dynamicValue) *pb.DynamicValue {
	if v == nil {
		return nil
	}
	return &pb.DynamicValue{Msgpack: v.msgpack, Json: v.json}
}

func fromDynamic6(v *pb.DynamicValue) *dynamicValue {
	if v == nil {
		return nil
	}
	return &dynamicValue{msgpack: v.GetMsgpack(), json: v.GetJson()}
}

func clientCapabilities6() *pb.ClientCapabilities {
	return &pb.ClientCapabilities{
		DeferralAllowed:            indigoCapabilities.deferralAllowed,
		WriteOnlyAttributesAllowed: indigoCapabilities.writeOnlyAllowed,
	}
}

func capabilities6(c *pb.ServerCapabilities) Capabilities {
	return Capabilities{
		PlanDestroy:               c.GetPlanDestroy(),
		GetProviderSchemaOptional: c.GetGetProviderSchemaOptional(),
		MoveResourceState:         c.GetMoveResourceState(),
		GenerateResourceConfig:    c.GetGenerateResourceConfig(),
	}
}

func diags6(in []*pb.Diagnostic) Diagnostics {
	if len(in) == 0 {
		return nil
	}
	out := make(Diagnostics, 0, len(in))
	for _, d := range in {
		sev := Error
		if d.GetSeverity() == pb.Diagnostic_WARNING {
			sev = Warning
		}
		out = append(out, Diagnostic{
			Severity:  sev,
			Summary:   d.GetSummary(),
			Detail:    d.GetDetail(),
			Attribute: path6(d.GetAttribute()),
		})
	}
	return out
}

func path6(ap *pb.AttributePath) cty.Path {
	if len(ap.GetSteps()) == 0 {
		return nil
	}
	path := make(cty.Path, 0, len(ap.GetSteps()))
	for _, s := range ap.GetSteps() {
		switch sel := s.GetSelector().(type) {
		case *pb.AttributePath_Step_AttributeName:
			path = append(path, cty.GetAttrStep{Name: sel.AttributeName})
		case *pb.AttributePath_Step_ElementKeyString:
			path = append(path, cty.IndexStep{Key: cty.StringVal(sel.ElementKeyString)})
		case *pb.AttributePath_Step_ElementKeyInt:
			path = append(path, cty.IndexStep{Key: cty.NumberIntVal(sel.ElementKeyInt)})
		default:
			// A step with no selector says nothing; the path so far is
			// still the best pointer we have.
			return path
		}
	}
	return path
}

func block6(b *pb.Schema_Block) (*Block, error) {
	out := &Block{
		Attributes:  make(map[string]*Attribute, len(b.GetAttributes())),
		BlockTypes:  make(map[string]*NestedBlock, len(b.GetBlockTypes())),
		Description: b.GetDescription(),
		Deprecated:  b.GetDeprecated(),

		MarkdownDescription: b.GetDescriptionKind() == pb.StringKind_MARKDOWN,
	}
	for _, a := range b.GetAttributes() {
		attr, err := attribute6(a)
		if err != nil {
			return nil, err
		}
		out.Attributes[a.GetName()] = attr
	}
	for _, nb := range b.GetBlockTypes() {
		nesting, ok := nestingFromProto(int32(nb.GetNesting()))
		if !ok {
			return nil, fmt.Errorf("%w: block type %q has nesting mode %v", ErrInvalidResponse, nb.GetTypeName(), nb.GetNesting())
		}
		inner, err := block6(nb.GetBlock())
		if err != nil {
			return nil, fmt.Errorf("block type %q: %w", nb.GetTypeName(), err)
		}
		out.BlockTypes[nb.GetTypeName()] = &NestedBlock{
			Block:    Block{Attributes: inner.Attributes, BlockTypes: inner.BlockTypes, Description: inner.Description, MarkdownDescription: inner.MarkdownDescription, Deprecated: inner.Deprecated},
			Nesting:  nesting,
			MinItems: int(nb.GetMinItems()),
			MaxItems: int(nb.GetMaxItems()),
		}
	}
	return out, nil
}

func attribute6(a *pb.Schema_Attribute) (*Attribute, error) {
	out := &Attribute{
		Required:    a.GetRequired(),
		Optional:    a.GetOptional(),
		Computed:    a.GetComputed(),
		Sensitive:   a.GetSensitive(),
		Deprecated:  a.GetDeprecated(),
		WriteOnly:   a.GetWriteOnly(),
		Description: a.GetDescription(),

		MarkdownDescription: a.GetDescriptionKind() == pb.StringKind_MARKDOWN,
		DeprecationMessage:  a.GetDeprecationMessage(),
	}
	if nt := a.GetNestedType(); nt != nil {
		obj, err := object6(nt)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", a.GetName(), err)
		}
		out.NestedType = obj
		return out, nil
	}
	ty, err := decodeType(a.GetType())
	if err != nil {
		return nil, fmt.Errorf("attribute %q: %w", a.GetName(), err)
	}
	out.Type = ty
	return out, nil
}

func object6(o *pb.Schema_Object) (*Object, error) {
	nesting, ok := nestingFromProto(int32(o.GetNesting()))
	if !ok || nesting == NestingGroup {
		return nil, fmt.Errorf("%w: nested attribute type with nesting mode %v", ErrInvalidResponse, o.GetNesting())
	}
	out := &Object{Attributes: make(map[string]*Attribute, len(o.GetAttributes())), Nesting: nesting}
	for _, a := range o.GetAttributes() {
		attr, err := attribute6(a)
		if err != nil {
			return nil, err
		}
		out.Attributes[a.GetName()] = attr
	}
	return out, nil
}

func functions6(in map[string]*pb.Function) (map[string]FunctionDecl, error) {
	out := make(map[string]FunctionDecl, len(in))
	for name, f := range in {
		decl := FunctionDecl{
			Summary:            f.GetSummary(),
			Description:        f.GetDescription(),
			DeprecationMessage: f.GetDeprecationMessage(),
		}
		for _, p := range f.GetParameters() {
			param, err := parameter6(p)
			if err != nil {
				return nil, fmt.Errorf("function %s: %w", name, err)
			}
			decl.Parameters = append(decl.Parameters, param)
		}
		if vp := f.GetVariadicParameter(); vp != nil {
			param, err := parameter6(vp)
			if err != nil {
				return nil, fmt.Errorf("function %s: %w", name, err)
			}
			decl.VariadicParameter = &param
		}
		ret, err := decodeType(f.GetReturn().GetType())
		if err != nil {
			return nil, fmt.Errorf("function %s return type: %w", name, err)
		}
		decl.ReturnType = ret
		out[name] = decl
	}
	return out, nil
}

func parameter6(p *pb.Function_Parameter) (Parameter, error) {
	ty, err := decodeType(p.GetType())
	if err != nil {
		return Parameter{}, fmt.Errorf("parameter %s: %w", p.GetName(), err)
	}
	return Parameter{
		Name:               p.GetName(),
		Type:               ty,
		AllowNullValue:     p.GetAllowNullValue(),
		AllowUnknownValues: p.GetAllowUnknownValues(),
		Description:        p.GetDescription(),
	}, nil
}
