package eval

import (
	"fmt"
	"maps"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/indigo-cloud/indigo/lang/config"
)

// CallProviderFunction calls function name of provider p with args, which
// hold no marks; the caller of the cty function puts the marks back.
type CallProviderFunction func(p config.Provider, name string, args []cty.Value) (cty.Value, error)

// ModuleFunctions returns the functions expressions of mod can call: base
// and the provider-defined functions mod calls (mod.ProviderFunctionCalls),
// each calling call with the provider its local name means. With a nil
// call (validation, where no provider runs) they return unknown values of
// any type. A call through a local name the module's required_providers
// does not declare is an error, as it is for Terraform. base is returned
// as it is when mod calls no provider function.
func ModuleFunctions(base map[string]function.Function, mod *config.Module, call CallProviderFunction) (map[string]function.Function, hcl.Diagnostics) {
	if len(mod.ProviderFunctionCalls) == 0 {
		return base, nil
	}
	out := maps.Clone(base)
	var diags hcl.Diagnostics
	names := make([]string, 0, len(mod.ProviderFunctionCalls))
	for name := range mod.ProviderFunctionCalls {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		local, fn, _ := config.ParseProviderFunction(name)
		rp, ok := mod.Settings.RequiredProviders[local]
		if !ok || rp.Provider.IsZero() {
			if mod.ProviderFunctionsInJSON[name] {
				// Perhaps only mentioned in a string: a call is an
				// unknown function when evaluated.
				continue
			}
			rng := mod.ProviderFunctionCalls[name]
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Function of an undeclared provider",
				Detail: fmt.Sprintf("%s calls a function of the provider with local name %q, which this module's required_providers does not declare. "+
					"Declare it: terraform { required_providers { %s = { source = \"...\" } } }.", name, local, local),
				Subject: &rng,
			})
			// A stand-in keeps HCL from reporting the call a second
			// time as one to an unknown function.
			out[name] = providerFunction(config.Provider{}, fn, nil)
			continue
		}
		out[name] = providerFunction(rp.Provider, fn, call)
	}
	return out, diags
}

// providerFunction is the cty function that stands for function fn of
// provider p: any arguments, any result, marks carried over by cty.
func providerFunction(p config.Provider, fn string, call CallProviderFunction) function.Function {
	return function.New(&function.Spec{
		Description: fmt.Sprintf("Function %s of provider %s.", fn, p.ForDisplay()),
		VarParam: &function.Parameter{
			Name:             "argument",
			Type:             cty.DynamicPseudoType,
			AllowNull:        true,
			AllowUnknown:     true,
			AllowDynamicType: true,
		},
		Type: function.StaticReturnType(cty.DynamicPseudoType),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if call == nil {
				return cty.DynamicVal, nil
			}
			return call(p, fn, args)
		},
	})
}
