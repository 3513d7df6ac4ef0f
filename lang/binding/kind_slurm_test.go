package binding

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/tosca"
)

// loadCorpus loads a template of the shared corpus, skipping when the
// corpus is absent; vars are its inputs' defaults, for evaluating what
// the binding made of them.
func loadCorpus(t *testing.T, rel string) (map[string]*config.Component, map[string]cty.Value) {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "corpus", "tosca", "templates", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("the shared corpus is not here (%v)", err)
	}
	m, diags := tosca.Load(p, tosca.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	vars := map[string]cty.Value{}
	for name, v := range m.Variables {
		if v.Default != cty.NilVal {
			vars[name] = v.Default
		}
	}
	return m.Components, vars
}

// eval evaluates a generated argument with the template's inputs.
func eval(t *testing.T, body hcl.Body, name string, vars map[string]cty.Value) cty.Value {
	t.Helper()
	a := body.(*hclsyntax.Body).Attributes[name]
	if a == nil {
		t.Fatalf("no argument %s", name)
	}
	ctx := &hcl.EvalContext{
		Functions: map[string]function.Function{"join": stdlib.JoinFunc, "merge": stdlib.MergeFunc},
		Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)},
	}
	v, diags := a.Expr.Value(ctx)
	if diags.HasErrors() {
		t.Fatalf("evaluating %s: %s", name, diags.Error())
	}
	return v
}

var slurmSite = Site{Name: "hpc", Kind: "slurm", ProviderLocalName: "indigo", ProviderAlias: "hpc",
	Settings: cty.ObjectVal(map[string]cty.Value{
		"conf": cty.NullVal(cty.String), "partition": cty.StringVal("batch"),
		"account": cty.StringVal("galaxy"), "work_dir": cty.NullVal(cty.String),
	})}

// TestSlurmQcgJob: INDIGO's QCG job example becomes one indigo_slurm_job
// with its command, directory, resources, queue and output file.
func TestSlurmQcgJob(t *testing.T) {
	comps, vars := loadCorpus(t, "tosca-types/qcg-job.yaml")
	r := realise(t, comps, "qcg_job", slurmSite)
	res := resource(t, r, "indigo_slurm_job", "qcg_job")
	want := map[string]cty.Value{
		"name":       cty.StringVal("qcg_job"),
		"script":     cty.StringVal("cd \"${HOME}\" || exit 1\nprintenv\n"),
		"cpus":       cty.NumberIntVal(2),
		"memory":     cty.StringVal("1024M"),
		"time_limit": cty.StringVal("00:02:00"),
		"partition":  cty.StringVal("standard"), // the template's queue wins over the site's
		"account":    cty.StringVal("galaxy"),
		"output":     cty.StringVal("log.txt"),
		"error":      cty.StringVal("log.txt"),
		"gpus":       cty.NumberIntVal(0),
	}
	for name, w := range want {
		if got := eval(t, res.Config, name, vars); !got.RawEquals(w) {
			t.Errorf("%s = %#v, want %#v", name, got, w)
		}
	}
	if env := eval(t, res.Config, "environment", vars); !env.Type().IsObjectType() || env.GetAttr("NUM_GPUS").AsBigFloat().String() != "0" {
		t.Errorf("environment = %#v", env)
	}
	for _, a := range []string{"job_id", "state", "exit_code", "output_path", "stdout"} {
		if r.Attributes[a] == nil {
			t.Errorf("the component has no attribute %s", a)
		}
	}
}

// TestSlurmChronosJobs: Chronos jobs become jobs that run their image
// rootless, the second after its parent job.
func TestSlurmChronosJobs(t *testing.T) {
	comps, vars := loadCorpus(t, "orchestrator/chronos_2_jobs.yaml")
	r := realise(t, comps, "chronos_job_upload", slurmSite)
	res := resource(t, r, "indigo_slurm_job", "chronos_job_upload")
	if s := eval(t, res.Config, "script", vars).AsString(); !strings.Contains(s, "umoci unpack --rootless") || !strings.Contains(s, "proot") {
		t.Errorf("script:\n%s", s)
	}
	env := eval(t, res.Config, "environment", vars)
	if env.GetAttr("INDIGO_IMAGE").AsString() != "indigodatacloud/jobuploader" || env.GetAttr("INDIGO_COMMAND").AsString() != "/bin/bash command.sh" {
		t.Errorf("environment = %#v", env)
	}
	var after []string
	for _, d := range res.DependsOn {
		after = append(after, d.RootName()+"."+d[1].(hcl.TraverseAttr).Name)
	}
	if !strings.Contains(strings.Join(after, " "), "component.chronos_job") {
		t.Errorf("depends on %v, want component.chronos_job", after)
	}
	first := resource(t, realise(t, comps, "chronos_job", slurmSite), "indigo_slurm_job", "chronos_job")
	if got := eval(t, first.Config, "memory", vars); got.AsString() != "977M" {
		t.Errorf("memory from the runtime's 1024 MB = %#v, want 977M", got)
	}
}

// TestSlurmNoBinding: what is not a job has no binding on a Slurm site.
func TestSlurmNoBinding(t *testing.T) {
	comps := loadApp(t)
	for name := range comps {
		if _, diags := Realise(comps[name], comps, slurmSite); !diags.HasErrors() && comps[name].Type != "tosca.nodes.indigo.Container.Runtime.Docker" {
			t.Errorf("%s (%s) was realised on a slurm site", name, comps[name].Type)
		}
	}
}
