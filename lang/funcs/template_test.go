package funcs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/zclconf/go-cty/cty"
)

func obj(m map[string]cty.Value) cty.Value { return cty.ObjectVal(m) }

func TestTemplateFile(t *testing.T) {
	table := Table(Options{BaseDir: "testdata"})
	tf := table["templatefile"]
	ports := cty.MapVal(map[string]cty.Value{"http": cty.NumberIntVal(80), "https": cty.NumberIntVal(443)})
	vars := func(enabled bool, who cty.Value) cty.Value {
		return obj(map[string]cty.Value{"enabled": cty.BoolVal(enabled), "ports": ports, "who": who})
	}
	runCalls(t, tf, []callCase{
		{"directives", args(cty.StringVal("t.tpl"), vars(true, cty.StringVal("world"))),
			cty.StringVal("#!/bin/bash\nHTTP=80\nHTTPS=443\nHello, world!\n"), ""},
		{"if false", args(cty.StringVal("t.tpl"), vars(false, cty.StringVal("you"))),
			cty.StringVal("HTTP=80\nHTTPS=443\nHello, you!\n"), ""},
		{"map of vars", args(cty.StringVal("list.tpl"), cty.MapVal(map[string]cty.Value{"items": cty.StringVal("x")})), cty.StringVal("x"), ""},
		{"single interpolation keeps its type", args(cty.StringVal("list.tpl"), obj(map[string]cty.Value{"items": cty.ListVal(strs("a", "b"))})),
			cty.ListVal(strs("a", "b")), ""},
		{"unknown var", args(cty.StringVal("t.tpl"), vars(true, cty.UnknownVal(cty.String))), cty.UnknownVal(cty.String), ""},
		{"unknown vars", args(cty.StringVal("t.tpl"), cty.UnknownVal(cty.Map(cty.String))), cty.DynamicVal, ""},
		{"unknown path", args(cty.UnknownVal(cty.String), vars(true, cty.StringVal("x"))), cty.DynamicVal, ""},
		{"sensitive var used", args(cty.StringVal("t.tpl"), vars(true, sensitive(cty.StringVal("x")))),
			sensitive(cty.StringVal("#!/bin/bash\nHTTP=80\nHTTPS=443\nHello, x!\n")), ""},
		{"sensitive vars object", args(cty.StringVal("list.tpl"), sensitive(obj(map[string]cty.Value{"items": cty.StringVal("x")}))),
			sensitive(cty.StringVal("x")), ""},
		{"sensitive unknown vars keep the mark", args(cty.StringVal("list.tpl"), sensitive(cty.UnknownVal(cty.Map(cty.String)))),
			sensitive(cty.DynamicVal), ""},
		{"sensitive path", args(sensitive(cty.StringVal("list.tpl")), obj(map[string]cty.Value{"items": cty.StringVal("x")})),
			sensitive(cty.StringVal("x")), ""},
		{"missing variables", args(cty.StringVal("t.tpl"), obj(map[string]cty.Value{"who": cty.StringVal("x")})), cty.NilVal,
			`has no value for template variable "enabled" (at testdata/t.tpl:1,7-14), "ports" (at testdata/t.tpl:4,22-27)`},
		{"vars not a map", args(cty.StringVal("t.tpl"), cty.StringVal("x")), cty.NilVal, "must be a map or object of template variables"},
		{"bad variable name", args(cty.StringVal("list.tpl"), cty.MapVal(map[string]cty.Value{"1x": cty.True})), cty.NilVal, `"1x" cannot be a template variable name`},
		{"invalid template", args(cty.StringVal("bad.tpl"), obj(map[string]cty.Value{"who": cty.True})), cty.NilVal, "template is invalid: testdata/bad.tpl:1"},
		{"missing file", args(cty.StringVal("nope.tpl"), obj(nil)), cty.NilVal, "no file exists at testdata/nope.tpl"},
		{"no recursion", args(cty.StringVal("nested.tpl"), obj(nil)), cty.NilVal, "templatefile cannot be called from inside a template"},
		{"null vars", args(cty.StringVal("list.tpl"), cty.NullVal(cty.Map(cty.String))), cty.NilVal, "must not be null"},
	})
}

func TestTemplateFileSensitiveVarUnusedStaysClear(t *testing.T) {
	tf := Table(Options{BaseDir: "testdata"})["templatefile"]
	got, err := tf.Call(args(cty.StringVal("list.tpl"), obj(map[string]cty.Value{
		"items":  cty.StringVal("public"),
		"secret": sensitive(cty.StringVal("s")),
	})))
	if err != nil {
		t.Fatal(err)
	}
	if marks.Contains(got, marks.Sensitive) {
		t.Errorf("result %#v is marked sensitive though the template does not use the sensitive variable", got)
	}
}

func TestTemplateString(t *testing.T) {
	ts := Table(Options{})["templatestring"]
	runCalls(t, ts, []callCase{
		{"interpolation and functions", args(cty.StringVal(`%{ for x in xs }${upper(x)},%{ endfor }`), obj(map[string]cty.Value{"xs": cty.ListVal(strs("a", "b"))})),
			cty.StringVal("A,B,"), ""},
		{"literal", args(cty.StringVal("plain"), obj(nil)), cty.StringVal("plain"), ""},
		{"missing variable", args(cty.StringVal("${who}"), obj(nil)), cty.NilVal, `"who" (at <templatestring>:1,3-6)`},
		{"function failure", args(cty.StringVal(`${cidrhost("x", 1)}`), obj(nil)), cty.NilVal, "rendering the template"},
		{"no recursion", args(cty.StringVal(`${templatestring("a", {})}`), obj(nil)), cty.NilVal, "templatestring cannot be called from inside a template"},
	})
}

// TestTemplateFileCorpus renders a real EKS user-data template, with its
// %{ if } directives and ~ strip markers, as the aws-eks module calls it.
func TestTemplateFileCorpus(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "terraform", "aws-eks", "modules___user_data")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus not present at %s: %s", dir, err)
	}
	tf := Table(Options{BaseDir: dir})["templatefile"]
	got, err := tf.Call(args(cty.StringVal("templates/al2_user_data.tpl"), obj(map[string]cty.Value{
		"enable_bootstrap_user_data": cty.True,
		"pre_bootstrap_user_data":    cty.StringVal("echo pre\n"),
		"post_bootstrap_user_data":   cty.StringVal("echo post\n"),
		"cluster_name":               cty.StringVal("demo"),
		"cluster_endpoint":           cty.UnknownVal(cty.String),
		"cluster_auth_base64":        cty.StringVal("Q0E="),
		"cluster_ip_family":          cty.StringVal("ipv4"),
		"cluster_service_cidr":       cty.StringVal("172.20.0.0/16"),
		"bootstrap_extra_args":       cty.StringVal("--kubelet-extra-args x"),
	})))
	if err != nil {
		t.Fatal(err)
	}
	if got.IsKnown() {
		t.Fatalf("got known %#v though cluster_endpoint is unknown", got)
	}
	got, err = tf.Call(args(cty.StringVal("templates/al2_user_data.tpl"), obj(map[string]cty.Value{
		"enable_bootstrap_user_data": cty.False,
		"pre_bootstrap_user_data":    cty.StringVal("echo pre\n"),
		"post_bootstrap_user_data":   cty.StringVal(""),
		"cluster_name":               cty.StringVal("demo"),
		"cluster_endpoint":           cty.StringVal("https://k"),
		"cluster_auth_base64":        cty.StringVal("Q0E="),
		"cluster_ip_family":          cty.StringVal("ipv4"),
		"cluster_service_cidr":       cty.StringVal("172.20.0.0/16"),
		"bootstrap_extra_args":       cty.StringVal(""),
	})))
	if err != nil {
		t.Fatal(err)
	}
	if s := got.AsString(); s != "echo pre\n" || strings.Contains(s, "bootstrap.sh") {
		t.Errorf("with bootstrap disabled got %q, want only the pre-bootstrap script", s)
	}
}
