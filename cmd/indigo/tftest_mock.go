package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/providers/plugin"
)

// testMocks are the mock providers and overrides in force for one run: the
// file's, with the run's own overrides over them.
type testMocks struct {
	// providers maps the mock_provider blocks by name and alias (aws,
	// aws.fake), as a run's providers attribute names them.
	providers map[string]*mockProvider
	// configs are the provider configurations of the configuration a run
	// plans that are mocked, and their mock.
	configs map[config.ProviderConfigAddr]*mockProvider
	// overrides maps resource addresses (module.m.aws_instance.web,
	// data.aws_ami.x) to the values their objects take, whatever
	// provider they belong to.
	overrides map[string]mockValues
	// modules maps module paths (module.net) to the outputs an
	// override_module gives them: the module itself is not planned.
	modules map[config.ModulePath]cty.Value
}

// mockProvider is a mock_provider block: every call of that provider is
// answered without it (its schema still comes from it).
type mockProvider struct {
	resources map[string]mockValues // mock_resource defaults, by type
	data      map[string]mockValues // mock_data defaults, by type
	// atPlan is the block's override_during: whether its blocks give
	// their values at plan unless they say otherwise.
	atPlan bool
}

// mockValues are the values a mock or an override gives an object, and
// when: at apply (by default; the plan has the computed ones unknown) or
// already at plan (override_during = plan).
type mockValues struct {
	vals   cty.Value
	atPlan bool
}

func (m *testMocks) empty() bool {
	return m == nil || len(m.configs) == 0 && len(m.overrides) == 0
}

// with returns m with the overrides of a run added.
func (m *testMocks) with(overrides map[string]mockValues, modules map[config.ModulePath]cty.Value) *testMocks {
	if len(overrides) == 0 && len(modules) == 0 {
		return m
	}
	c := &testMocks{providers: m.providers, configs: m.configs, overrides: maps.Clone(m.overrides), modules: maps.Clone(m.modules)}
	if c.overrides == nil {
		c.overrides = map[string]mockValues{}
	}
	if c.modules == nil {
		c.modules = map[config.ModulePath]cty.Value{}
	}
	maps.Copy(c.overrides, overrides)
	maps.Copy(c.modules, modules)
	return c
}

// parseOverrideModule reads an override_module block into modules.
func parseOverrideModule(b *hcl.Block, modules map[config.ModulePath]cty.Value) hcl.Diagnostics {
	content, diags := b.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "target", Required: true}, {Name: "outputs"}}})
	if diags.HasErrors() {
		return diags
	}
	t, d := hcl.AbsTraversalForExpr(content.Attributes["target"].Expr)
	if diags = append(diags, d...); d.HasErrors() {
		return diags
	}
	var path config.ModulePath
	for i := 0; i < len(t); i += 2 {
		root, ok1 := t[i].(hcl.TraverseRoot)
		attr, ok2 := t[i].(hcl.TraverseAttr)
		kw := root.Name
		if !ok1 {
			kw = attr.Name
		}
		name, ok3 := hcl.TraverseAttr{}, false
		if i+1 < len(t) {
			name, ok3 = t[i+1].(hcl.TraverseAttr)
		}
		if (!ok1 && !ok2) || kw != "module" || !ok3 {
			return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid override target",
				Detail: "override_module targets a module call: module.NAME (module.NAME.module.CHILD for a nested one), without instance keys.", Subject: content.Attributes["target"].Expr.Range().Ptr()})
		}
		path = path.Child(config.ModuleStep, name.Name)
	}
	v := cty.EmptyObjectVal
	if a := content.Attributes["outputs"]; a != nil {
		val, d := a.Expr.Value(nil)
		if diags = append(diags, d...); d.HasErrors() {
			return diags
		}
		if !val.Type().IsObjectType() && !val.Type().IsMapType() {
			return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid override outputs",
				Detail: "outputs is an object of output values.", Subject: a.Expr.Range().Ptr()})
		}
		v = val
	}
	modules[path] = v
	return diags
}

// configWith returns cfg with each overridden module replaced by one that
// only declares its variables (so its call stays valid) and outputs the
// override's values (null for the others): nothing in it is planned.
func (m *testMocks) configWith(cfg *config.Config) (*config.Config, hcl.Diagnostics) {
	if m == nil || len(m.modules) == 0 {
		return cfg, nil
	}
	var diags hcl.Diagnostics
	for p := range m.modules {
		if cfg.Descendant(p) == nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid override target",
				Detail: fmt.Sprintf("override_module targets %s, which the configuration does not call.", p)})
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return rebuild(cfg, cfg.Module, func(ch *config.Config) *config.Module {
		if outs, ok := m.modules[ch.Path]; ok {
			return stubModule(ch.Module, outs)
		}
		return nil
	}), nil
}

// rebuild returns a copy of the tree cfg with root as its root module and,
// where stub returns a module, that one in place of a child (and none of
// its children).
func rebuild(cfg *config.Config, root *config.Module, stub func(*config.Config) *config.Module) *config.Config {
	out := config.NewRoot(root)
	var copyChildren func(src, dst *config.Config)
	copyChildren = func(src, dst *config.Config) {
		for step, ch := range src.Children {
			if stub != nil {
				if m := stub(ch); m != nil {
					dst.AddChild(step, m, ch.CallRange, ch.SourceAddr)
					continue
				}
			}
			copyChildren(ch, dst.AddChild(step, ch.Module, ch.CallRange, ch.SourceAddr))
		}
	}
	copyChildren(cfg, out)
	return out
}

// stubModule is mod with its variables and settings only, and outputs of
// the given values.
func stubModule(mod *config.Module, outs cty.Value) *config.Module {
	stub := config.NewModule(mod.SourceDir)
	stub.Files, stub.Settings, stub.Variables = mod.Files, mod.Settings, mod.Variables
	given := map[string]cty.Value{}
	if outs.IsKnown() && !outs.IsNull() {
		for it := outs.ElementIterator(); it.Next(); {
			k, v := it.Element()
			given[k.AsString()] = v
		}
	}
	for name, o := range mod.Outputs {
		v, ok := given[name]
		if !ok {
			v = cty.NullVal(cty.DynamicPseudoType)
		}
		stub.Outputs[name] = &config.Output{Name: name, Expr: hcl.StaticExpr(v, o.DeclRange), Sensitive: o.Sensitive, DeclRange: o.DeclRange}
	}
	return stub
}

// mockBlocks are what a mock_provider block and the .tfmock.hcl files of
// its source hold.
var mockBlocks = []hcl.BlockHeaderSchema{
	{Type: "mock_resource", LabelNames: []string{"type"}}, {Type: "mock_data", LabelNames: []string{"type"}},
	{Type: "override_resource"}, {Type: "override_data"},
}

// parseMockProvider reads a mock_provider block; the directory its source
// names is relative to dir, the configuration's.
func parseMockProvider(p *hclparse.Parser, dir string, b *hcl.Block, m *testMocks) hcl.Diagnostics {
	content, diags := b.Body.Content(&hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "alias"}, {Name: "source"}, {Name: "override_during"}},
		Blocks:     mockBlocks,
	})
	mp := &mockProvider{resources: map[string]mockValues{}, data: map[string]mockValues{}}
	key := b.Labels[0]
	if a := content.Attributes["alias"]; a != nil {
		v, d := a.Expr.Value(nil)
		diags = append(diags, d...)
		if !d.HasErrors() {
			if v.Type() != cty.String || v.IsNull() || !hclsyntax.ValidIdentifier(v.AsString()) {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid alias", Detail: "alias must be a name, as in a provider block.", Subject: a.Expr.Range().Ptr()})
			} else {
				key += "." + v.AsString()
			}
		}
	}
	if a := content.Attributes["override_during"]; a != nil {
		at, d := overrideDuring(a)
		diags = append(diags, d...)
		mp.atPlan = at
	}
	// The blocks of the source's files come first: the block's own
	// ones, read after, win.
	if a := content.Attributes["source"]; a != nil {
		diags = append(diags, mockSource(p, dir, a, mp, m)...)
	}
	diags = append(diags, mp.read(content.Blocks, m)...)
	if m.providers == nil {
		m.providers = map[string]*mockProvider{}
	}
	if m.providers[key] != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate mock_provider block",
			Detail: fmt.Sprintf("Another mock_provider block of this file mocks %s: give this one an alias of its own.", key), Subject: b.DefRange.Ptr()})
	}
	m.providers[key] = mp
	return diags
}

// read takes the mock_resource, mock_data and override blocks of a
// mock_provider block or a .tfmock.hcl file.
func (mp *mockProvider) read(blocks hcl.Blocks, m *testMocks) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, blk := range blocks {
		switch blk.Type {
		case "mock_resource", "mock_data":
			content, d := blk.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "defaults"}, {Name: "override_during"}}})
			diags = append(diags, d...)
			mv := mockValues{vals: cty.EmptyObjectVal, atPlan: mp.atPlan}
			if a := content.Attributes["defaults"]; a != nil {
				v, d := staticObject(a)
				diags = append(diags, d...)
				mv.vals = v
			}
			if a := content.Attributes["override_during"]; a != nil {
				at, d := overrideDuring(a)
				diags = append(diags, d...)
				mv.atPlan = at
			}
			if blk.Type == "mock_resource" {
				mp.resources[blk.Labels[0]] = mv
			} else {
				mp.data[blk.Labels[0]] = mv
			}
		default:
			diags = append(diags, parseOverride(blk, m.overrides, mp.atPlan)...)
		}
	}
	return diags
}

// mockSource reads the .tfmock.hcl files of the directory a mock_provider's
// source names, in name order.
func mockSource(p *hclparse.Parser, dir string, a *hcl.Attribute, mp *mockProvider, m *testMocks) hcl.Diagnostics {
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() {
		return diags
	}
	if v.Type() != cty.String || v.IsNull() || v.AsString() == "" {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid mock source",
			Detail: "source is a directory of .tfmock.hcl files, such as \"./tests/mocks/aws\".", Subject: a.Expr.Range().Ptr()})
	}
	src := v.AsString()
	if !filepath.IsAbs(src) {
		src = filepath.Join(dir, src)
	}
	names, err := filepath.Glob(filepath.Join(src, "*.tfmock.hcl"))
	if err == nil && len(names) == 0 {
		if _, serr := os.Stat(src); serr != nil {
			err = serr
		}
	}
	if err != nil {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Mock source not read",
			Detail: fmt.Sprintf("%s; source is a directory of .tfmock.hcl files, relative to the configuration's directory.", err), Subject: a.Expr.Range().Ptr()})
	}
	sort.Strings(names)
	for _, name := range names {
		f, d := p.ParseHCLFile(name)
		if diags = append(diags, d...); d.HasErrors() {
			continue
		}
		content, d := f.Body.Content(&hcl.BodySchema{Blocks: mockBlocks})
		diags = append(diags, d...)
		diags = append(diags, mp.read(content.Blocks, m)...)
	}
	return diags
}

// parseOverride reads an override_resource or override_data block into
// overrides.
func parseOverride(b *hcl.Block, overrides map[string]mockValues, atPlan bool) hcl.Diagnostics {
	content, diags := b.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "target", Required: true}, {Name: "values"}, {Name: "override_during"},
	}})
	if diags.HasErrors() {
		return diags
	}
	if a := content.Attributes["override_during"]; a != nil {
		at, d := overrideDuring(a)
		diags = append(diags, d...)
		atPlan = at
	}
	t, d := hcl.AbsTraversalForExpr(content.Attributes["target"].Expr)
	if diags = append(diags, d...); d.HasErrors() {
		return diags
	}
	target := config.TraversalString(t)
	if b.Type == "override_data" && !strings.HasPrefix(target, "data.") && !strings.Contains(target, ".data.") {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid override target",
			Detail: "override_data targets a data source: data.TYPE.NAME.", Subject: content.Attributes["target"].Expr.Range().Ptr()})
	}
	v := cty.EmptyObjectVal
	if a := content.Attributes["values"]; a != nil {
		val, d := a.Expr.Value(nil)
		if diags = append(diags, d...); d.HasErrors() {
			return diags
		}
		if !val.Type().IsObjectType() && !val.Type().IsMapType() {
			return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid override values",
				Detail: "values is an object of attribute values.", Subject: a.Expr.Range().Ptr()})
		}
		v = val
	}
	overrides[target] = mockValues{vals: v, atPlan: atPlan}
	return diags
}

// overrideDuring reads override_during: plan or apply.
func overrideDuring(a *hcl.Attribute) (atPlan bool, diags hcl.Diagnostics) {
	switch hcl.ExprAsKeyword(a.Expr) {
	case "plan":
		return true, nil
	case "apply":
		return false, nil
	}
	return false, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid override_during",
		Detail: "override_during is apply (the default: the plan has the computed values unknown) or plan (the plan has them already), written without quotes.", Subject: a.Expr.Range().Ptr()}}
}

// staticObject reads a's value, an object of constant values.
func staticObject(a *hcl.Attribute) (cty.Value, hcl.Diagnostics) {
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() {
		return cty.EmptyObjectVal, diags
	}
	if !v.Type().IsObjectType() && !v.Type().IsMapType() {
		return cty.EmptyObjectVal, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid " + a.Name,
			Detail: a.Name + " is an object of attribute values.", Subject: a.Expr.Range().Ptr()})
	}
	return v, diags
}

// wrap returns the providers a run uses: base's, with the mocked
// configurations answered by their mocks and overridden resources by
// their values.
func (m *testMocks) wrap(base planner.Providers) planner.Providers {
	if m.empty() {
		return base
	}
	return &testProviders{base: base, mocks: m}
}

// testProviders starts the providers of a run with mocks.
type testProviders struct {
	base  planner.Providers
	mocks *testMocks
}

// Start starts a provider that no configuration names: only overrides
// apply to it.
func (t *testProviders) Start(ctx context.Context, addr config.Provider) (planner.Provider, error) {
	return t.StartConfig(ctx, config.ProviderConfigAddr{Provider: addr, Module: "-"})
}

// StartConfig starts the provider of one configuration; when the
// configuration is mocked, the process only gives its schema.
func (t *testProviders) StartConfig(ctx context.Context, addr config.ProviderConfigAddr) (planner.Provider, error) {
	p, err := t.base.Start(ctx, addr.Provider)
	if err != nil {
		return nil, err
	}
	return &mockedProvider{Provider: p, mock: t.mocks.configs[addr.Config()], overrides: t.mocks.overrides}, nil
}

// mockedProvider answers the calls of a mocked provider, and those about
// overridden resources of any provider, without the provider; everything
// else goes to it. Mocked objects are planned with their computed
// attributes unknown and made with values from the overrides, the
// mock_resource or mock_data defaults, or made up: a string of 8 random
// letters and digits, 0, false, empty collections.
type mockedProvider struct {
	planner.Provider
	mock      *mockProvider // nil: the provider is real
	overrides map[string]mockValues
}

// values returns the values an object of addr takes and whether it is
// mocked at all.
func (p *mockedProvider) values(addr, typeName string, data bool) (mockValues, bool) {
	if v, ok := p.override(addr); ok {
		return v, true
	}
	if p.mock == nil {
		return mockValues{}, false
	}
	defaults := p.mock.resources
	if data {
		defaults = p.mock.data
	}
	if v, ok := defaults[typeName]; ok {
		return v, true
	}
	return mockValues{vals: cty.EmptyObjectVal, atPlan: p.mock.atPlan}, true
}

func (p *mockedProvider) schemaOf(ctx context.Context, typeName string, data bool) *plugin.Block {
	s, err := p.Provider.Schema(ctx)
	if err != nil {
		return nil
	}
	m := s.Resources
	if data {
		m = s.DataSources
	}
	if rs, ok := m[typeName]; ok {
		return rs.Block
	}
	return nil
}

// Schema is the provider's, but a mocked one has no configuration: the
// run gives it an empty provider block.
func (p *mockedProvider) Schema(ctx context.Context) (*plugin.Schema, error) {
	s, err := p.Provider.Schema(ctx)
	if err != nil || p.mock == nil {
		return s, err
	}
	c := *s
	c.Provider = &plugin.Block{}
	return &c, nil
}

func (p *mockedProvider) ValidateProviderConfig(ctx context.Context, cfg cty.Value) (cty.Value, plugin.Diagnostics) {
	if p.mock != nil {
		return cfg, nil
	}
	return p.Provider.ValidateProviderConfig(ctx, cfg)
}

func (p *mockedProvider) ConfigureProvider(ctx context.Context, req plugin.ConfigureRequest) plugin.Diagnostics {
	if p.mock != nil {
		return nil
	}
	return p.Provider.ConfigureProvider(ctx, req)
}

func (p *mockedProvider) ValidateResourceConfig(ctx context.Context, req plugin.ValidateRequest) plugin.Diagnostics {
	if _, ok := p.values(req.Addr, req.TypeName, false); ok {
		return nil
	}
	return p.Provider.ValidateResourceConfig(ctx, req)
}

func (p *mockedProvider) ValidateDataResourceConfig(ctx context.Context, req plugin.ValidateRequest) plugin.Diagnostics {
	if _, ok := p.values(req.Addr, req.TypeName, true); ok {
		return nil
	}
	return p.Provider.ValidateDataResourceConfig(ctx, req)
}

func (p *mockedProvider) UpgradeResourceState(ctx context.Context, req plugin.UpgradeRequest) plugin.UpgradeResponse {
	if _, ok := p.values(req.Addr, req.TypeName, false); !ok {
		return p.Provider.UpgradeResourceState(ctx, req)
	}
	b := p.schemaOf(ctx, req.TypeName, false)
	if b == nil {
		return plugin.UpgradeResponse{Diagnostics: mockDiag("the provider has no resource type %q", req.TypeName)}
	}
	v, err := ctyjson.Unmarshal(req.RawStateJSON, b.ImpliedType())
	if err != nil {
		return plugin.UpgradeResponse{Diagnostics: mockDiag("reading the recorded %s: %s", req.Addr, err)}
	}
	return plugin.UpgradeResponse{UpgradedState: v}
}

// ReadResource finds a mocked object as it was recorded, but with the
// values an override gives it (a run's override_resource of an object an
// earlier run made).
func (p *mockedProvider) ReadResource(ctx context.Context, req plugin.ReadRequest) plugin.ReadResponse {
	if _, ok := p.values(req.Addr, req.TypeName, false); !ok {
		return p.Provider.ReadResource(ctx, req)
	}
	v := req.PriorState
	if o, ok := p.override(req.Addr); ok && !v.IsNull() {
		var err error
		if v, err = fillUnknowns(v, o.vals, true); err != nil {
			return plugin.ReadResponse{NewState: req.PriorState, Diagnostics: mockDiag("override values for %s: %s", req.Addr, err)}
		}
	}
	return plugin.ReadResponse{NewState: v, Private: req.Private}
}

// override returns the override_resource or override_data values of addr.
func (p *mockedProvider) override(addr string) (mockValues, bool) {
	ia, d := config.ParseInstanceAddr(addr)
	if d.HasErrors() {
		return mockValues{}, false
	}
	v, ok := p.overrides[ia.ContainingResource().String()]
	return v, ok
}

func (p *mockedProvider) PlanResourceChange(ctx context.Context, req plugin.PlanRequest) plugin.PlanResponse {
	if _, ok := p.values(req.Addr, req.TypeName, false); !ok {
		return p.Provider.PlanResourceChange(ctx, req)
	}
	vals, _ := p.values(req.Addr, req.TypeName, false)
	planned := req.ProposedNewState
	if b := p.schemaOf(ctx, req.TypeName, false); b != nil && req.PriorState.IsNull() && !planned.IsNull() {
		// A new object: what the provider would compute is unknown, or
		// with override_during = plan already the mock's values.
		attrs := planned.AsValueMap()
		given := objectAttrs(vals.vals)
		for name, a := range b.Attributes {
			if !a.Computed || !attrs[name].IsNull() {
				continue
			}
			ty := attrs[name].Type()
			switch g, ok := given[name]; {
			case !vals.atPlan:
				attrs[name] = cty.UnknownVal(ty)
			case ok:
				c, err := convert.Convert(g, ty)
				if err != nil {
					return plugin.PlanResponse{Diagnostics: mockDiag("mock values for %s: %s: %s", req.Addr, name, err)}
				}
				attrs[name] = c
			default:
				// The apply plans again: the same address makes up
				// the same value.
				attrs[name] = madeUp(ty, req.Addr+"."+name)
			}
		}
		planned = cty.ObjectVal(attrs)
	}
	return plugin.PlanResponse{PlannedState: planned, PlannedPrivate: req.PriorPrivate}
}

func (p *mockedProvider) ApplyResourceChange(ctx context.Context, req plugin.ApplyRequest) plugin.ApplyResponse {
	vals, ok := p.values(req.Addr, req.TypeName, false)
	if !ok {
		return p.Provider.ApplyResourceChange(ctx, req)
	}
	if req.PlannedState.IsNull() {
		return plugin.ApplyResponse{NewState: req.PlannedState}
	}
	v, err := fillUnknowns(req.PlannedState, vals.vals, false)
	if err != nil {
		return plugin.ApplyResponse{NewState: req.PriorState, Diagnostics: mockDiag("mock values for %s: %s", req.Addr, err)}
	}
	return plugin.ApplyResponse{NewState: v, Private: req.PlannedPrivate}
}

func (p *mockedProvider) ImportResourceState(ctx context.Context, req plugin.ImportRequest) plugin.ImportResponse {
	if _, ok := p.values(req.Addr, req.TypeName, false); ok {
		return plugin.ImportResponse{Diagnostics: mockDiag("%s is mocked: a mock has no objects to import", req.Addr)}
	}
	return p.Provider.ImportResourceState(ctx, req)
}

func (p *mockedProvider) ReadDataSource(ctx context.Context, req plugin.ReadDataRequest) plugin.ReadDataResponse {
	vals, ok := p.values(req.Addr, req.TypeName, true)
	if !ok {
		return p.Provider.ReadDataSource(ctx, req)
	}
	v := req.Config
	if b := p.schemaOf(ctx, req.TypeName, true); b != nil && !v.IsNull() {
		attrs := v.AsValueMap()
		for name, a := range b.Attributes {
			if a.Computed && attrs[name].IsNull() {
				attrs[name] = cty.UnknownVal(attrs[name].Type())
			}
		}
		v = cty.ObjectVal(attrs)
	}
	out, err := fillUnknowns(v, vals.vals, true)
	if err != nil {
		return plugin.ReadDataResponse{Diagnostics: mockDiag("mock values for %s: %s", req.Addr, err)}
	}
	return plugin.ReadDataResponse{State: out}
}

func mockDiag(format string, args ...any) plugin.Diagnostics {
	return plugin.Diagnostics{{Severity: plugin.Error, Summary: "Mock provider", Detail: fmt.Sprintf(format, args...)}}
}

// fillUnknowns replaces the unknown values in v: a top-level attribute
// named in vals takes that value (converted to its type), any other
// unknown a made-up one. With all set, the known attributes named in vals
// take their values too (a data source's whole result is the override).
func fillUnknowns(v, vals cty.Value, all bool) (cty.Value, error) {
	given := objectAttrs(vals)
	return cty.Transform(v, func(path cty.Path, x cty.Value) (cty.Value, error) {
		if len(path) == 1 {
			if step, ok := path[0].(cty.GetAttrStep); ok {
				if g, ok := given[step.Name]; ok && (!x.IsKnown() || all) {
					c, err := convert.Convert(g, x.Type())
					if err != nil {
						return x, fmt.Errorf("%s: %s", step.Name, err)
					}
					return c, nil
				}
			}
		}
		if x.IsKnown() {
			return x, nil
		}
		return madeUp(x.Type(), ""), nil
	})
}

// objectAttrs returns the attributes of an object or map value.
func objectAttrs(v cty.Value) map[string]cty.Value {
	out := map[string]cty.Value{}
	if !v.IsNull() && v.IsKnown() && v.CanIterateElements() {
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			out[k.AsString()] = e
		}
	}
	return out
}

// madeUp is a value of type ty for an attribute a mock computes. Its
// strings are random, or with a seed derived from it.
func madeUp(ty cty.Type, seed string) cty.Value {
	switch {
	case ty == cty.String:
		return cty.StringVal(randomWord(seed))
	case ty == cty.Number:
		return cty.Zero
	case ty == cty.Bool:
		return cty.False
	case ty.IsListType():
		return cty.ListValEmpty(ty.ElementType())
	case ty.IsSetType():
		return cty.SetValEmpty(ty.ElementType())
	case ty.IsMapType():
		return cty.MapValEmpty(ty.ElementType())
	case ty.IsObjectType():
		attrs := map[string]cty.Value{}
		for name, at := range ty.AttributeTypes() {
			attrs[name] = madeUp(at, seedOf(seed, name))
		}
		return cty.ObjectVal(attrs)
	case ty.IsTupleType():
		var elems []cty.Value
		for i, et := range ty.TupleElementTypes() {
			elems = append(elems, madeUp(et, seedOf(seed, fmt.Sprint(i))))
		}
		if len(elems) == 0 {
			return cty.EmptyTupleVal
		}
		return cty.TupleVal(elems)
	}
	return cty.NullVal(ty)
}

// seedOf is the seed of a part of what seed makes up ("" stays random).
func seedOf(seed, part string) string {
	if seed == "" {
		return ""
	}
	return seed + "." + part
}

// randomWord is 8 random letters and digits, or with a seed the same 8 for
// the same seed.
func randomWord(seed string) string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [8]byte
	if seed != "" {
		sum := sha256.Sum256([]byte(seed))
		copy(b[:], sum[:])
	} else {
		_, _ = rand.Read(b[:])
	}
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return string(b[:])
}
