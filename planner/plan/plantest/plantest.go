// Package plantest holds the sample plans that the tests of the plan
// file encoding (planner/planfile) and of the JSON views
// (cmd/indigo/view/jsonplan) share, so that their golden files, their
// fuzz seed corpus and their round trips all describe the same plan.
//
// It is for tests only: nothing outside a _test.go file imports it.
package plantest

import (
	"fmt"
	"maps"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/planner/rank"
)

// Secret is a value that must never appear in any rendering of a plan.
const Secret = "hunter2-s3cr3t"

var fileType = cty.Object(map[string]cty.Type{
	"id":      cty.String,
	"content": cty.String,
	"mode":    cty.Number,
	"tags":    cty.Map(cty.String),
	"ports":   cty.List(cty.Number),
	"groups":  cty.Set(cty.String),
	"auth": cty.Object(map[string]cty.Type{
		"user":     cty.String,
		"password": cty.String,
	}),
	"extra": cty.DynamicPseudoType,
})

func fileVal(id, content string, attrs map[string]cty.Value) cty.Value {
	m := map[string]cty.Value{
		"id":      cty.StringVal(id),
		"content": cty.StringVal(content),
		"mode":    cty.NumberIntVal(420),
		"tags":    cty.MapVal(map[string]cty.Value{"team": cty.StringVal("cms")}),
		"ports":   cty.ListVal([]cty.Value{cty.NumberIntVal(80), cty.NumberIntVal(443)}),
		"groups":  cty.SetVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")}),
		"auth": cty.ObjectVal(map[string]cty.Value{
			"user":     cty.StringVal("admin"),
			"password": cty.StringVal(Secret).Mark(marks.Sensitive),
		}),
		"extra": cty.NullVal(cty.DynamicPseudoType),
	}
	maps.Copy(m, attrs)
	return cty.ObjectVal(m)
}

// Inst returns the address of a managed resource instance in the root
// module.
func Inst(typ, name string, key config.InstanceKey) config.InstanceAddr {
	return config.InstanceAddr{Resource: config.ResourceAddr{Mode: config.ManagedMode, Type: typ, Name: name}, Key: key}
}

var indigoProvider = config.ProviderConfigAddr{Provider: config.BuiltinProvider}

// Sample returns a plan that uses every action, unknown, null and nested
// sensitive values, placements, drift, notes and variables. Changing it
// changes golden files and the fuzz seed corpus: regenerate them with
// INDIGO_UPDATE=1 and review the diff.
func Sample() *plan.Plan {
	web := config.ModuleInstance("").Child(config.DeploymentStep, "web", config.NoKey)
	var changes []*plan.ResourceChange
	actions := []plan.Action{plan.NoOp, plan.Create, plan.Read, plan.Update, plan.DeleteThenCreate, plan.CreateThenDelete, plan.Delete, plan.Forget}
	for i, a := range actions {
		addr := Inst("indigo_file", a.String(), config.IntKey(i))
		c := &plan.ResourceChange{
			Addr: addr, PrevAddr: addr, Provider: indigoProvider, Action: a, Type: fileType, SchemaVersion: 2,
			Before: fileVal("id-"+a.String(), "old\ntext\n", nil),
			After:  fileVal("id-"+a.String(), "new\ntext\n", map[string]cty.Value{"id": cty.UnknownVal(cty.String)}),
		}
		switch a {
		case plan.Create, plan.Read:
			c.Before = cty.NullVal(fileType)
		case plan.Delete, plan.Forget:
			c.After = cty.NullVal(fileType)
		}
		changes = append(changes, c)
	}
	changes[1].Addr.Key = config.StringKey("a \"quoted\" key")
	changes[1].PrevAddr = changes[1].Addr
	changes[3].PrevAddr = Inst("indigo_file", "old_name", config.NoKey)
	changes[3].Importing = &plan.Importing{ID: "imported-id"}
	changes[4].Reason = plan.ReasonCannotUpdate
	changes[4].RequiredReplace = []cty.Path{
		cty.GetAttrPath("content"),
		cty.GetAttrPath("tags").Index(cty.StringVal("team")),
		cty.GetAttrPath("ports").Index(cty.NumberIntVal(1)),
	}
	changes[4].Addr.Module = web
	changes[4].PrevAddr.Module = web
	changes[4].Site = "cnaf"
	changes[4].Private = []byte{0, 1, 2, 0xff}
	changes[4].Dependencies = []config.AbsResource{
		{Resource: config.ResourceAddr{Mode: config.DataMode, Type: "indigo_site", Name: "x"}},
		{Module: web, Resource: config.ResourceAddr{Mode: config.ManagedMode, Type: "indigo_file", Name: "y"}},
	}
	changes[4].PriorDependencies = []config.AbsResource{
		{Resource: config.ResourceAddr{Mode: config.DataMode, Type: "indigo_site", Name: "x"}},
	}
	changes[5].CreateBeforeDestroy = true
	changes[5].Reason = plan.ReasonTainted
	changes[6].DeposedKey = "0a1b2c3d"
	changes[6].Reason = plan.ReasonNoResourceConfig
	// A wholly unknown after, and a change without a schema type.
	changes[2].After = cty.UnknownVal(fileType)
	changes = append(changes, &plan.ResourceChange{
		Addr: Inst("other_thing", "dyn", config.NoKey), Provider: config.ProviderConfigAddr{
			Module:   config.ModulePath("module.net"),
			Provider: config.Provider{Hostname: config.DefaultRegistry, Namespace: "hashicorp", Type: "other"}, Alias: "west",
		},
		Action: plan.Update,
		Before: cty.ObjectVal(map[string]cty.Value{"n": cty.NumberFloatVal(1.5)}),
		After:  cty.ObjectVal(map[string]cty.Value{"n": cty.NumberFloatVal(2.25).Mark(marks.Sensitive)}),
	})

	return &plan.Plan{
		Mode:    plan.NormalMode,
		Changes: changes,
		Outputs: []*plan.OutputChange{
			{Name: "url", Action: plan.Create, Before: cty.NullVal(cty.DynamicPseudoType), After: cty.StringVal("https://x")},
			{Name: "password", Action: plan.Update, Sensitive: true, Before: cty.StringVal("old-" + Secret).Mark(marks.Sensitive), After: cty.StringVal(Secret).Mark(marks.Sensitive)},
			{Name: "later", Action: plan.Update, Before: cty.NumberIntVal(1), After: cty.UnknownVal(cty.Number)},
		},
		Placements: []*plan.Placement{{
			Addr:     config.ObjectAddr{Kind: config.DeploymentKind, Name: "web"},
			Sites:    []string{"cnaf"},
			Previous: []string{"bari"},
			Fallback: true,
			Ranking: rank.Ranking{
				Component: "deployment.web", Chosen: "cnaf", Copies: []string{"cnaf"},
				Outcome: rank.OutcomeMoved, Reason: "bari no longer has room",
				Scored: []rank.Scored{
					{Site: "cnaf", Location: "IT", Score: 0.75, Parts: []rank.Part{
						{Criterion: rank.Preference, Raw: 1, Normalized: 1, Weight: 3, Contribution: 0.5, Note: "1st of 1 preferred"},
						{Criterion: rank.Cost, Raw: 432.16, Normalized: 0.5, Weight: 1, Contribution: 0.25, Note: "432.16 a month"},
					}, Notes: []string{"no metrics source"}},
					{Site: "bari", Location: "IT", Rejected: true, Reasons: []string{"needs 16 cpus, 8 left under the SLA"}},
				},
			},
		}},
		Drift: []*plan.ResourceChange{{
			Addr: Inst("indigo_file", "drifted", config.NoKey), Provider: indigoProvider, Action: plan.Update, Reason: plan.ReasonRefreshDrift,
			Type: fileType, Before: fileVal("d", "a", nil), After: fileVal("d", "b", nil),
		}},
		Notes:        []plan.Note{{Subject: "deployment.web", Summary: "configure step not executed", Detail: "kept for ordering"}},
		PriorLineage: "1f0b4a8e-0000-4000-8000-000000000001",
		PriorSerial:  42,
		ConfigDigest: "sha256:abcdef",
		Variables: map[string]cty.Value{
			"region":  cty.StringVal("eu"),
			"token":   cty.StringVal(Secret).Mark(marks.Sensitive),
			"nested":  cty.ObjectVal(map[string]cty.Value{"k": cty.ListVal([]cty.Value{cty.StringVal(Secret).Mark(marks.Sensitive)})}),
			"nothing": cty.NullVal(cty.String),
		},
		Targets:   []string{"indigo_file.a"},
		Replace:   []string{"indigo_file.b"},
		Timestamp: time.Date(2025, 3, 1, 12, 30, 0, 123456789, time.UTC),
		Applyable: true,
	}
}

// Big is n updates of the sample resource type, for benchmarks.
func Big(n int) *plan.Plan {
	p := &plan.Plan{}
	for i := range n {
		a := Inst("indigo_file", fmt.Sprintf("f%d", i), nil)
		p.Changes = append(p.Changes, &plan.ResourceChange{
			Addr: a, PrevAddr: a, Provider: indigoProvider, Action: plan.Update, Type: fileType,
			Before: fileVal(fmt.Sprint(i), "before", nil), After: fileVal(fmt.Sprint(i), "after", nil),
		})
	}
	return p
}
