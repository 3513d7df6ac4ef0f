package planfile

import (
	"fmt"
	"strconv"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/planner/rank"
)

// The wire codes of every enumeration a plan file holds. They are the
// format: the model's Go values are not. An entry, once written, is never
// changed, removed or reused, so that reordering or adding constants in
// the model never changes what a saved plan means. A new model value takes
// a new code, and FormatVersion goes up with it: an older indigo refuses
// codes it does not know (as an error, never a guess), so it must refuse
// such a file as written by a newer indigo rather than as damaged.
// TestWireCodes pins every entry.

var actionCodes = codeTable[plan.Action, uint8]{"action", []codeEntry[plan.Action, uint8]{
	{plan.NoOp, 0},
	{plan.Create, 1},
	{plan.Read, 2},
	{plan.Update, 3},
	{plan.DeleteThenCreate, 4},
	{plan.CreateThenDelete, 5},
	{plan.Delete, 6},
	{plan.Forget, 7},
}}

var modeCodes = codeTable[plan.Mode, uint8]{"plan mode", []codeEntry[plan.Mode, uint8]{
	{plan.NormalMode, 0},
	{plan.DestroyMode, 1},
	{plan.RefreshOnlyMode, 2},
}}

var reasonCodes = codeTable[plan.Reason, string]{"action reason", []codeEntry[plan.Reason, string]{
	{plan.ReasonNone, ""},
	{plan.ReasonTainted, "tainted"},
	{plan.ReasonRequested, "requested"},
	{plan.ReasonCannotUpdate, "cannot_update"},
	{plan.ReasonReplaceTriggered, "replace_triggered_by"},
	{plan.ReasonNoResourceConfig, "delete_because_no_resource_config"},
	{plan.ReasonNoModule, "delete_because_no_module"},
	{plan.ReasonWrongRepetition, "delete_because_wrong_repetition"},
	{plan.ReasonCountIndex, "delete_because_count_index"},
	{plan.ReasonEachKey, "delete_because_each_key"},
	{plan.ReasonReadConfigUnknown, "read_because_config_unknown"},
	{plan.ReasonReadDependency, "read_because_dependency_pending"},
	{plan.ReasonPlacementMoved, "placement_moved"},
	{plan.ReasonRefreshDrift, "refresh_drift"},
	{plan.ReasonRemoved, "removed"},
}}

var outcomeCodes = codeTable[rank.Outcome, string]{"ranking outcome", []codeEntry[rank.Outcome, string]{
	{"", ""}, // a placement without a ranking
	{rank.OutcomePlaced, "placed"},
	{rank.OutcomeKept, "kept"},
	{rank.OutcomeMoved, "moved"},
	{rank.OutcomePartial, "partial"},
	{rank.OutcomeUnplaced, "unplaced"},
}}

var criterionCodes = codeTable[rank.Criterion, string]{"ranking criterion", []codeEntry[rank.Criterion, string]{
	{rank.Preference, "preference"},
	{rank.Availability, "availability"},
	{rank.Latency, "latency"},
	{rank.FreeCapacity, "free_capacity"},
	{rank.Cost, "cost"},
	{rank.Locality, "locality"},
}}

var resourceModeCodes = codeTable[config.ResourceMode, uint8]{"resource mode", []codeEntry[config.ResourceMode, uint8]{
	{config.ManagedMode, 'M'},
	{config.DataMode, 'D'},
}}

var objectKindCodes = codeTable[config.ObjectKind, uint8]{"object kind", []codeEntry[config.ObjectKind, uint8]{
	{config.SiteKind, 's'},
	{config.DeploymentKind, 'd'},
	{config.StorageKind, 'S'},
	{config.PolicyKind, 'p'},
	{config.GroupKind, 'g'},
	{config.ComponentKind, 'c'},
}}

// The kinds of instance key (fileInstance.KeyKind) and of path step
// (fileStep.Kind) have no model enumeration behind them; their codes are
// fixed here in the same way.
const (
	keyKindNone   uint8 = 0
	keyKindInt    uint8 = 1
	keyKindString uint8 = 2

	stepKindAttr  uint8 = 1
	stepKindIndex uint8 = 2
)

// codeTable maps the values of one model enumeration to their wire codes
// and back. A linear search is as fast as a map for tables this small.
type codeTable[V, W comparable] struct {
	what    string // the values' name, for errors
	entries []codeEntry[V, W]
}

type codeEntry[V, W comparable] struct {
	value V
	code  W
}

// code returns v's wire code. A value without one is a bug in this
// package (a model constant added without its table entry), reported as
// an error rather than written as something a reader would misread.
func (t codeTable[V, W]) code(v V) (W, error) {
	for _, e := range t.entries {
		if e.value == v {
			return e.code, nil
		}
	}
	var zero W
	return zero, fmt.Errorf("%s %v (Go value %#v) has no plan file code", t.what, v, v)
}

// value returns the model value of wire code c.
func (t codeTable[V, W]) value(c W) (V, error) {
	for _, e := range t.entries {
		if e.code == c {
			return e.value, nil
		}
	}
	var zero V
	return zero, fmt.Errorf("unknown %s code %s", t.what, formatCode(c))
}

func formatCode(c any) string {
	if s, ok := c.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(c)
}

// The wire structs. Field names are short and fixed: they are the format.

type filePlan struct {
	Mode         uint8           `msgpack:"mode"`
	Types        [][]byte        `msgpack:"types"`
	Changes      []fileChange    `msgpack:"changes"`
	Drift        []fileChange    `msgpack:"drift"`
	Identities   []fileIdentity  `msgpack:"identities,omitempty"`
	Outputs      []fileOutput    `msgpack:"outputs"`
	Placements   []filePlacement `msgpack:"placements"`
	Notes        []fileNote      `msgpack:"notes"`
	PriorLineage string          `msgpack:"prior_lineage"`
	PriorSerial  uint64          `msgpack:"prior_serial"`
	ConfigDigest string          `msgpack:"config_digest"`
	Variables    []fileVariable  `msgpack:"variables"`
	Targets      []string        `msgpack:"targets"`
	Replace      []string        `msgpack:"replace"`
	Excludes     []string        `msgpack:"excludes,omitempty"`
	// Timestamp is seconds and nanoseconds since the Unix epoch, UTC;
	// absent for a zero time.
	Timestamp []int64 `msgpack:"timestamp"`
	Applyable bool    `msgpack:"applyable"`
	Errored   bool    `msgpack:"errored"`
}

type fileIdentity struct {
	Addr       fileInstance `msgpack:"addr"`
	DeposedKey string       `msgpack:"deposed"`
	JSON       []byte       `msgpack:"json"`
	Version    int64        `msgpack:"version"`
}

type fileInstance struct {
	Module  string `msgpack:"module"`
	Mode    uint8  `msgpack:"mode"`
	Type    string `msgpack:"type"`
	Name    string `msgpack:"name"`
	KeyKind uint8  `msgpack:"key_kind"` // keyKindNone, keyKindInt, keyKindString
	IntKey  int64  `msgpack:"int_key"`
	StrKey  string `msgpack:"str_key"`
}

type fileResource struct {
	Module string `msgpack:"module"`
	Mode   uint8  `msgpack:"mode"`
	Type   string `msgpack:"type"`
	Name   string `msgpack:"name"`
}

type fileProviderConfig struct {
	Module    string `msgpack:"module"`
	Hostname  string `msgpack:"hostname"`
	Namespace string `msgpack:"namespace"`
	Type      string `msgpack:"type"`
	Alias     string `msgpack:"alias"`
	// The instance of a configuration with for_each; absent (keyKindNone)
	// otherwise, and in plan files written before provider for_each.
	KeyKind uint8  `msgpack:"key_kind,omitempty"`
	IntKey  int64  `msgpack:"int_key,omitempty"`
	StrKey  string `msgpack:"str_key,omitempty"`
}

// fileStep is one step of a cty.Path: an attribute name (stepKindAttr) or
// an index (stepKindIndex) whose key is msgpack with cty.DynamicPseudoType, so it
// carries its own type.
type fileStep struct {
	Kind uint8  `msgpack:"k"`
	Name string `msgpack:"n,omitempty"`
	Key  []byte `msgpack:"i,omitempty"`
}

// fileValue is one cty value. Type indexes filePlan.Types (plus one; 0 means
// the value was encoded with cty.DynamicPseudoType and carries its type).
type fileValue struct {
	Nil       bool         `msgpack:"nil,omitempty"`
	Type      int          `msgpack:"type"`
	Data      []byte       `msgpack:"data"`
	Sensitive [][]fileStep `msgpack:"sensitive"`
}

type fileChange struct {
	Addr                fileInstance       `msgpack:"addr"`
	PrevAddr            fileInstance       `msgpack:"prev_addr"`
	DeposedKey          string             `msgpack:"deposed"`
	Provider            fileProviderConfig `msgpack:"provider"`
	Action              uint8              `msgpack:"action"`
	Reason              string             `msgpack:"reason"`
	Type                int                `msgpack:"type"`
	Before              fileValue          `msgpack:"before"`
	After               fileValue          `msgpack:"after"`
	SchemaVersion       int64              `msgpack:"schema_version"`
	RequiredReplace     [][]fileStep       `msgpack:"required_replace"`
	Private             []byte             `msgpack:"private"`
	Site                string             `msgpack:"site"`
	Importing           *fileImporting     `msgpack:"importing"`
	Dependencies        []fileResource     `msgpack:"dependencies"`
	PriorDependencies   []fileResource     `msgpack:"prior_dependencies,omitempty"`
	CreateBeforeDestroy bool               `msgpack:"create_before_destroy"`
	// BeforeIdentity and AfterIdentity are the resource identities, absent
	// for a type without one (and in files written before identities).
	BeforeIdentity *fileValue `msgpack:"before_identity,omitempty"`
	AfterIdentity  *fileValue `msgpack:"after_identity,omitempty"`
}

type fileImporting struct {
	ID       string     `msgpack:"id"`
	Identity *fileValue `msgpack:"identity,omitempty"`
}

type fileOutput struct {
	Name      string    `msgpack:"name"`
	Action    uint8     `msgpack:"action"`
	Before    fileValue `msgpack:"before"`
	After     fileValue `msgpack:"after"`
	Sensitive bool      `msgpack:"sensitive"`
}

type fileVariable struct {
	Name  string    `msgpack:"name"`
	Value fileValue `msgpack:"value"`
}

type fileNote struct {
	Subject string `msgpack:"subject"`
	Summary string `msgpack:"summary"`
	Detail  string `msgpack:"detail"`
}

type filePlacement struct {
	Module   string      `msgpack:"module"`
	Kind     uint8       `msgpack:"kind"`
	Name     string      `msgpack:"name"`
	Sites    []string    `msgpack:"sites"`
	Previous []string    `msgpack:"previous"`
	Ranking  fileRanking `msgpack:"ranking"`
	Fallback bool        `msgpack:"fallback"`
}

type fileRanking struct {
	Component string       `msgpack:"component"`
	Scored    []fileScored `msgpack:"scored"`
	Chosen    string       `msgpack:"chosen"`
	Copies    []string     `msgpack:"copies"`
	Outcome   string       `msgpack:"outcome"`
	Reason    string       `msgpack:"reason"`
}

type fileScored struct {
	Site     string     `msgpack:"site"`
	Location string     `msgpack:"location"`
	Score    float64    `msgpack:"score"`
	Parts    []filePart `msgpack:"parts"`
	Rejected bool       `msgpack:"rejected"`
	Reasons  []string   `msgpack:"reasons"`
	Notes    []string   `msgpack:"notes"`
}

type filePart struct {
	Criterion    string  `msgpack:"criterion"`
	Raw          float64 `msgpack:"raw"`
	Normalized   float64 `msgpack:"normalized"`
	Weight       float64 `msgpack:"weight"`
	Contribution float64 `msgpack:"contribution"`
	Note         string  `msgpack:"note"`
}
