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
	return ModuleFunctionsDeclared(base, mod, call, nil)
}

// FunctionDecl is what a provider's schema declares of one function: its
// parameters, its variadic parameter (nil when it has none) and its
// result's type.
type FunctionDecl struct {
	Params   []function.Parameter
	VarParam *function.Parameter
	Return   cty.Type
}

// ProviderFunctionDecls finds the declaration of function fn in the
// schema of provider p: known is false when the schema is not at hand (the
// provider is not installed), decl nil when the provider has no such
// function.
type ProviderFunctionDecls func(p config.Provider, fn string) (decl *FunctionDecl, known bool)

// ModuleFunctionsDeclared is ModuleFunctions where decls, when set, gives
// the providers' declarations of their functions: a call of a declared
// function is checked by HCL (the number and types of its arguments)
// before the provider is asked, and returns a value of the declared type;
// a call of a function the provider does not have is an error. Without a
// declaration, a function takes any arguments and returns any value.
func ModuleFunctionsDeclared(base map[string]function.Function, mod *config.Module, call CallProviderFunction, decls ProviderFunctionDecls) (map[string]function.Function, hcl.Diagnostics) {
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
		if decls != nil {
			decl, known := decls(rp.Provider, fn)
			switch {
			case known && decl == nil && !mod.ProviderFunctionsInJSON[name]:
				rng := mod.ProviderFunctionCalls[name]
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Unknown provider function",
					Detail:   fmt.Sprintf("The function %q is not available from the provider %q.", fn, local),
					Subject:  &rng,
				})
				// A call is an error when evaluated where this one is
				// not reported (a plan's evaluation), nothing more
				// where it is.
				var missing CallProviderFunction
				if call != nil {
					missing = func(config.Provider, string, []cty.Value) (cty.Value, error) {
						return cty.NilVal, fmt.Errorf("the function %q is not available from the provider %q", fn, local)
					}
				}
				out[name] = providerFunction(config.Provider{}, fn, missing)
				continue
			case known && decl != nil:
				out[name] = declaredProviderFunction(rp.Provider, fn, decl, call)
				continue
			}
		}
		out[name] = providerFunction(rp.Provider, fn, call)
	}
	return out, diags
}

// declaredProviderFunction is the cty function for function fn of
// provider p as its schema declares it.
func declaredProviderFunction(p config.Provider, fn string, decl *FunctionDecl, call CallProviderFunction) function.Function {
	return function.New(&function.Spec{
		Description: fmt.Sprintf("Function %s of provider %s.", fn, p.ForDisplay()),
		Params:      decl.Params,
		VarParam:    decl.VarParam,
		Type:        function.StaticReturnType(decl.Return),
		Impl: func(args []cty.Value, ret cty.Type) (cty.Value, error) {
			if call == nil {
				return cty.UnknownVal(ret), nil
			}
			return call(p, fn, args)
		},
	})
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
