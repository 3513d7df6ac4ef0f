package funcs

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/zclconf/go-cty/cty"
)

// TestDocsListExactlyTheFunctions keeps docs/functions.md in step with the
// table: every function is documented, and nothing documented is missing.
func TestDocsListExactlyTheFunctions(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "docs", "functions.md"))
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]int{}
	for _, m := range regexp.MustCompile("(?m)^- `([a-z0-9]+)\\(").FindAllStringSubmatch(string(src), -1) {
		documented[m[1]]++
	}
	for _, name := range Names() {
		switch documented[name] {
		case 0:
			t.Errorf("%s is in the table but not in docs/functions.md", name)
		case 1:
		default:
			t.Errorf("%s is listed %d times in docs/functions.md", name, documented[name])
		}
		delete(documented, name)
	}
	for name := range documented {
		t.Errorf("docs/functions.md lists %s, which the table does not provide", name)
	}
}

func TestNamesAndTable(t *testing.T) {
	names := Names()
	if !sort.StringsAreSorted(names) {
		t.Errorf("Names() is not sorted: %v", names)
	}
	table := Table(Options{})
	if len(table) != 2*len(names) {
		t.Errorf("Table has %d entries, want %d names and their core:: aliases", len(table), 2*len(names))
	}
	for _, name := range names {
		if _, ok := table[name]; !ok {
			t.Errorf("Table lacks %s", name)
		}
		if _, ok := table["core::"+name]; !ok {
			t.Errorf("Table lacks core::%s", name)
		}
	}
	// Tables are independent: changing one leaves the next alone.
	delete(table, "upper")
	if _, ok := Table(Options{})["upper"]; !ok {
		t.Error("deleting from one table changed another")
	}
}

func TestPureOnly(t *testing.T) {
	plan := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, pure := range []bool{false, true} {
		table := Table(Options{PureOnly: pure, PlanTimestamp: plan})
		for _, call := range []struct {
			name string
			args []cty.Value
		}{
			{"timestamp", nil},
			{"uuid", nil},
			{"bcrypt", args(cty.StringVal("pw"), cty.NumberIntVal(4))},
		} {
			got, err := table[call.name].Call(call.args)
			if err != nil {
				t.Fatalf("%s: %s", call.name, err)
			}
			if got.IsKnown() == pure || got.Type() != cty.String {
				t.Errorf("PureOnly=%v: %s() = %#v", pure, call.name, got)
			}
		}
		got, err := table["plantimestamp"].Call(nil)
		if err != nil || !got.RawEquals(cty.StringVal("2025-01-02T03:04:05Z")) {
			t.Errorf("PureOnly=%v: plantimestamp() = %#v, %v; want the plan's time", pure, got, err)
		}
	}
}

// evalCase is an HCL expression evaluated with the function table.
type evalCase struct {
	expr string
	want cty.Value
	err  string
}

func evalContext(opts Options) *hcl.EvalContext {
	return &hcl.EvalContext{
		Functions: Table(opts),
		Variables: map[string]cty.Value{
			"m": cty.MapVal(map[string]cty.Value{"k": cty.StringVal("v"), "other": cty.StringVal("o")}),
			"each": cty.ObjectVal(map[string]cty.Value{
				"value": cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("fw")}),
			}),
			"secret":  cty.ListVal(strs("a", "b")).Mark(marks.Sensitive),
			"unknown": cty.UnknownVal(cty.String),
		},
	}
}

func evalExpr(ctx *hcl.EvalContext, src string) (cty.Value, hcl.Diagnostics) {
	expr, diags := hclsyntax.ParseExpression([]byte(src), "test.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	return expr.Value(ctx)
}

func TestEvalHCLExpressions(t *testing.T) {
	ctx := evalContext(Options{BaseDir: "testdata", PlanTimestamp: time.Date(2031, 7, 1, 0, 0, 0, 0, time.UTC)})
	cases := []evalCase{
		{`cidrsubnet("10.0.0.0/16", 8, 2)`, cty.StringVal("10.0.2.0/24"), ""},
		{`cidrsubnets("10.0.0.0/16", 8, 8)`, cty.ListVal(strs("10.0.0.0/24", "10.0.1.0/24")), ""},
		{`templatefile("t.tpl", { enabled = true, ports = { ssh = 22 }, who = "hcl" })`, cty.StringVal("#!/bin/bash\nSSH=22\nHello, hcl!\n"), ""},
		{`try(fileset(null, "*.yaml"), [])`, cty.EmptyTupleVal, ""},
		{`try(fileset(unknown, "*.yaml"), [])`, cty.DynamicVal, ""},
		{`fileset(".", "*.tpl")`, cty.SetVal(strs("bad.tpl", "list.tpl", "nested.tpl", "t.tpl")), ""},
		{`yamldecode(file("data.yaml")).ports[1]`, cty.NumberIntVal(443), ""},
		{`lookup(m, "k")`, cty.StringVal("v"), ""},
		{`lookup(m, "nope", "default")`, cty.StringVal("default"), ""},
		{`lookup(each.value, "name")`, cty.StringVal("fw"), ""},
		{`can(lookup(each.value, "log_config"))`, cty.False, ""},
		{`try(lookup(each.value, "log_config"), null)`, cty.NullVal(cty.DynamicPseudoType), ""},
		{`coalesce(null, "", "x")`, cty.StringVal("x"), ""},
		{`length(secret)`, cty.NumberIntVal(2).Mark(marks.Sensitive), ""},
		{`nonsensitive(secret)[0]`, cty.StringVal("a"), ""},
		{`issensitive(secret)`, cty.True, ""},
		{`replace("a-b-c", "/-/", "_")`, cty.StringVal("a_b_c"), ""},
		{`tolist(toset(["b", "a", "b"]))`, cty.ListVal(strs("a", "b")), ""},
		{`alltrue([for x in [1, 2] : x > 0])`, cty.True, ""},
		{`one([])`, cty.NullVal(cty.DynamicPseudoType), ""},
		{`sum([1, 2.5])`, cty.NumberFloatVal(3.5), ""},
		{`startswith("ami-${unknown}", "ami-")`, cty.True, ""},
		{`jsonencode({ a = [1, 2] })`, cty.StringVal(`{"a":[1,2]}`), ""},
		{`formatdate("YYYY-MM", plantimestamp())`, cty.StringVal("2031-07"), ""},
		{`core::upper("x")`, cty.StringVal("X"), ""},
		{`index(["a", "b"], "b")`, cty.NumberIntVal(1), ""},
		{`transpose({ a = ["x"], b = ["x"] })`, cty.MapVal(map[string]cty.Value{"x": cty.ListVal(strs("a", "b"))}), ""},
		{`list("a")`, cty.NilVal, `There is no function named "list"`},
		{`cidrhost("10.0.0.0/24", 300)`, cty.NilVal, "has no host numbered 300"},
		{`file("missing.txt")`, cty.NilVal, "no file exists at testdata/missing.txt"},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			got, diags := evalExpr(ctx, c.expr)
			if c.err != "" {
				if !diags.HasErrors() || !strings.Contains(diags.Error(), c.err) {
					t.Fatalf("got %#v, %v; want an error containing %q", got, diags, c.err)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			assertValue(t, got, c.want)
		})
	}
}

// TestTableConcurrentUse evaluates through one table from many goroutines,
// as indigo serve will; run with -race.
func TestTableConcurrentUse(t *testing.T) {
	ctx := evalContext(Options{BaseDir: "testdata"})
	const src = `[templatefile("t.tpl", { enabled = false, ports = {}, who = "x" }), length(fileset(".", "*.tpl")), cidrsubnet("10.0.0.0/8", 8, 3)]`
	want := cty.TupleVal([]cty.Value{cty.StringVal("Hello, x!\n"), cty.NumberIntVal(4), cty.StringVal("10.3.0.0/16")})
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				got, diags := evalExpr(ctx, src)
				if diags.HasErrors() || !got.RawEquals(want) {
					errs <- fmt.Sprintf("got %#v, %v", got, diags)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestFunctionErrorsPointAtTheArgument checks that an argument error is
// reported on the argument's own source range, which is what lets hcl show
// the user where the problem is.
func TestFunctionErrorsPointAtTheArgument(t *testing.T) {
	_, diags := evalExpr(evalContext(Options{}), `cidrsubnet("10.0.0.0/16", 8, 999)`)
	if len(diags) != 1 {
		t.Fatalf("got %d diagnostics, want 1: %v", len(diags), diags)
	}
	subj := diags[0].Subject
	if subj == nil || subj.Start.Column != 30 || subj.End.Column != 33 {
		t.Fatalf("diagnostic %q is at %v, want the third argument (columns 30-33)", diags[0].Error(), subj)
	}
}

// TestCorpusFunctionsExist checks that every function the real Terraform
// configurations of the shared corpus call is in the table.
func TestCorpusFunctionsExist(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..", "..", "shared", "corpus", "terraform")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("corpus not present at %s: %s", root, err)
	}
	table := Table(Options{})
	seen := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".tf" {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, diags := hclsyntax.ParseConfig(src, p, hcl.InitialPos)
		if diags.HasErrors() {
			t.Errorf("parsing %s: %s", p, diags.Error())
			return nil
		}
		hclsyntax.VisitAll(f.Body.(*hclsyntax.Body), func(n hclsyntax.Node) hcl.Diagnostics {
			if call, ok := n.(*hclsyntax.FunctionCallExpr); ok {
				seen[call.Name] = true
			}
			return nil
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Type constraint keywords parse as calls too; they are not functions.
	for _, kw := range []string{"list", "map", "set", "object", "tuple", "optional"} {
		delete(seen, kw)
	}
	if len(seen) < 70 {
		t.Errorf("found only %d distinct functions in the corpus; the walk is broken", len(seen))
	}
	for name := range seen {
		if _, ok := table[name]; !ok {
			t.Errorf("the corpus calls %s, which the table lacks", name)
		}
	}
}

// BenchmarkEvalExpression evaluates a for expression of the kind network
// modules are made of: per-subnet CIDR arithmetic, lookups with defaults,
// string tests and a merge.
func BenchmarkEvalExpression(b *testing.B) {
	src := `{
  for i, name in names : name => merge(defaults, {
    cidr    = cidrsubnet(base, 8, i)
    gateway = cidrhost(cidrsubnet(base, 8, i), 1)
    zone    = lookup(zones, name, "default")
    public  = startswith(name, "public")
    label   = coalesce(lookup(labels, name, ""), upper(replace(name, "/-/", "_")))
  })
}`
	expr, diags := hclsyntax.ParseExpression([]byte(src), "bench.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	names := make([]cty.Value, 32)
	for i := range names {
		if i%2 == 0 {
			names[i] = cty.StringVal("public-" + string(rune('a'+i%26)) + string(rune('a'+i/26)))
		} else {
			names[i] = cty.StringVal("private-" + string(rune('a'+i%26)) + string(rune('a'+i/26)))
		}
	}
	ctx := &hcl.EvalContext{
		Functions: Table(Options{}),
		Variables: map[string]cty.Value{
			"names":    cty.ListVal(names),
			"base":     cty.StringVal("10.0.0.0/16"),
			"zones":    cty.MapVal(map[string]cty.Value{"public-aa": cty.StringVal("eu-1a")}),
			"labels":   cty.MapVal(map[string]cty.Value{"private-ba": cty.StringVal("db")}),
			"defaults": cty.ObjectVal(map[string]cty.Value{"ipv6": cty.False}),
		},
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, diags := expr.Value(ctx); diags.HasErrors() {
			b.Fatal(diags.Error())
		}
	}
}

// BenchmarkTable measures building a function table, which an evaluator
// does once per module scope.
func BenchmarkTable(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		_ = Table(Options{BaseDir: "."})
	}
}
