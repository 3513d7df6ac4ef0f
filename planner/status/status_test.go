package status

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/binding"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/planner/plan"
)

var archive = config.ObjectAddr{Kind: config.StorageKind, Name: "archive"}

func addr(typ, name string) config.InstanceAddr {
	return config.InstanceAddr{Module: ScopeOf(archive), Resource: config.ResourceAddr{Mode: config.ManagedMode, Type: typ, Name: name}}
}

func bucket(name string, objects int64) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"name": cty.StringVal(name), "objects": cty.NumberIntVal(objects), "bytes": cty.NumberIntVal(objects * 10),
		"tags": cty.MapVal(map[string]cty.Value{"secret": cty.StringVal("hunter2").Mark(marks.Sensitive)}),
	})
}

func replica(enabled, inSync bool, pending int64) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"enabled": cty.BoolVal(enabled), "in_sync": cty.BoolVal(inSync),
		"pending": cty.NumberIntVal(pending), "failed": cty.NumberIntVal(0),
	})
}

// TestBuild checks the verdict and its reasons for each way a storage on
// two s3 sites can stand.
func TestBuild(t *testing.T) {
	spec := Spec{Addr: archive, QoS: binding.QoS{Copies: 2}, Sites: map[string]Site{"a": {Kind: "s3", Location: "IT"}, "b": {Kind: "s3", Location: "DE"}}}
	noop := func(a config.InstanceAddr, v cty.Value, site string) *plan.ResourceChange {
		return &plan.ResourceChange{Addr: a, Action: plan.NoOp, Before: v, After: v, Site: site}
	}
	healthy := func() []*plan.ResourceChange {
		return []*plan.ResourceChange{
			noop(addr("indigo_s3_bucket", "bucket_a"), bucket("indigo-archive-a", 3), "a"),
			noop(addr("indigo_s3_bucket", "bucket_b"), bucket("indigo-archive-b", 3), "b"),
			noop(addr("indigo_s3_replication", "replica_b"), replica(true, true, 0), "a"),
		}
	}
	tests := []struct {
		name    string
		changes func() []*plan.ResourceChange
		drift   []*plan.ResourceChange
		sites   []string
		want    Verdict
		reasons []string
	}{
		{name: "holds", changes: healthy, sites: []string{"a", "b"}, want: Holds},
		{name: "pending replication", sites: []string{"a", "b"}, want: InTransition,
			reasons: []string{"replication to b is pending: 2 objects on the way"},
			changes: func() []*plan.ResourceChange {
				c := healthy()
				c[2] = noop(c[2].Addr, replica(true, true, 2), "a")
				return c
			}},
		{name: "replica missing objects", sites: []string{"a", "b"}, want: Broken,
			reasons: []string{"replica b is missing 2 objects that replication will not deliver (storage.archive.indigo_s3_replication.replica_b)"},
			drift:   []*plan.ResourceChange{{Addr: addr("indigo_s3_replication", "replica_b"), Before: replica(true, true, 0), After: replica(true, false, 0)}},
			changes: func() []*plan.ResourceChange {
				c := healthy()
				c[1] = noop(c[1].Addr, bucket("indigo-archive-b", 1), "b")
				c[2] = &plan.ResourceChange{Addr: c[2].Addr, Action: plan.Update, Before: replica(true, false, 0), After: replica(true, true, 0), Site: "a"}
				return c
			}},
		{name: "copy added", sites: []string{"a", "b"}, want: InTransition,
			reasons: []string{"the bucket on site b is not created yet"},
			changes: func() []*plan.ResourceChange {
				c := healthy()[:1]
				ty := bucket("x", 0).Type()
				return append(c, &plan.ResourceChange{Addr: addr("indigo_s3_bucket", "bucket_b"), Action: plan.Create, Before: cty.NullVal(ty), After: bucket("indigo-archive-b", 0), Site: "b"})
			}},
		{name: "bucket gone", sites: []string{"a", "b"}, want: Broken,
			reasons: []string{"the bucket on site b is gone"},
			drift:   []*plan.ResourceChange{{Addr: addr("indigo_s3_bucket", "bucket_b"), Before: bucket("indigo-archive-b", 3), After: cty.NullVal(bucket("x", 0).Type())}},
			changes: func() []*plan.ResourceChange {
				c := healthy()
				c[1] = &plan.ResourceChange{Addr: c[1].Addr, Action: plan.Create, Before: cty.NullVal(bucket("x", 0).Type()), After: bucket("indigo-archive-b", 0), Site: "b"}
				return c
			}},
		{name: "a tier's bucket is not the copy's", sites: []string{"a", "b"}, want: InTransition,
			reasons: []string{"the bucket tier_tape_a on site a is not created yet"},
			changes: func() []*plan.ResourceChange {
				c := healthy()
				ty := bucket("x", 0).Type()
				// The tier of a's copy keeps its data in a bucket on b.
				return append(c, &plan.ResourceChange{Addr: addr("indigo_s3_bucket", "tier_tape_a"), Action: plan.Create, Before: cty.NullVal(ty), After: bucket("indigo-archive-b-tier-tape", 0), Site: "b"})
			}},
		{name: "one site for two copies", changes: func() []*plan.ResourceChange { return healthy()[:1] }, sites: []string{"a"}, want: Broken,
			reasons: []string{"2 copies are asked for, but only 1 site(s) can take one"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &plan.Plan{Changes: tt.changes(), Drift: tt.drift, Placements: []*plan.Placement{{Addr: archive, Sites: tt.sites}}}
			rep := Build([]Spec{spec}, p, map[config.ObjectAddr][]string{archive: tt.sites})
			st := rep.Storages[0]
			var got []string
			for _, r := range st.Reasons {
				got = append(got, r.Message)
			}
			if st.Verdict != tt.want || rep.Holds() != (tt.want == Holds) {
				t.Errorf("verdict %s, want %s; reasons %q", st.Verdict, tt.want, got)
			}
			if len(got) != len(tt.reasons) {
				t.Fatalf("reasons %q, want %q", got, tt.reasons)
			}
			for _, cp := range st.Copies {
				if cp.Holder != "indigo-archive-"+cp.Site {
					t.Errorf("the copy on %s is held in %q", cp.Site, cp.Holder)
				}
			}
			for i, want := range tt.reasons {
				if !strings.Contains(got[i], want) {
					t.Errorf("reason %d is %q, want it to say %q", i, got[i], want)
				}
			}
		})
	}
}

// TestUnmarkedDropsSensitive: what the report reads of a value never
// holds a sensitive part.
func TestUnmarkedDropsSensitive(t *testing.T) {
	v := unmarked(bucket("indigo-archive-a", 1))
	if secret := v.GetAttr("tags").Index(cty.StringVal("secret")); !secret.IsNull() {
		t.Errorf("the sensitive tag reads %#v, want null", secret)
	}
	if stringAttr(v, "name") != "indigo-archive-a" {
		t.Errorf("the bucket's name was lost: %#v", v)
	}
}
