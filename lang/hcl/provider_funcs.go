package hcllang

import (
	"bytes"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/indigo-cloud/indigo/lang/config"
)

// recordProviderFunctions notes in mod.ProviderFunctionCalls the
// provider-defined functions (provider::NAME::FUNCTION) that f's
// expressions call, so that the evaluator can register them. Only
// native-syntax files are searched, and only those that spell a
// namespaced name at all.
func recordProviderFunctions(mod *config.Module, f *hcl.File) {
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok || !bytes.Contains(f.Bytes, []byte("provider::")) {
		return
	}
	_ = hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
		call, ok := n.(*hclsyntax.FunctionCallExpr)
		if !ok {
			return nil
		}
		if _, _, ok := config.ParseProviderFunction(call.Name); !ok {
			return nil
		}
		// The walk visits attributes in no fixed order: keep the call
		// that comes first in the first file that makes one.
		prev, seen := mod.ProviderFunctionCalls[call.Name]
		if seen && (prev.Filename != call.NameRange.Filename || prev.Start.Byte < call.NameRange.Start.Byte) {
			return nil
		}
		if mod.ProviderFunctionCalls == nil {
			mod.ProviderFunctionCalls = map[string]hcl.Range{}
		}
		mod.ProviderFunctionCalls[call.Name] = call.NameRange
		return nil
	})
}
