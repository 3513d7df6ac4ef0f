package main

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/funcs"
	"github.com/indigo-cloud/indigo/lang/modsrc"
)

// modulesCommand lists the module calls of the configuration, as terraform
// modules -json does (Terraform 1.10): each with its key (the path of call
// names from the root), its source and the version a registry source was
// installed at.
func (a *app) modulesCommand() *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "modules -json [DIR]",
		Short: "List the module calls of the configuration, as JSON",
		Long: `Modules prints the module calls of the configuration, nested ones too, as JSON: each call's key
(the names of the calls from the root, joined by dots), its source as written, and the version init
installed for a registry source. -json is required, as for terraform modules.`,
		Example: "  indigo modules -json",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !jsonOut {
				return &exitError{code: 1, msg: "modules prints JSON only: run indigo modules -json"}
			}
			path := pathArg(args, "")
			w, err := a.loadWorkspace(path)
			if err != nil {
				return err
			}
			versions := map[string]string{}
			if m, err := modsrc.ReadManifest(modulesDir(path)); err == nil {
				for _, r := range m.Modules {
					versions[r.Key] = r.Version
				}
			}
			type entry struct {
				Key     string `json:"key"`
				Source  string `json:"source"`
				Version string `json:"version"`
			}
			out := struct {
				FormatVersion string  `json:"format_version"`
				Modules       []entry `json:"modules"`
			}{FormatVersion: "1.0", Modules: []entry{}}
			var walk func(c *config.Config, prefix []string)
			walk = func(c *config.Config, prefix []string) {
				for _, name := range slices.Sorted(maps.Keys(c.Module.ModuleCalls)) {
					call := c.Module.ModuleCalls[name]
					key := strings.Join(append(slices.Clone(prefix), name), ".")
					out.Modules = append(out.Modules, entry{Key: key, Source: call.SourceAddr, Version: versions[key]})
					if child := c.Children[config.Step{Kind: config.ModuleStep, Name: name}]; child != nil {
						walk(child, append(slices.Clone(prefix), name))
					}
				}
			}
			walk(w.res.Config, nil)
			enc := json.NewEncoder(a.stdout)
			return enc.Encode(out)
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print as JSON (required)")
	return cmd
}

// metadataCommand is terraform metadata: metadata functions -json lists the
// signatures of the built-in functions, which editors and language servers
// read.
func (a *app) metadataCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "metadata",
		Short: "Print what editors and tools read about indigo's language, as JSON",
	}
	var jsonOut bool
	fns := &cobra.Command{
		Use:   "functions -json",
		Short: "List the signatures of the built-in functions, as JSON",
		Long: `Functions prints the name, parameters, variadic parameter, return type and description of every
built-in function, as terraform metadata functions -json does. -json is required.`,
		Example: "  indigo metadata functions -json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !jsonOut {
				return &exitError{code: 1, msg: "metadata functions prints JSON only: run indigo metadata functions -json"}
			}
			table := funcs.Table(funcs.Options{BaseDir: "."})
			sigs := map[string]any{}
			for name, fn := range table {
				if name == "type" || name == "core::type" {
					continue // the console's alone, as in Terraform
				}
				// core::NAME too, as Terraform lists it.
				sigs[name] = functionSignature(fn)
			}
			return json.NewEncoder(a.stdout).Encode(map[string]any{"format_version": "1.0", "function_signatures": sigs})
		},
	}
	fns.Flags().BoolVar(&jsonOut, "json", false, "print as JSON (required)")
	cmd.AddCommand(fns)
	return cmd
}

// functionSignature is one function in the shape terraform metadata
// functions -json gives it: the return type is the one the function
// declares for arguments of its parameters' types (and one variadic
// argument), dynamic when it depends on the arguments' values.
func functionSignature(fn function.Function) map[string]any {
	param := func(p function.Parameter) map[string]any {
		out := map[string]any{"name": p.Name, "type": jsonType(p.Type)}
		if p.Description != "" {
			out["description"] = p.Description
		}
		if p.AllowNull {
			out["is_nullable"] = true
		}
		return out
	}
	sig := map[string]any{"description": fn.Description(), "return_type": json.RawMessage(`"dynamic"`)}
	params := fn.Params()
	argTypes := make([]cty.Type, len(params))
	var ps []any
	for i, p := range params {
		argTypes[i] = p.Type
		ps = append(ps, param(p))
	}
	if len(ps) > 0 {
		sig["parameters"] = ps
	}
	if vp := fn.VarParam(); vp != nil {
		sig["variadic_parameter"] = param(*vp)
		argTypes = append(argTypes, vp.Type) // one of them
	}
	if rt, err := fn.ReturnType(argTypes); err == nil {
		sig["return_type"] = jsonType(rt)
	}
	return sig
}

// jsonType is a type in cty's JSON form ("string", ["list","number"]).
func jsonType(ty cty.Type) json.RawMessage {
	b, err := ctyjson.MarshalType(ty)
	if err != nil {
		return json.RawMessage(`"dynamic"`)
	}
	return b
}
