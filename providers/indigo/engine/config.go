package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	hcllang "github.com/indigo-cloud/indigo/lang/hcl"
	"github.com/indigo-cloud/indigo/lang/tosca"
)

// generatedFile is the name the generated configuration is loaded under;
// diagnostics located in it are about the arguments, not a user's file.
const generatedFile = "terraform-arguments.hcl"

// loadGenerated loads the generated file f as the root module rooted at
// dir. When moduleDir is set, the configuration files of that indigo module
// directory are loaded with it (its sites, groups, variables and ranking
// weights count) and every placed object of the module other than the
// generated ones is left out: only the generated deployment or storage is
// planned.
func loadGenerated(f *hclwrite.File, dir, moduleDir string) (*config.Config, hcl.Diagnostics) {
	files := map[string][]byte{generatedFile: f.Bytes()}
	if moduleDir != "" {
		primary, override, err := hcllang.ConfigFiles(moduleDir)
		if err != nil {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read the module directory",
				Detail: fmt.Sprintf("Reading %s: %v. module_dir must be a directory of indigo *.hcl or *.tf files.", moduleDir, err)}}
		}
		for _, p := range append(primary, override...) {
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read a module file", Detail: err.Error()}}
			}
			files[p] = b
		}
		dir = moduleDir
	}
	l := hcllang.NewLoader()
	mod, diags := l.LoadSource(dir, files)
	if moduleDir != "" {
		keep := func(r hcl.Range) bool { return r.Filename == generatedFile }
		for name, d := range mod.Deployments {
			if !keep(d.DeclRange) {
				delete(mod.Deployments, name)
			}
		}
		for name, s := range mod.Storages {
			if !keep(s.DeclRange) {
				delete(mod.Storages, name)
			}
		}
		mod.Policies = map[string]*config.Policy{}
		mod.Outputs = map[string]*config.Output{}
		mod.ModuleCalls = map[string]*config.ModuleCall{}
		mod.ManagedResources = map[string]*config.Resource{}
		mod.DataResources = map[string]*config.Resource{}
		mod.Checks = map[string]*config.Check{}
		mod.Moved, mod.Imports, mod.Removed = nil, nil, nil
	}
	return config.NewRoot(mod), diags
}

// workingDir is the directory relative paths in arguments resolve from:
// the directory Terraform runs the provider in, which is the configuration's.
func workingDir() string {
	if wd, err := os.Getwd(); err == nil {
		return wd
	}
	return "."
}

// absPath resolves p against the working directory.
func absPath(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(workingDir(), p)
}

// hclDiags converts indigo's diagnostics to the framework's, keeping only
// the warnings about the user's own files (those about the generated file
// are artefacts of the translation).
func hclDiags(in hcl.Diagnostics) diag.Diagnostics {
	var out diag.Diagnostics
	for _, d := range in {
		detail := d.Detail
		if d.Subject != nil && d.Subject.Filename != generatedFile {
			detail = fmt.Sprintf("%s (at %s)", detail, d.Subject)
		}
		summary := d.Summary
		// The object a provider's problem is about goes in front, as the
		// framework's diagnostics have no place for it.
		if a, ok := hcl.DiagnosticExtra[interface{ DiagnosticAddress() string }](d); ok && !strings.HasPrefix(summary, a.DiagnosticAddress()+": ") {
			summary = a.DiagnosticAddress() + ": " + summary
		}
		if d.Severity == hcl.DiagError {
			out.AddError(summary, detail)
		} else if d.Subject == nil || d.Subject.Filename != generatedFile {
			out.AddWarning(summary, detail)
		}
	}
	return out
}

// variables turns string values of Terraform map arguments into indigo
// variable values: a value that parses as HCL (a number, a list, an
// object, true) is taken as that; anything else is a string.
func variables(in map[string]string) map[string]cty.Value {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]cty.Value, len(in))
	for _, k := range slices.Sorted(maps.Keys(in)) {
		out[k] = cty.StringVal(in[k])
	}
	return out
}

// loadGeneratedWithChildren loads the generated file as the root module
// rooted at dir, with the TOSCA template of each of its deployments as the
// deployment's scope, as a directory holding it would load.
func loadGeneratedWithChildren(f *hclwrite.File, dir string) (*config.Config, hcl.Diagnostics) {
	cfg, diags := loadGenerated(f, dir, "")
	if diags.HasErrors() {
		return cfg, diags
	}
	templates := tosca.TemplateLoader(tosca.Options{})
	for _, name := range slices.Sorted(maps.Keys(cfg.Module.Deployments)) {
		dep := cfg.Module.Deployments[name]
		if dep.Template == "" {
			continue
		}
		mod, d := templates(dep.Template)
		diags = append(diags, d...)
		if mod == nil {
			continue
		}
		cfg.AddChild(config.Step{Kind: config.DeploymentStep, Name: name}, mod, dep.DeclRange, dep.Template)
	}
	return cfg, diags
}

// emptyConfig is a configuration with nothing in it: destroying with it
// removes everything a state records.
func emptyConfig() *config.Config {
	return config.NewRoot(config.NewModule(workingDir()))
}

// traversal returns root.attr.attr...
func traversal(root string, attrs ...string) hcl.Traversal {
	t := hcl.Traversal{hcl.TraverseRoot{Name: root}}
	for _, a := range attrs {
		t = append(t, hcl.TraverseAttr{Name: a})
	}
	return t
}

// sameJSON reports whether a and b encode to the same JSON.
func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}
