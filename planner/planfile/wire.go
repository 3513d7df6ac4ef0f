package planfile

// The wire structs. Field names are short and fixed: they are the format.

type filePlan struct {
	Mode         uint8           `msgpack:"mode"`
	Types        [][]byte        `msgpack:"types"`
	Changes      []fileChange    `msgpack:"changes"`
	Drift        []fileChange    `msgpack:"drift"`
	Outputs      []fileOutput    `msgpack:"outputs"`
	Placements   []filePlacement `msgpack:"placements"`
	Notes        []fileNote      `msgpack:"notes"`
	PriorLineage string          `msgpack:"prior_lineage"`
	PriorSerial  uint64          `msgpack:"prior_serial"`
	ConfigDigest string          `msgpack:"config_digest"`
	Variables    []fileVariable  `msgpack:"variables"`
	Targets      []string        `msgpack:"targets"`
	Replace      []string        `msgpack:"replace"`
	// Timestamp is seconds and nanoseconds since the Unix epoch, UTC;
	// absent for a zero time.
	Timestamp []int64 `msgpack:"timestamp"`
	Applyable bool    `msgpack:"applyable"`
	Errored   bool    `msgpack:"errored"`
}

type fileInstance struct {
	Module  string `msgpack:"module"`
	Mode    uint8  `msgpack:"mode"`
	Type    string `msgpack:"type"`
	Name    string `msgpack:"name"`
	KeyKind uint8  `msgpack:"key_kind"` // 0 none, 1 int, 2 string
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
}

// fileStep is one step of a cty.Path: an attribute name (Kind 1) or an
// index (Kind 2) whose key is msgpack with cty.DynamicPseudoType, so it
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
	CreateBeforeDestroy bool               `msgpack:"create_before_destroy"`
}

type fileImporting struct {
	ID string `msgpack:"id"`
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
