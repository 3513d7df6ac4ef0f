package planfile

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/planner/plan/plantest"
	"github.com/indigo-cloud/indigo/planner/rank"
)

// checkTable asserts that table gives each value in want exactly its code,
// both ways, and that want lists the whole table.
func checkTable[V, W comparable](t *testing.T, table codeTable[V, W], want map[V]W) {
	t.Helper()
	for v, code := range want {
		got, err := table.code(v)
		if err != nil || got != code {
			t.Errorf("%s %v: code %v (%v), want %v", table.what, v, got, err, code)
		}
		back, err := table.value(code)
		if err != nil || back != v {
			t.Errorf("%s code %v: value %v (%v), want %v", table.what, code, back, err, v)
		}
	}
	if len(table.entries) != len(want) {
		t.Errorf("%s: %d entries, the test pins %d: pin the new ones here", table.what, len(table.entries), len(want))
	}
}

// TestWireCodes pins every wire code. The codes are the plan file format:
// if this test fails, saved plans would be read with other meanings. Never
// change an entry here to make it pass; fix the table in wire.go.
func TestWireCodes(t *testing.T) {
	checkTable(t, actionCodes, map[plan.Action]uint8{
		plan.NoOp:             0,
		plan.Create:           1,
		plan.Read:             2,
		plan.Update:           3,
		plan.DeleteThenCreate: 4,
		plan.CreateThenDelete: 5,
		plan.Delete:           6,
		plan.Forget:           7,
	})
	checkTable(t, modeCodes, map[plan.Mode]uint8{
		plan.NormalMode:      0,
		plan.DestroyMode:     1,
		plan.RefreshOnlyMode: 2,
	})
	checkTable(t, reasonCodes, map[plan.Reason]string{
		plan.ReasonNone:              "",
		plan.ReasonTainted:           "tainted",
		plan.ReasonRequested:         "requested",
		plan.ReasonCannotUpdate:      "cannot_update",
		plan.ReasonReplaceTriggered:  "replace_triggered_by",
		plan.ReasonNoResourceConfig:  "delete_because_no_resource_config",
		plan.ReasonNoModule:          "delete_because_no_module",
		plan.ReasonWrongRepetition:   "delete_because_wrong_repetition",
		plan.ReasonCountIndex:        "delete_because_count_index",
		plan.ReasonEachKey:           "delete_because_each_key",
		plan.ReasonReadConfigUnknown: "read_because_config_unknown",
		plan.ReasonReadDependency:    "read_because_dependency_pending",
		plan.ReasonPlacementMoved:    "placement_moved",
		plan.ReasonRefreshDrift:      "refresh_drift",
		plan.ReasonRemoved:           "removed",
	})
	checkTable(t, outcomeCodes, map[rank.Outcome]string{
		"":                   "",
		rank.OutcomePlaced:   "placed",
		rank.OutcomeKept:     "kept",
		rank.OutcomeMoved:    "moved",
		rank.OutcomePartial:  "partial",
		rank.OutcomeUnplaced: "unplaced",
	})
	checkTable(t, criterionCodes, map[rank.Criterion]string{
		rank.Preference:   "preference",
		rank.Availability: "availability",
		rank.Latency:      "latency",
		rank.FreeCapacity: "free_capacity",
		rank.Cost:         "cost",
		rank.Locality:     "locality",
	})
	checkTable(t, resourceModeCodes, map[config.ResourceMode]uint8{
		config.ManagedMode: 'M',
		config.DataMode:    'D',
	})
	checkTable(t, objectKindCodes, map[config.ObjectKind]uint8{
		config.SiteKind:       's',
		config.DeploymentKind: 'd',
		config.StorageKind:    'S',
		config.PolicyKind:     'p',
		config.GroupKind:      'g',
		config.ComponentKind:  'c',
	})
	for name, got := range map[string]uint8{
		"keyKindNone": keyKindNone, "keyKindInt": keyKindInt, "keyKindString": keyKindString,
		"stepKindAttr": stepKindAttr, "stepKindIndex": stepKindIndex,
	} {
		want := map[string]uint8{"keyKindNone": 0, "keyKindInt": 1, "keyKindString": 2, "stepKindAttr": 1, "stepKindIndex": 2}[name]
		if got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
}

// TestWireCodesCoverTheModel finds the model's values through their names
// (an action the model adds has a String name; an unknown value prints as
// the fallback) and requires a wire code for each, so that a new constant
// cannot reach a plan file without one.
func TestWireCodesCoverTheModel(t *testing.T) {
	for i := range 256 {
		if a := plan.Action(i); a == plan.NoOp || a.String() != plan.NoOp.String() {
			if _, err := actionCodes.code(a); err != nil {
				t.Error(err)
			}
		}
		if m := plan.Mode(i); m == plan.NormalMode || m.String() != plan.NormalMode.String() {
			if _, err := modeCodes.code(m); err != nil {
				t.Error(err)
			}
		}
		if c := rank.Criterion(i); !strings.HasPrefix(c.String(), "criterion(") {
			if _, err := criterionCodes.code(c); err != nil {
				t.Error(err)
			}
		}
		if k := config.ObjectKind(i); k.Keyword() != "unknown" {
			if _, err := objectKindCodes.code(k); err != nil {
				t.Error(err)
			}
		}
	}
}

// TestReadSavedV1 reads a plan file written before the wire codes were
// explicit (testdata/v1-sample.planfile: plantest.Sample() saved by the
// encoder of planner/plan, which wrote each action as its Go value). It
// must keep reading with the same actions, modes, reasons and placements
// whatever happens to the model's constants. Never regenerate that file.
func TestReadSavedV1(t *testing.T) {
	data, err := os.ReadFile("testdata/v1-sample.planfile")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Read(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("reading a saved version 1 plan: %v", err)
	}
	if p.Mode != plan.NormalMode {
		t.Errorf("mode %v, want normal", p.Mode)
	}
	type change struct {
		action plan.Action
		reason plan.Reason
	}
	want := map[string]change{
		`indigo_file.no-op[0]`:                             {plan.NoOp, plan.ReasonNone},
		`indigo_file.create["a \"quoted\" key"]`:           {plan.Create, plan.ReasonNone},
		`indigo_file.read[2]`:                              {plan.Read, plan.ReasonNone},
		`indigo_file.update[3]`:                            {plan.Update, plan.ReasonNone},
		`deployment.web.indigo_file.delete-then-create[4]`: {plan.DeleteThenCreate, plan.ReasonCannotUpdate},
		`indigo_file.create-then-delete[5]`:                {plan.CreateThenDelete, plan.ReasonTainted},
		`indigo_file.delete[6] deposed 0a1b2c3d`:           {plan.Delete, plan.ReasonNoResourceConfig},
		`indigo_file.forget[7]`:                            {plan.Forget, plan.ReasonNone},
		`other_thing.dyn`:                                  {plan.Update, plan.ReasonNone},
		`drift indigo_file.drifted`:                        {plan.Update, plan.ReasonRefreshDrift},
	}
	got := map[string]change{}
	for _, c := range p.Changes {
		key := c.Addr.String()
		if c.DeposedKey != "" {
			key += " deposed " + c.DeposedKey
		}
		got[key] = change{c.Action, c.Reason}
	}
	for _, c := range p.Drift {
		got["drift "+c.Addr.String()] = change{c.Action, c.Reason}
	}
	for addr, w := range want {
		g, ok := got[addr]
		if !ok {
			t.Errorf("%s: missing", addr)
		} else if g != w {
			t.Errorf("%s: action %v, reason %q; want %v, %q", addr, g.action, g.reason, w.action, w.reason)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d changes, want %d", len(got), len(want))
	}
	outputs := map[string]plan.Action{}
	for _, o := range p.Outputs {
		outputs[o.Name] = o.Action
	}
	if w := map[string]plan.Action{"url": plan.Create, "password": plan.Update, "later": plan.Update}; len(outputs) != len(w) ||
		outputs["url"] != w["url"] || outputs["password"] != w["password"] || outputs["later"] != w["later"] {
		t.Errorf("output actions %v, want %v", outputs, w)
	}
	if len(p.Placements) != 1 {
		t.Fatalf("%d placements, want 1", len(p.Placements))
	}
	pl := p.Placements[0]
	if pl.Addr.Kind != config.DeploymentKind || pl.Ranking.Outcome != rank.OutcomeMoved {
		t.Errorf("placement %s outcome %q, want deployment.web moved", pl.Addr, pl.Ranking.Outcome)
	}
	if parts := pl.Ranking.Scored[0].Parts; len(parts) != 2 || parts[0].Criterion != rank.Preference || parts[1].Criterion != rank.Cost {
		t.Errorf("ranking parts %+v, want preference then cost", parts)
	}
	deps := p.Change(p.Changes[4].Addr).Dependencies
	if len(deps) != 2 || deps[0].Resource.Mode != config.DataMode || deps[1].Resource.Mode != config.ManagedMode {
		t.Errorf("dependencies %v, want a data source then a managed resource", deps)
	}

	// The writer has not changed either: what it reads, it writes back
	// byte for byte. (A deliberate format change fails this; then bump
	// FormatVersion and keep reading this file.)
	var again bytes.Buffer
	if err := Write(&again, p); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), data) {
		t.Errorf("writing the saved plan back gives other bytes")
	}
}

// TestUnknownWireCodes reads well-framed files holding codes no table has:
// each is a clear error naming what is unknown, never a panic or a guess.
func TestUnknownWireCodes(t *testing.T) {
	base := func() filePlan {
		enc := newFileEncoder()
		fp, err := enc.plan(plantest.Sample())
		if err != nil {
			t.Fatal(err)
		}
		return *fp
	}
	tests := []struct {
		name   string
		mutate func(*filePlan)
		want   string
	}{
		{"action", func(fp *filePlan) { fp.Changes[1].Action = 8 }, "unknown action code 8"},
		{"large action", func(fp *filePlan) { fp.Changes[1].Action = 255 }, "unknown action code 255"},
		{"output action", func(fp *filePlan) { fp.Outputs[0].Action = 42 }, "output url: unknown action code 42"},
		{"mode", func(fp *filePlan) { fp.Mode = 3 }, "unknown plan mode code 3"},
		{"reason", func(fp *filePlan) { fp.Changes[4].Reason = "bogus" }, `unknown action reason code "bogus"`},
		{"outcome", func(fp *filePlan) { fp.Placements[0].Ranking.Outcome = "bogus" }, `unknown ranking outcome code "bogus"`},
		{"criterion", func(fp *filePlan) { fp.Placements[0].Ranking.Scored[0].Parts[0].Criterion = "bogus" }, `unknown ranking criterion code "bogus"`},
		{"object kind", func(fp *filePlan) { fp.Placements[0].Kind = 'x' }, "unknown object kind code 120"},
		{"resource mode", func(fp *filePlan) { fp.Changes[1].Addr.Mode = 'm' }, "unknown resource mode code 109"},
		{"dependency mode", func(fp *filePlan) { fp.Changes[4].Dependencies[0].Mode = 0 }, "unknown resource mode code 0"},
		{"key kind", func(fp *filePlan) { fp.Changes[1].Addr.KeyKind = 3 }, "unknown instance key kind 3"},
		{"step kind", func(fp *filePlan) { fp.Changes[4].RequiredReplace[0][0].Kind = 9 }, "unknown path step kind 9"},
	}
	for _, tt := range tests {
		fp := base()
		tt.mutate(&fp)
		payload, err := msgpack.Marshal(&fp)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Read(bytes.NewReader(frame(payload)))
		if err == nil || p != nil {
			t.Errorf("%s: plan %v, error %v; want an error", tt.name, p != nil, err)
			continue
		}
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %q, want ErrCorrupt saying %q", tt.name, err, tt.want)
		}
	}
}

// TestWriteRefusesValuesWithoutCode: a model value the tables do not know
// is refused when writing rather than saved as something a reader would
// misread.
func TestWriteRefusesValuesWithoutCode(t *testing.T) {
	change := func(c plan.ResourceChange) *plan.Plan {
		c.Addr = plantest.Inst("x", "y", nil)
		c.Before, c.After = cty.NullVal(cty.String), cty.StringVal("a")
		return &plan.Plan{Changes: []*plan.ResourceChange{&c}}
	}
	tests := []struct {
		name string
		p    *plan.Plan
		want string
	}{
		{"action", change(plan.ResourceChange{Action: plan.Action(200)}), "x.y: action"},
		{"reason", change(plan.ResourceChange{Reason: "made_up"}), "x.y: action reason made_up"},
		{"mode", &plan.Plan{Mode: plan.Mode(9)}, "plan mode"},
		{"output action", &plan.Plan{Outputs: []*plan.OutputChange{{Name: "o", Action: plan.Action(99)}}}, "output o: action"},
		{"object kind", &plan.Plan{Placements: []*plan.Placement{{Addr: config.ObjectAddr{Name: "p"}}}}, "object kind"},
		{"criterion", &plan.Plan{Placements: []*plan.Placement{{
			Addr:    config.ObjectAddr{Kind: config.DeploymentKind, Name: "p"},
			Ranking: rank.Ranking{Scored: []rank.Scored{{Site: "s", Parts: []rank.Part{{}}}}},
		}}}, "site s: ranking criterion"},
	}
	for _, tt := range tests {
		err := Write(&bytes.Buffer{}, tt.p)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "has no plan file code") {
			t.Errorf("%s: error %v, want one saying %q has no plan file code", tt.name, err, tt.want)
		}
	}
}
