package hcllang

import (
	"bytes"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/indigo-cloud/indigo/lang/config"
)

// recordProviderFunctions notes in mod.ProviderFunctionCalls the
// provider-defined functions that f's expressions call, so that the
// evaluator can register them. Only native-syntax files are searched, and
// only those that spell a namespaced name at all.
func recordProviderFunctions(mod *config.Module, f *hcl.File) {
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok || !bytes.Contains(f.Bytes, []byte("provider::")) {
		return
	}
	mod.ProviderFunctionCalls = ProviderFunctionCalls(mod.ProviderFunctionCalls, body)
}

// ProviderFunctionCalls adds to calls the provider-defined functions
// (provider::NAME::FUNCTION) that node calls, at any depth, each with the
// range of its name where it is first called; calls is made when nil and
// needed, and returned.
func ProviderFunctionCalls(calls map[string]hcl.Range, node hclsyntax.Node) map[string]hcl.Range {
	_ = hclsyntax.VisitAll(node, func(n hclsyntax.Node) hcl.Diagnostics {
		call, ok := n.(*hclsyntax.FunctionCallExpr)
		if !ok {
			return nil
		}
		if _, _, ok := config.ParseProviderFunction(call.Name); !ok {
			return nil
		}
		// The walk visits attributes in no fixed order: keep the call
		// that comes first in the first file that makes one.
		prev, seen := calls[call.Name]
		if seen && (prev.Filename != call.NameRange.Filename || prev.Start.Byte < call.NameRange.Start.Byte) {
			return nil
		}
		if calls == nil {
			calls = map[string]hcl.Range{}
		}
		calls[call.Name] = call.NameRange
		return nil
	})
	return calls
}
