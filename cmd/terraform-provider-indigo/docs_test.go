package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/providers/indigo"
)

// The Terraform Registry layout: docs/index.md, docs/resources/NAME.md and
// docs/data-sources/NAME.md and docs/ephemeral-resources/NAME.md (NAME
// without the provider's prefix), and the examples they show,
// examples/provider/provider.tf, examples/resources/TYPE/resource.tf (+
// import.sh), examples/data-sources/TYPE/data-source.tf and
// examples/ephemeral-resources/TYPE/ephemeral-resource.tf.
const (
	docsDir     = "docs"
	examplesDir = "examples"
)

// TestRegistryDocs keeps docs/ in step with the provider's schemas: it
// renders every page from GetProviderSchema and the examples and compares;
// INDIGO_UPDATE=1 rewrites them. Every resource and data source must have an
// example, and every example must parse.
func TestRegistryDocs(t *testing.T) {
	resp, err := indigo.NewProtocol6Server("docs")().GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Fatalf("schema: %s: %s", d.Summary, d.Detail)
	}
	pages := map[string]string{}
	pages["index.md"] = providerPage(t, resp.Provider)
	for _, name := range sortedNames(resp.ResourceSchemas) {
		pages[filepath.Join("resources", strings.TrimPrefix(name, "indigo_")+".md")] = typePage(t, name, "Resource", resp.ResourceSchemas[name])
	}
	for _, name := range sortedNames(resp.DataSourceSchemas) {
		pages[filepath.Join("data-sources", strings.TrimPrefix(name, "indigo_")+".md")] = typePage(t, name, "Data Source", resp.DataSourceSchemas[name])
	}
	for _, name := range sortedNames(resp.EphemeralResourceSchemas) {
		pages[filepath.Join("ephemeral-resources", strings.TrimPrefix(name, "indigo_")+".md")] = typePage(t, name, "Ephemeral Resource", resp.EphemeralResourceSchemas[name])
	}
	var existing []string
	_ = filepath.WalkDir(docsDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(docsDir, p)
			existing = append(existing, rel)
		}
		return nil
	})
	for _, rel := range existing {
		if _, ok := pages[rel]; !ok {
			if testsrv.Updating() {
				os.Remove(filepath.Join(docsDir, rel))
			} else {
				t.Errorf("docs/%s documents nothing the provider has: run INDIGO_UPDATE=1 go test -run TestRegistryDocs ./cmd/terraform-provider-indigo", rel)
			}
		}
	}
	for _, rel := range slices.Sorted(mapsKeys(pages)) {
		testsrv.Golden(t, filepath.Join(docsDir, rel), []byte(pages[rel]))
	}
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func sortedNames(m map[string]*tfprotov6.Schema) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// example returns the example file's content, failing the test when it is
// missing or does not parse.
func example(t *testing.T, path string, required bool) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		if required {
			t.Errorf("no example %s: every resource and data source needs one (the Registry shows it)", path)
		}
		return ""
	}
	if strings.HasSuffix(path, ".tf") {
		if _, diags := hclparse.NewParser().ParseHCL(b, path); diags.HasErrors() {
			t.Errorf("example %s does not parse: %s", path, diags)
		}
	}
	return strings.TrimRight(string(b), "\n") + "\n"
}

func frontMatter(b *strings.Builder, title, desc string) {
	fmt.Fprintf(b, "---\npage_title: %q\nsubcategory: \"\"\ndescription: |-\n", title)
	for _, line := range strings.Split(firstSentence(desc), "\n") {
		fmt.Fprintf(b, "  %s\n", line)
	}
	b.WriteString("---\n\n")
}

// firstSentence is the page's summary for the Registry's listing.
func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i > 0 {
		return s[:i+1]
	}
	return s
}

func providerPage(t *testing.T, s *tfprotov6.Schema) string {
	var b strings.Builder
	frontMatter(&b, "indigo Provider", s.Block.Description)
	b.WriteString("# indigo Provider\n\n")
	b.WriteString(s.Block.Description + "\n\n")
	b.WriteString("The data source `indigo_placement` ranks sites with indigo's ranker; `indigo_deployment` (a TOSCA template or an indigo module) and " +
		"`indigo_storage` (storage with a QoS over S3 sites, with the access policies of `indigo_policy` and `indigo_group`) are planned and applied " +
		"by indigo's engine inside the provider, their indigo state kept in the backend of the `backend` block.\n\n")
	if ex := example(t, filepath.Join(examplesDir, "provider", "provider.tf"), true); ex != "" {
		b.WriteString("## Example Usage\n\n```terraform\n" + ex + "```\n\n")
	}
	writeSchema(&b, s.Block)
	return b.String()
}

func typePage(t *testing.T, name, kind string, s *tfprotov6.Schema) string {
	var b strings.Builder
	frontMatter(&b, fmt.Sprintf("%s %s - indigo", name, kind), s.Block.Description)
	fmt.Fprintf(&b, "# %s (%s)\n\n%s\n\n", name, kind, s.Block.Description)
	dir, file := "resources", "resource.tf"
	switch kind {
	case "Data Source":
		dir, file = "data-sources", "data-source.tf"
	case "Ephemeral Resource":
		dir, file = "ephemeral-resources", "ephemeral-resource.tf"
	}
	if ex := example(t, filepath.Join(examplesDir, dir, name, file), true); ex != "" {
		b.WriteString("## Example Usage\n\n```terraform\n" + ex + "```\n\n")
	}
	writeSchema(&b, s.Block)
	if imp := example(t, filepath.Join(examplesDir, dir, name, "import.sh"), false); imp != "" {
		b.WriteString("\n## Import\n\nImport is supported using the following syntax:\n\n```shell\n" + imp + "```\n")
	}
	return b.String()
}

// nested is a nested attribute or block documented in its own section.
type nested struct {
	anchor, path string
	attrs        []*tfprotov6.SchemaAttribute
	blocks       []*tfprotov6.SchemaNestedBlock
}

func writeSchema(b *strings.Builder, blk *tfprotov6.SchemaBlock) {
	b.WriteString("## Schema\n\n")
	queue := writeAttrs(b, "", blk.Attributes, blk.BlockTypes)
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		fmt.Fprintf(b, "\n<a id=\"%s\"></a>\n### Nested Schema for `%s`\n\n", n.anchor, n.path)
		queue = append(queue, writeAttrs(b, n.path+".", n.attrs, n.blocks)...)
	}
}

// writeAttrs writes the Required, Optional and Read-Only lists and returns
// the nested sections to write after them.
func writeAttrs(b *strings.Builder, prefix string, attrs []*tfprotov6.SchemaAttribute, blocks []*tfprotov6.SchemaNestedBlock) []nested {
	type line struct{ name, text string }
	groups := map[string][]line{}
	var queue []nested
	for _, a := range attrs {
		group := "Read-Only"
		switch {
		case a.Required:
			group = "Required"
		case a.Optional:
			group = "Optional"
		}
		typ := typeName(a.Type)
		anchor := "nestedatt--" + strings.ReplaceAll(prefix+a.Name, ".", "--")
		desc := a.Description
		if a.Sensitive {
			desc += " Sensitive: never shown in plans."
		}
		if a.NestedType != nil {
			typ = nestingName(a.NestedType.Nesting)
			desc += fmt.Sprintf(" (see [below for nested schema](#%s))", anchor)
			queue = append(queue, nested{anchor: anchor, path: prefix + a.Name, attrs: a.NestedType.Attributes})
		}
		groups[group] = append(groups[group], line{a.Name, fmt.Sprintf("- `%s` (%s) %s", a.Name, typ, strings.TrimSpace(desc))})
	}
	for _, nb := range blocks {
		anchor := "nestedblock--" + strings.ReplaceAll(prefix+nb.TypeName, ".", "--")
		group := "Optional"
		if nb.MinItems > 0 {
			group = "Required"
		}
		groups[group] = append(groups[group], line{nb.TypeName, fmt.Sprintf("- `%s` (Block, %s) %s (see [below for nested schema](#%s))",
			nb.TypeName, blockNesting(nb.Nesting), strings.TrimSpace(nb.Block.Description), anchor)})
		queue = append(queue, nested{anchor: anchor, path: prefix + nb.TypeName, attrs: nb.Block.Attributes, blocks: nb.Block.BlockTypes})
	}
	for _, g := range []string{"Required", "Optional", "Read-Only"} {
		ls := groups[g]
		if len(ls) == 0 {
			continue
		}
		sort.Slice(ls, func(i, j int) bool { return ls[i].name < ls[j].name })
		fmt.Fprintf(b, "### %s\n\n", g)
		for _, l := range ls {
			b.WriteString(l.text + "\n")
		}
		b.WriteString("\n")
	}
	sort.SliceStable(queue, func(i, j int) bool { return queue[i].path < queue[j].path })
	return queue
}

func nestingName(n tfprotov6.SchemaObjectNestingMode) string {
	switch n {
	case tfprotov6.SchemaObjectNestingModeList:
		return "Attributes List"
	case tfprotov6.SchemaObjectNestingModeSet:
		return "Attributes Set"
	case tfprotov6.SchemaObjectNestingModeMap:
		return "Attributes Map"
	}
	return "Attributes"
}

func blockNesting(n tfprotov6.SchemaNestedBlockNestingMode) string {
	switch n {
	case tfprotov6.SchemaNestedBlockNestingModeList:
		return "List"
	case tfprotov6.SchemaNestedBlockNestingModeSet:
		return "Set"
	case tfprotov6.SchemaNestedBlockNestingModeMap:
		return "Map"
	}
	return "Optional"
}

// typeName writes a type as the Registry's pages do: String, Number,
// List of String, Map of Number, Object.
func typeName(t tftypes.Type) string {
	switch {
	case t == nil:
		return "Object"
	case t.Is(tftypes.String):
		return "String"
	case t.Is(tftypes.Number):
		return "Number"
	case t.Is(tftypes.Bool):
		return "Boolean"
	case t.Is(tftypes.DynamicPseudoType):
		return "Dynamic"
	case t.Is(tftypes.List{}):
		return "List of " + typeName(t.(tftypes.List).ElementType)
	case t.Is(tftypes.Set{}):
		return "Set of " + typeName(t.(tftypes.Set).ElementType)
	case t.Is(tftypes.Map{}):
		return "Map of " + typeName(t.(tftypes.Map).ElementType)
	}
	return "Object"
}

// TestRegistryExamplesValidate runs `terraform validate` over every
// example at once (their names do not clash), with this provider through
// dev_overrides: the examples use the schemas' real attributes.
func TestRegistryExamplesValidate(t *testing.T) {
	tf := terraformBinary(t)
	tmp := t.TempDir()
	plugins, work := filepath.Join(tmp, "plugins"), filepath.Join(tmp, "work")
	for _, d := range []string{plugins, work} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	buildProvider(t, plugins)
	n := 0
	err := filepath.WalkDir(examplesDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".tf") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		writeFile(t, filepath.Join(work, fmt.Sprintf("example%02d.tf", n)), string(b))
		return nil
	})
	if err != nil || n == 0 {
		t.Fatalf("reading the examples: %v (%d found)", err, n)
	}
	rc := filepath.Join(tmp, "cli.rc")
	writeFile(t, rc, fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"indigo-cloud/indigo\" = %q\n  }\n  direct {}\n}\n", plugins))
	cmd := exec.Command(tf, "validate", "-no-color")
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "Success!") {
		t.Fatalf("terraform validate of the examples: %v\n%s", err, out)
	}
}
