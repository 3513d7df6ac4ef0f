package planner

import (
	"context"
	"errors"
	"strings"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/providers/plugin"
)

// moduleFunctions builds the function tables of the modules that call
// provider-defined functions. Validation has already reported calls
// through undeclared local names, so their problems are not repeated
// here: such a call stays an unknown function.
func (r *run) moduleFunctions() map[config.ModulePath]map[string]function.Function {
	var out map[config.ModulePath]map[string]function.Function
	r.cfg.Walk(func(c *config.Config) {
		if len(c.Module.ProviderFunctionCalls) == 0 {
			return
		}
		fns, _ := eval.ModuleFunctionsDeclared(r.funcs, c.Module, r.callProviderFunction, r.functionDecl)
		if out == nil {
			out = map[config.ModulePath]map[string]function.Function{}
		}
		out[c.Path] = fns
	})
	return out
}

// functionsOf returns the functions expressions of module instance mod
// can call.
func (r *run) functionsOf(mod config.ModuleInstance) map[string]function.Function {
	r.modFuncsOnce.Do(func() { r.modFuncs = r.moduleFunctions() })
	if len(r.modFuncs) == 0 {
		return r.funcs
	}
	if fns, ok := r.modFuncs[mod.Static()]; ok {
		return fns
	}
	return r.funcs
}

// functionDecl is what the schema of provider p declares of its function
// fn, read from the process of its default configuration (started here if
// nothing started it yet), so that HCL checks a call's arguments as
// validate and Terraform do. Unknown when the provider does not start (its
// call then says why) or for runs that start no provider.
func (r *run) functionDecl(p config.Provider, fn string) (*eval.FunctionDecl, bool) {
	if r.provs == nil {
		return nil, false
	}
	ctx, cancel := r.functionContext()
	defer cancel()
	inst, err := r.providers.get(ctx, config.ProviderConfigAddr{Provider: p})
	if err != nil || inst.schema == nil {
		return nil, false
	}
	fd, ok := inst.schema.Functions[fn]
	if !ok {
		return nil, true
	}
	return FunctionDecl(fd), true
}

// FunctionDecl is a provider function's declaration as the evaluation
// checks calls against it. A null literal is of dynamic type, so a
// parameter of dynamic type takes it.
func FunctionDecl(fd plugin.FunctionDecl) *eval.FunctionDecl {
	param := func(p plugin.Parameter) function.Parameter {
		return function.Parameter{
			Name:             p.Name,
			Type:             p.Type,
			AllowNull:        p.AllowNullValue,
			AllowUnknown:     p.AllowUnknownValues,
			AllowDynamicType: p.Type == cty.DynamicPseudoType,
		}
	}
	decl := &eval.FunctionDecl{Return: fd.ReturnType}
	for _, p := range fd.Parameters {
		decl.Params = append(decl.Params, param(p))
	}
	if fd.VariadicParameter != nil {
		vp := param(*fd.VariadicParameter)
		decl.VarParam = &vp
	}
	return decl
}

// callProviderFunction calls a provider-defined function. Functions need
// no provider configuration, so any running process of the provider
// answers: the one of its default configuration in the root module,
// started here if nothing else needed it. The call takes no operation
// slot: it runs inside an evaluation that may hold one.
func (r *run) callProviderFunction(p config.Provider, name string, args []cty.Value) (cty.Value, error) {
	if r.provs == nil {
		// Runs that only rank or draw the graph start no provider.
		return cty.DynamicVal, nil
	}
	ctx, cancel := r.functionContext()
	defer cancel()
	inst, err := r.providers.get(ctx, config.ProviderConfigAddr{Provider: p})
	if err != nil {
		return cty.NilVal, err
	}
	v, err := inst.p.CallFunction(ctx, name, args)
	return v, FunctionCallError(err, len(args))
}

// functionContext bounds the work for a provider function: its provider's
// start, and the call, by the provider timeout. It is not the run's: a
// function is called from inside an evaluation, which has none.
func (r *run) functionContext() (context.Context, context.CancelFunc) {
	timeout := r.opts.ProviderTimeout
	if timeout <= 0 {
		timeout = DefaultProviderTimeout
	}
	return context.WithTimeout(context.Background(), timeout)
}

// FunctionCallError is the error of a provider-defined function's call
// as a cty function returns it: the provider's own message without its
// final full stop (HCL adds one), tied to the argument the provider names
// so that HCL points at it. Other errors are returned as they are.
func FunctionCallError(err error, nargs int) error {
	var ferr *plugin.FunctionError
	if !errors.As(err, &ferr) {
		return err
	}
	text := strings.TrimSuffix(ferr.Text, ".")
	if ferr.Argument >= 0 && ferr.Argument < nargs {
		return function.NewArgError(ferr.Argument, errors.New(text))
	}
	return errors.New(text)
}
