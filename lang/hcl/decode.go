package hcllang

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/indigo-cloud/indigo/lang/config"
)

// fileSchema lists every top-level block of the language.
var fileSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "indigo"},
		{Type: "terraform"},
		{Type: "provider", LabelNames: []string{"name"}},
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "locals"},
		{Type: "output", LabelNames: []string{"name"}},
		{Type: "module", LabelNames: []string{"name"}},
		{Type: "resource", LabelNames: []string{"type", "name"}},
		{Type: "data", LabelNames: []string{"type", "name"}},
		{Type: "ephemeral", LabelNames: []string{"type", "name"}},
		{Type: "moved"},
		{Type: "import"},
		{Type: "removed"},
		{Type: "check", LabelNames: []string{"name"}},
		{Type: "site", LabelNames: []string{"name"}},
		{Type: "deployment", LabelNames: []string{"name"}},
		{Type: "storage", LabelNames: []string{"name"}},
		{Type: "policy", LabelNames: []string{"name"}},
		{Type: "group", LabelNames: []string{"name"}},
	},
}

// decoder fills one module from the bodies of its files and remembers where
// everything was declared, to report duplicates with both locations.
type decoder struct {
	mod      *config.Module
	declared map[string]hcl.Range
	override bool
	// inDeployment is true when decoding the inline scope of a deployment,
	// where component blocks are allowed.
	inDeployment bool
}

func newDecoder(mod *config.Module) *decoder {
	return &decoder{mod: mod, declared: map[string]hcl.Range{}}
}

// declare records an object's identity and reports a duplicate.
func (d *decoder) declare(kind, key string, rng hcl.Range) hcl.Diagnostics {
	id := kind + " " + key
	if prev, ok := d.declared[id]; ok && !d.override {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("Duplicate %s", kind),
			Detail:   fmt.Sprintf("A %s named %s was already declared at %s. Names must be unique within a module: rename or remove one of them.", kind, key, prev),
			Subject:  rng.Ptr(),
		}}
	}
	if !d.override {
		d.declared[id] = rng
	}
	return nil
}

func (d *decoder) decodeFile(body hcl.Body, override bool) hcl.Diagnostics {
	d.override = override
	content, diags := body.Content(fileSchema)
	for _, b := range content.Blocks {
		diags = append(diags, d.decodeTopBlock(b)...)
	}
	return diags
}

func (d *decoder) decodeTopBlock(b *hcl.Block) hcl.Diagnostics {
	switch b.Type {
	case "indigo", "terraform":
		return d.decodeSettings(b)
	case "provider":
		return d.decodeProvider(b)
	case "variable":
		return d.decodeVariable(b)
	case "locals":
		return d.decodeLocals(b)
	case "output":
		return d.decodeOutput(b)
	case "module":
		return d.decodeModuleCall(b)
	case "resource":
		return d.decodeResource(b, config.ManagedMode)
	case "data":
		return d.decodeResource(b, config.DataMode)
	case "ephemeral":
		return d.decodeResource(b, config.EphemeralMode)
	case "moved":
		return d.decodeMoved(b)
	case "import":
		return d.decodeImport(b)
	case "removed":
		return d.decodeRemoved(b)
	case "check":
		return d.decodeCheck(b)
	case "site":
		return d.decodeSite(b)
	case "deployment":
		return d.decodeDeployment(b)
	case "storage":
		return d.decodeStorage(b)
	case "policy":
		return d.decodePolicy(b)
	case "group":
		return d.decodeGroup(b)
	case "component":
		return d.decodeComponent(b)
	}
	return nil
}

// validName checks a block label that becomes part of an address.
func validName(label string, rng hcl.Range, what string) hcl.Diagnostics {
	if config.ValidIdentifier(label) {
		return nil
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Invalid %s name", what),
		Detail:   fmt.Sprintf("%q is not a valid %s name. A name must start with a letter or underscore and may contain only letters, digits, underscores and dashes.", label, what),
		Subject:  rng.Ptr(),
	}}
}

func labelRange(b *hcl.Block, i int) hcl.Range {
	if i < len(b.LabelRanges) {
		return b.LabelRanges[i]
	}
	return b.DefRange
}

var settingsSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "required_version"},
		{Name: "experiments"},
		{Name: "language"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "required_providers"},
		{Type: "backend", LabelNames: []string{"type"}},
		{Type: "cloud"},
		{Type: "provider_meta", LabelNames: []string{"provider"}},
		{Type: "ranking"},
		{Type: "encryption"},
	},
}

func (d *decoder) decodeSettings(b *hcl.Block) hcl.Diagnostics {
	s := d.mod.Settings
	s.DeclRanges = append(s.DeclRanges, b.DefRange)
	content, diags := b.Body.Content(settingsSchema)
	if attr, ok := content.Attributes["required_version"]; ok {
		var v string
		vd := gohcl.DecodeExpression(attr.Expr, nil, &v)
		diags = append(diags, vd...)
		if !vd.HasErrors() {
			vc := config.VersionConstraint{Required: v, Range: attr.Expr.Range()}
			if b.Type == "terraform" {
				s.TerraformRequiredVersion = append(s.TerraformRequiredVersion, vc)
			} else {
				s.RequiredVersion = append(s.RequiredVersion, vc)
			}
		}
	}
	if attr, ok := content.Attributes["experiments"]; ok {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Experiments are ignored",
			Detail:   "indigo does not implement Terraform language experiments; this setting has no effect.",
			Subject:  attr.Range.Ptr(),
		})
	}
	for _, blk := range content.Blocks {
		switch blk.Type {
		case "required_providers":
			diags = append(diags, d.decodeRequiredProviders(blk)...)
		case "backend":
			if s.Backend != nil && !d.override {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Duplicate backend",
					Detail:   fmt.Sprintf("A backend was already configured at %s. A configuration has one backend: remove one of them.", s.Backend.DeclRange),
					Subject:  blk.DefRange.Ptr(),
				})
				continue
			}
			s.Backend = &config.Backend{Type: blk.Labels[0], Config: blk.Body, TypeRange: labelRange(blk, 0), DeclRange: blk.DefRange}
		case "cloud":
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "HCP Terraform settings are ignored",
				Detail:   "indigo keeps state with its own backends; the cloud block has no effect. Configure a backend block instead.",
				Subject:  blk.DefRange.Ptr(),
			})
		case "encryption":
			if s.Encryption != nil && !d.override {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Duplicate encryption block",
					Detail:   fmt.Sprintf("An encryption block was already given at %s. A configuration has one: merge them.", s.Encryption.DeclRange),
					Subject:  blk.DefRange.Ptr(),
				})
				continue
			}
			s.Encryption = &config.Encryption{Config: blk.Body, DeclRange: blk.DefRange}
		case "provider_meta":
			// Provider metadata is sent to providers by Terraform; indigo
			// accepts and ignores it.
		case "ranking":
			if b.Type == "terraform" {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Ranking belongs in the indigo block",
					Detail:   "Placement ranking weights are an indigo setting: move this block into indigo { ... }.",
					Subject:  blk.DefRange.Ptr(),
				})
				continue
			}
			attrs, ad := blk.Body.JustAttributes()
			diags = append(diags, ad...)
			r := &config.Ranking{Weights: map[string]hcl.Expression{}, DeclRange: blk.DefRange}
			for name, a := range attrs {
				if !knownRankingWeight[name] {
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Unknown ranking criterion",
						Detail:   fmt.Sprintf("%q is not a ranking criterion. The criteria are preference, availability, latency, free_capacity, cost and locality.", name),
						Subject:  a.NameRange.Ptr(),
					})
					continue
				}
				r.Weights[name] = a.Expr
			}
			s.Ranking = r
		}
	}
	return diags
}

var knownRankingWeight = map[string]bool{
	"preference": true, "availability": true, "latency": true,
	"free_capacity": true, "cost": true, "locality": true,
}

func (d *decoder) decodeRequiredProviders(b *hcl.Block) hcl.Diagnostics {
	attrs, diags := b.Body.JustAttributes()
	for name, attr := range attrs {
		rp := &config.RequiredProvider{Name: name, DeclRange: attr.Range}
		val, vd := attr.Expr.Value(nil)
		if vd.HasErrors() {
			// configuration_aliases holds traversals, which have no value
			// without a scope: decode the object by hand.
			diags = append(diags, d.decodeRequiredProviderExpr(rp, attr)...)
		} else {
			switch {
			case val.Type() == cty.String:
				rp.Requirement = config.VersionConstraint{Required: val.AsString(), Range: attr.Expr.Range()}
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagWarning,
					Summary:  "Version constraint without source",
					Detail:   fmt.Sprintf("Write %s = { source = \"NAMESPACE/%s\", version = %q } so the provider's origin is explicit.", name, name, val.AsString()),
					Subject:  attr.Range.Ptr(),
				})
			case val.Type().IsObjectType() || val.Type().IsMapType():
				diags = append(diags, d.decodeRequiredProviderExpr(rp, attr)...)
			default:
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid required_providers entry",
					Detail:   fmt.Sprintf("Write %s = { source = \"NAMESPACE/TYPE\", version = \"CONSTRAINT\" }.", name),
					Subject:  attr.Expr.Range().Ptr(),
				})
				continue
			}
		}
		if rp.Source == "" {
			rp.Provider = config.ImpliedProvider(name)
		}
		d.mod.Settings.RequiredProviders[name] = rp
	}
	return diags
}

func (d *decoder) decodeRequiredProviderExpr(rp *config.RequiredProvider, attr *hcl.Attribute) hcl.Diagnostics {
	pairs, diags := hcl.ExprMap(attr.Expr)
	if diags.HasErrors() {
		return diags
	}
	for _, kv := range pairs {
		key, kd := kv.Key.Value(nil)
		if kd.HasErrors() || key.Type() != cty.String || !key.IsKnown() {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid required_providers entry", Detail: "Keys must be source, version or configuration_aliases.", Subject: kv.Key.Range().Ptr()})
			continue
		}
		switch key.AsString() {
		case "source":
			var s string
			sd := gohcl.DecodeExpression(kv.Value, nil, &s)
			diags = append(diags, sd...)
			if sd.HasErrors() {
				continue
			}
			p, err := config.ParseProviderSource(s)
			if err != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid provider source", Detail: err.Error() + ".", Subject: kv.Value.Range().Ptr()})
				continue
			}
			rp.Source, rp.Provider = s, p
		case "version":
			var s string
			sd := gohcl.DecodeExpression(kv.Value, nil, &s)
			diags = append(diags, sd...)
			rp.Requirement = config.VersionConstraint{Required: s, Range: kv.Value.Range()}
		case "configuration_aliases":
			exprs, ed := hcl.ExprList(kv.Value)
			diags = append(diags, ed...)
			for _, e := range exprs {
				ref, rd := providerRefFromExpr(e)
				diags = append(diags, rd...)
				if ref != nil {
					rp.ConfigurationAliases = append(rp.ConfigurationAliases, *ref)
				}
			}
		default:
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid required_providers entry",
				Detail:   fmt.Sprintf("%q is not a setting of a required provider: use source, version or configuration_aliases.", key.AsString()),
				Subject:  kv.Key.Range().Ptr(),
			})
		}
	}
	return diags
}

// providerRefFromExpr reads aws or aws.west written as a bare reference.
func providerRefFromExpr(e hcl.Expression) (*config.LocalProviderRef, hcl.Diagnostics) {
	trav, diags := hcl.AbsTraversalForExpr(e)
	if diags.HasErrors() || len(trav) == 0 || len(trav) > 2 {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid provider reference",
			Detail:   "A provider is referred to by its local name, optionally with an alias: aws or aws.west (no quotes).",
			Subject:  e.Range().Ptr(),
		}}
	}
	ref := &config.LocalProviderRef{LocalName: config.RootName(trav)}
	if len(trav) == 2 {
		attr, ok := trav[1].(hcl.TraverseAttr)
		if !ok {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid provider reference", Detail: "The alias follows a dot: aws.west.", Subject: e.Range().Ptr()}}
		}
		ref.Alias = attr.Name
	}
	return ref, nil
}

var providerSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "alias"}, {Name: "version"}, {Name: "for_each"}},
}

func (d *decoder) decodeProvider(b *hcl.Block) hcl.Diagnostics {
	name := b.Labels[0]
	diags := validName(name, labelRange(b, 0), "provider")
	content, remain, cd := b.Body.PartialContent(providerSchema)
	diags = append(diags, cd...)
	p := &config.ProviderConfig{Name: name, NameRange: labelRange(b, 0), Config: remain, DeclRange: b.DefRange}
	if attr, ok := content.Attributes["alias"]; ok {
		trav, td := hcl.RelTraversalForExpr(attr.Expr)
		var alias string
		if name, ok := firstAttr(trav); !td.HasErrors() && len(trav) == 1 && ok {
			alias = name
		} else if gd := gohcl.DecodeExpression(attr.Expr, nil, &alias); gd.HasErrors() {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid provider alias", Detail: "An alias is a name in quotes: alias = \"west\".", Subject: attr.Expr.Range().Ptr()})
		}
		if alias != "" {
			diags = append(diags, validName(alias, attr.Expr.Range(), "provider alias")...)
		}
		p.Alias = alias
		p.AliasRange = attr.Expr.Range().Ptr()
	}
	if attr, ok := content.Attributes["for_each"]; ok {
		diags = append(diags, decodeProviderForEach(p, attr)...)
	}
	if attr, ok := content.Attributes["version"]; ok {
		var v string
		diags = append(diags, gohcl.DecodeExpression(attr.Expr, nil, &v)...)
		p.Version = config.VersionConstraint{Required: v, Range: attr.Expr.Range()}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Version constraint in a provider block",
			Detail:   "Put version constraints in required_providers inside the indigo (or terraform) block; this form is deprecated.",
			Subject:  attr.Range.Ptr(),
		})
	}
	diags = append(diags, d.declare("provider configuration", p.Key(), b.DefRange)...)
	if d.override {
		if prev := d.mod.ProviderConfigs[p.Key()]; prev != nil {
			prev.Config = overrideBody(prev.Config, p.Config)
			return diags
		}
	}
	d.mod.ProviderConfigs[p.Key()] = p
	return diags
}

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "description"}, {Name: "default"}, {Name: "type"},
		{Name: "sensitive"}, {Name: "nullable"}, {Name: "ephemeral"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "validation"}},
}

func (d *decoder) decodeVariable(b *hcl.Block) hcl.Diagnostics {
	name := b.Labels[0]
	diags := validName(name, labelRange(b, 0), "variable")
	if reservedVariableNames[name] {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Reserved variable name",
			Detail:   fmt.Sprintf("%q is reserved (it is a meta-argument of module calls). Choose another name.", name),
			Subject:  labelRange(b, 0).Ptr(),
		})
	}
	v := &config.Variable{Name: name, Type: cty.DynamicPseudoType, Nullable: true, DeclRange: b.DefRange}
	prev := d.mod.Variables[name]
	if d.override && prev != nil {
		v = prev
	}
	content, cd := b.Body.Content(variableSchema)
	diags = append(diags, cd...)
	if attr, ok := content.Attributes["description"]; ok {
		diags = append(diags, gohcl.DecodeExpression(attr.Expr, nil, &v.Description)...)
	}
	if attr, ok := content.Attributes["type"]; ok {
		ty, defaults, td := typeexpr.TypeConstraintWithDefaults(attr.Expr)
		diags = append(diags, td...)
		if !td.HasErrors() {
			v.Type, v.Defaults = ty, defaults
		}
	}
	for _, flag := range []struct {
		name string
		dst  *bool
	}{{"sensitive", &v.Sensitive}, {"nullable", &v.Nullable}, {"ephemeral", &v.Ephemeral}} {
		if attr, ok := content.Attributes[flag.name]; ok {
			diags = append(diags, gohcl.DecodeExpression(attr.Expr, nil, flag.dst)...)
		}
	}
	if attr, ok := content.Attributes["default"]; ok {
		val, vd := attr.Expr.Value(nil)
		if vd.HasErrors() {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Variable default must be a constant",
				Detail:   "A default value cannot refer to other objects or call functions that read files. Use a local value for derived values.",
				Subject:  attr.Expr.Range().Ptr(),
			})
		} else {
			if v.Defaults != nil {
				val = v.Defaults.Apply(val)
			}
			if v.Type != cty.DynamicPseudoType {
				conv, err := convert.Convert(val, v.Type)
				if err != nil {
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Invalid default value for variable",
						Detail:   fmt.Sprintf("The default does not match the variable's type %s: %s.", typeexpr.TypeString(v.Type), err),
						Subject:  attr.Expr.Range().Ptr(),
					})
					val = cty.UnknownVal(v.Type)
				} else {
					val = conv
				}
			}
			if val.IsNull() && !v.Nullable {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid default value for variable",
					Detail:   "The variable says nullable = false, so its default cannot be null.",
					Subject:  attr.Expr.Range().Ptr(),
				})
			}
			v.Default = val
		}
	}
	for _, vb := range content.Blocks {
		rule, rd := decodeCheckRule(vb, true)
		diags = append(diags, rd...)
		if rule != nil {
			v.Validations = append(v.Validations, rule)
		}
	}
	diags = append(diags, d.declare("variable", name, b.DefRange)...)
	d.mod.Variables[name] = v
	return diags
}

var reservedVariableNames = map[string]bool{
	"source": true, "version": true, "providers": true, "count": true,
	"for_each": true, "depends_on": true, "lifecycle": true,
}

var checkRuleSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "condition", Required: true},
		{Name: "error_message"},
	},
}

func decodeCheckRule(b *hcl.Block, requireMessage bool) (*config.CheckRule, hcl.Diagnostics) {
	content, diags := b.Body.Content(checkRuleSchema)
	rule := &config.CheckRule{DeclRange: b.DefRange}
	if attr, ok := content.Attributes["condition"]; ok {
		rule.Condition = attr.Expr
	} else {
		return nil, diags
	}
	if attr, ok := content.Attributes["error_message"]; ok {
		rule.ErrorMessage = attr.Expr
	} else if requireMessage {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing error_message",
			Detail:   fmt.Sprintf("A %s block needs an error_message that tells the user what is wrong and how to fix it.", b.Type),
			Subject:  b.DefRange.Ptr(),
		})
	}
	return rule, diags
}

func (d *decoder) decodeLocals(b *hcl.Block) hcl.Diagnostics {
	attrs, diags := b.Body.JustAttributes()
	for name, attr := range attrs {
		diags = append(diags, validName(name, attr.NameRange, "local value")...)
		diags = append(diags, d.declare("local value", name, attr.NameRange)...)
		d.mod.Locals[name] = &config.Local{Name: name, Expr: attr.Expr, DeclRange: attr.Range}
	}
	return diags
}

var outputSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "description"}, {Name: "value"}, {Name: "sensitive"},
		{Name: "depends_on"}, {Name: "ephemeral"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "precondition"}},
}

func (d *decoder) decodeOutput(b *hcl.Block) hcl.Diagnostics {
	name := b.Labels[0]
	diags := validName(name, labelRange(b, 0), "output")
	o := &config.Output{Name: name, DeclRange: b.DefRange}
	if prev := d.mod.Outputs[name]; d.override && prev != nil {
		o = prev
	}
	content, cd := b.Body.Content(outputSchema)
	diags = append(diags, cd...)
	if attr, ok := content.Attributes["value"]; ok {
		o.Expr = attr.Expr
	} else if o.Expr == nil {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing value for output",
			Detail:   fmt.Sprintf("Output %q needs a value argument: value = <expression>.", name),
			Subject:  b.DefRange.Ptr(),
		})
	}
	if attr, ok := content.Attributes["description"]; ok {
		diags = append(diags, gohcl.DecodeExpression(attr.Expr, nil, &o.Description)...)
	}
	if attr, ok := content.Attributes["sensitive"]; ok {
		diags = append(diags, gohcl.DecodeExpression(attr.Expr, nil, &o.Sensitive)...)
	}
	if attr, ok := content.Attributes["ephemeral"]; ok {
		diags = append(diags, gohcl.DecodeExpression(attr.Expr, nil, &o.Ephemeral)...)
	}
	if attr, ok := content.Attributes["depends_on"]; ok {
		deps, dd := decodeDependsOn(attr)
		diags = append(diags, dd...)
		o.DependsOn = deps
	}
	for _, pb := range content.Blocks {
		rule, rd := decodeCheckRule(pb, true)
		diags = append(diags, rd...)
		if rule != nil {
			o.Preconditions = append(o.Preconditions, rule)
		}
	}
	diags = append(diags, d.declare("output", name, b.DefRange)...)
	d.mod.Outputs[name] = o
	return diags
}

func decodeDependsOn(attr *hcl.Attribute) ([]hcl.Traversal, hcl.Diagnostics) {
	exprs, diags := hcl.ExprList(attr.Expr)
	var out []hcl.Traversal
	for _, e := range exprs {
		trav, td := hcl.AbsTraversalForExpr(e)
		if td.HasErrors() {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid depends_on entry",
				Detail:   "depends_on lists references to resources, data sources, modules, deployments or storage, without quotes: depends_on = [aws_instance.web, module.net].",
				Subject:  e.Range().Ptr(),
			})
			continue
		}
		out = append(out, trav)
	}
	return out, diags
}

var moduleCallSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "source", Required: true}, {Name: "version"}, {Name: "count"},
		{Name: "for_each"}, {Name: "providers"}, {Name: "depends_on"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "lifecycle"}},
}

func (d *decoder) decodeModuleCall(b *hcl.Block) hcl.Diagnostics {
	name := b.Labels[0]
	diags := validName(name, labelRange(b, 0), "module")
	content, remain, cd := b.Body.PartialContent(moduleCallSchema)
	diags = append(diags, cd...)
	mc := &config.ModuleCall{Name: name, Config: remain, DeclRange: b.DefRange}
	if attr, ok := content.Attributes["source"]; ok {
		diags = append(diags, gohcl.DecodeExpression(attr.Expr, nil, &mc.SourceAddr)...)
		mc.SourceRange = attr.Expr.Range()
		mc.SourceLocal = isLocalSource(mc.SourceAddr)
	}
	if attr, ok := content.Attributes["version"]; ok {
		var v string
		diags = append(diags, gohcl.DecodeExpression(attr.Expr, nil, &v)...)
		mc.Version = config.VersionConstraint{Required: v, Range: attr.Expr.Range()}
		if mc.SourceLocal {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Version on a local module", Detail: "A module loaded from a local directory has no version: remove the version argument.", Subject: attr.Range.Ptr()})
		}
	}
	if attr, ok := content.Attributes["count"]; ok {
		mc.Count = attr.Expr
	}
	if attr, ok := content.Attributes["for_each"]; ok {
		mc.ForEach = attr.Expr
	}
	if mc.Count != nil && mc.ForEach != nil {
		diags = append(diags, countAndForEach(b))
	}
	if attr, ok := content.Attributes["depends_on"]; ok {
		deps, dd := decodeDependsOn(attr)
		diags = append(diags, dd...)
		mc.DependsOn = deps
	}
	if attr, ok := content.Attributes["providers"]; ok {
		pairs, pd := hcl.ExprMap(attr.Expr)
		diags = append(diags, pd...)
		for _, kv := range pairs {
			child, c1 := providerRefFromExpr(kv.Key)
			parent, key, c2 := providerInstanceRefFromExpr(kv.Value)
			diags = append(diags, c1...)
			diags = append(diags, c2...)
			if child != nil && parent != nil {
				mc.Providers = append(mc.Providers, config.PassedProvider{InChild: *child, InParent: *parent, InParentKey: key, Range: hcl.RangeBetween(kv.Key.Range(), kv.Value.Range())})
			}
		}
	}
	for _, blk := range content.Blocks {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Lifecycle on a module call", Detail: "Module calls do not take a lifecycle block; set lifecycle on the resources inside the module.", Subject: blk.DefRange.Ptr()})
	}
	diags = append(diags, d.declare("module call", name, b.DefRange)...)
	if prev := d.mod.ModuleCalls[name]; d.override && prev != nil {
		prev.Config = overrideBody(prev.Config, mc.Config)
		return diags
	}
	d.mod.ModuleCalls[name] = mc
	return diags
}

func isLocalSource(s string) bool {
	return len(s) > 1 && (s[:2] == "./" || (len(s) > 2 && s[:3] == "../") || s == "." || s == "..")
}

func countAndForEach(b *hcl.Block) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Both count and for_each",
		Detail:   "A block may repeat with count or with for_each, not both: keep one of them.",
		Subject:  b.DefRange.Ptr(),
	}
}

var resourceSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "count"}, {Name: "for_each"}, {Name: "provider"}, {Name: "depends_on"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "lifecycle"},
		{Type: "connection"},
		{Type: "provisioner", LabelNames: []string{"type"}},
	},
}

var lifecycleSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "create_before_destroy"}, {Name: "prevent_destroy"},
		{Name: "ignore_changes"}, {Name: "replace_triggered_by"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "precondition"}, {Type: "postcondition"}},
}

func (d *decoder) decodeResource(b *hcl.Block, mode config.ResourceMode) hcl.Diagnostics {
	r, diags := decodeResourceBlock(b, mode)
	if r == nil {
		return diags
	}
	key := r.Type + "." + r.Name
	kind := "resource"
	target := d.mod.ManagedResources
	switch mode {
	case config.DataMode:
		kind = "data source"
		target = d.mod.DataResources
	case config.EphemeralMode:
		kind = "ephemeral resource"
		target = d.mod.EphemeralResources
	}
	diags = append(diags, d.declare(kind, key, b.DefRange)...)
	if prev := target[key]; d.override && prev != nil {
		prev.Config = overrideBody(prev.Config, r.Config)
		return diags
	}
	r.Provider = d.mod.ProviderFor(r.ProviderLocalName())
	target[key] = r
	return diags
}

func decodeResourceBlock(b *hcl.Block, mode config.ResourceMode) (*config.Resource, hcl.Diagnostics) {
	diags := validName(b.Labels[0], labelRange(b, 0), "resource type")
	diags = append(diags, validName(b.Labels[1], labelRange(b, 1), "resource")...)
	content, remain, cd := b.Body.PartialContent(resourceSchema)
	diags = append(diags, cd...)
	r := &config.Resource{
		Mode: mode, Type: b.Labels[0], Name: b.Labels[1],
		Config: remain, DeclRange: b.DefRange, TypeRange: labelRange(b, 0),
	}
	if attr, ok := content.Attributes["count"]; ok {
		r.Count = attr.Expr
	}
	if attr, ok := content.Attributes["for_each"]; ok {
		r.ForEach = attr.Expr
	}
	if r.Count != nil && r.ForEach != nil {
		diags = append(diags, countAndForEach(b))
	}
	if attr, ok := content.Attributes["provider"]; ok {
		ref, key, pd := providerInstanceRefFromExpr(attr.Expr)
		diags = append(diags, pd...)
		r.ProviderRef, r.ProviderKey, r.ProviderRange = ref, key, attr.Expr.Range()
	}
	if attr, ok := content.Attributes["depends_on"]; ok {
		deps, dd := decodeDependsOn(attr)
		diags = append(diags, dd...)
		r.DependsOn = deps
	}
	if mode == config.ManagedMode {
		r.Managed = &config.ManagedResource{}
	}
	seenLifecycle := false
	for _, blk := range content.Blocks {
		switch blk.Type {
		case "lifecycle":
			if seenLifecycle {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate lifecycle block", Detail: "A resource has at most one lifecycle block: merge them.", Subject: blk.DefRange.Ptr()})
				continue
			}
			seenLifecycle = true
			diags = append(diags, decodeLifecycle(r, blk)...)
		case "connection":
			if mode != config.ManagedMode {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Connection on " + modeNoun(mode), Detail: "Only managed resources take connection blocks.", Subject: blk.DefRange.Ptr()})
				continue
			}
			r.Managed.Connection = blk.Body
		case "provisioner":
			if mode != config.ManagedMode {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Provisioner on " + modeNoun(mode), Detail: "Only managed resources take provisioner blocks.", Subject: blk.DefRange.Ptr()})
				continue
			}
			p, pd := decodeProvisioner(blk)
			diags = append(diags, pd...)
			if p != nil {
				r.Managed.Provisioners = append(r.Managed.Provisioners, p)
			}
		}
	}
	return r, diags
}

func decodeLifecycle(r *config.Resource, blk *hcl.Block) hcl.Diagnostics {
	content, diags := blk.Body.Content(lifecycleSchema)
	managedOnly := func(attr *hcl.Attribute) bool {
		if r.Managed != nil {
			return true
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid lifecycle argument for " + modeNoun(r.Mode), Detail: fmt.Sprintf("%s applies only to managed resources; %s takes only precondition and postcondition.", attr.Name, modeNoun(r.Mode)), Subject: attr.NameRange.Ptr()})
		return false
	}
	if attr, ok := content.Attributes["create_before_destroy"]; ok && managedOnly(attr) {
		diags = append(diags, gohcl.DecodeExpression(attr.Expr, nil, &r.Managed.CreateBeforeDestroy)...)
	}
	if attr, ok := content.Attributes["prevent_destroy"]; ok && managedOnly(attr) {
		diags = append(diags, gohcl.DecodeExpression(attr.Expr, nil, &r.Managed.PreventDestroy)...)
	}
	if attr, ok := content.Attributes["ignore_changes"]; ok && managedOnly(attr) {
		if kw := hcl.ExprAsKeyword(attr.Expr); kw == "all" {
			r.Managed.IgnoreAllChanges = true
		} else {
			exprs, ed := hcl.ExprList(attr.Expr)
			diags = append(diags, ed...)
			for _, e := range exprs {
				trav, td := hcl.RelTraversalForExpr(e)
				if td.HasErrors() {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid ignore_changes entry", Detail: "ignore_changes lists attribute names without quotes (ignore_changes = [tags, ami]) or is the keyword all.", Subject: e.Range().Ptr()})
					continue
				}
				r.Managed.IgnoreChanges = append(r.Managed.IgnoreChanges, trav)
			}
		}
	}
	if attr, ok := content.Attributes["replace_triggered_by"]; ok && managedOnly(attr) {
		exprs, ed := hcl.ExprList(attr.Expr)
		diags = append(diags, ed...)
		r.Managed.ReplaceTriggeredBy = exprs
	}
	for _, cb := range content.Blocks {
		rule, rd := decodeCheckRule(cb, true)
		diags = append(diags, rd...)
		if rule == nil {
			continue
		}
		if cb.Type == "precondition" {
			r.Preconditions = append(r.Preconditions, rule)
		} else {
			r.Postconditions = append(r.Postconditions, rule)
		}
	}
	return diags
}

var provisionerSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "when"}, {Name: "on_failure"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "connection"}},
}

func decodeProvisioner(blk *hcl.Block) (*config.Provisioner, hcl.Diagnostics) {
	content, remain, diags := blk.Body.PartialContent(provisionerSchema)
	p := &config.Provisioner{Type: blk.Labels[0], Config: remain, When: "create", OnFailure: "fail", DeclRange: blk.DefRange}
	for name, dst := range map[string]*string{"when": &p.When, "on_failure": &p.OnFailure} {
		attr, ok := content.Attributes[name]
		if !ok {
			continue
		}
		kw := hcl.ExprAsKeyword(attr.Expr)
		valid := map[string]bool{"create": name == "when", "destroy": name == "when", "fail": name == "on_failure", "continue": name == "on_failure"}
		if !valid[kw] {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid " + name, Detail: "when is create or destroy; on_failure is fail or continue (keywords, without quotes).", Subject: attr.Expr.Range().Ptr()})
			continue
		}
		*dst = kw
	}
	for _, cb := range content.Blocks {
		p.Connection = cb.Body
	}
	return p, diags
}

var movedSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "from", Required: true}, {Name: "to", Required: true}},
}

func (d *decoder) decodeMoved(b *hcl.Block) hcl.Diagnostics {
	content, diags := b.Body.Content(movedSchema)
	m := &config.Moved{DeclRange: b.DefRange}
	for name, dst := range map[string]*hcl.Traversal{"from": &m.From, "to": &m.To} {
		attr, ok := content.Attributes[name]
		if !ok {
			continue
		}
		trav, td := hcl.AbsTraversalForExpr(attr.Expr)
		if td.HasErrors() {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid moved address", Detail: "from and to are resource or module addresses without quotes, e.g. from = aws_instance.a, to = aws_instance.b.", Subject: attr.Expr.Range().Ptr()})
			continue
		}
		*dst = trav
	}
	if m.From != nil && m.To != nil {
		d.mod.Moved = append(d.mod.Moved, m)
	}
	return diags
}

var importSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "to", Required: true}, {Name: "id"}, {Name: "identity"},
		{Name: "for_each"}, {Name: "provider"},
	},
}

func (d *decoder) decodeImport(b *hcl.Block) hcl.Diagnostics {
	content, diags := b.Body.Content(importSchema)
	im := &config.Import{DeclRange: b.DefRange}
	haveTo := false
	if attr, ok := content.Attributes["to"]; ok {
		to, ok := importTargetFromExpr(attr.Expr)
		if !ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid import address", Detail: "to is a resource instance address without quotes, e.g. to = aws_instance.web; with for_each its keys may use each.key and each.value: to = aws_instance.web[each.key].", Subject: attr.Expr.Range().Ptr()})
		} else {
			im.To, haveTo = to, true
		}
	}
	idAttr, haveID := content.Attributes["id"]
	identityAttr, haveIdentity := content.Attributes["identity"]
	switch {
	case haveID && haveIdentity:
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Conflicting import arguments",
			Detail:  "An import block finds the object by its id or by its identity, not both: remove one of id and identity.",
			Subject: identityAttr.NameRange.Ptr()})
	case haveID:
		im.ID = idAttr.Expr
	case haveIdentity:
		im.Identity = identityAttr.Expr
	default:
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing import id",
			Detail:  "An import block needs id = \"...\", the identifier the provider finds the existing object by, or identity = { ... }, the attributes of its resource identity.",
			Subject: b.DefRange.Ptr()})
	}
	if attr, ok := content.Attributes["for_each"]; ok {
		im.ForEach = attr.Expr
	}
	if haveTo && im.ForEach == nil && !im.To.Static() {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Import address key without for_each", Detail: "An instance key computed by an expression needs for_each on the import block; without it write the key itself, e.g. to = aws_instance.web[\"a\"].", Subject: im.To.Range.Ptr()})
	}
	if attr, ok := content.Attributes["provider"]; ok {
		ref, key, pd := providerInstanceRefFromExpr(attr.Expr)
		diags = append(diags, pd...)
		im.ProviderRef, im.ProviderKey, im.ProviderRange = ref, key, attr.Expr.Range()
	}
	if haveTo {
		d.mod.Imports = append(d.mod.Imports, im)
	}
	return diags
}

var removedSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "from", Required: true}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "lifecycle"}, {Type: "provisioner", LabelNames: []string{"type"}}, {Type: "connection"}},
}

func (d *decoder) decodeRemoved(b *hcl.Block) hcl.Diagnostics {
	content, diags := b.Body.Content(removedSchema)
	rm := &config.Removed{Destroy: true, DeclRange: b.DefRange}
	if attr, ok := content.Attributes["from"]; ok {
		trav, td := hcl.AbsTraversalForExpr(attr.Expr)
		if td.HasErrors() {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid removed address", Detail: "from is a resource or module address without quotes.", Subject: attr.Expr.Range().Ptr()})
		}
		rm.From = trav
	}
	for _, blk := range content.Blocks {
		switch blk.Type {
		case "lifecycle":
			attrs, ad := blk.Body.JustAttributes()
			diags = append(diags, ad...)
			for name, a := range attrs {
				if name != "destroy" {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported argument",
						Detail: "The lifecycle block of a removed block takes destroy only.", Subject: a.NameRange.Ptr()})
				}
			}
			if a, ok := attrs["destroy"]; ok {
				diags = append(diags, gohcl.DecodeExpression(a.Expr, nil, &rm.Destroy)...)
			}
		case "connection":
			rm.Connection = blk.Body
		case "provisioner":
			p, pd := decodeProvisioner(blk)
			diags = append(diags, pd...)
			if p == nil {
				continue
			}
			if p.When != "destroy" {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid provisioner in a removed block",
					Detail: "A removed block runs provisioners only when it destroys: add when = destroy.", Subject: blk.DefRange.Ptr()})
				continue
			}
			rm.Provisioners = append(rm.Provisioners, p)
		}
	}
	if !rm.Destroy && len(rm.Provisioners) > 0 {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Provisioners of a removed block that destroys nothing",
			Detail: "With lifecycle { destroy = false } nothing is destroyed, so destroy-time provisioners never run: remove them, or destroy.", Subject: rm.Provisioners[0].DeclRange.Ptr()})
	}
	if rm.From != nil {
		d.mod.Removed = append(d.mod.Removed, rm)
	}
	return diags
}

var checkSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "data", LabelNames: []string{"type", "name"}},
		{Type: "assert"},
	},
}

func (d *decoder) decodeCheck(b *hcl.Block) hcl.Diagnostics {
	name := b.Labels[0]
	diags := validName(name, labelRange(b, 0), "check")
	content, cd := b.Body.Content(checkSchema)
	diags = append(diags, cd...)
	c := &config.Check{Name: name, DeclRange: b.DefRange}
	for _, blk := range content.Blocks {
		switch blk.Type {
		case "data":
			if c.DataResource != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Several data blocks in a check", Detail: "A check block may hold at most one scoped data source.", Subject: blk.DefRange.Ptr()})
				continue
			}
			r, rd := decodeResourceBlock(blk, config.DataMode)
			diags = append(diags, rd...)
			if r != nil {
				r.Provider = d.mod.ProviderFor(r.ProviderLocalName())
			}
			c.DataResource = r
		case "assert":
			rule, rd := decodeCheckRule(blk, true)
			diags = append(diags, rd...)
			if rule != nil {
				c.Asserts = append(c.Asserts, rule)
			}
		}
	}
	if len(c.Asserts) == 0 {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Check without assert", Detail: "A check block needs at least one assert block with a condition and an error_message.", Subject: b.DefRange.Ptr()})
	}
	diags = append(diags, d.declare("check", name, b.DefRange)...)
	d.mod.Checks[name] = c
	return diags
}

// finish runs the checks that need the whole module: provider references
// resolved after all files (required_providers may come after resources).
func (d *decoder) finish() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, r := range d.mod.ManagedResources {
		r.Provider = d.mod.ProviderFor(r.ProviderLocalName())
	}
	for _, r := range d.mod.DataResources {
		r.Provider = d.mod.ProviderFor(r.ProviderLocalName())
	}
	for _, r := range d.mod.EphemeralResources {
		r.Provider = d.mod.ProviderFor(r.ProviderLocalName())
	}
	for _, c := range d.mod.Checks {
		if c.DataResource != nil {
			c.DataResource.Provider = d.mod.ProviderFor(c.DataResource.ProviderLocalName())
		}
	}
	diags = append(diags, d.checkIndigoReferences()...)
	diags = append(diags, d.checkProviderKeys()...)
	return diags
}

// firstAttr returns the name of a relative traversal's first step.
func firstAttr(t hcl.Traversal) (string, bool) {
	if len(t) == 0 {
		return "", false
	}
	switch s := t[0].(type) {
	case hcl.TraverseAttr:
		return s.Name, true
	case hcl.TraverseRoot:
		return s.Name, true
	}
	return "", false
}
