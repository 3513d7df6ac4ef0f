package plugin

import (
	"context"
	"fmt"

	"github.com/zclconf/go-cty/cty"
	"google.golang.org/protobuf/proto"

	pb "github.com/indigo-cloud/indigo/providers/plugin/internal/tfplugin5"
)

// protocol5 speaks tfplugin5, the protocol of most providers in the wild
// (every one written with the legacy SDK). It is the twin of protocol6; the
// differences are RPC names, PrepareProviderConfig (which may return a
// modified configuration) and the absence of nested attribute types.
type protocol5 struct {
	client pb.ProviderClient
}

var _ protocol = (*protocol5)(nil)

func (c *protocol5) getMetadata(ctx context.Context) (*metadata, error) {
	resp, err := c.client.GetMetadata(ctx, &pb.GetMetadata_Request{})
	if err != nil {
		return nil, err
	}
	m := &metadata{capabilities: capabilities5(resp.GetServerCapabilities()), diags: diags5(resp.GetDiagnostics())}
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

func (c *protocol5) getProviderSchema(ctx context.Context) ([]byte, error) {
	resp, err := c.client.GetSchema(ctx, &pb.GetProviderSchema_Request{})
	if err != nil {
		return nil, err
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(resp)
}

func (c *protocol5) parseSchema(raw []byte) (*Schema, Diagnostics, error) {
	var resp pb.GetProviderSchema_Response
	if err := proto.Unmarshal(raw, &resp); err != nil {
		return nil, nil, fmt.Errorf("%w: schema: %v", ErrInvalidResponse, err)
	}
	diags := diags5(resp.GetDiagnostics())
	if diags.HasErrors() {
		return nil, diags, nil
	}
	s := &Schema{
		Resources:    make(map[string]ResourceSchema, len(resp.GetResourceSchemas())),
		DataSources:  make(map[string]ResourceSchema, len(resp.GetDataSourceSchemas())),
		Functions:    make(map[string]FunctionDecl, len(resp.GetFunctions())),
		Capabilities: capabilities5(resp.GetServerCapabilities()),
	}
	var err error
	if s.Provider, err = block5(resp.GetProvider().GetBlock()); err != nil {
		return nil, diags, fmt.Errorf("provider schema: %w", err)
	}
	if resp.GetProviderMeta().GetBlock() != nil {
		if s.ProviderMeta, err = block5(resp.GetProviderMeta().GetBlock()); err != nil {
			return nil, diags, fmt.Errorf("provider_meta schema: %w", err)
		}
	}
	for name, rs := range resp.GetResourceSchemas() {
		b, err := block5(rs.GetBlock())
		if err != nil {
			return nil, diags, fmt.Errorf("schema of resource type %s: %w", name, err)
		}
		noteCopies(name, b)
		s.Resources[name] = ResourceSchema{Version: rs.GetVersion(), Block: b}
	}
	for name, ds := range resp.GetDataSourceSchemas() {
		b, err := block5(ds.GetBlock())
		if err != nil {
			return nil, diags, fmt.Errorf("schema of data source %s: %w", name, err)
		}
		noteListedKeys(name, b)
		s.DataSources[name] = ResourceSchema{Version: ds.GetVersion(), Block: b}
	}
	if s.Functions, err = functions5(resp.GetFunctions()); err != nil {
		return nil, diags, err
	}
	if err := ephemeralSchemas5(&resp, s); err != nil {
		return nil, diags, err
	}
	return s, diags, nil
}

func (c *protocol5) validateProviderConfig(ctx context.Context, cfg *dynamicValue) (*dynamicValue, Diagnostics, error) {
	resp, err := c.client.PrepareProviderConfig(ctx, &pb.PrepareProviderConfig_Request{Config: toDynamic5(cfg)})
	if err != nil {
		return nil, nil, err
	}
	// Legacy SDK providers return the configuration with their defaults
	// filled in; others return nothing, and the configuration stands.
	prepared := fromDynamic5(resp.GetPreparedConfig())
	if prepared == nil || (len(prepared.msgpack) == 0 && len(prepared.json) == 0) {
		prepared = cfg
	}
	return prepared, diags5(resp.GetDiagnostics()), nil
}

func (c *protocol5) validateResourceConfig(ctx context.Context, typeName string, cfg *dynamicValue) (Diagnostics, error) {
	resp, err := c.client.ValidateResourceTypeConfig(ctx, &pb.ValidateResourceTypeConfig_Request{
		TypeName:           typeName,
		Config:             toDynamic5(cfg),
		ClientCapabilities: clientCapabilities5(),
	})
	if err != nil {
		return nil, err
	}
	return diags5(resp.GetDiagnostics()), nil
}

func (c *protocol5) validateDataResourceConfig(ctx context.Context, typeName string, cfg *dynamicValue) (Diagnostics, error) {
	resp, err := c.client.ValidateDataSourceConfig(ctx, &pb.ValidateDataSourceConfig_Request{TypeName: typeName, Config: toDynamic5(cfg)})
	if err != nil {
		return nil, err
	}
	return diags5(resp.GetDiagnostics()), nil
}

func (c *protocol5) upgradeResourceState(ctx context.Context, u upgradeCall) (*dynamicValue, Diagnostics, error) {
	resp, err := c.client.UpgradeResourceState(ctx, &pb.UpgradeResourceState_Request{
		TypeName: u.typeName,
		Version:  u.version,
		RawState: &pb.RawState{Json: u.json, Flatmap: u.flatmap},
	})
	if err != nil {
		return nil, nil, err
	}
	return fromDynamic5(resp.GetUpgradedState()), diags5(resp.GetDiagnostics()), nil
}

func (c *protocol5) configureProvider(ctx context.Context, terraformVersion string, cfg *dynamicValue) (Diagnostics, error) {
	resp, err := c.client.Configure(ctx, &pb.Configure_Request{
		TerraformVersion:   terraformVersion,
		Config:             toDynamic5(cfg),
		ClientCapabilities: clientCapabilities5(),
	})
	if err != nil {
		return nil, err
	}
	return diags5(resp.GetDiagnostics()), nil
}

func (c *protocol5) readResource(ctx context.Context, r readCall) (*readResult, error) {
	resp, err := c.client.ReadResource(ctx, &pb.ReadResource_Request{
		TypeName:           r.typeName,
		CurrentState:       toDynamic5(r.state),
		CurrentIdentity:    toIdentity5(r.identity),
		Private:            r.private,
		ProviderMeta:       toDynamic5(r.meta),
		ClientCapabilities: clientCapabilities5(),
	})
	if err != nil {
		return nil, err
	}
	return &readResult{
		newState: fromDynamic5(resp.GetNewState()),
		identity: fromIdentity5(resp.GetNewIdentity()),
		private:  resp.GetPrivate(),
		diags:    diags5(resp.GetDiagnostics()),
		deferred: resp.GetDeferred() != nil,
	}, nil
}

func (c *protocol5) planResourceChange(ctx context.Context, p planCall) (*planResult, error) {
	resp, err := c.client.PlanResourceChange(ctx, &pb.PlanResourceChange_Request{
		TypeName:           p.typeName,
		PriorState:         toDynamic5(p.prior),
		ProposedNewState:   toDynamic5(p.proposed),
		Config:             toDynamic5(p.config),
		PriorPrivate:       p.priorPrivate,
		PriorIdentity:      toIdentity5(p.priorIdentity),
		ProviderMeta:       toDynamic5(p.meta),
		ClientCapabilities: clientCapabilities5(),
	})
	if err != nil {
		return nil, err
	}
	res := &planResult{
		planned:  fromDynamic5(resp.GetPlannedState()),
		identity: fromIdentity5(resp.GetPlannedIdentity()),
		private:  resp.GetPlannedPrivate(),
		legacy:   resp.GetLegacyTypeSystem(),
		diags:    diags5(resp.GetDiagnostics()),
		deferred: resp.GetDeferred() != nil,
	}
	for _, ap := range resp.GetRequiresReplace() {
		res.requiresReplace = append(res.requiresReplace, path5(ap))
	}
	return res, nil
}

func (c *protocol5) applyResourceChange(ctx context.Context, a applyCall) (*applyResult, error) {
	resp, err := c.client.ApplyResourceChange(ctx, &pb.ApplyResourceChange_Request{
		TypeName:        a.typeName,
		PriorState:      toDynamic5(a.prior),
		PlannedState:    toDynamic5(a.planned),
		Config:          toDynamic5(a.config),
		PlannedPrivate:  a.plannedPrivate,
		PlannedIdentity: toIdentity5(a.plannedIdentity),
		ProviderMeta:    toDynamic5(a.meta),
	})
	if err != nil {
		return nil, err
	}
	return &applyResult{
		newState: fromDynamic5(resp.GetNewState()),
		identity: fromIdentity5(resp.GetNewIdentity()),
		private:  resp.GetPrivate(),
		legacy:   resp.GetLegacyTypeSystem(),
		diags:    diags5(resp.GetDiagnostics()),
	}, nil
}

func (c *protocol5) importResourceState(ctx context.Context, im importCall) (*importResult, error) {
	resp, err := c.client.ImportResourceState(ctx, &pb.ImportResourceState_Request{
		TypeName:           im.typeName,
		Id:                 im.id,
		Identity:           toIdentity5(im.identity),
		ClientCapabilities: clientCapabilities5(),
	})
	if err != nil {
		return nil, err
	}
	res := &importResult{diags: diags5(resp.GetDiagnostics()), deferred: resp.GetDeferred() != nil}
	for _, r := range resp.GetImportedResources() {
		res.resources = append(res.resources, importedRaw{
			typeName: r.GetTypeName(),
			state:    fromDynamic5(r.GetState()),
			identity: fromIdentity5(r.GetIdentity()),
			private:  r.GetPrivate(),
		})
	}
	return res, nil
}

func (c *protocol5) moveResourceState(ctx context.Context, m moveCall) (*moveResult, error) {
	resp, err := c.client.MoveResourceState(ctx, &pb.MoveResourceState_Request{
		SourceProviderAddress:       m.sourceProvider,
		SourceTypeName:              m.sourceType,
		SourceSchemaVersion:         m.sourceVersion,
		SourceState:                 &pb.RawState{Json: m.sourceJSON},
		TargetTypeName:              m.targetType,
		SourcePrivate:               m.sourcePrivate,
		SourceIdentity:              rawIdentity5(m.sourceIdentityJSON),
		SourceIdentitySchemaVersion: m.sourceIdentityVersion,
	})
	if err != nil {
		return nil, err
	}
	return &moveResult{
		state:    fromDynamic5(resp.GetTargetState()),
		identity: fromIdentity5(resp.GetTargetIdentity()),
		private:  resp.GetTargetPrivate(),
		diags:    diags5(resp.GetDiagnostics()),
	}, nil
}

func (c *protocol5) readDataSource(ctx context.Context, typeName string, cfg, meta *dynamicValue) (*readDataResult, error) {
	resp, err := c.client.ReadDataSource(ctx, &pb.ReadDataSource_Request{
		TypeName:           typeName,
		Config:             toDynamic5(cfg),
		ProviderMeta:       toDynamic5(meta),
		ClientCapabilities: clientCapabilities5(),
	})
	if err != nil {
		return nil, err
	}
	return &readDataResult{
		state:    fromDynamic5(resp.GetState()),
		diags:    diags5(resp.GetDiagnostics()),
		deferred: resp.GetDeferred() != nil,
	}, nil
}

func (c *protocol5) getFunctions(ctx context.Context) (map[string]FunctionDecl, Diagnostics, error) {
	resp, err := c.client.GetFunctions(ctx, &pb.GetFunctions_Request{})
	if err != nil {
		return nil, nil, err
	}
	fns, err := functions5(resp.GetFunctions())
	return fns, diags5(resp.GetDiagnostics()), err
}

func (c *protocol5) callFunction(ctx context.Context, name string, args []*dynamicValue) (*dynamicValue, *FunctionError, error) {
	req := &pb.CallFunction_Request{Name: name, Arguments: make([]*pb.DynamicValue, len(args))}
	for i, a := range args {
		req.Arguments[i] = toDynamic5(a)
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
	return fromDynamic5(resp.GetResult()), nil, nil
}

func (c *protocol5) stop(ctx context.Context) (string, error) {
	resp, err := c.client.Stop(ctx, &pb.Stop_Request{})
	if err != nil {
		return "", err
	}
	return resp.GetError(), nil
}

func (c *protocol5) getResourceIdentitySchemas(ctx context.Context) ([]byte, error) {
	resp, err := c.client.GetResourceIdentitySchemas(ctx, &pb.GetResourceIdentitySchemas_Request{})
	if err != nil {
		return nil, err
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(resp)
}

func (c *protocol5) parseIdentitySchemas(raw []byte) (map[string]*IdentitySchema, Diagnostics, error) {
	var resp pb.GetResourceIdentitySchemas_Response
	if err := proto.Unmarshal(raw, &resp); err != nil {
		return nil, nil, fmt.Errorf("%w: identity schemas: %v", ErrInvalidResponse, err)
	}
	diags := diags5(resp.GetDiagnostics())
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

func (c *protocol5) upgradeResourceIdentity(ctx context.Context, typeName string, version int64, json []byte) (*dynamicValue, Diagnostics, error) {
	resp, err := c.client.UpgradeResourceIdentity(ctx, &pb.UpgradeResourceIdentity_Request{
		TypeName:    typeName,
		Version:     version,
		RawIdentity: &pb.RawState{Json: json},
	})
	if err != nil {
		return nil, nil, err
	}
	return fromIdentity5(resp.GetUpgradedIdentity()), diags5(resp.GetDiagnostics()), nil
}

func toIdentity5(v *dynamicValue) *pb.ResourceIdentityData {
	if v == nil {
		return nil
	}
	return &pb.ResourceIdentityData{IdentityData: toDynamic5(v)}
}

func fromIdentity5(id *pb.ResourceIdentityData) *dynamicValue {
	return fromDynamic5(id.GetIdentityData())
}

// rawIdentity5 is a recorded identity as the protocol's RawState, or nil.
func rawIdentity5(json []byte) *pb.RawState {
	if len(json) == 0 {
		return nil
	}
	return &pb.RawState{Json: json}
}

func toDynamic5(v *dynamicValue) *pb.DynamicValue {
	if v == nil {
		return nil
	}
	return &pb.DynamicValue{Msgpack: v.msgpack, Json: v.json}
}

func fromDynamic5(v *pb.DynamicValue) *dynamicValue {
	if v == nil {
		return nil
	}
	return &dynamicValue{msgpack: v.GetMsgpack(), json: v.GetJson()}
}

func clientCapabilities5() *pb.ClientCapabilities {
	return &pb.ClientCapabilities{
		DeferralAllowed:            indigoCapabilities.deferralAllowed,
		WriteOnlyAttributesAllowed: indigoCapabilities.writeOnlyAllowed,
	}
}

func capabilities5(c *pb.ServerCapabilities) Capabilities {
	return Capabilities{
		PlanDestroy:               c.GetPlanDestroy(),
		GetProviderSchemaOptional: c.GetGetProviderSchemaOptional(),
		MoveResourceState:         c.GetMoveResourceState(),
		GenerateResourceConfig:    c.GetGenerateResourceConfig(),
	}
}

func diags5(in []*pb.Diagnostic) Diagnostics {
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
			Attribute: path5(d.GetAttribute()),
		})
	}
	return out
}

func path5(ap *pb.AttributePath) cty.Path {
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

func block5(b *pb.Schema_Block) (*Block, error) {
	out := &Block{
		Attributes:  make(map[string]*Attribute, len(b.GetAttributes())),
		BlockTypes:  make(map[string]*NestedBlock, len(b.GetBlockTypes())),
		Description: b.GetDescription(),
		Deprecated:  b.GetDeprecated(),

		MarkdownDescription: b.GetDescriptionKind() == pb.StringKind_MARKDOWN,
	}
	for _, a := range b.GetAttributes() {
		attr, err := attribute5(a)
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
		inner, err := block5(nb.GetBlock())
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

func attribute5(a *pb.Schema_Attribute) (*Attribute, error) {
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
	ty, err := decodeType(a.GetType())
	if err != nil {
		return nil, fmt.Errorf("attribute %q: %w", a.GetName(), err)
	}
	out.Type = ty
	return out, nil
}

func functions5(in map[string]*pb.Function) (map[string]FunctionDecl, error) {
	out := make(map[string]FunctionDecl, len(in))
	for name, f := range in {
		decl := FunctionDecl{
			Summary:            f.GetSummary(),
			Description:        f.GetDescription(),
			DeprecationMessage: f.GetDeprecationMessage(),
		}
		for _, p := range f.GetParameters() {
			param, err := parameter5(p)
			if err != nil {
				return nil, fmt.Errorf("function %s: %w", name, err)
			}
			decl.Parameters = append(decl.Parameters, param)
		}
		if vp := f.GetVariadicParameter(); vp != nil {
			param, err := parameter5(vp)
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

func parameter5(p *pb.Function_Parameter) (Parameter, error) {
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
