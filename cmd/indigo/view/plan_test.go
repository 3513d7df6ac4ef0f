package view

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/planner/rank"
)

// secret must never appear in any rendered output.
const secret = "hunter2-s3cr3t"

// checkGolden compares got with testdata/name (testsrv.Golden).
func checkGolden(t *testing.T, name string, got string) {
	t.Helper()
	testsrv.Golden(t, filepath.Join("testdata", name), []byte(got))
}

func addr(s string) config.InstanceAddr {
	a, diags := config.ParseInstanceAddr(s)
	if diags.HasErrors() {
		panic(diags.Error())
	}
	return a
}

var indigoProvider = config.ProviderConfigAddr{Provider: config.BuiltinProvider}

var fileType = cty.Object(map[string]cty.Type{
	"id":       cty.String,
	"path":     cty.String,
	"content":  cty.String,
	"mode":     cty.String,
	"size":     cty.Number,
	"readonly": cty.Bool,
})

var serviceType = cty.Object(map[string]cty.Type{
	"id":      cty.String,
	"name":    cty.String,
	"command": cty.List(cty.String),
	"env":     cty.Map(cty.String),
	"ports":   cty.Set(cty.Number),
	"limits": cty.Object(map[string]cty.Type{
		"cpus":   cty.Number,
		"memory": cty.String,
	}),
	"volumes": cty.List(cty.Object(map[string]cty.Type{
		"source": cty.String,
		"target": cty.String,
	})),
	"password": cty.String,
	"policy":   cty.String,
})

func obj(ty cty.Type, attrs map[string]cty.Value) cty.Value {
	m := map[string]cty.Value{}
	for n, at := range ty.AttributeTypes() {
		if v, ok := attrs[n]; ok {
			m[n] = v
		} else {
			m[n] = cty.NullVal(at)
		}
	}
	return cty.ObjectVal(m)
}

func strs(ss ...string) cty.Value {
	vs := make([]cty.Value, len(ss))
	for i, s := range ss {
		vs[i] = cty.StringVal(s)
	}
	return cty.ListVal(vs)
}

func change(a string, action plan.Action, ty cty.Type, before, after cty.Value) *plan.ResourceChange {
	ad := addr(a)
	return &plan.ResourceChange{Addr: ad, PrevAddr: ad, Provider: indigoProvider, Action: action, Type: ty, Before: before, After: after}
}

func volume(src, dst string) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{"source": cty.StringVal(src), "target": cty.StringVal(dst)})
}

func service(cmd ...string) cty.Value {
	return obj(serviceType, map[string]cty.Value{
		"id":       cty.StringVal("svc-1"),
		"name":     cty.StringVal("app"),
		"command":  strs(cmd...),
		"env":      cty.MapVal(map[string]cty.Value{"MODE": cty.StringVal("prod"), "LOG": cty.StringVal("info")}),
		"ports":    cty.SetVal([]cty.Value{cty.NumberIntVal(80), cty.NumberIntVal(443)}),
		"limits":   cty.ObjectVal(map[string]cty.Value{"cpus": cty.NumberIntVal(2), "memory": cty.StringVal("4GiB")}),
		"volumes":  cty.ListVal([]cty.Value{volume("/data", "/srv/data"), volume("/logs", "/var/log")}),
		"password": cty.StringVal(secret).Mark(marks.Sensitive),
		"policy":   cty.StringVal(`{"Version":"1","Statement":[{"Effect":"Allow","Action":["s3:GetObject"]}]}`),
	})
}

func samplePlacement() *plan.Placement {
	return &plan.Placement{
		Addr:     config.ObjectAddr{Kind: config.DeploymentKind, Name: "web"},
		Sites:    []string{"cnaf"},
		Previous: []string{"bari"},
		Fallback: true,
		Ranking: rank.Ranking{
			Component: "deployment.web", Chosen: "cnaf", Copies: []string{"cnaf"},
			Outcome: rank.OutcomeMoved, Reason: "bari is now rejected; cnaf has the best score of the 2 site(s) that can take it",
			Scored: []rank.Scored{
				{Site: "cnaf", Location: "IT", Score: 0.666, Parts: []rank.Part{
					{Criterion: rank.Preference, Raw: 1, Normalized: 1, Weight: 3, Contribution: 0.273, Note: "1st of 1 preferred"},
					{Criterion: rank.Availability, Raw: 0.998, Normalized: 0.54, Weight: 2, Contribution: 0.098, Note: "99.8% observed"},
					{Criterion: rank.Latency, Raw: 35, Normalized: 0.59, Weight: 1, Contribution: 0.053, Note: "35 ms observed"},
					{Criterion: rank.FreeCapacity, Raw: 0.08, Normalized: 0.08, Weight: 2, Contribution: 0.015, Note: "32 of 400 cpus left"},
					{Criterion: rank.Cost, Raw: 432.16, Normalized: 0.5, Weight: 1, Contribution: 0.045, Note: "432.16 a month"},
					{Criterion: rank.Locality, Weight: 0, Note: "does not apply: reads no placed data"},
				}},
				{Site: "aws_eu", Location: "IE", Score: 0.2, Parts: []rank.Part{
					{Criterion: rank.Preference, Weight: 3, Note: "not preferred"},
					{Criterion: rank.Availability, Raw: 0.9997, Normalized: 0.7, Weight: 2, Contribution: 0.128, Note: "99.97% observed"},
					{Criterion: rank.Latency, Raw: 28, Normalized: 0.63, Weight: 1, Contribution: 0.058, Note: "28 ms observed"},
					{Criterion: rank.FreeCapacity, Weight: 2, Note: "no SLA"},
					{Criterion: rank.Cost, Raw: 1700, Normalized: 0.14, Weight: 1, Contribution: 0.013, Note: "1700 a month"},
					{Criterion: rank.Locality, Weight: 0},
				}, Notes: []string{"no metrics source: availability from the SLA, latency unknown"}},
				{Site: "bari", Location: "IT", Rejected: true, Reasons: []string{"needs 16 cpus, 8 left under the SLA"}},
				{Site: "desy", Location: "DE", Rejected: true, Reasons: []string{"lacks capability gpu", "location DE is not one of IT, IE"}},
			},
		},
	}
}

func render(t *testing.T, p *plan.Plan, opts PlanOptions) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Plan(&buf, p, opts); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, secret) {
		t.Errorf("the secret appears in the plan output:\n%s", out)
	}
	return out
}

func TestPlanGolden(t *testing.T) {
	fileA := obj(fileType, map[string]cty.Value{
		"id": cty.StringVal("1234"), "path": cty.StringVal("/etc/motd"), "content": cty.StringVal("old"),
		"mode": cty.StringVal("0644"), "size": cty.NumberIntVal(3), "readonly": cty.False,
	})
	fileB := obj(fileType, map[string]cty.Value{
		"id": cty.StringVal("1234"), "path": cty.StringVal("/etc/motd"), "content": cty.StringVal("new"),
		"mode": cty.StringVal("0644"), "size": cty.NumberIntVal(3), "readonly": cty.False,
	})
	long := func(change string) string {
		var b strings.Builder
		for i := 1; i <= 12; i++ {
			if i == 6 {
				b.WriteString(change + "\n")
				continue
			}
			b.WriteString("line " + string(rune('a'+i)) + " of the configuration file\n")
		}
		return b.String()
	}
	web := "deployment.web."
	tests := []struct {
		name string
		plan *plan.Plan
		opts PlanOptions
	}{
		{"create", &plan.Plan{Changes: []*plan.ResourceChange{
			change("indigo_file.a", plan.Create, fileType, cty.NullVal(fileType), obj(fileType, map[string]cty.Value{
				"path": cty.StringVal("/tmp/a"), "content": cty.StringVal("hello"), "id": cty.UnknownVal(cty.String),
				"size": cty.UnknownVal(cty.Number), "readonly": cty.True,
			})),
		}}, PlanOptions{}},
		{"update_nested", &plan.Plan{Changes: []*plan.ResourceChange{
			change(web+"indigo_service.app", plan.Update, serviceType, service("run", "--fast"), func() cty.Value {
				v := service("run", "--fast", "--verbose")
				m := v.AsValueMap()
				m["env"] = cty.MapVal(map[string]cty.Value{"MODE": cty.StringVal("staging"), "LOG": cty.StringVal("info"), "NEW": cty.StringVal("1")})
				m["ports"] = cty.SetVal([]cty.Value{cty.NumberIntVal(80), cty.NumberIntVal(8443)})
				m["limits"] = cty.ObjectVal(map[string]cty.Value{"cpus": cty.NumberIntVal(4), "memory": cty.StringVal("4GiB")})
				m["volumes"] = cty.ListVal([]cty.Value{volume("/data", "/srv/data2"), volume("/logs", "/var/log"), volume("/cache", "/tmp")})
				m["policy"] = cty.StringVal(`{"Version":"1","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"]}]}`)
				return cty.ObjectVal(m)
			}()),
			change("indigo_file.b", plan.Update, fileType, fileA, fileB),
		}}, PlanOptions{}},
		{"replace", &plan.Plan{Changes: []*plan.ResourceChange{
			func() *plan.ResourceChange {
				c := change(web+"indigo_service.app", plan.DeleteThenCreate, serviceType, service("old"), func() cty.Value {
					m := service("new").AsValueMap()
					m["id"] = cty.UnknownVal(cty.String)
					return cty.ObjectVal(m)
				}())
				c.Reason = plan.ReasonCannotUpdate
				c.RequiredReplace = []cty.Path{cty.GetAttrPath("command")}
				return c
			}(),
			func() *plan.ResourceChange {
				c := change("indigo_file.t", plan.CreateThenDelete, fileType, fileA, fileA)
				c.Reason = plan.ReasonTainted
				return c
			}(),
			func() *plan.ResourceChange {
				c := change("indigo_file.r", plan.DeleteThenCreate, fileType, fileA, fileA)
				c.Reason = plan.ReasonRequested
				return c
			}(),
			func() *plan.ResourceChange {
				c := change("indigo_file.trig", plan.DeleteThenCreate, fileType, fileA, fileB)
				c.Reason = plan.ReasonReplaceTriggered
				return c
			}(),
			func() *plan.ResourceChange {
				c := change("indigo_file.p", plan.DeleteThenCreate, fileType, fileA, fileB)
				c.RequiredReplace = []cty.Path{cty.GetAttrPath("content")}
				return c
			}(),
		}}, PlanOptions{}},
		{"delete", &plan.Plan{Changes: []*plan.ResourceChange{
			func() *plan.ResourceChange {
				c := change("indigo_file.gone", plan.Delete, fileType, fileA, cty.NullVal(fileType))
				c.Reason = plan.ReasonNoResourceConfig
				return c
			}(),
			func() *plan.ResourceChange {
				c := change("indigo_file.n[3]", plan.Delete, fileType, fileA, cty.NullVal(fileType))
				c.Reason = plan.ReasonCountIndex
				return c
			}(),
			func() *plan.ResourceChange {
				c := change(`indigo_file.m["x"]`, plan.Delete, fileType, fileA, cty.NullVal(fileType))
				c.Reason = plan.ReasonEachKey
				return c
			}(),
			func() *plan.ResourceChange {
				c := change("module.old.indigo_file.x", plan.Delete, fileType, fileA, cty.NullVal(fileType))
				c.Reason = plan.ReasonNoModule
				return c
			}(),
			func() *plan.ResourceChange {
				c := change("indigo_file.cbd", plan.Delete, fileType, fileA, cty.NullVal(fileType))
				c.DeposedKey = "0a1b2c3d"
				return c
			}(),
			func() *plan.ResourceChange {
				c := change(web+"indigo_service.app", plan.Delete, serviceType, service("run"), cty.NullVal(serviceType))
				c.Site = "cnaf"
				return c
			}(),
		}}, PlanOptions{}},
		{"read", &plan.Plan{Changes: []*plan.ResourceChange{
			func() *plan.ResourceChange {
				c := change("data.indigo_site.x", plan.Read, fileType, cty.NullVal(fileType), obj(fileType, map[string]cty.Value{
					"path": cty.StringVal("/x"), "id": cty.UnknownVal(cty.String), "content": cty.UnknownVal(cty.String),
				}))
				c.Reason = plan.ReasonReadConfigUnknown
				return c
			}(),
			func() *plan.ResourceChange {
				c := change("data.indigo_site.y", plan.Read, fileType, cty.NullVal(fileType), cty.UnknownVal(fileType))
				c.Reason = plan.ReasonReadDependency
				return c
			}(),
		}}, PlanOptions{}},
		{"sensitive", &plan.Plan{
			Changes: []*plan.ResourceChange{
				change("indigo_service.s", plan.Update, serviceType, service("x"), func() cty.Value {
					m := service("x").AsValueMap()
					m["password"] = cty.StringVal(secret + "-rotated").Mark(marks.Sensitive)
					m["env"] = cty.MapVal(map[string]cty.Value{"MODE": cty.StringVal("prod"), "LOG": cty.StringVal("info"), "TOKEN": cty.StringVal(secret).Mark(marks.Sensitive)})
					m["command"] = cty.ListVal([]cty.Value{cty.StringVal("x"), cty.StringVal(secret).Mark(marks.Sensitive)})
					return cty.ObjectVal(m)
				}()),
				change("indigo_service.new", plan.Create, serviceType, cty.NullVal(serviceType), service("a")),
				change("indigo_file.whole", plan.Update, fileType, fileA, fileB.Mark(marks.Sensitive)),
				change("indigo_file.multi", plan.Update, fileType, fileA, func() cty.Value {
					m := fileA.AsValueMap()
					m["content"] = cty.StringVal("line1\n" + secret + "\nline3\n").Mark(marks.Sensitive)
					return cty.ObjectVal(m)
				}()),
			},
			Outputs: []*plan.OutputChange{
				{Name: "password", Action: plan.Update, Sensitive: true, Before: cty.StringVal("old-" + secret), After: cty.StringVal(secret)},
				{Name: "nested", Action: plan.Create, Before: cty.NullVal(cty.DynamicPseudoType), After: cty.ObjectVal(map[string]cty.Value{"k": cty.StringVal(secret).Mark(marks.Sensitive), "u": cty.StringVal("user")})},
			},
		}, PlanOptions{ShowUnchanged: true}},
		{"unknowns", &plan.Plan{Changes: []*plan.ResourceChange{
			change("indigo_service.u", plan.Update, serviceType, service("x"), func() cty.Value {
				m := service("x").AsValueMap()
				m["id"] = cty.UnknownVal(cty.String)
				m["command"] = cty.UnknownVal(cty.List(cty.String))
				m["env"] = cty.MapVal(map[string]cty.Value{"MODE": cty.UnknownVal(cty.String), "LOG": cty.StringVal("info")})
				m["volumes"] = cty.ListVal([]cty.Value{volume("/data", "/srv/data"), cty.UnknownVal(cty.Object(map[string]cty.Type{"source": cty.String, "target": cty.String}))})
				return cty.ObjectVal(m)
			}()),
		}}, PlanOptions{}},
		// As Terraform 1.11.4 writes them: "# forces replacement" on the
		// first line of a heredoc; output names aligned with the unchanged
		// outputs' too; an output's map keys bare and its null attributes
		// shown.
		{"outputs_heredoc_replace", &plan.Plan{
			Changes: []*plan.ResourceChange{
				func() *plan.ResourceChange {
					c := change("indigo_file.h", plan.DeleteThenCreate, fileType,
						obj(fileType, map[string]cty.Value{"id": cty.StringVal("h"), "content": cty.StringVal("a\nb\n")}),
						obj(fileType, map[string]cty.Value{"id": cty.UnknownVal(cty.String), "content": cty.StringVal("a\nc\n")}))
					c.RequiredReplace = []cty.Path{cty.GetAttrPath("content")}
					return c
				}(),
			},
			Outputs: []*plan.OutputChange{
				{Name: "a_long_unchanged_name", Action: plan.NoOp, Before: cty.StringVal("x"), After: cty.StringVal("x")},
				{Name: "m", Action: plan.Create, Before: cty.NullVal(cty.DynamicPseudoType), After: cty.MapVal(map[string]cty.Value{"a": cty.StringVal("1"), "bb": cty.StringVal("2")})},
				{Name: "o", Action: plan.Create, Before: cty.NullVal(cty.DynamicPseudoType), After: cty.ObjectVal(map[string]cty.Value{"n": cty.NullVal(cty.String), "x": cty.NumberIntVal(1)})},
			},
		}, PlanOptions{}},
		{"multiline", &plan.Plan{Changes: []*plan.ResourceChange{
			change("indigo_file.conf", plan.Update, fileType,
				obj(fileType, map[string]cty.Value{"id": cty.StringVal("c"), "content": cty.StringVal(long("listen 80"))}),
				obj(fileType, map[string]cty.Value{"id": cty.StringVal("c"), "content": cty.StringVal(long("listen 8080\nssl on"))})),
			change("indigo_file.new", plan.Create, fileType, cty.NullVal(fileType),
				obj(fileType, map[string]cty.Value{"content": cty.StringVal("#!/bin/sh\necho ${HOME}\n")})),
			change("indigo_file.longline", plan.Update, fileType,
				obj(fileType, map[string]cty.Value{"id": cty.StringVal("l"), "content": cty.StringVal(strings.Repeat("abcdefghij", 9) + " old")}),
				obj(fileType, map[string]cty.Value{"id": cty.StringVal("l"), "content": cty.StringVal(strings.Repeat("abcdefghij", 9) + " new")})),
		}}, PlanOptions{}},
		{"placement", &plan.Plan{
			Changes: []*plan.ResourceChange{
				func() *plan.ResourceChange {
					c := change(web+"indigo_service.app", plan.DeleteThenCreate, serviceType, service("run"), func() cty.Value {
						m := service("run").AsValueMap()
						m["id"] = cty.UnknownVal(cty.String)
						return cty.ObjectVal(m)
					}())
					c.Reason = plan.ReasonPlacementMoved
					c.Site = "cnaf"
					return c
				}(),
				func() *plan.ResourceChange {
					c := change("storage.archive.indigo_bucket.copy[0]", plan.Create, fileType, cty.NullVal(fileType), obj(fileType, map[string]cty.Value{"path": cty.StringVal("archive"), "id": cty.UnknownVal(cty.String)}))
					c.Site = "cnaf_s3"
					return c
				}(),
			},
			Placements: []*plan.Placement{
				samplePlacement(),
				{
					Addr: config.ObjectAddr{Kind: config.StorageKind, Name: "archive"}, Sites: []string{"cnaf_s3", "desy_dcache"},
					Ranking: rank.Ranking{Component: "storage.archive", Chosen: "cnaf_s3", Copies: []string{"cnaf_s3", "desy_dcache"}, Outcome: rank.OutcomePlaced,
						Reason: "the 2 best-scored of 2 site(s)",
						Scored: []rank.Scored{
							{Site: "cnaf_s3", Score: 0.9, Parts: []rank.Part{{Criterion: rank.Cost, Weight: 1, Normalized: 0.9, Contribution: 0.9}}},
							{Site: "desy_dcache", Score: 0.5, Parts: []rank.Part{{Criterion: rank.Cost, Weight: 1, Normalized: 0.5, Contribution: 0.5}}},
						}},
				},
				{Addr: config.ObjectAddr{Kind: config.DeploymentKind, Name: "stuck"}, Ranking: rank.Ranking{Outcome: rank.OutcomeUnplaced, Reason: "no site passes the hard constraints",
					Scored: []rank.Scored{{Site: "bari", Rejected: true, Reasons: []string{"needs 1 gpus; the SLA grants none"}}}}},
			},
		}, PlanOptions{}},
		{"drift", &plan.Plan{
			Drift: []*plan.ResourceChange{
				change("indigo_file.b", plan.Update, fileType, fileA, fileB),
				change("indigo_file.lost", plan.Delete, fileType, fileA, cty.NullVal(fileType)),
			},
			Changes: []*plan.ResourceChange{change("indigo_file.b", plan.Update, fileType, fileB, fileA)},
		}, PlanOptions{}},
		{"outputs", &plan.Plan{Outputs: []*plan.OutputChange{
			{Name: "url", Action: plan.Create, Before: cty.NullVal(cty.DynamicPseudoType), After: cty.StringVal("https://web.example")},
			{Name: "count", Action: plan.Update, Before: cty.NumberIntVal(1), After: cty.NumberIntVal(2)},
			{Name: "gone", Action: plan.Delete, Before: cty.StringVal("bye"), After: cty.NullVal(cty.DynamicPseudoType)},
			{Name: "later", Action: plan.Update, Before: cty.StringVal("a"), After: cty.UnknownVal(cty.String)},
			{Name: "list", Action: plan.Create, Before: cty.NullVal(cty.DynamicPseudoType), After: strs("a", "b")},
			{Name: "same", Action: plan.NoOp, Before: cty.StringVal("x"), After: cty.StringVal("x")},
		}}, PlanOptions{}},
		{"no_changes", &plan.Plan{
			Changes: []*plan.ResourceChange{change("indigo_file.b", plan.NoOp, fileType, fileA, fileA)},
			Outputs: []*plan.OutputChange{{Name: "same", Action: plan.NoOp, Before: cty.StringVal("x"), After: cty.StringVal("x")}},
			Placements: []*plan.Placement{{Addr: config.ObjectAddr{Kind: config.DeploymentKind, Name: "web"}, Sites: []string{"cnaf"}, Previous: []string{"cnaf"},
				Ranking: rank.Ranking{Chosen: "cnaf", Outcome: rank.OutcomeKept}}},
		}, PlanOptions{}},
		{"moves_imports_forget", &plan.Plan{
			Changes: []*plan.ResourceChange{
				func() *plan.ResourceChange {
					c := change("indigo_file.renamed", plan.NoOp, fileType, fileA, fileA)
					c.PrevAddr = addr("indigo_file.original")
					return c
				}(),
				func() *plan.ResourceChange {
					c := change("indigo_file.moved_and_changed", plan.Update, fileType, fileA, fileB)
					c.PrevAddr = addr("module.old.indigo_file.x")
					return c
				}(),
				func() *plan.ResourceChange {
					c := change("indigo_file.imp", plan.NoOp, fileType, fileA, fileA)
					c.Importing = &plan.Importing{ID: "/etc/motd"}
					return c
				}(),
				func() *plan.ResourceChange {
					c := change("indigo_file.imp2", plan.Update, fileType, fileA, fileB)
					c.Importing = &plan.Importing{ID: "/etc/issue"}
					return c
				}(),
				change("indigo_file.kept", plan.Forget, fileType, fileA, cty.NullVal(fileType)),
			},
			Notes: []plan.Note{
				{Subject: "deployment.web", Summary: "deployment.web Standard.configure: not executed", Detail: "implementation playbooks/web.yml; kept in the plan so the order of configuration steps is visible."},
				{Summary: "a note without a subject"},
			},
		}, PlanOptions{}},
		{"refresh_only", &plan.Plan{Mode: plan.RefreshOnlyMode, Targets: []string{"indigo_file.b"},
			Drift: []*plan.ResourceChange{change("indigo_file.b", plan.Update, fileType, fileA, fileB)},
		}, PlanOptions{}},
		{"errored_destroy", &plan.Plan{Mode: plan.DestroyMode, Errored: true, Changes: []*plan.ResourceChange{
			change("indigo_file.a", plan.Delete, fileType, fileA, cty.NullVal(fileType)),
		}}, PlanOptions{NoLegend: true}},
		// A refresh-only plan that failed shows what the refresh found,
		// then says planning failed, as Terraform 1.11.4 does.
		{"errored_refresh_only", &plan.Plan{Mode: plan.RefreshOnlyMode, Errored: true,
			Drift: []*plan.ResourceChange{change("indigo_file.b", plan.Delete, fileType, fileA, cty.NullVal(fileType))},
		}, PlanOptions{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.plan.Timestamp = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
			checkGolden(t, filepath.Join("plan", tt.name+".txt"), render(t, tt.plan, tt.opts))
		})
	}
}

func TestPlanBasicShape(t *testing.T) {
	// The brief's own example, checked line by line rather than against a
	// golden file, so the shape Terraform users expect cannot drift.
	before := obj(fileType, map[string]cty.Value{"id": cty.StringVal("1234"), "content": cty.StringVal("old"), "mode": cty.StringVal("0644"), "size": cty.NumberIntVal(3)})
	after := obj(fileType, map[string]cty.Value{"id": cty.StringVal("1234"), "content": cty.StringVal("new"), "mode": cty.StringVal("0644"), "size": cty.NumberIntVal(3)})
	p := &plan.Plan{Changes: []*plan.ResourceChange{
		change("indigo_file.a", plan.Create, fileType, cty.NullVal(fileType), obj(fileType, map[string]cty.Value{"content": cty.StringVal("hello"), "id": cty.UnknownVal(cty.String)})),
		change("indigo_file.b", plan.Update, fileType, before, after),
	}}
	out := render(t, p, PlanOptions{NoLegend: true})
	want := `
indigo will perform the following actions:

  # indigo_file.a will be created
  + resource "indigo_file" "a" {
      + content = "hello"
      + id      = (known after apply)
    }

  # indigo_file.b will be updated in-place
  ~ resource "indigo_file" "b" {
      ~ content = "old" -> "new"
        id      = "1234"
        # (2 unchanged attributes hidden)
    }

Plan: 1 to add, 1 to change, 0 to destroy.
`
	if out != want {
		t.Errorf("got:\n%s\ndiff:\n%s", out, UnifiedDiff("want", "got", want, out))
	}
}

func TestPlanSecretNeverShown(t *testing.T) {
	// Every way a secret can sit in a plan, rendered with and without
	// unchanged values shown.
	s := cty.StringVal(secret).Mark(marks.Sensitive)
	vals := []cty.Value{
		s,
		cty.ListVal([]cty.Value{s}),
		cty.SetVal([]cty.Value{cty.StringVal(secret)}).Mark(marks.Sensitive),
		cty.MapVal(map[string]cty.Value{"k": s}),
		cty.ObjectVal(map[string]cty.Value{"a": cty.ObjectVal(map[string]cty.Value{"b": s})}),
		cty.StringVal(secret + "\nsecond line").Mark(marks.Sensitive),
		cty.StringVal(`{"password":"` + secret + `"}`).Mark(marks.Sensitive),
		cty.StringVal(strings.Repeat(secret, 10)).Mark(marks.Sensitive),
	}
	for i, v := range vals {
		ty := cty.Object(map[string]cty.Type{"v": v.Type()})
		nullObj := cty.NullVal(ty)
		o := cty.ObjectVal(map[string]cty.Value{"v": v})
		other := cty.ObjectVal(map[string]cty.Value{"v": cty.NullVal(v.Type())})
		p := &plan.Plan{
			Changes: []*plan.ResourceChange{
				change("x.create", plan.Create, ty, nullObj, o),
				change("x.update", plan.Update, ty, other, o),
				change("x.update2", plan.Update, ty, o, other),
				change("x.delete", plan.Delete, ty, o, nullObj),
				change("x.replace", plan.DeleteThenCreate, ty, o, o),
			},
			Drift:   []*plan.ResourceChange{change("x.drift", plan.Update, ty, other, o)},
			Outputs: []*plan.OutputChange{{Name: "o", Action: plan.Update, Before: cty.NullVal(cty.DynamicPseudoType), After: v}},
		}
		for _, opts := range []PlanOptions{{}, {ShowUnchanged: true}} {
			out := render(t, p, opts)
			if !strings.Contains(out, "(sensitive value)") {
				t.Errorf("value %d: no (sensitive value) in\n%s", i, out)
			}
		}
	}
}

func TestRankingTable(t *testing.T) {
	var buf bytes.Buffer
	if err := RankingTable(&buf, samplePlacement().Ranking); err != nil {
		t.Fatal(err)
	}
	if err := RankingDetails(&buf, samplePlacement().Ranking); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "rank/ranking.txt", buf.String())
}

func BenchmarkPlanView(b *testing.B) {
	p := &plan.Plan{}
	for i := 0; i < 500; i++ {
		ad := config.InstanceAddr{Module: "deployment.web", Resource: config.ResourceAddr{Mode: config.ManagedMode, Type: "indigo_service", Name: "app"}, Key: config.IntKey(i)}
		p.Changes = append(p.Changes, &plan.ResourceChange{Addr: ad, PrevAddr: ad, Action: plan.Update, Type: serviceType, Before: service("a", "b"), After: service("a", "c")})
	}
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := Plan(&buf, p, PlanOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPlanAnyValuePair renders every pair of a corpus of values of many
// shapes under every action: nothing may panic and the secret never shows.
func TestPlanAnyValuePair(t *testing.T) {
	s := cty.StringVal(secret).Mark(marks.Sensitive)
	corpus := []cty.Value{
		cty.NilVal,
		cty.NullVal(cty.String),
		cty.UnknownVal(cty.String),
		cty.DynamicVal,
		cty.StringVal("a"),
		cty.StringVal("multi\nline\n"),
		cty.StringVal(`[1, {"a": "` + secret + `"}]`).Mark(marks.Sensitive),
		cty.StringVal(`{"a": [1, 2]}`),
		cty.NumberIntVal(1),
		cty.True,
		s,
		cty.ListValEmpty(cty.String),
		cty.ListVal([]cty.Value{cty.StringVal("a"), s}),
		cty.ListVal([]cty.Value{cty.UnknownVal(cty.String)}),
		cty.UnknownVal(cty.List(cty.String)),
		cty.SetVal([]cty.Value{cty.StringVal("a"), cty.UnknownVal(cty.String)}),
		cty.SetVal([]cty.Value{cty.StringVal(secret)}).Mark(marks.Sensitive),
		cty.MapVal(map[string]cty.Value{"k": s, "j": cty.StringVal("v")}),
		cty.MapValEmpty(cty.String),
		cty.ObjectVal(map[string]cty.Value{"a": s, "b": cty.NullVal(cty.Number), "c": cty.TupleVal([]cty.Value{cty.True, cty.StringVal("x")})}),
		cty.EmptyObjectVal,
		cty.UnknownVal(cty.Object(map[string]cty.Type{"a": cty.String})),
		cty.TupleVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"a": cty.StringVal("1")}), cty.NumberIntVal(2)}),
		cty.StringVal("other mark").Mark("other"),
		cty.ListVal([]cty.Value{cty.StringVal("x").Mark("other")}).Mark("other"),
	}
	actions := []plan.Action{plan.NoOp, plan.Create, plan.Read, plan.Update, plan.DeleteThenCreate, plan.CreateThenDelete, plan.Delete, plan.Forget}
	wrap := func(v cty.Value) cty.Value {
		if v == cty.NilVal {
			return cty.NilVal
		}
		return cty.ObjectVal(map[string]cty.Value{"v": v, "id": cty.StringVal("x")})
	}
	for i, b := range corpus {
		for j, a := range corpus {
			var changes []*plan.ResourceChange
			for _, act := range actions {
				c := change("x.y", act, cty.NilType, wrap(b), wrap(a))
				c.RequiredReplace = []cty.Path{cty.GetAttrPath("v")}
				changes = append(changes, c)
			}
			p := &plan.Plan{Changes: changes, Drift: changes, Outputs: []*plan.OutputChange{{Name: "o", Action: plan.Update, Before: b, After: a}}}
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("values %d -> %d: panic: %v", i, j, r)
					}
				}()
				render(t, p, PlanOptions{})
				render(t, p, PlanOptions{ShowUnchanged: true})
			}()
		}
	}
}

func TestPlacementView(t *testing.T) {
	var buf bytes.Buffer
	if err := Placement(&buf, samplePlacement()); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "rank/placement.txt", buf.String())
}

// TestPlanImportByIdentity: an import that also changes the object says
// what it imports by, its id or its identity.
func TestPlanImportByIdentity(t *testing.T) {
	before := obj(fileType, map[string]cty.Value{"id": cty.StringVal("1234"), "content": cty.StringVal("old"), "mode": cty.StringVal("0644"), "size": cty.NumberIntVal(3)})
	after := obj(fileType, map[string]cty.Value{"id": cty.StringVal("1234"), "content": cty.StringVal("new"), "mode": cty.StringVal("0644"), "size": cty.NumberIntVal(3)})
	byIdentity := change("indigo_file.a", plan.Update, fileType, before, after)
	byIdentity.Importing = &plan.Importing{Identity: cty.ObjectVal(map[string]cty.Value{"path": cty.StringVal("a.txt")})}
	byID := change("indigo_file.b", plan.Update, fileType, before, after)
	byID.Importing = &plan.Importing{ID: "b.txt"}
	out := render(t, &plan.Plan{Changes: []*plan.ResourceChange{byIdentity, byID}}, PlanOptions{NoLegend: true})
	for _, want := range []string{
		"# indigo_file.a will be updated in-place\n  # (imported by identity {\"path\":\"a.txt\"})",
		"# indigo_file.b will be updated in-place\n  # (imported from \"b.txt\")",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
}

// TestPlanRefreshOnlyIdentities: a refresh-only plan whose reads found
// identities the state does not record says which, and that applying it
// records them.
func TestPlanRefreshOnlyIdentities(t *testing.T) {
	for _, tc := range []struct {
		ids  []*plan.IdentityUpdate
		want string
	}{
		{nil, ""},
		{[]*plan.IdentityUpdate{{Addr: addr("aws_s3_bucket.logs")}},
			"The reads found the identity of 1 object that the state does not record yet: aws_s3_bucket.logs. Applying this plan records it in the state and changes nothing else."},
		{[]*plan.IdentityUpdate{{Addr: addr("aws_s3_bucket.logs")}, {Addr: addr(`aws_instance.web["a"]`), DeposedKey: "00000001"}},
			`The reads found the identities of 2 objects that the state does not record yet: aws_s3_bucket.logs, aws_instance.web["a"] (deposed object 00000001). Applying this plan records them in the state and changes nothing else.`},
	} {
		var buf bytes.Buffer
		if err := Plan(&buf, &plan.Plan{Mode: plan.RefreshOnlyMode, Identities: tc.ids}, PlanOptions{}); err != nil {
			t.Fatal(err)
		}
		got := strings.Join(strings.Fields(buf.String()), " ")
		if !strings.Contains(got, "No changes.") || (tc.want != "" && !strings.Contains(got, tc.want)) || (tc.want == "" && strings.Contains(got, "The reads found")) {
			t.Errorf("refresh-only plan with identities %v says:\n%s\nwant %q", tc.ids, buf.String(), tc.want)
		}
	}
}
