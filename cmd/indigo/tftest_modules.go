package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/load"
	modinstall "github.com/indigo-cloud/indigo/modules/install"
	"github.com/indigo-cloud/indigo/providers/install"
)

// testModulesDir is where indigo test installs the registry, git, archive
// and S3 modules of run blocks, under the modules directory: one directory
// per source and version, each with the call that installs it (call/) and
// what it installed (modules/, with its manifest). A module installed once
// is kept, as init keeps the modules of module calls, so later tests run
// offline.
const testModulesDir = "tests"

// remoteModule installs the module a run's module block names from a
// registry, git, an archive or S3, the way init installs a module call
// (with the same installer, CLI configuration and credentials), and
// returns its configuration as a root of its own.
func (tr *testRunner) remoteModule(ctx context.Context, r *testRun) (*config.Config, map[string]*hcl.File, hcl.Diagnostics) {
	sum := sha256.Sum256([]byte(r.module + "\x00" + r.version))
	base := filepath.Join(modulesDir(tr.w.dir), testModulesDir, hex.EncodeToString(sum[:8]))
	root, mods := filepath.Join(base, "call"), filepath.Join(base, "modules")
	call := fmt.Sprintf("module \"run\" {\n  source = %s\n", hclString(r.module))
	if r.version != "" {
		call += fmt.Sprintf("  version = %s\n", hclString(r.version))
	}
	call += "}\n"
	err := os.MkdirAll(root, 0o755)
	if err == nil {
		err = os.WriteFile(filepath.Join(root, "main.tf"), []byte(call), 0o644)
	}
	if err != nil {
		return nil, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Module not installed",
			Detail: fmt.Sprintf("Installing the module of run %q: %s", r.name, err), Subject: r.moduleRange.Ptr()}}
	}
	cliCfg, cd := install.LoadCLIConfig(install.DefaultCLIEnv())
	if cd.HasErrors() {
		cliCfg = nil
	}
	inst := modinstall.New(mods, cliCfg)
	_, diags := inst.Install(ctx, root, modinstall.Options{})
	// The call is indigo's: its problems are the run's module block's.
	for _, d := range diags {
		if d.Subject != nil && strings.HasPrefix(d.Subject.Filename, root) {
			d.Subject = r.moduleRange.Ptr()
		}
	}
	if diags.HasErrors() {
		return nil, nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Module not installed",
			Detail: fmt.Sprintf("The module %s of run %q could not be installed (see above).", r.module, r.name), Subject: r.moduleRange.Ptr()})
	}
	res, ld := load.Path(root, load.Options{ModulesDir: mods})
	diags = append(diags, ld...)
	var files map[string]*hcl.File
	if res != nil {
		files = res.Files
	}
	if ld.HasErrors() || res == nil || res.Config == nil {
		return nil, files, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Module not loaded",
			Detail: fmt.Sprintf("The module %s of run %q did not load (see above).", r.module, r.name), Subject: r.moduleRange.Ptr()})
	}
	child := res.Config.Children[config.Step{Kind: config.ModuleStep, Name: "run"}]
	if child == nil {
		return nil, files, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Module not loaded",
			Detail: fmt.Sprintf("The module %s of run %q was installed, and indigo could not find it.", r.module, r.name), Subject: r.moduleRange.Ptr()})
	}
	return rebuild(child, child.Module, nil), files, diags
}

// hclString quotes s as an HCL string literal that takes it as it is.
func hclString(s string) string {
	q := fmt.Sprintf("%q", s)
	q = strings.ReplaceAll(q, "${", "$${")
	return strings.ReplaceAll(q, "%{", "%%{")
}
