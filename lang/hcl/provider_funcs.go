package hcllang

import (
	"bytes"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/indigo-cloud/indigo/lang/config"
)

// recordProviderFunctions notes in mod.ProviderFunctionCalls the
// provider-defined functions that f's expressions call, so that the
// evaluator can register them. Only files that spell a namespaced name at
// all are searched.
func recordProviderFunctions(mod *config.Module, f *hcl.File) {
	if !bytes.Contains(f.Bytes, []byte("provider::")) {
		return
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		recordJSONProviderFunctions(mod, f)
		return
	}
	mod.ProviderFunctionCalls = ProviderFunctionCalls(mod.ProviderFunctionCalls, body)
	for name := range mod.ProviderFunctionCalls {
		delete(mod.ProviderFunctionsInJSON, name) // a call for certain
	}
}

// jsonProviderFunction is a provider-defined function's name followed by
// the parenthesis of a call, as a JSON string's template spells it.
var jsonProviderFunction = regexp.MustCompile(`provider::[A-Za-z_][A-Za-z0-9_-]*::[A-Za-z_][A-Za-z0-9_-]*\s*\(`)

// recordJSONProviderFunctions notes the provider-defined functions a JSON
// file's strings call. Their templates are parsed only when evaluated, so
// the names are found in the text; one that a string merely mentions (or
// an escaped $${...} spells) is found too, so these are also listed in
// mod.ProviderFunctionsInJSON: a name of an undeclared provider found
// there is not an error by itself (eval.ModuleFunctions), a call of it
// is (an unknown function, located by HCL).
func recordJSONProviderFunctions(mod *config.Module, f *hcl.File) {
	filename := f.Body.MissingItemRange().Filename
	for _, loc := range jsonProviderFunction.FindAllIndex(f.Bytes, -1) {
		name := strings.TrimRightFunc(string(f.Bytes[loc[0]:loc[1]-1]), unicode.IsSpace)
		if _, ok := mod.ProviderFunctionCalls[name]; ok {
			continue
		}
		if mod.ProviderFunctionCalls == nil {
			mod.ProviderFunctionCalls = map[string]hcl.Range{}
		}
		if mod.ProviderFunctionsInJSON == nil {
			mod.ProviderFunctionsInJSON = map[string]bool{}
		}
		start := offsetPos(f.Bytes, loc[0])
		end := start
		end.Byte += len(name)
		end.Column += utf8.RuneCountInString(name)
		mod.ProviderFunctionCalls[name] = hcl.Range{Filename: filename, Start: start, End: end}
		mod.ProviderFunctionsInJSON[name] = true
	}
}

// offsetPos is the position of byte offset off in src: lines counted from 1,
// columns in characters from 1.
func offsetPos(src []byte, off int) hcl.Pos {
	line := 1 + bytes.Count(src[:off], []byte("\n"))
	lineStart := bytes.LastIndexByte(src[:off], '\n') + 1
	return hcl.Pos{Line: line, Column: 1 + utf8.RuneCount(src[lineStart:off]), Byte: off}
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
