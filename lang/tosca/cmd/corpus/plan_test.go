package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/binding"
	"github.com/indigo-cloud/indigo/lang/tosca"
)

// corpusTemplates is the shared corpus as make corpus finds it, or skips.
func corpusTemplates(t *testing.T) string {
	t.Helper()
	dir := findCorpus()
	if _, err := os.Stat(dir); err != nil {
		t.Skip("the shared TOSCA corpus (../shared/corpus/tosca/templates) is not here; skipping")
	}
	return dir
}

// expectedLocalPlanFailures are the corpus templates that load, need no
// input and still do not plan on a local site, with the summary of the
// first error. Each was looked at by hand.
var expectedLocalPlanFailures = map[string]string{
	"grycap-im/faas.yml":                           "No binding",                 // OSCAR function: made through the OSCAR API, not by a site
	"grycap-im/tosca_oscar_host.yml":               "No binding",                 // the same
	"grycap-im/tosca_radiomics.yaml":               "No binding",                 // the same
	"grycap-tosca/faas_function.yaml":              "No binding",                 // the same
	"grycap-tosca/oscar_function.yaml":             "No binding",                 // the same
	"grycap-tosca/ai4eoscvm.yaml":                  "Invalid index",              // public_address[5000]: a port written as an index
	"grycap-tosca/kubernetes_ha.yaml":              "Invalid index",              // public_address[1]: a local host has one address
	"grycap-tosca/dataset_dts.yaml":                "No binding",                 // tosca.nodes.StorageSystem
	"grycap-tosca/glusterfs.yml":                   "Dependency cycle",           // the volume reads its server's address, the server requires the volume
	"tosca-types/slurm_glusterfs.yml":              "Dependency cycle",           // the same
	"grycap-tosca/htcondor_cluster.yml":            "Invalid value for variable", // fe_mem's default is not among its valid_values
	"grycap-tosca/pulsar.yml":                      "Invalid value for variable", // its child: the same
	"orchestrator/tosca_onedata_requirements.yaml": "No binding",                 // a Onedata space, provisioned by the orchestrator
	"tosca-types/indigo_grid_job.yaml":             "No binding",                 // batch jobs: the next issue's
	"tosca-types/qcg-job.yaml":                     "No binding",                 // the same
}

// TestCorpusPlansLocally plans every corpus template that loads and needs
// no input on a local site; the list of those that do not plan must not
// change unnoticed.
func TestCorpusPlansLocally(t *testing.T) {
	root := corpusTemplates(t)
	local, ok := binding.Lookup("local")
	if !ok {
		t.Fatal("no local kind registered")
	}
	planned := 0
	got := map[string]bool{}
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		m, diags := tosca.Load(p, tosca.Options{})
		if diags.HasErrors() || m == nil || needsInput(m) != "" {
			return nil
		}
		pd := plan(m, corpusSite(local))
		if !pd.HasErrors() {
			planned++
			if _, listed := expectedLocalPlanFailures[rel]; listed {
				t.Errorf("%s now plans on a local site: remove it from expectedLocalPlanFailures", rel)
			}
			return nil
		}
		got[rel] = true
		var first string
		for _, d := range pd {
			if d.Severity == hcl.DiagError {
				first = d.Summary + ": " + d.Detail
				break
			}
		}
		want, listed := expectedLocalPlanFailures[rel]
		switch {
		case !listed:
			t.Errorf("%s does not plan on a local site: %s", rel, first)
		case !strings.HasPrefix(first, want):
			t.Errorf("%s: first plan error %q, want %q", rel, first, want)
		}
		return nil
	})
	for rel := range expectedLocalPlanFailures {
		if !got[rel] {
			t.Logf("%s: listed as not planning, but it does or no longer loads", rel)
		}
	}
	t.Logf("%d corpus templates plan on a local site", planned)
}
