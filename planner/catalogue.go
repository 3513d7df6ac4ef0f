package planner

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/indigo-cloud/indigo/lang/binding"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/lang/units"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/planner/rank"
)

// siteCatalogue reads the catalogue a site declares in its settings
// (images, flavors): nil when its kind has no such settings, so the
// ranking does not check it.
func siteCatalogue(s *eval.Site) (*rank.Catalogue, hcl.Diagnostics) {
	set := s.Settings
	if set == cty.NilVal || set.IsNull() || !set.Type().IsObjectType() || !set.Type().HasAttribute("flavors") || !set.Type().HasAttribute("images") {
		return nil, nil
	}
	set, _ = set.UnmarkDeep()
	if !set.IsWhollyKnown() {
		return nil, nil
	}
	var diags hcl.Diagnostics
	bad := func(format string, args ...any) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid site catalogue",
			Detail: fmt.Sprintf("Site %s: ", s.Decl.Name) + fmt.Sprintf(format, args...), Subject: s.Decl.DeclRange.Ptr()})
	}
	cat := &rank.Catalogue{}
	if v := set.GetAttr("flavors"); !v.IsNull() {
		for i, f := range v.AsValueSlice() {
			fl := rank.Flavor{Name: str(f.GetAttr("name")), CPUs: num(f.GetAttr("cpus")), GPUs: num(f.GetAttr("gpus"))}
			for attr, dst := range map[string]*float64{"memory": &fl.Memory, "disk": &fl.Disk} {
				if q := str(f.GetAttr(attr)); q != "" {
					n, err := units.ParseQuantity(q)
					if err != nil {
						bad("flavors[%d] (%s) %s: %s.", i, fl.Name, attr, err)
					}
					*dst = n
				}
			}
			cat.Flavors = append(cat.Flavors, fl)
		}
	}
	if v := set.GetAttr("images"); !v.IsNull() {
		for _, im := range v.AsValueSlice() {
			cat.Images = append(cat.Images, rank.Image{Name: str(im.GetAttr("name")), Type: str(im.GetAttr("type")),
				Distribution: str(im.GetAttr("distribution")), Version: str(im.GetAttr("version")), ID: str(im.GetAttr("id"))})
		}
	}
	return cat, diags
}

func str(v cty.Value) string {
	if v.IsNull() || !v.IsKnown() {
		return ""
	}
	v, err := convert.Convert(v, cty.String)
	if err != nil {
		return ""
	}
	return v.AsString()
}

func num(v cty.Value) float64 {
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.Number {
		return 0
	}
	f, _ := v.AsBigFloat().Float64()
	return f
}

// hosts returns what the compute components of a deployment's scope ask
// of their servers: those in names, or all but those placed on their own
// when names is nil. inputs are the deployment's inputs (unknown where not
// known); a requirement whose value is not known asks nothing.
func hosts(scope *config.Module, inputs cty.Value, names []string) []rank.Host {
	if names == nil {
		for _, n := range slices.Sorted(maps.Keys(scope.Components)) {
			if scope.Components[n].Placement == nil {
				names = append(names, n)
			}
		}
	}
	var out []rank.Host
	for _, n := range names {
		if h, ok := hostOf(scope, inputs, n); ok {
			out = append(out, h)
		}
	}
	return out
}

// hostOf reads the host and os capabilities of a Compute component.
func hostOf(scope *config.Module, inputs cty.Value, name string) (rank.Host, bool) {
	c := scope.Components[name]
	if c == nil || !slices.Contains(c.TypeChain, "tosca.nodes.Compute") {
		return rank.Host{}, false
	}
	h := rank.Host{Component: name}
	host, os := c.Capabilities["host"], c.Capabilities["os"]
	value := func(props map[string]hcl.Expression, prop string) (cty.Value, bool) {
		if props == nil || props[prop] == nil {
			return cty.NilVal, false
		}
		v, ok := staticValue(scope, inputs, props[prop])
		return v, ok && !v.IsNull()
	}
	if v, ok := value(host, "num_cpus"); ok {
		h.CPUs, _ = quantityOf(v)
	}
	if v, ok := value(host, "num_gpus"); ok {
		h.GPUs, _ = quantityOf(v)
	}
	for prop, dst := range map[string]*float64{"mem_size": &h.Memory, "disk_size": &h.Disk} {
		if v, ok := value(host, prop); ok {
			*dst, _ = sizeOf(v)
		}
	}
	if v, ok := value(os, "type"); ok {
		h.OSType = str(v)
	}
	if v, ok := value(os, "distribution"); ok {
		h.Distribution = str(v)
	}
	if v, ok := value(os, "version"); ok {
		h.Version = str(v)
	}
	_, h.FlavorGiven = value(host, "instance_type")
	_, h.ImageGiven = value(os, "image")
	return h, true
}

// sizeOf reads a TOSCA size ("16 GB", where gb is 10^9 bytes) or a
// quantity ("16GiB", a number of bytes).
func sizeOf(v cty.Value) (float64, bool) {
	if v.Type() == cty.String {
		if b, err := units.ParseScalar(units.Size, v.AsString()); err == nil {
			return b, true
		}
	}
	return quantityOf(v)
}

// staticValue is an expression's value when it needs nothing but the
// scope's variables (a TOSCA get_input): the deployment's input, else the
// variable's default.
func staticValue(scope *config.Module, inputs cty.Value, e hcl.Expression) (cty.Value, bool) {
	vars := map[string]cty.Value{}
	for _, tr := range e.Variables() {
		if tr.RootName() != "var" || len(tr) < 2 {
			return cty.NilVal, false
		}
		attr, ok := tr[1].(hcl.TraverseAttr)
		if !ok {
			return cty.NilVal, false
		}
		val := cty.NilVal
		if inputs != cty.NilVal && inputs.IsKnown() && !inputs.IsNull() && inputs.Type().IsObjectType() && inputs.Type().HasAttribute(attr.Name) {
			val = inputs.GetAttr(attr.Name)
		} else if decl := scope.Variables[attr.Name]; decl != nil && decl.Default != cty.NilVal {
			val = decl.Default
		}
		if val == cty.NilVal || !val.IsWhollyKnown() {
			return cty.NilVal, false
		}
		vars[attr.Name] = val
	}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)}}
	v, d := e.Value(ctx)
	if d.HasErrors() || !v.IsWhollyKnown() {
		return cty.NilVal, false
	}
	v, _ = v.UnmarkDeep()
	return v, true
}

// CatalogueUnfit says, by site name, why candidate sites cannot take the
// compute components names of scope (all but those placed on their own
// when nil): the site's catalogue has no flavor or no image for one of
// them. It is the ranking's own check (rank.Catalogue.Unfit); validate
// calls it through eval.ValidateOptions.Catalogue.
func CatalogueUnfit(scope *config.Module, inputs cty.Value, names []string, candidates []*eval.Site) map[string]string {
	hs := hosts(scope, inputs, names)
	out := map[string]string{}
	if len(hs) == 0 {
		return out
	}
	for _, s := range candidates {
		cat, d := siteCatalogue(s)
		if d.HasErrors() {
			continue // reported with the site
		}
		if why := cat.Unfit(hs); why != "" {
			out[s.Decl.Name] = why
		}
	}
	return out
}

// serverFits chooses, for each compute component of scope placed on site,
// a flavor and an image from the site's catalogue, and says so in the
// plan. nil when the site has no catalogue.
func (r *run) serverFits(scope *config.Config, inputs cty.Value, names []string, site *eval.Site) map[string]binding.ServerFit {
	cat, d := siteCatalogue(site)
	if cat == nil || d.HasErrors() {
		return nil
	}
	out := map[string]binding.ServerFit{}
	for _, n := range names {
		h, ok := hostOf(scope.Module, inputs, n)
		if !ok {
			continue
		}
		fit, why := cat.Match(h)
		if why != "" {
			continue // the ranking rejected the site; the binding says so
		}
		out[n] = binding.ServerFit{Flavor: fit.Flavor.Name, Image: fit.Image.Name, ImageID: fit.Image.ID}
		subject := scope.Path.String() + ".component." + n
		var chose []string
		if fit.Flavor.Name != "" {
			chose = append(chose, "flavor "+fit.Flavor.String())
		}
		if fit.Image.Name != "" {
			im := "image " + fit.Image.String()
			if fit.Image.ID != "" {
				im += " id " + fit.Image.ID
			}
			chose = append(chose, im)
		}
		if len(chose) > 0 {
			r.addNote(plan.Note{Subject: subject, Summary: fmt.Sprintf("%s on site %s: %s", subject, site.Decl.Name, strings.Join(chose, ", "))})
		}
	}
	return out
}
