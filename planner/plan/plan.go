// Package plan is the model of an execution plan: what indigo will create,
// update, replace, read and delete, where each placed component goes and
// why, and what the plan was computed from.
//
// The planner produces a Plan; the apply consumes it; views render it. This
// package does no planning, knows nothing about terminals and holds no
// encoding: plan files (indigo plan -out) are planner/planfile, the JSON
// views (indigo plan -json, indigo show -json) are cmd/indigo/view/jsonplan
// and cmd/indigo/view/jsonstate.
package plan

import (
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/planner/rank"
)

// Mode says what kind of plan it is.
type Mode byte

const (
	// NormalMode converges the real world on the configuration.
	NormalMode Mode = iota
	// DestroyMode destroys everything the state records.
	DestroyMode
	// RefreshOnlyMode only updates the state from the real world.
	RefreshOnlyMode
)

// String implements fmt.Stringer.
func (m Mode) String() string {
	switch m {
	case DestroyMode:
		return "destroy"
	case RefreshOnlyMode:
		return "refresh-only"
	}
	return "normal"
}

// Action is what a change does to one resource instance.
type Action byte

const (
	// NoOp leaves the object as it is.
	NoOp Action = iota
	// Create creates a new object.
	Create
	// Read reads a data source (during apply, when its configuration is
	// not known at plan time).
	Read
	// Update changes the object in place.
	Update
	// DeleteThenCreate replaces the object, destroying the old one first.
	DeleteThenCreate
	// CreateThenDelete replaces the object, creating the new one first
	// (lifecycle create_before_destroy).
	CreateThenDelete
	// Delete destroys the object.
	Delete
	// Forget removes the object from state without destroying it (a
	// removed block with destroy = false).
	Forget
)

// String returns the action's name as the JSON view writes it.
func (a Action) String() string {
	switch a {
	case Create:
		return "create"
	case Read:
		return "read"
	case Update:
		return "update"
	case DeleteThenCreate:
		return "delete-then-create"
	case CreateThenDelete:
		return "create-then-delete"
	case Delete:
		return "delete"
	case Forget:
		return "forget"
	}
	return "no-op"
}

// IsReplace reports whether a replaces the object.
func (a Action) IsReplace() bool { return a == DeleteThenCreate || a == CreateThenDelete }

// Reason says why a change has its action when the configuration alone does
// not say it.
type Reason string

// The reasons a change is what it is.
const (
	ReasonNone              Reason = ""
	ReasonTainted           Reason = "tainted"
	ReasonRequested         Reason = "requested"            // -replace
	ReasonCannotUpdate      Reason = "cannot_update"        // an attribute requires replacement
	ReasonReplaceTriggered  Reason = "replace_triggered_by" // lifecycle replace_triggered_by
	ReasonNoResourceConfig  Reason = "delete_because_no_resource_config"
	ReasonNoModule          Reason = "delete_because_no_module"
	ReasonWrongRepetition   Reason = "delete_because_wrong_repetition"
	ReasonCountIndex        Reason = "delete_because_count_index"
	ReasonEachKey           Reason = "delete_because_each_key"
	ReasonReadConfigUnknown Reason = "read_because_config_unknown"
	ReasonReadDependency    Reason = "read_because_dependency_pending"
	ReasonPlacementMoved    Reason = "placement_moved" // the component's site changed
	ReasonRefreshDrift      Reason = "refresh_drift"
	ReasonRemoved           Reason = "removed" // a removed block with destroy = false
)

// Plan is a complete execution plan.
type Plan struct {
	Mode Mode
	// Changes are the resource instance changes, sorted by address; no-op
	// changes are kept so the apply knows every instance's planned value.
	Changes []*ResourceChange
	// Outputs are the planned root module output values.
	Outputs []*OutputChange
	// Placements say where each placed component goes, with its ranking.
	Placements []*Placement
	// Drift lists objects that changed outside indigo since the last apply,
	// as the refresh found them.
	Drift []*ResourceChange
	// Identities lists, in a refresh-only plan, the resource identities
	// the refresh found that the state does not record yet: applying the
	// plan records them, with the refreshed values of Drift.
	Identities []*IdentityUpdate
	// Notes are things the user should know that are not changes (for
	// example, configuration steps of a TOSCA template that indigo records
	// but does not execute yet).
	Notes []Note
	// PriorLineage and PriorSerial identify the state the plan was made
	// from: applying it to any other state is refused.
	PriorLineage string
	PriorSerial  uint64
	// ConfigDigest is a hash of the configuration files, so a saved plan is
	// not applied to a changed configuration.
	ConfigDigest string
	// Variables are the root module variable values the plan used.
	Variables map[string]cty.Value
	// Targets and Replace record -target and -replace.
	Targets []string
	Replace []string
	// Excludes records -exclude.
	Excludes []string
	// Timestamp is when the plan was made (plantimestamp()).
	Timestamp time.Time
	// Applyable is false when the plan has nothing to do.
	Applyable bool
	// Errored is true when planning stopped on errors: such a plan can be
	// shown but not applied.
	Errored bool
}

// ResourceChange is the planned change of one resource instance.
type ResourceChange struct {
	Addr config.InstanceAddr
	// PrevAddr is the address in the prior state when a moved block or
	// state mv renamed it; equal to Addr otherwise.
	PrevAddr config.InstanceAddr
	// DeposedKey is set for changes to deposed objects (left over from a
	// create_before_destroy replacement).
	DeposedKey string
	// Provider is the provider configuration that handles the instance.
	Provider config.ProviderConfigAddr
	Action   Action
	Reason   Reason
	// Before is the prior value (null for a create); After the planned
	// value (null for a delete), which may contain unknown values. Both
	// keep sensitive marks.
	Before, After cty.Value
	// BeforeIdentity and AfterIdentity are the object's resource identity
	// before (as recorded, refreshed or imported) and as planned; cty.NilVal
	// for a type without an identity schema, null when none is known.
	BeforeIdentity, AfterIdentity cty.Value
	// Type is the resource type's schema type, used to encode Before and
	// After.
	Type cty.Type
	// SchemaVersion is the resource type's schema version.
	SchemaVersion int64
	// RequiredReplace lists the attribute paths whose change forces
	// replacement.
	RequiredReplace []cty.Path
	// Private is the provider's planned private data.
	Private []byte
	// Site is the site the instance goes to when it belongs to a placed
	// component.
	Site string
	// Importing is set when the instance is imported by an import block.
	Importing *Importing
	// Dependencies are the resources this one depends on, for the apply's
	// ordering and for the state.
	Dependencies []config.AbsResource
	// PriorDependencies are the dependencies the prior state records of
	// the object Before is (shown in the JSON plan's prior_state).
	PriorDependencies []config.AbsResource
	// CreateBeforeDestroy is the create_before_destroy in force: the
	// resource's own lifecycle setting or one forced by a dependent's (for
	// a deletion, the state's). The apply orders by it and records it.
	CreateBeforeDestroy bool
}

// Importing describes an import planned for a resource instance.
type Importing struct {
	// ID is the import id, or "" when the import is by Identity, a value
	// of the resource type's identity schema.
	ID       string
	Identity cty.Value
}

// OutputChange is the planned value of a root module output.
type OutputChange struct {
	Name          string
	Action        Action
	Before, After cty.Value
	Sensitive     bool
}

// Placement says where a placed component goes.
type Placement struct {
	// Addr is the deployment, storage or component placed.
	Addr config.ObjectAddr
	// Sites are the chosen sites (one, or several copies of a storage).
	Sites []string
	// Previous are the sites recorded in state, when the component was
	// placed before.
	Previous []string
	// Ranking is the full ranking, with every candidate's score parts and
	// every rejected site's reasons.
	Ranking rank.Ranking
	// Fallback says whether apply may move the component to the next site
	// when creating it fails.
	Fallback bool
}

// Note is something the plan tells the user that is not a change.
type Note struct {
	// Subject is the address the note is about, if any.
	Subject string
	Summary string
	Detail  string
}

// IdentityUpdate is the identity a refresh found for a recorded object
// whose recorded identity is absent (the provider had none when the object
// was recorded), partial, or of an older identity schema version.
type IdentityUpdate struct {
	Addr       config.InstanceAddr
	DeposedKey string
	// JSON is the identity, in JSON, of the identity schema's Version.
	JSON    []byte
	Version int64
}

// Changed reports whether the plan would change anything.
func (p *Plan) Changed() bool {
	for _, c := range p.Changes {
		if c.Action != NoOp {
			return true
		}
	}
	for _, o := range p.Outputs {
		if o.Action != NoOp {
			return true
		}
	}
	return false
}

// Counts returns how many instances each action touches, counting a
// replacement once under add and once under destroy, as users read it.
func (p *Plan) Counts() (add, change, destroy, read, imports int) {
	for _, c := range p.Changes {
		if c.DeposedKey == "" && c.Importing != nil {
			imports++
		}
		switch c.Action {
		case Create:
			add++
		case Update:
			change++
		case Delete:
			destroy++
		case DeleteThenCreate, CreateThenDelete:
			add++
			destroy++
		case Read:
			read++
		}
	}
	return
}

// Change returns the change of the current object of addr, or nil.
func (p *Plan) Change(addr config.InstanceAddr) *ResourceChange {
	for _, c := range p.Changes {
		if c.Addr == addr && c.DeposedKey == "" {
			return c
		}
	}
	return nil
}
