package binding

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// kindsMarkdown is the table of docs/sites.md, from the registry.
func kindsMarkdown() string {
	var b strings.Builder
	b.WriteString("| kind | what it is | default provider | holds storage |\n| --- | --- | --- | --- |\n")
	for _, k := range Kinds() {
		storage := "no"
		if k.Storage != nil {
			storage = "yes"
		}
		fmt.Fprintf(&b, "| `%s` | %s | `%s` | %s |\n", k.Name, k.Doc, k.DefaultProvider.String(), storage)
	}
	for _, k := range Kinds() {
		fmt.Fprintf(&b, "\n### `%s` settings\n\n", k.Name)
		if len(k.Settings) == 0 {
			b.WriteString("None: a `settings` block on such a site is an error.\n")
			continue
		}
		b.WriteString("| setting | type | required | what it is |\n| --- | --- | --- | --- |\n")
		for _, s := range k.Settings {
			req := "no"
			if s.Required {
				req = "yes"
			}
			doc := s.Doc
			if s.Sensitive {
				doc += " (sensitive)"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", s.Name, typeName(s.Type), req, doc)
		}
	}
	return b.String()
}

func typeName(t cty.Type) string {
	return t.FriendlyNameForConstraint()
}

// TestSitesDocMatchesKinds keeps docs/sites.md's table of kinds generated
// from the registry.
func TestSitesDocMatchesKinds(t *testing.T) {
	const path = "../../docs/sites.md"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	begin, end := "<!-- kinds:begin -->\n", "<!-- kinds:end -->"
	i, j := strings.Index(string(doc), begin), strings.Index(string(doc), end)
	if i < 0 || j < i {
		t.Fatalf("%s has no %q ... %q section", path, begin, end)
	}
	want := string(doc[:i+len(begin)]) + kindsMarkdown() + string(doc[j:])
	if want == string(doc) {
		return
	}
	if testsrv.Updating() {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is out of date with the registry of kinds: run INDIGO_UPDATE=1 go test ./lang/binding", path)
}

// TestBindingTableMatchesKinds checks docs/tosca.md's binding table
// against the kinds' rules: its columns are the kinds that have rules, and
// a cell says "no binding" exactly when the kind has no rule for the row's
// types.
func TestBindingTableMatchesKinds(t *testing.T) {
	f, err := os.Open("../../docs/tosca.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tick := regexp.MustCompile("`([A-Za-z.]+)`")
	var kinds []string
	rows := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "| type (and derived) |") {
			for _, cell := range cells(line)[1:] {
				kinds = append(kinds, tick.FindStringSubmatch(cell)[1])
			}
			var registered []string
			for _, k := range Kinds() {
				if len(k.Rules) > 0 {
					registered = append(registered, k.Name)
				}
			}
			if !slices.Equal(slices.Sorted(slices.Values(kinds)), registered) {
				t.Errorf("the binding table's kinds are %v, the registry's %v", kinds, registered)
			}
			continue
		}
		if kinds == nil || !strings.HasPrefix(line, "| `") {
			continue
		}
		if strings.TrimSpace(line) == "" {
			break
		}
		cs := cells(line)
		var types []string
		for _, m := range tick.FindAllStringSubmatch(cs[0], -1) {
			typ := m[1]
			if !strings.HasPrefix(typ, "tosca.") {
				typ = "tosca.nodes." + typ
			}
			types = append(types, typ)
		}
		rows++
		for i, kindName := range kinds {
			k, _ := Lookup(kindName)
			// "as its parent type": no rule of its own, the parent's applies.
			none := strings.TrimSpace(cs[i+1]) == "no binding" || strings.HasPrefix(cs[i+1], "as its parent type")
			for _, typ := range types {
				has := slices.ContainsFunc(k.Rules, func(r Rule) bool { return r.Type == typ })
				if has == none {
					t.Errorf("docs/tosca.md says %s on %s sites: %q, but the kind has a rule: %v", typ, kindName, cs[i+1], has)
				}
			}
		}
	}
	if rows < 5 {
		t.Errorf("found only %d rows of the binding table", rows)
	}
	// Every rule is in the table.
	var all []string
	for _, k := range Kinds() {
		for _, r := range k.Rules {
			all = append(all, r.Type)
		}
	}
	docText, _ := os.ReadFile("../../docs/tosca.md")
	for _, typ := range slices.Compact(slices.Sorted(slices.Values(all))) {
		short := strings.TrimPrefix(typ, "tosca.nodes.")
		if !strings.Contains(string(docText), "`"+typ+"`") && !strings.Contains(string(docText), "`"+short+"`") {
			t.Errorf("the binding table does not mention %s", typ)
		}
	}
}

func cells(line string) []string {
	parts := strings.Split(strings.Trim(line, "| "), " | ")
	return parts
}
