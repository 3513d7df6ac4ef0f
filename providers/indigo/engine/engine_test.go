package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclwrite"
)

var threeSites = []siteSpec{
	{Name: "cnaf", Location: "IT", SLA: map[string]string{"cpus": "64", "memory": "256GiB", "availability": "0.999"}, Cost: map[string]float64{"cpu_hour": 0.02}},
	{Name: "desy", Location: "DE", SLA: map[string]string{"cpus": "32", "memory": "128GiB", "availability": "0.99"}},
	{Name: "tiny", Location: "DE", SLA: map[string]string{"cpus": "2", "memory": "8GiB"}, Shares: map[string]float64{"physics": 0.5}},
}

func TestRankSites(t *testing.T) {
	pl, diags := rankSites(context.Background(), "analysis", threeSites,
		placementSpec{Prefer: []string{"desy"}, Require: map[string]string{"cpus": "8", "memory": "16GiB"}, Group: "physics"}, "", nil)
	if diags.HasError() {
		t.Fatal(diags)
	}
	r := pl.Ranking
	if r.Chosen != "desy" || len(r.Scored) != 3 || r.Scored[0].Site != "desy" || r.Scored[1].Site != "cnaf" || !r.Scored[2].Rejected {
		t.Fatalf("ranking = %+v", r)
	}
	var m placementModel
	if d := m.setResult(pl); d.HasError() {
		t.Fatal(d)
	}
	if !strings.Contains(m.Explanation.ValueString(), "# deployment.analysis will be placed on site desy") {
		t.Errorf("explanation:\n%s", m.Explanation.ValueString())
	}
	if got := len(m.Ranked.Elements()); got != 2 {
		t.Errorf("%d ranked sites, want 2", got)
	}
}

func TestRankSitesErrors(t *testing.T) {
	_, diags := rankSites(context.Background(), "analysis", threeSites, placementSpec{Candidates: []string{"nowhere"}}, "", nil)
	if !diags.HasError() {
		t.Fatal("a candidate that names no site is accepted")
	}
	_, diags = rankSites(context.Background(), "analysis", threeSites[2:], placementSpec{Require: map[string]string{"cpus": "100"}}, "", nil)
	if !diags.HasError() || !strings.Contains(diags[0].Detail(), "cpus") {
		t.Fatalf("no site fits, yet: %v", diags)
	}
}

func TestGeneratedSiteQuotes(t *testing.T) {
	f := hclwrite.NewEmptyFile()
	writeSite(f.Body(), siteSpec{Name: "a", Location: `IT"; evil = "x`, SLA: map[string]string{"memory": "16GiB", "cpus": "8"}})
	got := string(f.Bytes())
	if !strings.Contains(got, `location = "IT\"; evil = \"x"`) || !strings.Contains(got, "cpus   = 8") || !strings.Contains(got, `memory = "16GiB"`) {
		t.Fatalf("generated site:\n%s", got)
	}
}

func TestValidIDAndIdent(t *testing.T) {
	for id, ok := range map[string]bool{"app": true, "a.b-c_1": true, "": false, ".hidden": false, "a/b": false, "a b": false, strings.Repeat("x", 129): false} {
		if validID(id) != ok {
			t.Errorf("validID(%q) = %v", id, !ok)
		}
	}
	for id, want := range map[string]string{"app": "app", "a.b": "a_b", "1x": "o_1x"} {
		if got := ident(id); got != want {
			t.Errorf("ident(%q) = %q, want %q", id, got, want)
		}
	}
}

func BenchmarkPlacementRead(b *testing.B) {
	spec := placementSpec{Prefer: []string{"cnaf"}, Require: map[string]string{"cpus": "8", "memory": "16GiB"}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		pl, diags := rankSites(context.Background(), "analysis", threeSites, spec, "", nil)
		if diags.HasError() || pl.Ranking.Chosen == "" {
			b.Fatal(diags)
		}
		var m placementModel
		m.setResult(pl)
	}
}

// TestRankSitesFromModule ranks the site blocks of examples/placement
// (with their metrics files, group and ranking weights) plus one inline
// site.
func TestRankSitesFromModule(t *testing.T) {
	extra := []siteSpec{{Name: "delta", Location: "FR", SLA: map[string]string{"cpus": "1"}}}
	spec := placementSpec{Require: map[string]string{"cpus": "8", "memory": "16GiB"}, Group: "physics"}
	if _, diags := rankSites(context.Background(), "analysis", extra, spec, "../../../examples/placement", nil); !diags.HasError() ||
		!strings.Contains(diags[0].Detail(), `declares a deployment "analysis"`) {
		t.Errorf("a name the module uses is not refused: %v", diags)
	}
	pl, diags := rankSites(context.Background(), "job", extra, spec, "../../../examples/placement", nil)
	if diags.HasError() {
		t.Fatal(diags)
	}
	sites := map[string]bool{}
	for _, s := range pl.Ranking.Scored {
		sites[s.Site] = s.Rejected
	}
	if len(sites) != 4 || !sites["gamma"] || !sites["delta"] || sites["alpha"] || sites["beta"] {
		t.Fatalf("scored %v; want alpha and beta ranked, gamma and delta rejected", sites)
	}
	for _, s := range pl.Ranking.Scored {
		for _, n := range s.Notes {
			if strings.Contains(n, "no metrics source") && s.Site != "delta" {
				t.Errorf("site %s's metrics file was not read: %s", s.Site, n)
			}
		}
	}
}
