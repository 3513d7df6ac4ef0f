package hcllang

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	hcljson "github.com/hashicorp/hcl/v2/json"

	"github.com/indigo-cloud/indigo/lang/config"
)

// maxModuleDepth bounds module nesting so a module that calls itself is
// reported instead of recursing until memory runs out.
const maxModuleDepth = 64

// Loader reads configuration directories. It keeps every file it parsed so
// diagnostics can be rendered with source snippets (Files). A Loader is not
// safe for concurrent use; create one per load.
type Loader struct {
	parser *hclparse.Parser
	// Templates loads deployment templates (TOSCA). When nil, a deployment
	// with a template is reported as unsupported.
	Templates config.TemplateLoader
	// Modules finds the directory of a module call with a non-local
	// source, by the call's key ("net", "net.subnets"): where init
	// installed it (modsrc.Manifest.Resolver), or where an installer puts
	// it now. Its diagnostics point at the call's source. When nil, such
	// a call is reported as not installed.
	Modules func(key string, call *config.ModuleCall) (dir string, diags hcl.Diagnostics)
}

// moduleKey is the key of call name under the call key parent, as
// modules.json records it.
func moduleKey(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// NewLoader returns a Loader with a fresh parser.
func NewLoader() *Loader { return &Loader{parser: hclparse.NewParser()} }

// Files returns every file parsed so far, by name, for diagnostic snippets.
func (l *Loader) Files() map[string]*hcl.File { return l.parser.Files() }

// AddFile registers a file parsed elsewhere (a TOSCA template) so that its
// snippets can be rendered too.
func (l *Loader) AddFile(name string, f *hcl.File) { l.parser.AddFile(name, f) }

// IsConfigFile reports whether name is a configuration file indigo reads:
// *.hcl, *.tf and their JSON forms *.hcl.json and *.tf.json, but not test
// files (*.tftest.hcl, *.tftest.json), which indigo test reads.
func IsConfigFile(name string) bool {
	if strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~") || strings.HasPrefix(name, "#") {
		return false
	}
	if strings.HasSuffix(name, ".tftest.hcl") || strings.HasSuffix(name, ".tftest.json") {
		return false
	}
	for _, ext := range []string{".hcl", ".tf", ".hcl.json", ".tf.json"} {
		if strings.HasSuffix(name, ext) && !isVarFileName(name) {
			return true
		}
	}
	return false
}

func isVarFileName(name string) bool {
	return strings.HasSuffix(name, ".tfvars") || strings.HasSuffix(name, ".tfvars.json")
}

func isOverrideFile(name string) bool {
	base := strings.TrimSuffix(strings.TrimSuffix(name, ".json"), filepath.Ext(strings.TrimSuffix(name, ".json")))
	return base == "override" || strings.HasSuffix(base, "_override")
}

// ConfigFiles lists the configuration files of dir, sorted, primary files
// first and override files after them.
func ConfigFiles(dir string) (primary, override []string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range entries {
		if e.IsDir() || !IsConfigFile(e.Name()) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if isOverrideFile(e.Name()) {
			override = append(override, p)
		} else {
			primary = append(primary, p)
		}
	}
	sort.Strings(primary)
	sort.Strings(override)
	return primary, override, nil
}

// LoadDir loads the root module in dir and, recursively, every module it
// calls from a local source and every deployment it declares.
func (l *Loader) LoadDir(dir string) (*config.Config, hcl.Diagnostics) {
	mod, diags := l.LoadModule(dir)
	root := config.NewRoot(mod)
	diags = append(diags, l.loadChildren(root, "", []string{absDir(dir)}, 0)...)
	return root, diags
}

func absDir(dir string) string {
	if a, err := filepath.Abs(dir); err == nil {
		return filepath.Clean(a)
	}
	return filepath.Clean(dir)
}

func (l *Loader) loadChildren(c *config.Config, key string, chain []string, depth int) hcl.Diagnostics {
	var diags hcl.Diagnostics
	names := make([]string, 0, len(c.Module.ModuleCalls))
	for n := range c.Module.ModuleCalls {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		call := c.Module.ModuleCalls[n]
		dir := filepath.Join(c.Module.SourceDir, filepath.FromSlash(call.SourceAddr))
		if !call.SourceLocal {
			if l.Modules == nil {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Module not installed",
					Detail:   fmt.Sprintf("Module %q has source %q, which is not installed. Run indigo init to download it.", moduleKey(key, n), call.SourceAddr),
					Subject:  call.SourceRange.Ptr(),
				})
				continue
			}
			var d hcl.Diagnostics
			dir, d = l.Modules(moduleKey(key, n), call)
			diags = append(diags, d...)
			if d.HasErrors() || dir == "" {
				continue
			}
		}
		abs := absDir(dir)
		if depth >= maxModuleDepth || slices.Contains(chain, abs) {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Module calls itself",
				Detail:   fmt.Sprintf("Module %q loads %s, which is already being loaded by a module that calls this one. Break the cycle of module calls.", call.Name, call.SourceAddr),
				Subject:  call.SourceRange.Ptr(),
			})
			continue
		}
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Module directory not found",
				Detail:   fmt.Sprintf("Module %q has source %q, but %s is not a directory. Check the path: it is relative to the directory of the calling module.", call.Name, call.SourceAddr, dir),
				Subject:  call.SourceRange.Ptr(),
			})
			continue
		}
		mod, d := l.LoadModule(dir)
		diags = append(diags, d...)
		child := c.AddChild(config.Step{Kind: config.ModuleStep, Name: n}, mod, call.DeclRange, call.SourceAddr)
		diags = append(diags, l.loadChildren(child, moduleKey(key, n), append(chain, abs), depth+1)...)
	}
	diags = append(diags, l.loadDeployments(c, key, chain, depth)...)
	return diags
}

// LoadModule loads the files of one directory into a module, without the
// modules it calls.
func (l *Loader) LoadModule(dir string) (*config.Module, hcl.Diagnostics) {
	mod := config.NewModule(dir)
	primary, override, err := ConfigFiles(dir)
	if err != nil {
		return mod, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read configuration directory",
			Detail:   fmt.Sprintf("Reading %s: %s.", dir, err),
		}}
	}
	var diags hcl.Diagnostics
	if len(primary) == 0 && len(override) == 0 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No configuration files",
			Detail:   fmt.Sprintf("%s holds no *.hcl, *.tf, *.hcl.json or *.tf.json files. Run indigo in the directory of your configuration, or pass that directory as an argument.", dir),
		})
		return mod, diags
	}
	d := newDecoder(mod)
	files, pdiags := l.parseFiles(append(append([]string(nil), primary...), override...))
	for i, path := range append(append([]string(nil), primary...), override...) {
		diags = append(diags, pdiags[i]...)
		f := files[i]
		if f == nil {
			continue
		}
		mod.Files = append(mod.Files, path)
		recordProviderFunctions(mod, f)
		diags = append(diags, d.decodeFile(f.Body, i >= len(primary))...)
	}
	diags = append(diags, d.finish()...)
	return mod, diags
}

// LoadSource loads one module from in-memory files (name -> content), as
// tests and fuzzing do. Module calls are not followed.
func (l *Loader) LoadSource(dir string, files map[string][]byte) (*config.Module, hcl.Diagnostics) {
	mod := config.NewModule(dir)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	d := newDecoder(mod)
	var diags hcl.Diagnostics
	for _, n := range names {
		var f *hcl.File
		var pd hcl.Diagnostics
		if strings.HasSuffix(n, ".json") {
			f, pd = l.parser.ParseJSON(files[n], n)
		} else {
			f, pd = l.parser.ParseHCL(files[n], n)
		}
		diags = append(diags, pd...)
		if f == nil || f.Body == nil {
			continue
		}
		mod.Files = append(mod.Files, n)
		recordProviderFunctions(mod, f)
		diags = append(diags, d.decodeFile(f.Body, isOverrideFile(filepath.Base(n)))...)
	}
	diags = append(diags, d.finish()...)
	return mod, diags
}

// parseFiles parses files concurrently (parsing dominates loading large
// configurations) and registers them with the loader's parser, in order.
func (l *Loader) parseFiles(paths []string) ([]*hcl.File, []hcl.Diagnostics) {
	files := make([]*hcl.File, len(paths))
	diags := make([]hcl.Diagnostics, len(paths))
	workers := runtime.GOMAXPROCS(0)
	if workers > len(paths) {
		workers = len(paths)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				files[i], diags[i] = parseFile(paths[i])
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, f := range files {
		if f != nil {
			l.parser.AddFile(paths[i], f)
		}
	}
	return files, diags
}

// parseFile reads and parses one file without touching the loader's parser,
// so several can run at once.
func parseFile(path string) (*hcl.File, hcl.Diagnostics) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read file",
			Detail:   fmt.Sprintf("Reading %s: %s.", path, err),
		}}
	}
	var f *hcl.File
	var diags hcl.Diagnostics
	if strings.HasSuffix(path, ".json") {
		f, diags = hcljson.Parse(src, path)
	} else {
		f, diags = parseNative(src, path)
	}
	if f == nil || f.Body == nil {
		return nil, diags
	}
	return f, diags
}
