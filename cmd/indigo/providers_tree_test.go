package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// indigo providers prints Terraform's tree of the providers each module
// requires and the providers of the objects in the state, then what is
// installed for each.
func TestProvidersTree(t *testing.T) {
	dir := builtinTerraformDir(t, "resource \"terraform_data\" \"x\" {}\nmodule \"b\" {\n  source = \"./b\"\n}\nmodule \"a\" {\n  source = \"./a\"\n}\n")
	for name, src := range map[string]string{
		"a/main.tf":     "module \"deep\" {\n  source = \"../c\"\n}\n",
		"b/main.tf":     "resource \"terraform_data\" \"y\" {}\n",
		"c/main.tf":     "",
		"c/versions.tf": "terraform {\n  required_providers {\n    terraform = { source = \"terraform.io/builtin/terraform\" }\n  }\n}\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wantSays(t, dir, "", 0, nil, "init", "-input=false", "-no-color")
	tree := "\nProviders required by configuration:\n.\n" +
		"├── provider[terraform.io/builtin/terraform]\n" +
		"├── module.a\n" +
		"│\u00a0\u00a0 └── module.deep\n" +
		"│\u00a0\u00a0     └── provider[terraform.io/builtin/terraform]\n" +
		"└── module.b\n" +
		"    └── provider[terraform.io/builtin/terraform]\n"
	out := wantSays(t, dir, "", 0, []string{tree}, "providers", "-no-color")
	if !strings.HasPrefix(out, tree+"\nInstalled for this configuration:\n  terraform.io/builtin/terraform (any version): built into indigo\n") {
		t.Errorf("indigo providers before apply:\n%s", out)
	}
	wantSays(t, dir, "", 0, nil, "apply", "-auto-approve", "-no-color")
	wantSays(t, dir, "", 0, []string{tree + "\nProviders required by state:\n\n    provider[terraform.io/builtin/terraform]\n\n\nInstalled for this configuration:\n"}, "providers", "-no-color")
}

// init says "Initializing modules..." for a configuration that calls
// modules, and only then, as Terraform does.
func TestInitModulesHeading(t *testing.T) {
	plain := builtinTerraformDir(t, "resource \"terraform_data\" \"x\" {}\n")
	if out := wantSays(t, plain, "", 0, nil, "init", "-input=false", "-no-color"); strings.Contains(out, "Initializing modules") {
		t.Errorf("init of a configuration without modules:\n%s", out)
	}
	calls := builtinTerraformDir(t, "module \"m\" {\n  source = \"./m\"\n}\n")
	if err := os.MkdirAll(filepath.Join(calls, "m"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(calls, "m", "main.tf"), []byte("resource \"terraform_data\" \"y\" {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := wantSays(t, calls, "", 0, nil, "init", "-input=false", "-no-color"); !strings.HasPrefix(out, "Initializing modules...\n") {
		t.Errorf("init of a configuration that calls a module:\n%s", out)
	}
}
