package tosca

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/zclconf/go-cty/cty"
	"gopkg.in/yaml.v3"
)

// Options tune a load.
type Options struct {
	// Inputs are values for the template's inputs, as given with -var or a
	// deployment's inputs argument. Each is checked against the input's type
	// and constraints and becomes the variable's default, so the module is
	// complete on its own.
	Inputs map[string]cty.Value
	// ReadFile reads imported files and parent templates; nil means
	// os.ReadFile. Tests and fuzzing pass a map-backed reader.
	ReadFile func(path string) ([]byte, error)
}

// Load reads the TOSCA template at path into the module of a deployment's
// scope: inputs become variables, node templates components, outputs
// outputs, placement policies placement. Every diagnostic carries the YAML
// file, line, column and byte offset it is about.
func Load(path string, opts Options) (*config.Module, hcl.Diagnostics) {
	src, err := opts.read(path)
	if err != nil {
		r := hcl.Range{Filename: path, Start: hcl.InitialPos, End: hcl.InitialPos}
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read template",
			Detail:   fmt.Sprintf("Reading %s: %v.", path, err),
			Subject:  &r,
		}}
	}
	return LoadBytes(path, src, opts)
}

// LoadBytes is Load for a template already in memory; name is used in
// ranges and to find relative imports and parents.
func LoadBytes(name string, src []byte, opts Options) (*config.Module, hcl.Diagnostics) {
	l := newLoader(opts)
	m := l.load(name, src)
	return m, l.sorted()
}

// TemplateLoader returns a config.TemplateLoader that loads TOSCA templates
// with opts, for the HCL front end's deployment "x" { template = ... }.
func TemplateLoader(opts Options) config.TemplateLoader {
	return func(path string) (*config.Module, hcl.Diagnostics) { return Load(path, opts) }
}

func (o Options) read(path string) ([]byte, error) {
	if o.ReadFile != nil {
		return o.ReadFile(path)
	}
	return os.ReadFile(path)
}

// loader holds the state of one load. Nothing in it outlives the call.
type loader struct {
	opts    Options
	diags   hcl.Diagnostics
	dupSeen map[*yaml.Node]bool
	files   []string
	seen    map[string]bool
	local   *catalog
	layers  []*catalog
	named   map[string]bool
	reg     *registry
	t       *topology
	work    int
}

func newLoader(opts Options) *loader {
	return &loader{opts: opts, dupSeen: map[*yaml.Node]bool{}, seen: map[string]bool{}, local: newCatalog(), named: map[string]bool{}}
}

// sorted returns the diagnostics errors first, each group in file order, so
// the first line a user reads is the first error.
func (l *loader) sorted() hcl.Diagnostics {
	d := append(hcl.Diagnostics(nil), l.diags...)
	sort.SliceStable(d, func(i, j int) bool {
		if d[i].Severity != d[j].Severity {
			return d[i].Severity == hcl.DiagError
		}
		a, b := d[i].Subject, d[j].Subject
		if a == nil || b == nil {
			return b != nil
		}
		if a.Filename != b.Filename {
			return false
		}
		return a.Start.Byte < b.Start.Byte
	})
	return d
}

var supportedVersions = map[string]bool{
	"tosca_simple_yaml_1_0": true, "tosca_simple_yaml_1_1": true, "tosca_simple_yaml_1_2": true, "tosca_simple_yaml_1_3": true,
	"tosca_simple_profile_for_nfv_1_0_0": true,
}

var topLevelKeys = map[string]bool{
	"tosca_definitions_version": true, "tosca_default_namespace": true, "namespace": true, "template_name": true,
	"template_author": true, "template_version": true, "description": true, "metadata": true, "dsl_definitions": true,
	"repositories": true, "imports": true, "artifact_types": true, "data_types": true, "capability_types": true,
	"interface_types": true, "relationship_types": true, "node_types": true, "group_types": true, "policy_types": true,
	"topology_template": true,
}

func (l *loader) load(name string, src []byte) *config.Module {
	s, diags := parseYAML(name, src)
	l.diags = append(l.diags, diags...)
	if s == nil {
		return nil
	}
	l.files = append(l.files, name)
	l.seen[filepath.Clean(name)] = true
	if !isMap(s.root) {
		l.diags = append(l.diags, s.errorf(s.root, "Not a TOSCA template", "A TOSCA template is a mapping that starts with tosca_definitions_version, not %s.", kindName(s.root)))
		return nil
	}
	version := l.checkHeader(s, s.root, true)
	l.t = newTopology()
	l.compose(s, s.root, 0)
	l.document(s, s.root)
	if !l.hasImportedCatalog() {
		// A template that imports no embedded catalogue gets the types the
		// INDIGO orchestrator loaded implicitly: the INDIGO custom types
		// (on top of the normative types every template gets).
		l.useCatalog("indigo")
	}
	l.useCatalog("normative")
	layers := append([]*catalog{l.local}, l.layers...)
	l.reg = newRegistry(layers...)
	l.checkTypes(l.reg, l.local)
	l.checkSchemasOf(l.local)
	m := l.build(s, version)
	return m
}

func (l *loader) hasImportedCatalog() bool {
	for n := range l.named {
		if n != "normative" {
			return true
		}
	}
	return false
}

// checkHeader validates tosca_definitions_version and the top-level keys.
func (l *loader) checkHeader(s *source, root *yaml.Node, main bool) string {
	var version string
	found := false
	for _, p := range l.pairs(s, root) {
		if !topLevelKeys[p.key.Value] {
			l.diags = append(l.diags, s.errorf(p.key, "Unsupported top-level key",
				"%q is not a TOSCA service template section. The sections are tosca_definitions_version, description, metadata, repositories, imports, the *_types sections and topology_template.", p.key.Value))
		}
		if p.key.Value == "tosca_definitions_version" {
			found = true
			version, _ = scalarString(p.value)
			if !supportedVersions[version] {
				l.diags = append(l.diags, s.errorf(p.value, "Unsupported TOSCA version",
					"tosca_definitions_version %s is not supported. indigo reads tosca_simple_yaml_1_0 to tosca_simple_yaml_1_3.", yamlText(p.value)))
			}
		}
	}
	if !found && main {
		l.diags = append(l.diags, s.errorf(root, "Missing tosca_definitions_version",
			"A TOSCA template starts with tosca_definitions_version: tosca_simple_yaml_1_0 (or 1_1 to 1_3). Add it."))
	}
	return version
}

// compose merges the parents a grycap template names in metadata.parents
// (as the IM Dashboard does): each parent is read from beside the child,
// parents first, so the child adds to and overrides their topology.
func (l *loader) compose(s *source, root *yaml.Node, depth int) {
	md := l.lookup(s, root, "metadata")
	parents := l.lookup(s, md, "parents")
	if parents == nil {
		return
	}
	list := items(parents)
	if str, ok := scalarString(parents); ok {
		list = []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: str, Line: parents.Line, Column: parents.Column}}
	}
	for _, p := range list {
		name, ok := scalarString(p)
		if !ok {
			l.diags = append(l.diags, s.errorf(p, "Invalid parent", "metadata.parents lists file names of parent templates, not %s.", kindName(p)))
			continue
		}
		path := filepath.Join(filepath.Dir(s.name), filepath.FromSlash(name))
		if depth > 8 || l.seen[filepath.Clean(path)] {
			l.diags = append(l.diags, s.errorf(p, "Parent cycle", "The parent %s includes this template again. A chain of parents must not loop.", name))
			continue
		}
		src, err := l.opts.read(path)
		if err != nil {
			l.diags = append(l.diags, s.errorf(p, "Parent template not found",
				"This template extends %s (metadata.parents), which is not beside it (%v). Put the parent template in the same folder, as the IM Dashboard expects.", name, briefErr(err)))
			continue
		}
		ps, diags := parseYAML(path, src)
		l.diags = append(l.diags, diags...)
		if ps == nil {
			continue
		}
		l.seen[filepath.Clean(path)] = true
		l.files = append(l.files, path)
		l.checkHeader(ps, ps.root, false)
		l.compose(ps, ps.root, depth+1)
		l.document(ps, ps.root)
	}
}

func briefErr(err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return "no such file"
	}
	return err.Error()
}

// document reads one file's definitions, imports and topology.
func (l *loader) document(s *source, root *yaml.Node) {
	repos := map[string]string{}
	for _, p := range l.pairs(s, l.lookup(s, root, "repositories")) {
		v := resolve(p.value)
		if u, ok := scalarString(v); ok {
			repos[p.key.Value] = u
			continue
		}
		if u, ok := scalarString(l.lookup(s, v, "url")); ok {
			repos[p.key.Value] = u
			continue
		}
		l.diags = append(l.diags, s.errorf(p.key, "Invalid repository", "The repository %q needs a url.", p.key.Value))
	}
	l.imports(s, l.lookup(s, root, "imports"), repos)
	l.parseDefinitions(s, root, l.local)
	if tt := l.lookup(s, root, "topology_template"); tt != nil {
		l.t.add(l, s, tt)
	}
}

// Embedded type catalogues, by name.
//
//go:embed types/*.yaml
var typeFiles embed.FS

var catalogs struct {
	once   sync.Once
	byName map[string]*catalog
	diags  hcl.Diagnostics
}

// embeddedCatalog parses the embedded catalogues once; they are read-only
// afterwards and shared by every load.
func embeddedCatalog(name string) *catalog {
	catalogs.once.Do(func() {
		catalogs.byName = map[string]*catalog{}
		l := newLoader(Options{})
		entries, _ := typeFiles.ReadDir("types")
		for _, e := range entries {
			src, _ := typeFiles.ReadFile("types/" + e.Name())
			s, d := parseYAML("embedded:types/"+e.Name(), src)
			l.diags = append(l.diags, d...)
			if s == nil {
				continue
			}
			c := newCatalog()
			l.parseDefinitions(s, s.root, c)
			catalogs.byName[strings.TrimSuffix(e.Name(), ".yaml")] = c
		}
		catalogs.diags = l.diags
	})
	return catalogs.byName[name]
}

func (l *loader) useCatalog(name string) {
	if l.named[name] {
		return
	}
	c := embeddedCatalog(name)
	if c == nil {
		return
	}
	l.named[name] = true
	l.layers = append(l.layers, c)
}

// Well-known import URLs served from the embedded catalogues, so a
// template loads with no network.
var knownImports = []struct {
	re      *regexp.Regexp
	catalog string
}{
	{regexp.MustCompile(`^https?://(raw\.githubusercontent\.com|github\.com)/indigo-dc/tosca-types/(raw/|blob/)?[^/]+/custom_types\.ya?ml$`), "indigo"},
	{regexp.MustCompile(`^https?://(raw\.githubusercontent\.com|github\.com)/grycap/tosca/(raw/|blob/)?[^/]+/custom_types\.ya?ml$`), "grycap"},
	{regexp.MustCompile(`^https?://(raw\.githubusercontent\.com|github\.com)/grycap/ec3/(raw/|blob/)?[^/]+/tosca/custom_types\.ya?ml$`), "ec3"},
	{regexp.MustCompile(`^https?://.*/tosca-normative-types[^/]*\.ya?ml$`), "normative"},
	{regexp.MustCompile(`^https?://docs\.oasis-open\.org/tosca/.*\.ya?ml$`), "normative"},
}

// KnownImport reports which embedded catalogue an import URL maps to.
func KnownImport(url string) (string, bool) {
	for _, k := range knownImports {
		if k.re.MatchString(url) {
			return k.catalog, true
		}
	}
	return "", false
}

func (l *loader) imports(s *source, n *yaml.Node, repos map[string]string) {
	if isNull(n) {
		return
	}
	if !isSeq(n) {
		l.diags = append(l.diags, s.errorf(n, "Invalid imports", "imports must be a list of files or URLs, not %s.", kindName(n)))
		return
	}
	for _, it := range items(n) {
		var file, repo string
		at := it
		switch {
		case isScalar(it):
			file, _ = scalarString(it)
		case isMap(it):
			ps := l.pairs(s, it)
			if f := l.lookup(s, it, "file"); f != nil {
				file, _ = scalarString(f)
				repo, _ = scalarString(l.lookup(s, it, "repository"))
				at = f
				break
			}
			if len(ps) != 1 {
				l.diags = append(l.diags, s.errorf(it, "Invalid import", "An import is a file name, a URL, NAME: URL or NAME: {file: ..., repository: ...}."))
				continue
			}
			v := resolve(ps[0].value)
			at = v
			if str, ok := scalarString(v); ok {
				file = str
			} else {
				file, _ = scalarString(l.lookup(s, v, "file"))
				repo, _ = scalarString(l.lookup(s, v, "repository"))
			}
		default:
			l.diags = append(l.diags, s.errorf(it, "Invalid import", "An import is a file name, a URL, NAME: URL or NAME: {file: ..., repository: ...}, not %s.", kindName(it)))
			continue
		}
		if file == "" {
			l.diags = append(l.diags, s.errorf(at, "Invalid import", "The import names no file."))
			continue
		}
		if repo != "" {
			base, ok := repos[repo]
			if !ok {
				l.diags = append(l.diags, s.errorf(at, "Unknown repository", "The import uses the repository %q, which the template's repositories section does not define.", repo))
				continue
			}
			file = strings.TrimSuffix(base, "/") + "/" + strings.TrimPrefix(file, "/")
		}
		if strings.Contains(file, "://") {
			cat, ok := KnownImport(file)
			if !ok {
				l.diags = append(l.diags, s.errorf(at, "Remote import not supported",
					"indigo does not fetch imports over the network. %s is not one of the type definitions embedded in indigo (indigo-dc/tosca-types, grycap/tosca, grycap/ec3, the normative types). Download the file and import it by a path relative to this template.", file))
				continue
			}
			l.useCatalog(cat)
			continue
		}
		path := filepath.Join(filepath.Dir(s.name), filepath.FromSlash(file))
		if l.seen[filepath.Clean(path)] {
			continue
		}
		src, err := l.opts.read(path)
		if err != nil {
			l.diags = append(l.diags, s.errorf(at, "Imported file not found", "The import %s cannot be read (%v). Imports are resolved relative to the importing file.", file, briefErr(err)))
			continue
		}
		is, diags := parseYAML(path, src)
		l.diags = append(l.diags, diags...)
		if is == nil {
			continue
		}
		l.seen[filepath.Clean(path)] = true
		l.files = append(l.files, path)
		if !isMap(is.root) {
			l.diags = append(l.diags, is.errorf(is.root, "Invalid imported file", "An imported file is a TOSCA definitions document (a mapping), not %s.", kindName(is.root)))
			continue
		}
		l.checkHeader(is, is.root, false)
		l.document(is, is.root)
	}
}
