package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/spf13/cobra"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/indigo-cloud/indigo/cmd/indigo/view"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/lang/funcs"
	"github.com/indigo-cloud/indigo/lang/load"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/lang/modsrc"
	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/local"
)

// testFlags are the test command's options.
type testFlags struct {
	varFlags
	filters  []string
	testDir  string
	verbose  bool
	json     bool
	cloudRun string
}

func (a *app) testCommand() *cobra.Command {
	var f testFlags
	cmd := &cobra.Command{
		Use:   "test [flags]",
		Short: "Run the configuration's tests (*.tftest.hcl files)",
		Long: `Test runs the test files of the configuration in the current directory: every
*.tftest.hcl beside it and in the test directory (tests by default), in
name order, as terraform test does. Each run block plans or applies the
configuration (or the module its module block names) with its
variables, then checks its assert blocks; expect_failures lists the
variables, resources, outputs and check blocks whose conditions must fail.
Runs of one file share a state per module (or per state_key) and run one
after another unless marked parallel; when the file is done, everything
its runs made is destroyed, the last made first. The state lives in a temporary
directory: the working directory's own state is never touched.

Exit status: 0 when every run passed, 1 when a run failed or could not run.`,
		Example: `  indigo test
  indigo test -filter=tests/buckets.tftest.hcl -var region=IT
  indigo test -verbose`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runTests(cmd.Context(), &f)
		},
	}
	f.varFlags.register(cmd)
	fl := cmd.Flags()
	fl.StringArrayVar(&f.filters, "filter", nil, "run only this test file (a path as listed, e.g. tests/main.tftest.hcl; repeatable)")
	fl.StringVar(&f.testDir, "test-directory", "tests", "the directory of test files, besides the configuration's own directory")
	fl.BoolVar(&f.verbose, "verbose", false, "print the plan or the state of each run")
	fl.BoolVar(&f.json, "json", false, "machine-readable output: one JSON message a line (test_abstract, test_run, diagnostic, test_file, test_summary)")
	fl.StringVar(&f.cloudRun, "cloud-run", "", "run the tests remotely (not available: indigo runs them here)")
	return cmd
}

// testFile is a parsed test file.
type testFile struct {
	name string // as listed: relative to the configuration's directory
	file *hcl.File
	vars hcl.Attributes
	// providers are the file's provider blocks, by name and alias (aws,
	// aws.west).
	providers map[string]*config.ProviderConfig
	runs      []*testRun
	// mocks are the file's mock_provider and override blocks.
	mocks *testMocks
	// parallel is the test block's parallel: whether runs may run
	// concurrently unless they say otherwise.
	parallel bool
}

// testRun is a run block.
type testRun struct {
	name        string
	command     string // "apply" or "plan"
	vars        hcl.Attributes
	module      string // the module block's source, "" for the configuration
	moduleRange hcl.Range
	// remote is set when module is not a local directory: a registry,
	// git, archive or S3 source, with version the registry's constraint.
	remote         bool
	version        string
	asserts        []*config.CheckRule
	expectFailures []hcl.Traversal
	refreshOnly    bool
	skipRefresh    bool
	replace        []config.InstanceAddr
	targets        []string
	// overrides are the run's override_resource and override_data blocks;
	// modules its override_module blocks.
	overrides map[string]mockValues
	modules   map[config.ModulePath]cty.Value
	// providers is the run's providers attribute: which of the file's
	// provider and mock_provider blocks configure which provider
	// configurations of the module; nil without it.
	providers []providerBinding
	// stateName names the state the run uses (state_key); "" for the
	// default, one per module.
	stateName string
	// parallel is the run's parallel attribute, nil without it.
	parallel *bool
	// refs are the runs whose outputs it reads (run.NAME).
	refs map[string]bool
	decl hcl.Range
}

// providerBinding is one entry of a run's providers attribute:
// aws.west = aws.alternate.
type providerBinding struct {
	to   config.LocalProviderRef // in the module
	from string                  // a provider or mock_provider block of the file
	rng  hcl.Range
}

var testFileSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "variables"},
	{Type: "run", LabelNames: []string{"name"}},
	{Type: "provider", LabelNames: []string{"name"}},
	{Type: "mock_provider", LabelNames: []string{"name"}},
	{Type: "override_resource"},
	{Type: "override_data"},
	{Type: "override_module"},
	{Type: "test"},
}}

var runSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "command"}, {Name: "expect_failures"}, {Name: "providers"}, {Name: "state_key"}, {Name: "parallel"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "variables"}, {Type: "module"}, {Type: "assert"}, {Type: "plan_options"},
		{Type: "override_resource"}, {Type: "override_data"}, {Type: "override_module"},
	},
}

// unsupportedTest is the error for what indigo test does not do (yet).
func unsupportedTest(what, instead string, rng hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Not supported by indigo test",
		Detail: fmt.Sprintf("indigo test does not run %s. %s", what, instead), Subject: rng.Ptr()}
}

// findTestFiles lists the test files of the configuration in dir: those
// beside it, then those in testDir, each group in name order.
func findTestFiles(dir, testDir string) ([]string, error) {
	var names []string
	for _, d := range []string{".", testDir} {
		matches, err := filepath.Glob(filepath.Join(dir, d, "*.tftest.hcl"))
		if err != nil {
			return nil, err
		}
		sort.Strings(matches)
		for _, m := range matches {
			rel, err := filepath.Rel(dir, m)
			if err != nil {
				rel = m
			}
			names = append(names, rel)
		}
	}
	return names, nil
}

// parseTestFile reads one test file.
func parseTestFile(p *hclparse.Parser, dir, name string) (*testFile, hcl.Diagnostics) {
	f, diags := p.ParseHCLFile(filepath.Join(dir, name))
	if diags.HasErrors() {
		return nil, diags
	}
	tf := &testFile{name: name, file: f, vars: hcl.Attributes{}, providers: map[string]*config.ProviderConfig{}, mocks: &testMocks{overrides: map[string]mockValues{}, modules: map[config.ModulePath]cty.Value{}}}
	content, d := f.Body.Content(testFileSchema)
	diags = append(diags, d...)
	names := map[string]bool{}
	for _, b := range content.Blocks {
		switch b.Type {
		case "variables":
			attrs, d := b.Body.JustAttributes()
			diags = append(diags, d...)
			maps.Copy(tf.vars, attrs)
		case "provider":
			pc, d := testProvider(b)
			diags = append(diags, d...)
			if pc != nil {
				if tf.providers[pc.Key()] != nil {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate provider block",
						Detail: fmt.Sprintf("Another provider block of this file configures %s: give this one an alias of its own.", pc.Key()), Subject: b.DefRange.Ptr()})
				}
				tf.providers[pc.Key()] = pc
			}
		case "run":
			r, d := parseRun(b)
			diags = append(diags, d...)
			if r == nil {
				continue
			}
			if names[r.name] {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate run block",
					Detail: fmt.Sprintf("Another run block of this file is named %q: give each its own name (run.NAME refers to it).", r.name), Subject: b.LabelRanges[0].Ptr()})
				continue
			}
			names[r.name] = true
			tf.runs = append(tf.runs, r)
		case "mock_provider":
			diags = append(diags, parseMockProvider(p, dir, b, tf.mocks)...)
		case "override_resource", "override_data":
			diags = append(diags, parseOverride(b, tf.mocks.overrides, false)...)
		case "override_module":
			diags = append(diags, parseOverrideModule(b, tf.mocks.modules)...)
		case "test":
			content, d := b.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "parallel"}}})
			diags = append(diags, d...)
			if a := content.Attributes["parallel"]; a != nil {
				v, d := staticBool(a)
				diags = append(diags, d...)
				tf.parallel = v
			}
		}
	}
	// A run whose file variables read run.NAME reads it too.
	for _, r := range tf.runs {
		for _, a := range tf.vars {
			addRunRefs(r.refs, a.Expr)
		}
	}
	for key := range tf.mocks.providers {
		if pc := tf.providers[key]; pc != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Provider both configured and mocked",
				Detail: fmt.Sprintf("A mock_provider block of this file mocks %s too: give one of them another alias.", key), Subject: pc.DeclRange.Ptr()})
		}
	}
	return tf, diags
}

// testProvider turns a provider block of a test file into the provider
// configuration it sets for the runs.
func testProvider(b *hcl.Block) (*config.ProviderConfig, hcl.Diagnostics) {
	pc := &config.ProviderConfig{Name: b.Labels[0], NameRange: b.LabelRanges[0], DeclRange: b.DefRange}
	content, rest, diags := b.Body.PartialContent(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "alias"}}})
	if a := content.Attributes["alias"]; a != nil {
		v, d := a.Expr.Value(nil)
		diags = append(diags, d...)
		if !d.HasErrors() {
			if v.Type() != cty.String || v.IsNull() {
				return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid alias", Detail: "alias must be a name, as in a provider block of the configuration.", Subject: a.Expr.Range().Ptr()})
			}
			pc.Alias = v.AsString()
			pc.AliasRange = a.Expr.Range().Ptr()
		}
	}
	pc.Config = rest
	return pc, diags
}

func parseRun(b *hcl.Block) (*testRun, hcl.Diagnostics) {
	r := &testRun{name: b.Labels[0], command: "apply", vars: hcl.Attributes{}, refs: map[string]bool{}, overrides: map[string]mockValues{}, modules: map[config.ModulePath]cty.Value{}, decl: b.DefRange}
	content, diags := b.Body.Content(runSchema)
	if a := content.Attributes["command"]; a != nil {
		switch hcl.ExprAsKeyword(a.Expr) {
		case "apply", "plan":
			r.command = hcl.ExprAsKeyword(a.Expr)
		default:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid command", Detail: "command is apply (the default) or plan, written without quotes.", Subject: a.Expr.Range().Ptr()})
		}
	}
	if a := content.Attributes["expect_failures"]; a != nil {
		exprs, d := hcl.ExprList(a.Expr)
		diags = append(diags, d...)
		for _, e := range exprs {
			t, d := hcl.AbsTraversalForExpr(e)
			diags = append(diags, d...)
			if !d.HasErrors() {
				r.expectFailures = append(r.expectFailures, t)
			}
		}
	}
	if a := content.Attributes["providers"]; a != nil {
		bs, d := parseRunProviders(a)
		diags = append(diags, d...)
		r.providers = bs
		if r.providers == nil {
			r.providers = []providerBinding{}
		}
	}
	if a := content.Attributes["state_key"]; a != nil {
		v, d := a.Expr.Value(nil)
		diags = append(diags, d...)
		if !d.HasErrors() {
			if v.Type() != cty.String || v.IsNull() || v.AsString() == "" {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid state_key", Detail: "state_key is a name (a string): runs with the same one share a state.", Subject: a.Expr.Range().Ptr()})
			} else {
				r.stateName = v.AsString()
			}
		}
	}
	if a := content.Attributes["parallel"]; a != nil {
		v, d := staticBool(a)
		diags = append(diags, d...)
		r.parallel = &v
	}
	for _, blk := range content.Blocks {
		switch blk.Type {
		case "variables":
			attrs, d := blk.Body.JustAttributes()
			diags = append(diags, d...)
			maps.Copy(r.vars, attrs)
			for _, a := range attrs {
				addRunRefs(r.refs, a.Expr)
			}
		case "assert":
			attrs, d := blk.Body.JustAttributes()
			diags = append(diags, d...)
			cond, msg := attrs["condition"], attrs["error_message"]
			if cond == nil || msg == nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Incomplete assert block", Detail: "An assert block needs condition and error_message.", Subject: blk.DefRange.Ptr()})
				continue
			}
			r.asserts = append(r.asserts, &config.CheckRule{Condition: cond.Expr, ErrorMessage: msg.Expr, DeclRange: blk.DefRange})
			addRunRefs(r.refs, cond.Expr)
			addRunRefs(r.refs, msg.Expr)
		case "module":
			attrs, d := blk.Body.JustAttributes()
			diags = append(diags, d...)
			src := attrs["source"]
			if src == nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing module source", Detail: "A run's module block needs source: a local directory such as \"./tests/setup\", or a registry, git, archive or S3 source as in a module block.", Subject: blk.DefRange.Ptr()})
				continue
			}
			v, d := src.Expr.Value(nil)
			diags = append(diags, d...)
			if d.HasErrors() {
				continue
			}
			if v.Type() != cty.String || v.IsNull() {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid module source", Detail: "source is a string, as in a module block.", Subject: src.Expr.Range().Ptr()})
				continue
			}
			ms, err := modsrc.Parse(v.AsString())
			if err != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid module source", Detail: err.Error(), Subject: src.Expr.Range().Ptr()})
				continue
			}
			r.module, r.moduleRange, r.remote = v.AsString(), src.Expr.Range(), ms.Kind != modsrc.Local
			if a := attrs["version"]; a != nil {
				vv, d := a.Expr.Value(nil)
				diags = append(diags, d...)
				switch {
				case d.HasErrors():
				case ms.Kind != modsrc.Registry:
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Version for a module not from a registry",
						Detail: fmt.Sprintf("Only modules from a registry have versions, and this one is a %s: remove version (a git source takes ?ref=).", ms.Kind), Subject: a.NameRange.Ptr()})
				case vv.Type() != cty.String || vv.IsNull():
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid version", Detail: "version is a version constraint (a string), such as \"~> 1.2\".", Subject: a.Expr.Range().Ptr()})
				default:
					r.version = vv.AsString()
				}
			}
			for name, a := range attrs {
				if name != "source" && name != "version" {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported argument",
						Detail: "A run's module block takes source and version; the module's inputs are the run's variables.", Subject: a.NameRange.Ptr()})
				}
			}
		case "plan_options":
			diags = append(diags, parsePlanOptions(r, blk)...)
		case "override_resource", "override_data":
			diags = append(diags, parseOverride(blk, r.overrides, false)...)
		case "override_module":
			diags = append(diags, parseOverrideModule(blk, r.modules)...)
		default:
			diags = append(diags, unsupportedTest(blk.Type+" blocks", "Give the module's inputs so that it makes what the test needs, or mock its providers with mock_provider.", blk.DefRange))
		}
	}
	return r, diags
}

// staticBool reads a constant true or false.
func staticBool(a *hcl.Attribute) (bool, hcl.Diagnostics) {
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() {
		return false, diags
	}
	if v.Type() != cty.Bool || v.IsNull() {
		return false, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid " + a.Name, Detail: a.Name + " is true or false.", Subject: a.Expr.Range().Ptr()})
	}
	return v.True(), diags
}

// addRunRefs adds the runs e reads (run.NAME...) to refs.
func addRunRefs(refs map[string]bool, e hcl.Expression) {
	for _, t := range e.Variables() {
		if t.RootName() != "run" || len(t) < 2 {
			continue
		}
		if a, ok := t[1].(hcl.TraverseAttr); ok {
			refs[a.Name] = true
		}
	}
}

// parseRunProviders reads a run's providers attribute, an object whose
// keys are provider configurations of the module (aws, aws.west) and whose
// values are provider or mock_provider blocks of the file.
func parseRunProviders(a *hcl.Attribute) ([]providerBinding, hcl.Diagnostics) {
	pairs, diags := hcl.ExprMap(a.Expr)
	if diags.HasErrors() {
		return nil, diags
	}
	ref := func(e hcl.Expression) (config.LocalProviderRef, bool) {
		t, d := hcl.AbsTraversalForExpr(e)
		if !d.HasErrors() && (len(t) == 1 || len(t) == 2) {
			r := config.LocalProviderRef{LocalName: t.RootName()}
			if len(t) == 1 {
				return r, true
			}
			if at, ok := t[1].(hcl.TraverseAttr); ok {
				r.Alias = at.Name
				return r, true
			}
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid provider reference",
			Detail: "providers maps provider configurations of the module to provider or mock_provider blocks of the file, each written NAME or NAME.ALIAS: { aws = aws.alternate }.", Subject: e.Range().Ptr()})
		return config.LocalProviderRef{}, false
	}
	var out []providerBinding
	for _, kv := range pairs {
		to, ok1 := ref(kv.Key)
		from, ok2 := ref(kv.Value)
		if ok1 && ok2 {
			out = append(out, providerBinding{to: to, from: from.String(), rng: hcl.RangeBetween(kv.Key.Range(), kv.Value.Range())})
		}
	}
	return out, diags
}

func parsePlanOptions(r *testRun, blk *hcl.Block) hcl.Diagnostics {
	attrs, diags := blk.Body.JustAttributes()
	if a := attrs["mode"]; a != nil {
		switch hcl.ExprAsKeyword(a.Expr) {
		case "normal":
		case "refresh-only":
			r.refreshOnly = true
		default:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid plan mode", Detail: "mode is normal or refresh-only, written without quotes.", Subject: a.Expr.Range().Ptr()})
		}
	}
	if a := attrs["refresh"]; a != nil {
		v, d := a.Expr.Value(nil)
		diags = append(diags, d...)
		if !d.HasErrors() && v.Type() == cty.Bool && !v.IsNull() {
			r.skipRefresh = v.False()
		}
	}
	for _, name := range []string{"replace", "target"} {
		a := attrs[name]
		if a == nil {
			continue
		}
		exprs, d := hcl.ExprList(a.Expr)
		diags = append(diags, d...)
		for _, e := range exprs {
			t, d := hcl.AbsTraversalForExpr(e)
			diags = append(diags, d...)
			if d.HasErrors() {
				continue
			}
			if name == "target" {
				r.targets = append(r.targets, config.TraversalString(t))
				continue
			}
			addr, d := config.InstanceAddrFromTraversal(t)
			diags = append(diags, d...)
			if !d.HasErrors() {
				r.replace = append(r.replace, addr)
			}
		}
	}
	return diags
}

// testState is one state of a test file (a module's, or a state_key's),
// in a temporary directory.
type testState struct {
	mgr  *state.Manager
	vars map[string]cty.Value // the variables of its last run, for destroy
	// last is cfg with the provider configurations of the last run that
	// applied: teardown destroys with them.
	last *config.Config
	// mocks are the file's mocks with every override its runs applied
	// with: teardown deletes what they made without the providers.
	mocks *testMocks
}

// testRunner runs the test files of one configuration.
type testRunner struct {
	a      *app
	w      *workspace
	f      *testFlags
	provs  planner.Providers
	cli    map[string]cty.Value // -var, -var-file, auto tfvars, environment
	src    map[string]*hcl.File
	srcMu  sync.Mutex // guards src while runs load modules
	tmp    string
	view   testView
	counts testCounts
}

func (a *app) runTests(ctx context.Context, f *testFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	a.startStream(f.json)
	if f.cloudRun != "" {
		return &exitError{code: 1, msg: "indigo test -cloud-run is not available: indigo runs the tests on this machine; leave it out"}
	}
	w, err := a.loadWorkspace(".")
	if err != nil {
		return err
	}
	names, err := findTestFiles(w.dir, f.testDir)
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	if len(f.filters) > 0 {
		var kept []string
		for _, flt := range f.filters {
			if !slices.Contains(names, filepath.Clean(flt)) {
				return &exitError{code: 1, msg: fmt.Sprintf("-filter=%s names no test file; the test files are: %s", flt, strings.Join(names, ", "))}
			}
			kept = append(kept, filepath.Clean(flt))
		}
		names = kept
	}
	if len(names) == 0 {
		if a.stream != nil {
			v := &jsonTestView{s: a.stream}
			v.abstract(nil)
			v.summary(testCounts{})
			return nil
		}
		fmt.Fprintf(a.stdout, "No test files found (*.tftest.hcl here or in %s/).\n", f.testDir)
		return nil
	}
	cli, _, err := w.variables(&f.varFlags)
	if err != nil {
		return err
	}
	provs, err := w.providers()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "indigo-test-")
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	defer os.RemoveAll(tmp)
	tr := &testRunner{a: a, w: w, f: f, provs: provs, cli: cli, src: map[string]*hcl.File{}, tmp: tmp}
	tr.view = &textTestView{out: a.stdout, w: w, tr: tr}
	if a.stream != nil {
		tr.view = &jsonTestView{s: a.stream, tr: tr}
	}
	for name, file := range w.res.Files {
		tr.src[name] = file
	}
	parser := hclparse.NewParser()
	var files []*testFile
	var diags hcl.Diagnostics
	for _, name := range names {
		tf, d := parseTestFile(parser, w.dir, name)
		diags = append(diags, d...)
		if tf != nil {
			files = append(files, tf)
			tr.src[name] = tf.file
		}
	}
	// The .tfmock.hcl files of mock sources, for their snippets.
	for name, f := range parser.Files() {
		if _, ok := tr.src[name]; !ok {
			tr.src[name] = f
		}
	}
	w.src = view.NewSources(tr.src)
	if diags.HasErrors() {
		w.diags(diags)
		return exitCode(1)
	}
	w.warnings(diags)
	tr.view.abstract(files)
	for _, tf := range files {
		tr.runFile(ctx, tf)
	}
	tr.view.summary(tr.counts)
	if !tr.counts.ok() {
		return exitCode(1)
	}
	return nil
}

// runFile runs the runs of one test file in order (those that may, at the
// same time: see schedule), then destroys what they made. After a run that
// could not complete, the others are skipped.
func (tr *testRunner) runFile(ctx context.Context, tf *testFile) {
	tr.view.fileStart(tf)
	fr := &fileRun{tf: tf, states: map[string]*testState{}, configs: map[string]*config.Config{}, runs: map[string]cty.Value{}}
	status := ""
	for _, res := range tr.schedule(ctx, fr) {
		st := res.status()
		switch st {
		case "skip":
			tr.counts.skipped++
		case "error":
			tr.counts.errored++
		case "fail":
			tr.counts.failed++
		default:
			tr.counts.passed++
		}
		status = worse(status, st)
		tr.view.run(tf, res)
	}
	tr.view.teardown(tf)
	var diags hcl.Diagnostics
	var left []string
	for i := len(fr.order) - 1; i >= 0; i-- {
		d, l := tr.destroy(ctx, fr.order[i])
		if d.HasErrors() {
			diags = append(diags, d...)
			left = append(left, l...)
			status = worse(status, "error")
		}
	}
	if diags.HasErrors() {
		tr.counts.leftBehind++
	}
	tr.view.cleanup(tf, diags, left)
	tr.view.fileDone(tf, status)
	tr.counts.status = worse(tr.counts.status, status)
}

// fileRun is what the runs of one file share: their states, the
// configurations they loaded and their outputs. Runs running at the same
// time reach it through mu.
type fileRun struct {
	tf      *testFile
	mu      sync.Mutex
	states  map[string]*testState // by state key
	order   []*testState          // in the order they were made
	configs map[string]*config.Config
	runs    map[string]cty.Value // run.NAME: the outputs of the runs done
}

// stateKey is the state a run uses: its state_key, else one per module.
func (r *testRun) stateKey() string {
	if r.stateName != "" {
		return "key:" + r.stateName
	}
	return "module:" + r.module
}

// stateFor returns the state a run uses and the configuration it plans,
// loading the configuration and opening the temporary state the first
// time.
func (tr *testRunner) stateFor(ctx context.Context, fr *fileRun, r *testRun) (*testState, *config.Config, hcl.Diagnostics) {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	cfgKey := r.module + "\x00" + r.version
	cfg := fr.configs[cfgKey]
	if cfg == nil && r.remote {
		c, files, diags := tr.remoteModule(ctx, r)
		tr.srcMu.Lock()
		maps.Copy(tr.src, files)
		tr.srcMu.Unlock()
		if diags.HasErrors() {
			return nil, nil, diags
		}
		cfg = c
		fr.configs[cfgKey] = cfg
	}
	if cfg == nil {
		dir := tr.w.dir
		if r.module != "" {
			dir = filepath.Join(tr.w.dir, r.module)
		}
		res, diags := load.Path(dir, load.Options{ModulesDir: modulesDir(tr.w.dir)})
		if diags.HasErrors() {
			if r.module != "" {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Module not loaded", Detail: fmt.Sprintf("The module %s of run %q did not load (see above).", r.module, r.name), Subject: r.moduleRange.Ptr()})
			}
			tr.srcMu.Lock()
			for name, f := range res.Files {
				tr.src[name] = f
			}
			tr.srcMu.Unlock()
			return nil, nil, diags
		}
		tr.srcMu.Lock()
		for name, f := range res.Files {
			tr.src[name] = f
		}
		tr.srcMu.Unlock()
		cfg = res.Config
		fr.configs[cfgKey] = cfg
	}
	if ts := fr.states[r.stateKey()]; ts != nil {
		return ts, cfg, nil
	}
	// Each state has a directory of its own, whatever file it is of.
	sdir, err := os.MkdirTemp(tr.tmp, "state-")
	if err != nil {
		return nil, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot make a test state", Detail: err.Error()}}
	}
	mgr, err := state.Open(ctx, local.New(filepath.Join(sdir, "test.state")), state.OpenOptions{Operation: "test", Version: indigoVersion()})
	if err != nil {
		return nil, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot make a test state", Detail: err.Error()}}
	}
	ts := &testState{last: cfg, mgr: mgr, mocks: fr.tf.mocks}
	fr.states[r.stateKey()] = ts
	fr.order = append(fr.order, ts)
	return ts, cfg, nil
}

// runConfig returns the configuration a run plans, cfg with the provider
// configurations the run gives it, and mocks with the configurations that
// are mocked. Without a providers attribute, the run gives every provider
// and mock_provider block of the file to the configuration of the same
// name and alias; with one, those it names to the configurations it
// names. The configuration's own provider blocks stay for the others.
func runConfig(tf *testFile, r *testRun, cfg *config.Config, mocks *testMocks) (*config.Config, *testMocks, hcl.Diagnostics) {
	bindings := r.providers
	if bindings == nil {
		for _, key := range slices.Sorted(maps.Keys(tf.providers)) {
			bindings = append(bindings, providerBinding{to: localProviderRef(key), from: key})
		}
		for _, key := range slices.Sorted(maps.Keys(tf.mocks.providers)) {
			bindings = append(bindings, providerBinding{to: localProviderRef(key), from: key})
		}
	}
	if len(bindings) == 0 {
		return cfg, mocks, nil
	}
	var diags hcl.Diagnostics
	mod := *cfg.Module
	mod.ProviderConfigs = maps.Clone(cfg.Module.ProviderConfigs)
	configs := map[config.ProviderConfigAddr]*mockProvider{}
	for _, b := range bindings {
		if pc := tf.providers[b.from]; pc != nil {
			c := *pc
			c.Name, c.Alias = b.to.LocalName, b.to.Alias
			mod.ProviderConfigs[b.to.String()] = &c
			continue
		}
		if mp := tf.mocks.providers[b.from]; mp != nil {
			configs[config.ProviderConfigAddr{Provider: mod.ProviderFor(b.to.LocalName), Alias: b.to.Alias}] = mp
			// A mock is not configured: its block is empty.
			mod.ProviderConfigs[b.to.String()] = &config.ProviderConfig{Name: b.to.LocalName, Alias: b.to.Alias, Config: hcl.EmptyBody(), NameRange: b.rng, DeclRange: b.rng}
			continue
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown provider",
			Detail:  fmt.Sprintf("The run gives %s to %s, and no provider or mock_provider block of this file is %s: name one of them (NAME or NAME.ALIAS).", b.from, b.to, b.from),
			Subject: b.rng.Ptr()})
	}
	if diags.HasErrors() {
		return nil, nil, diags
	}
	m := &testMocks{providers: mocks.providers, configs: configs, overrides: mocks.overrides, modules: mocks.modules}
	return rebuild(cfg, &mod, nil), m, nil
}

// localProviderRef parses NAME or NAME.ALIAS.
func localProviderRef(key string) config.LocalProviderRef {
	name, alias, _ := strings.Cut(key, ".")
	return config.LocalProviderRef{LocalName: name, Alias: alias}
}

// runVars evaluates the variables of a run: the command line's, then the
// file's, then the run's own, later ones winning. They may refer to the
// outputs of earlier runs (run.NAME.OUTPUT) and to each other's earlier
// values (var.NAME).
func (tr *testRunner) runVars(tf *testFile, r *testRun, cfg *config.Config, runs map[string]cty.Value) (map[string]cty.Value, hcl.Diagnostics) {
	vals := maps.Clone(tr.cli)
	if vals == nil {
		vals = map[string]cty.Value{}
	}
	var diags hcl.Diagnostics
	fns := funcs.Table(funcs.Options{BaseDir: cfg.Module.SourceDir, PureOnly: true})
	for _, attrs := range []hcl.Attributes{tf.vars, r.vars} {
		ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(maps.Clone(vals)), "run": cty.ObjectVal(runs)}, Functions: fns}
		for _, name := range slices.Sorted(maps.Keys(attrs)) {
			v, d := attrs[name].Expr.Value(ctx)
			diags = append(diags, d...)
			if !d.HasErrors() {
				vals[name] = v
			}
		}
	}
	// Only what the module declares goes to it.
	for name := range vals {
		if cfg.Module.Variables[name] == nil {
			delete(vals, name)
		}
	}
	return vals, diags
}

// run carries out one run block: it plans (and applies) the module with the
// run's variables, then checks the run's assertions against what the
// plan or the apply made. It reports whether the run passed, and whether
// the file cannot go on (the run did not complete).
func (tr *testRunner) run(ctx context.Context, fr *fileRun, r *testRun, out io.Writer) (passed, fatal bool, diags hcl.Diagnostics) {
	tf := fr.tf
	ts, base, diags := tr.stateFor(ctx, fr, r)
	if diags.HasErrors() {
		return false, true, diags
	}
	fr.mu.Lock()
	runs := maps.Clone(fr.runs)
	fr.mu.Unlock()
	vars, d := tr.runVars(tf, r, base, runs)
	if diags = append(diags, d...); d.HasErrors() {
		return false, true, diags
	}
	ws, _ := currentWorkspace(tr.w.dir)
	var data eval.Data
	var outputs map[string]cty.Value
	opts := planner.Options{Vars: vars, Workspace: ws, Targets: r.targets, Replace: r.replace, SkipRefresh: r.skipRefresh,
		Logger: tr.w.logger, Inspect: func(d eval.Data, outs map[string]cty.Value) { data, outputs = d, outs }}
	if r.refreshOnly {
		opts.Mode = plan.RefreshOnlyMode
	}
	provCfg, mocks, pcd := runConfig(tf, r, base, tf.mocks.with(r.overrides, r.modules))
	if diags = append(diags, pcd...); pcd.HasErrors() {
		return false, true, diags
	}
	provs := mocks.wrap(tr.provs)
	cfg, cd := mocks.configWith(provCfg)
	if diags = append(diags, cd...); cd.HasErrors() {
		return false, true, diags
	}
	p, pd := planner.Plan(ctx, cfg, ts.mgr.State(), provs, opts)
	if len(r.expectFailures) > 0 {
		return tr.expected(base, r, pd)
	}
	if diags = append(diags, pd...); pd.HasErrors() || p == nil {
		return false, true, diags
	}
	if tr.f.verbose {
		view.Plan(out, p, view.PlanOptions{})
	}
	if r.command == "apply" && p.Applyable {
		next := ts.mocks.with(r.overrides, nil)
		ts.mocks = &testMocks{providers: next.providers, configs: mocks.configs, overrides: next.overrides, modules: next.modules}
		ts.last = provCfg
		ad := planner.Apply(ctx, cfg, p, ts.mgr, provs, opts, context.Background())
		if err := ts.mgr.Persist(context.Background()); err != nil {
			ad = append(ad, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Test state not saved", Detail: err.Error()})
		}
		// Teardown destroys with the variables of the last run that
		// applied.
		ts.vars = vars
		if diags = append(diags, ad...); ad.HasErrors() {
			return false, true, diags
		}
		if tr.f.verbose {
			_ = view.State(out, ts.mgr.State())
		}
	}
	if data == nil {
		return false, true, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Nothing to check", Detail: "The run's plan stopped before the configuration was evaluated.", Subject: r.decl.Ptr()})
	}
	outObj := maps.Clone(outputs)
	if outObj == nil {
		outObj = map[string]cty.Value{}
	}
	sc := &eval.Scope{Data: data, Module: config.RootModule,
		Functions: funcs.Table(funcs.Options{BaseDir: cfg.Module.SourceDir, PureOnly: true}),
		Extra:     map[string]cty.Value{"output": cty.ObjectVal(outObj), "run": cty.ObjectVal(runs)}}
	passed = true
	for _, as := range r.asserts {
		ok, d := checkAssert(sc, as)
		diags = append(diags, d...)
		if !ok {
			passed = false
		}
	}
	// Later runs read this one's outputs as run.NAME.OUTPUT.
	fr.mu.Lock()
	fr.runs[r.name] = cty.ObjectVal(outObj)
	fr.mu.Unlock()
	return passed, false, diags
}

// assertionFailed is the summary of a false assertion's error: a run whose
// only errors are these failed, one with others errored.
const assertionFailed = "Test assertion failed"

// checkAssert evaluates one assert block; a false condition is an error
// with its message, an unknown one (a plan run reading what only apply
// knows) too.
func checkAssert(sc *eval.Scope, as *config.CheckRule) (bool, hcl.Diagnostics) {
	v, diags := sc.EvalExpr(as.Condition, cty.Bool)
	if diags.HasErrors() {
		return false, diags
	}
	v, _ = v.Unmark()
	if !v.IsKnown() {
		return false, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown condition value",
			Detail:  "The condition depends on values only apply knows: make the run apply (command = apply), or assert on what the plan knows.",
			Subject: as.Condition.Range().Ptr(), Expression: as.Condition})
	}
	if v.IsNull() {
		return false, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid condition result", Detail: "The condition is null; it must be true or false.", Subject: as.Condition.Range().Ptr()})
	}
	if v.True() {
		return true, diags
	}
	msg := "(the error message could not be evaluated)"
	if mv, d := sc.EvalExpr(as.ErrorMessage, cty.String); !d.HasErrors() {
		if mv, err := convert.Convert(mv, cty.String); err == nil && mv.IsKnown() && !mv.IsNull() {
			if marks.Contains(mv, marks.Sensitive) {
				msg = "(the error message holds a sensitive value)"
			} else {
				mv, _ = mv.Unmark()
				msg = mv.AsString()
			}
		}
	}
	ectx, _ := sc.EvalContext(as.Condition.Variables())
	return false, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: assertionFailed, Detail: msg,
		Subject: as.Condition.Range().Ptr(), Expression: as.Condition, EvalContext: ectx})
}

// expected judges a run with expect_failures: it passes when each listed
// object's condition failed (a variable's validation, a resource's or an
// output's pre- or postcondition, a check block's assertion) and nothing
// else went wrong. The run's plan is not applied.
func (tr *testRunner) expected(cfg *config.Config, r *testRun, diags hcl.Diagnostics) (bool, bool, hcl.Diagnostics) {
	var out hcl.Diagnostics
	matched := make([]bool, len(r.expectFailures))
	for _, d := range diags {
		if d.Subject == nil {
			if d.Severity == hcl.DiagError {
				out = append(out, d)
			}
			continue
		}
		hit := false
		for i, t := range r.expectFailures {
			for _, rng := range checkRanges(cfg, t) {
				if rangeWithin(*d.Subject, rng) {
					matched[i], hit = true, true
				}
			}
		}
		if !hit && d.Severity == hcl.DiagError {
			out = append(out, d)
		}
	}
	passed := len(out) == 0
	for i, t := range r.expectFailures {
		if !matched[i] {
			passed = false
			out = append(out, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing expected failure",
				Detail:  fmt.Sprintf("The run expected the conditions of %s to fail, and none did.", config.TraversalString(t)),
				Subject: t.SourceRange().Ptr()})
		}
	}
	return passed, false, out
}

// checkRanges returns where the conditions of the object t names are
// written: a variable's validations, a resource's or output's conditions,
// a check block's assertions (and its scoped data source).
func checkRanges(cfg *config.Config, t hcl.Traversal) []hcl.Range {
	m := cfg.Module
	name := func(i int) string {
		if i < len(t) {
			if a, ok := t[i].(hcl.TraverseAttr); ok {
				return a.Name
			}
		}
		return ""
	}
	var rules []*config.CheckRule
	var extra []hcl.Range
	switch root := t.RootName(); root {
	case "var":
		if v := m.Variables[name(1)]; v != nil {
			rules = v.Validations
			extra = append(extra, v.DeclRange)
		}
	case "output":
		if o := m.Outputs[name(1)]; o != nil {
			rules = o.Preconditions
		}
	case "check":
		if c := m.Checks[name(1)]; c != nil {
			rules = c.Asserts
			extra = append(extra, c.DeclRange)
		}
	case "data":
		if r := m.DataResources[name(1)+"."+name(2)]; r != nil {
			rules = append(slices.Clone(r.Preconditions), r.Postconditions...)
		}
	default:
		if r := m.ManagedResources[root+"."+name(1)]; r != nil {
			rules = append(slices.Clone(r.Preconditions), r.Postconditions...)
		}
	}
	var out []hcl.Range
	for _, rule := range rules {
		out = append(out, rule.DeclRange, rule.Condition.Range(), rule.ErrorMessage.Range())
	}
	return append(out, extra...)
}

// rangeWithin reports whether a lies inside b (same file).
func rangeWithin(a, b hcl.Range) bool {
	return a.Filename == b.Filename && a.Start.Byte >= b.Start.Byte && a.End.Byte <= b.End.Byte
}

// destroy destroys what the runs made with one state; on failure it
// returns the objects left behind too.
func (tr *testRunner) destroy(ctx context.Context, ts *testState) (hcl.Diagnostics, []string) {
	defer ts.mgr.Close(context.Background())
	if len(ts.mgr.State().AllInstances()) == 0 {
		return nil, nil
	}
	opts := planner.Options{Vars: ts.vars, Mode: plan.DestroyMode, Logger: tr.w.logger}
	provs := ts.mocks.wrap(tr.provs)
	p, diags := planner.Plan(ctx, ts.last, ts.mgr.State(), provs, opts)
	if !diags.HasErrors() && p != nil && p.Applyable {
		diags = append(diags, planner.Apply(ctx, ts.last, p, ts.mgr, provs, opts, context.Background())...)
	}
	if err := ts.mgr.Persist(context.Background()); err != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Test state not saved", Detail: err.Error()})
	}
	var names []string
	if left := ts.mgr.State().AllInstances(); len(left) > 0 && diags.HasErrors() {
		for _, a := range left {
			names = append(names, a.String())
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Objects left behind",
			Detail: "The test could not destroy these, which still exist: " + strings.Join(names, ", ") + ". Delete them by hand."})
	}
	return diags, names
}
