// Package jsonplan is the JSON plan view: the one-line document that
// `indigo show -json PLANFILE` prints, and the placement objects `indigo
// rank -json` prints. It is Terraform's JSON plan representation (format
// 1.2: planned_values, resource_changes, resource_drift, output_changes,
// prior_state, configuration, relevant_attributes, ...), so that tools
// written for it (policy checkers such as OPA, cost estimators, CI
// summaries) read it unchanged; indigo's own additions (placements, notes,
// the state the plan is bound to) are under the "indigo" key. It is
// documented field by field in docs/json-plan.md.
//
// Unlike Terraform's, it never contains a sensitive value: they are null in
// before and after and in values, marked in the sensitivity mirrors, and
// the configuration shows no constant of an attribute that holds one.
//
// It is a view for tools, not a storage format: plans saved with -out are
// planner/planfile's business, and nothing reads this view back.
package jsonplan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/planner/rank"
	"github.com/indigo-cloud/indigo/providers/plugin"
)

// FormatVersion is the format_version of the JSON plan view: the version
// of Terraform's JSON plan format it follows. indigo's own additions live
// under the "indigo" key and have their own IndigoFormatVersion.
const FormatVersion = "1.2"

// IndigoFormatVersion versions the "indigo" object. Adding a field is a
// minor change; removing or changing one is a major one.
const IndigoFormatVersion = "1.0"

// TerraformVersion is the terraform_version the view reports: the
// Terraform language and CLI release indigo implements (the version it
// reports to providers), so tools that check it accept the document.
const TerraformVersion = plugin.DefaultTerraformVersion

// Options are what the view needs beyond the plan.
type Options struct {
	// Config is the configuration the plan was made from. When nil the
	// configuration object is empty (and indigo.configuration says so).
	Config *config.Config
}

type jsonPlan struct {
	FormatVersion      string                `json:"format_version"`
	TerraformVersion   string                `json:"terraform_version"`
	Variables          map[string]jsonVar    `json:"variables,omitempty"`
	PlannedValues      jsonValues            `json:"planned_values"`
	ResourceDrift      []jsonResourceChange  `json:"resource_drift,omitempty"`
	ResourceChanges    []jsonResourceChange  `json:"resource_changes"`
	OutputChanges      map[string]jsonChange `json:"output_changes,omitempty"`
	PriorState         *jsonPriorStateDoc    `json:"prior_state,omitempty"`
	Configuration      *jsonConfiguration    `json:"configuration"`
	RelevantAttributes []jsonRelevant        `json:"relevant_attributes,omitempty"`
	Timestamp          string                `json:"timestamp,omitempty"`
	Applyable          bool                  `json:"applyable"`
	Complete           bool                  `json:"complete"`
	Errored            bool                  `json:"errored"`
	Indigo             jsonIndigo            `json:"indigo"`
}

// jsonIndigo is what only indigo knows, under a key of its own.
type jsonIndigo struct {
	FormatVersion string           `json:"format_version"`
	Mode          string           `json:"mode"`
	Placements    []jsonPlacement  `json:"placements,omitempty"`
	Notes         []jsonNote       `json:"notes,omitempty"`
	PriorState    *jsonPriorLedger `json:"prior_state,omitempty"`
	ConfigDigest  string           `json:"config_digest,omitempty"`
	// Configuration says where configuration came from: "plan" when the
	// configuration that made the plan was given, "missing" otherwise.
	Configuration string   `json:"configuration"`
	Targets       []string `json:"targets,omitempty"`
	Replace       []string `json:"replace,omitempty"`
}

type jsonRelevant struct {
	Resource  string `json:"resource"`
	Attribute []any  `json:"attribute"`
}

type jsonVar struct {
	Value     any `json:"value"`
	Sensitive any `json:"sensitive,omitempty"`
}

type jsonResourceChange struct {
	Address         string     `json:"address"`
	PreviousAddress string     `json:"previous_address,omitempty"`
	ModuleAddress   string     `json:"module_address,omitempty"`
	Mode            string     `json:"mode"`
	Type            string     `json:"type"`
	Name            string     `json:"name"`
	Index           any        `json:"index,omitempty"`
	Deposed         string     `json:"deposed,omitempty"`
	ProviderName    string     `json:"provider_name"`
	Change          jsonChange `json:"change"`
	ActionReason    string     `json:"action_reason,omitempty"`
	Site            string     `json:"site,omitempty"`
}

type jsonChange struct {
	Actions         []string       `json:"actions"`
	Before          any            `json:"before"`
	After           any            `json:"after"`
	AfterUnknown    any            `json:"after_unknown"`
	BeforeSensitive any            `json:"before_sensitive"`
	AfterSensitive  any            `json:"after_sensitive"`
	ReplacePaths    [][]any        `json:"replace_paths,omitempty"`
	Importing       *jsonImporting `json:"importing,omitempty"`
	// BeforeIdentity and AfterIdentity are the resource identities, for
	// types whose provider declares one.
	BeforeIdentity json.RawMessage `json:"before_identity,omitempty"`
	AfterIdentity  json.RawMessage `json:"after_identity,omitempty"`
}

// jsonImporting says how an object is imported: by id, or by identity.
type jsonImporting struct {
	ID       string          `json:"id,omitempty"`
	Identity json.RawMessage `json:"identity,omitempty"`
}

type jsonPlacement struct {
	Address  string      `json:"address"`
	Sites    []string    `json:"sites"`
	Previous []string    `json:"previous,omitempty"`
	Fallback bool        `json:"fallback"`
	Ranking  jsonRanking `json:"ranking"`
}

type jsonRanking struct {
	Chosen  string       `json:"chosen"`
	Copies  []string     `json:"copies,omitempty"`
	Outcome string       `json:"outcome"`
	Reason  string       `json:"reason,omitempty"`
	Scored  []jsonScored `json:"scored"`
}

type jsonScored struct {
	Site     string     `json:"site"`
	Location string     `json:"location,omitempty"`
	Score    jsonFloat  `json:"score"`
	Rejected bool       `json:"rejected"`
	Reasons  []string   `json:"reasons,omitempty"`
	Notes    []string   `json:"notes,omitempty"`
	Parts    []jsonPart `json:"parts,omitempty"`
}

type jsonPart struct {
	Criterion    string    `json:"criterion"`
	Raw          jsonFloat `json:"raw"`
	Normalized   jsonFloat `json:"normalized"`
	Weight       jsonFloat `json:"weight"`
	Contribution jsonFloat `json:"contribution"`
	Note         string    `json:"note,omitempty"`
}

// jsonFloat writes NaN and infinities, which JSON cannot hold, as null.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(f))
}

type jsonNote struct {
	Subject string `json:"subject,omitempty"`
	Summary string `json:"summary"`
	Detail  string `json:"detail,omitempty"`
}

type jsonPriorLedger struct {
	Lineage string `json:"lineage"`
	Serial  uint64 `json:"serial"`
}

// Marshal returns the JSON view of p without its configuration; see
// MarshalOptions.
func Marshal(p *plan.Plan) ([]byte, error) { return MarshalOptions(p, Options{}) }

// MarshalOptions returns the JSON view of p that `indigo show -json
// PLANFILE` prints: one compact JSON document in Terraform's JSON plan
// format (FormatVersion), indigo's additions under "indigo", with every
// sensitive value replaced by null.
func MarshalOptions(p *plan.Plan, opts Options) ([]byte, error) {
	if p == nil {
		return nil, fmt.Errorf("JSON plan view: no plan")
	}
	doc := jsonPlan{
		FormatVersion:    FormatVersion,
		TerraformVersion: TerraformVersion,
		PlannedValues:    plannedValues(p),
		ResourceChanges:  jsonResourceChanges(p.Changes),
		ResourceDrift:    jsonResourceChanges(p.Drift),
		PriorState:       priorState(p, TerraformVersion),
		Configuration:    &jsonConfiguration{},
		Applyable:        p.Applyable,
		Complete:         !p.Errored && len(p.Targets) == 0,
		Errored:          p.Errored,
		Indigo: jsonIndigo{
			FormatVersion: IndigoFormatVersion,
			Mode:          p.Mode.String(),
			ConfigDigest:  p.ConfigDigest,
			Configuration: "missing",
			Targets:       p.Targets,
			Replace:       p.Replace,
		},
	}
	if opts.Config != nil {
		doc.Configuration = configurationOf(opts.Config, factsOf(p))
		doc.Indigo.Configuration = "plan"
	}
	doc.RelevantAttributes = relevantAttributes(opts.Config, p.Changes)
	if !p.Timestamp.IsZero() {
		doc.Timestamp = p.Timestamp.UTC().Format(time.RFC3339Nano)
	}
	if p.PriorLineage != "" || p.PriorSerial != 0 {
		doc.Indigo.PriorState = &jsonPriorLedger{Lineage: p.PriorLineage, Serial: p.PriorSerial}
	}
	if len(p.Variables) > 0 {
		doc.Variables = make(map[string]jsonVar, len(p.Variables))
		for name, v := range p.Variables {
			jv := walkValue(v)
			var sens any
			if containsTrue(jv.sensitive) {
				sens = jv.sensitive
			}
			doc.Variables[name] = jsonVar{Value: jv.value, Sensitive: sens}
		}
	}
	if len(p.Outputs) > 0 {
		doc.OutputChanges = make(map[string]jsonChange, len(p.Outputs))
		for _, o := range p.Outputs {
			if o == nil {
				continue
			}
			ch := jsonValueChange(o.Action, o.Before, o.After, false)
			// An output is sensitive or not as a whole: its mirrors are
			// booleans, as in Terraform.
			ch.BeforeSensitive, ch.AfterSensitive = o.Sensitive || containsTrue(ch.BeforeSensitive), o.Sensitive || containsTrue(ch.AfterSensitive)
			if o.Sensitive {
				ch.Before, ch.After = nil, nil
			}
			doc.OutputChanges[o.Name] = ch
		}
	}
	for _, pl := range p.Placements {
		if pl == nil {
			continue
		}
		doc.Indigo.Placements = append(doc.Indigo.Placements, jsonPlacementOf(pl))
	}
	for _, n := range p.Notes {
		doc.Indigo.Notes = append(doc.Indigo.Notes, jsonNote(n))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("JSON plan view: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// MarshalPlacement returns one placement in the form the JSON plan
// view's placements array holds it (docs/json-plan.md), for `indigo rank
// -json`.
func MarshalPlacement(pl *plan.Placement) ([]byte, error) {
	if pl == nil {
		return nil, fmt.Errorf("JSON placement view: no placement")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(jsonPlacementOf(pl)); err != nil {
		return nil, fmt.Errorf("JSON placement view: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// sortedChanges returns the non-nil changes sorted by address, then
// deposed key.
func sortedChanges(cs []*plan.ResourceChange) []*plan.ResourceChange {
	sorted := slices.DeleteFunc(slices.Clone(cs), func(c *plan.ResourceChange) bool { return c == nil })
	slices.SortStableFunc(sorted, func(a, b *plan.ResourceChange) int {
		switch {
		case a.Addr.Less(b.Addr):
			return -1
		case b.Addr.Less(a.Addr):
			return 1
		}
		return strings.Compare(a.DeposedKey, b.DeposedKey)
	})
	return sorted
}

func jsonResourceChanges(cs []*plan.ResourceChange) []jsonResourceChange {
	sorted := sortedChanges(cs)
	out := make([]jsonResourceChange, 0, len(sorted))
	for _, c := range sorted {
		if readAtPlan(c) {
			continue
		}
		jc := jsonResourceChange{
			Address:       c.Addr.String(),
			ModuleAddress: string(c.Addr.Module),
			Mode:          "managed",
			Type:          c.Addr.Resource.Type,
			Name:          c.Addr.Resource.Name,
			Deposed:       c.DeposedKey,
			ProviderName:  providerName(c.Provider),
			Index:         indexOf(c.Addr.Key),
			Change:        jsonValueChange(c.Action, c.Before, c.After, true),
			ActionReason:  jsonReason(c.Reason),
			Site:          c.Site,
		}
		if c.Addr.Resource.Mode == config.DataMode {
			jc.Mode = "data"
		}
		if c.PrevAddr != (config.InstanceAddr{}) && c.PrevAddr != c.Addr {
			jc.PreviousAddress = c.PrevAddr.String()
		}
		for _, path := range c.RequiredReplace {
			if jp := jsonPath(path); len(jp) > 0 {
				jc.Change.ReplacePaths = append(jc.Change.ReplacePaths, jp)
			}
		}
		if c.Importing != nil {
			jc.Change.Importing = &jsonImporting{ID: c.Importing.ID, Identity: identityJSON(c.Importing.Identity)}
		}
		jc.Change.BeforeIdentity, jc.Change.AfterIdentity = identityJSON(c.BeforeIdentity), identityJSON(c.AfterIdentity)
		out = append(out, jc)
	}
	return out
}

// identityJSON is a resource identity as a JSON object; nil when there is
// none (or it is not known yet).
func identityJSON(v cty.Value) json.RawMessage {
	if v == cty.NilVal || v.IsNull() || !v.IsWhollyKnown() {
		return nil
	}
	v, _ = v.UnmarkDeep()
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return nil
	}
	return b
}

// jsonActions are the action lists Terraform's JSON plan uses.
func jsonActions(a plan.Action) []string {
	switch a {
	case plan.DeleteThenCreate:
		return []string{"delete", "create"}
	case plan.CreateThenDelete:
		return []string{"create", "delete"}
	}
	return []string{a.String()}
}

// jsonReason maps a reason to Terraform's action_reason names where
// Terraform has one; indigo's own reasons keep their names, but for drift,
// which Terraform writes with no reason.
func jsonReason(r plan.Reason) string {
	switch r {
	case plan.ReasonRefreshDrift:
		return ""
	case plan.ReasonTainted:
		return "replace_because_tainted"
	case plan.ReasonRequested:
		return "replace_by_request"
	case plan.ReasonCannotUpdate:
		return "replace_because_cannot_update"
	case plan.ReasonReplaceTriggered:
		return "replace_by_triggers"
	case plan.ReasonPlacementMoved:
		return "replace_because_placement_moved"
	}
	return string(r)
}

// jsonValueChange is the change of a resource instance or an output from
// before to after. When after is known throughout (or null), after_unknown
// is an empty object for a resource and false for an output, as in
// Terraform's JSON plan; the walked mirror otherwise.
func jsonValueChange(a plan.Action, before, after cty.Value, resource bool) jsonChange {
	b, af := walkValue(before), walkValue(after)
	if after == cty.NilVal || after.IsWhollyKnown() {
		af.unknown = false
		if resource {
			af.unknown = map[string]any{}
		}
	}
	return jsonChange{
		Actions:         jsonActions(a),
		Before:          b.value,
		After:           af.value,
		AfterUnknown:    af.unknown,
		BeforeSensitive: b.sensitive,
		AfterSensitive:  af.sensitive,
	}
}

// jsonPath converts an attribute path to Terraform's replace_paths form:
// attribute names and index keys as JSON strings and numbers. A step into a
// set has no such form; the path stops before it.
func jsonPath(p cty.Path) []any {
	out := make([]any, 0, len(p))
	for _, s := range p {
		switch s := s.(type) {
		case cty.GetAttrStep:
			out = append(out, s.Name)
		case cty.IndexStep:
			k, _ := s.Key.Unmark()
			if !k.IsKnown() || k.IsNull() {
				return out
			}
			switch k.Type() {
			case cty.String:
				out = append(out, k.AsString())
			case cty.Number:
				out = append(out, jsonNumber(k))
			default:
				return out
			}
		}
	}
	return out
}

func jsonPlacementOf(pl *plan.Placement) jsonPlacement {
	jp := jsonPlacement{
		Address:  pl.Addr.String(),
		Sites:    nonNil(pl.Sites),
		Previous: pl.Previous,
		Fallback: pl.Fallback,
		Ranking: jsonRanking{
			Chosen:  pl.Ranking.Chosen,
			Copies:  pl.Ranking.Copies,
			Outcome: string(pl.Ranking.Outcome),
			Reason:  pl.Ranking.Reason,
			Scored:  make([]jsonScored, 0, len(pl.Ranking.Scored)),
		},
	}
	for _, s := range pl.Ranking.Scored {
		js := jsonScored{
			Site: s.Site, Location: s.Location, Score: jsonFloat(s.Score),
			Rejected: s.Rejected, Reasons: s.Reasons, Notes: s.Notes,
		}
		for _, part := range s.Parts {
			js.Parts = append(js.Parts, jsonPartOf(part))
		}
		jp.Ranking.Scored = append(jp.Ranking.Scored, js)
	}
	return jp
}

func jsonPartOf(p rank.Part) jsonPart {
	return jsonPart{
		Criterion: p.Criterion.String(), Raw: jsonFloat(p.Raw), Normalized: jsonFloat(p.Normalized),
		Weight: jsonFloat(p.Weight), Contribution: jsonFloat(p.Contribution), Note: p.Note,
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// walked is a value converted for JSON together with its two mirrors, in
// the shape Terraform's JSON plan uses: unknown is true where the value is
// unknown, sensitive true where it is sensitive; objects and maps list only
// the keys that are not false, sequences keep one entry per element.
type walked struct {
	value     any
	unknown   any
	sensitive any
}

// walkValue converts v in one pass. Sensitive parts become null in value
// (and, to say nothing of their shape, true or false as a whole in unknown);
// unknown attributes and map elements are left out of value, unknown
// elements of sequences become null.
func walkValue(v cty.Value) walked {
	if v == cty.NilVal {
		return walked{nil, false, false}
	}
	v, m := v.Unmark()
	if _, ok := m[marks.Sensitive]; ok {
		return walked{nil, !v.IsWhollyKnown(), true}
	}
	if !v.IsKnown() {
		return walked{nil, true, false}
	}
	if v.IsNull() {
		return walked{nil, false, false}
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		return walked{v.AsString(), false, false}
	case ty == cty.Number:
		return walked{jsonNumber(v), false, false}
	case ty == cty.Bool:
		return walked{v.True(), false, false}
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		n := v.LengthInt()
		vals, unks, sens := make([]any, 0, n), make([]any, 0, n), make([]any, 0, n)
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			w := walkValue(e)
			vals, unks, sens = append(vals, w.value), append(unks, w.unknown), append(sens, w.sensitive)
		}
		return walked{vals, unks, sens}
	case ty.IsMapType() || ty.IsObjectType():
		vals, unks, sens := map[string]any{}, map[string]any{}, map[string]any{}
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			key := k.AsString()
			w := walkValue(e)
			if w.unknown == true {
				// Left out, as Terraform leaves unknown attributes and
				// map elements out (a sequence keeps a null instead).
				unks[key] = true
			} else {
				vals[key] = w.value
				if _, ok := w.unknown.(bool); !ok {
					unks[key] = w.unknown
				}
			}
			if b, ok := w.sensitive.(bool); !ok || b {
				sens[key] = w.sensitive
			}
		}
		return walked{vals, unks, sens}
	}
	// A capsule or other value JSON cannot hold.
	return walked{nil, false, false}
}

// jsonNumber writes a known number exactly: integers that fit in 64 bits
// directly (most numbers in plans: ports, sizes, counts), others through
// their big.Float.
func jsonNumber(v cty.Value) json.Number {
	bf := v.AsBigFloat()
	if bf.IsInt() {
		if i, acc := bf.Int64(); acc == big.Exact {
			return json.Number(strconv.FormatInt(i, 10))
		}
	}
	return json.Number(bf.Text('f', -1))
}
