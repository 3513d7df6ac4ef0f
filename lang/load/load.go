// Package load reads a configuration from what a user points indigo at: a
// directory of HCL/Terraform files (with deployments that may use TOSCA
// templates), or a single TOSCA template, which becomes a configuration of
// one deployment named after the file.
//
// It wires the two front ends, lang/hcl and lang/tosca, together so that
// neither needs to know the other; it does no evaluation.
package load

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	hcllang "github.com/indigo-cloud/indigo/lang/hcl"
	"github.com/indigo-cloud/indigo/lang/modsrc"
	"github.com/indigo-cloud/indigo/lang/tosca"
)

// Options tune a load.
type Options struct {
	// Inputs are values for the inputs of a single TOSCA template (-var).
	Inputs map[string]cty.Value
	// ModulesDir is the directory init installs modules into
	// (.indigo/modules); calls of non-local modules are loaded from where
	// its modules.json says. Empty: DIR/.indigo/modules.
	ModulesDir string
}

// Result is a loaded configuration with the sources it came from.
type Result struct {
	Config *config.Config
	// Files are the parsed HCL files by name, for diagnostic snippets.
	Files map[string]*hcl.File
	// Template is set when the configuration is a single TOSCA template.
	Template string
	// Loader is the HCL loader used, for reading variable files with the
	// same parser (so their snippets render too).
	Loader *hcllang.Loader
}

// IsTemplate reports whether path names a TOSCA template file.
func IsTemplate(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".yaml" || ext == ".yml"
}

// Path loads the configuration at path: a directory, or a TOSCA template.
func Path(path string, opts Options) (*Result, hcl.Diagnostics) {
	l := hcllang.NewLoader()
	l.Templates = tosca.TemplateLoader(tosca.Options{})
	res := &Result{Loader: l}
	st, err := os.Stat(path)
	if err != nil {
		return res, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Configuration not found",
			Detail:   fmt.Sprintf("%s: %s. Give a directory of *.hcl or *.tf files, or a TOSCA template (*.yaml).", path, friendlyErr(err)),
		}}
	}
	if st.IsDir() {
		mdir := opts.ModulesDir
		if mdir == "" {
			mdir = filepath.Join(path, ".indigo", "modules")
		}
		manifest, err := modsrc.ReadManifest(mdir)
		if err != nil {
			return res, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read the module manifest", Detail: err.Error()}}
		}
		l.Modules = manifest.Resolver(mdir)
		cfg, diags := l.LoadDir(path)
		res.Config, res.Files = cfg, l.Files()
		return res, diags
	}
	if !IsTemplate(path) {
		return res, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Not a configuration directory or template",
			Detail:   fmt.Sprintf("%s is a file. indigo reads every *.hcl and *.tf file of a directory: give the directory (%s). A single file is accepted only when it is a TOSCA template (*.yaml, *.yml).", path, filepath.Dir(path)),
		}}
	}
	res.Template = path
	cfg, diags := Template(path, opts)
	res.Config, res.Files = cfg, l.Files()
	return res, diags
}

// Template builds a configuration with one deployment whose scope is the
// TOSCA template at path, as `indigo plan -f x.yaml` does.
func Template(path string, opts Options) (*config.Config, hcl.Diagnostics) {
	dir := filepath.Dir(path)
	root := config.NewModule(dir)
	name := DeploymentName(path)
	rng := hcl.Range{Filename: path, Start: hcl.InitialPos, End: hcl.InitialPos}
	root.Deployments[name] = &config.Deployment{
		Name:          name,
		Template:      filepath.Base(path),
		TemplateRange: rng,
		Body:          hcl.EmptyBody(),
		DeclRange:     rng,
	}
	cfg := config.NewRoot(root)
	mod, diags := tosca.Load(path, tosca.Options{Inputs: opts.Inputs})
	if mod == nil {
		mod = config.NewModule(dir)
	}
	cfg.AddChild(config.Step{Kind: config.DeploymentStep, Name: name}, mod, rng, filepath.Base(path))
	// The template's inputs become the configuration's variables (set with
	// -var and variable files like any other) and its outputs the
	// configuration's outputs.
	var items []hclsyntax.ObjectConsItem
	for _, vname := range slices.Sorted(maps.Keys(mod.Variables)) {
		v := mod.Variables[vname]
		root.Variables[vname] = &config.Variable{
			Name: vname, Description: v.Description, Type: v.Type, Defaults: v.Defaults,
			Default: v.Default, Sensitive: v.Sensitive, Nullable: v.Nullable, DeclRange: v.DeclRange,
		}
		items = append(items, hclsyntax.ObjectConsItem{
			KeyExpr:   &hclsyntax.ObjectConsKeyExpr{Wrapped: &hclsyntax.ScopeTraversalExpr{Traversal: hcl.Traversal{hcl.TraverseRoot{Name: vname, SrcRange: v.DeclRange}}, SrcRange: v.DeclRange}},
			ValueExpr: &hclsyntax.ScopeTraversalExpr{Traversal: hcl.Traversal{hcl.TraverseRoot{Name: "var", SrcRange: v.DeclRange}, hcl.TraverseAttr{Name: vname, SrcRange: v.DeclRange}}, SrcRange: v.DeclRange},
		})
	}
	if len(items) > 0 {
		root.Deployments[name].Inputs = &hclsyntax.ObjectConsExpr{Items: items, SrcRange: rng, OpenRange: rng}
	}
	for _, oname := range slices.Sorted(maps.Keys(mod.Outputs)) {
		o := mod.Outputs[oname]
		root.Outputs[oname] = &config.Output{
			Name: oname, Description: o.Description, Sensitive: o.Sensitive, DeclRange: o.DeclRange,
			Expr: &hclsyntax.ScopeTraversalExpr{Traversal: hcl.Traversal{
				hcl.TraverseRoot{Name: "deployment", SrcRange: o.DeclRange},
				hcl.TraverseAttr{Name: name, SrcRange: o.DeclRange},
				hcl.TraverseAttr{Name: "outputs", SrcRange: o.DeclRange},
				hcl.TraverseAttr{Name: oname, SrcRange: o.DeclRange},
			}, SrcRange: o.DeclRange},
		}
	}
	return cfg, diags
}

var nonIdent = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// DeploymentName derives a valid deployment name from a template's file
// name: galaxy-cluster.yaml becomes galaxy-cluster.
func DeploymentName(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	name := nonIdent.ReplaceAllString(base, "_")
	if name == "" || !(name[0] == '_' || name[0] >= 'A' && name[0] <= 'Z' || name[0] >= 'a' && name[0] <= 'z') {
		name = "t_" + name
	}
	return name
}

func friendlyErr(err error) string {
	if os.IsNotExist(err) {
		return "no such file or directory"
	}
	return err.Error()
}
