package view

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/state"
)

// StreamUIVersion is the "ui" version the first message of the stream
// carries: the version of Terraform's machine-readable UI whose messages
// the stream follows (docs/json-ui.md).
const StreamUIVersion = "1.2"

// StreamTerraformVersion is the Terraform release whose UI format the
// stream follows; it fills the version message's "terraform" field, which
// tools read to pick a parser.
const StreamTerraformVersion = "1.11.0"

// Stream writes the streaming machine-readable UI of plan, apply and
// refresh with -json: one JSON object a line, each with @level, @message,
// @module, @timestamp and type, as Terraform's documented format has it.
// It is safe for concurrent use (apply reports from several goroutines).
type Stream struct {
	mu  sync.Mutex
	w   io.Writer
	Now func() time.Time
}

// NewStream returns a stream writing to w.
func NewStream(w io.Writer) *Stream { return &Stream{w: w, Now: time.Now} }

// StreamResource is a resource instance as the messages name it.
type StreamResource struct {
	Addr            string `json:"addr"`
	Module          string `json:"module"`
	Resource        string `json:"resource"`
	ImpliedProvider string `json:"implied_provider"`
	ResourceType    string `json:"resource_type"`
	ResourceName    string `json:"resource_name"`
	ResourceKey     any    `json:"resource_key"`
}

func streamResource(addr config.InstanceAddr) StreamResource {
	r := StreamResource{
		Addr:         addr.String(),
		Module:       string(addr.Module),
		Resource:     addr.Resource.String() + config.KeyString(addr.Key),
		ResourceType: addr.Resource.Type,
		ResourceName: addr.Resource.Name,
	}
	if i := strings.IndexByte(r.ResourceType, '_'); i > 0 {
		r.ImpliedProvider = r.ResourceType[:i]
	} else {
		r.ImpliedProvider = r.ResourceType
	}
	if addr.Key != nil {
		k := addr.Key.Value()
		if k.Type().FriendlyName() == "number" {
			bf := k.AsBigFloat()
			n, _ := bf.Int64()
			r.ResourceKey = n
		} else if k.IsKnown() && !k.IsNull() {
			r.ResourceKey = k.AsString()
		}
	}
	return r
}

// emit writes one message.
func (s *Stream) emit(level, typ, msg string, fields map[string]any) {
	m := map[string]any{
		"@level":     level,
		"@message":   msg,
		"@module":    "terraform.ui",
		"@timestamp": s.Now().Format("2006-01-02T15:04:05.000000Z07:00"),
		"type":       typ,
	}
	for k, v := range fields {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		b, _ = json.Marshal(map[string]any{"@level": "error", "@message": "encoding a UI message: " + err.Error(), "type": "log"})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.w.Write(append(b, '\n'))
}

// Version writes the first message.
func (s *Stream) Version(indigoVersion string) {
	s.emit("info", "version", "indigo "+indigoVersion, map[string]any{
		"terraform": StreamTerraformVersion, "indigo": indigoVersion, "ui": StreamUIVersion,
	})
}

// Log writes a free-text message.
func (s *Stream) Log(msg string) { s.emit("info", "log", msg, nil) }

// uiAction names a planned action as the stream does.
func uiAction(a plan.Action, importing bool) string {
	switch {
	case a == plan.NoOp && importing:
		return "import"
	case a.IsReplace():
		return "replace"
	case a == plan.Forget:
		return "remove"
	case a == plan.NoOp:
		return "noop"
	}
	return a.String()
}

func changeMessage(addr, action string) string {
	switch action {
	case "create":
		return addr + ": Plan to create"
	case "update":
		return addr + ": Plan to update"
	case "replace":
		return addr + ": Plan to replace"
	case "delete":
		return addr + ": Plan to delete"
	case "read":
		return addr + ": Plan to read"
	case "remove":
		return addr + ": Plan to remove"
	case "import":
		return addr + ": Plan to import"
	}
	return addr + ": No changes"
}

func (s *Stream) change(typ string, rc *plan.ResourceChange) {
	action := uiAction(rc.Action, rc.Importing != nil)
	ch := map[string]any{"resource": streamResource(rc.Addr), "action": action}
	// Drift says what changed outside indigo, with no reason of its own
	// (as Terraform writes it).
	if rc.Reason != plan.ReasonNone && !(typ == "resource_drift" && rc.Reason == plan.ReasonRefreshDrift) {
		ch["reason"] = string(rc.Reason)
	}
	if rc.PrevAddr != (config.InstanceAddr{}) && rc.PrevAddr.String() != rc.Addr.String() {
		ch["previous_resource"] = streamResource(rc.PrevAddr)
	}
	if rc.Site != "" {
		ch["site"] = rc.Site
	}
	addr := rc.Addr.String()
	if rc.DeposedKey != "" {
		ch["deposed"] = rc.DeposedKey
		addr += " (deposed object " + rc.DeposedKey + ")"
	}
	msg := changeMessage(addr, action)
	if typ == "resource_drift" {
		msg = addr + ": Drift detected (" + action + ")"
	}
	s.emit("info", typ, msg, map[string]any{"change": ch})
}

// Plan writes what a plan found: a resource_drift message for each
// object changed outside indigo, a planned_change for each change, and the
// change_summary. The caller writes diagnostics.
func (s *Stream) Plan(p *plan.Plan) {
	for _, rc := range p.Drift {
		s.change("resource_drift", rc)
	}
	for _, rc := range p.Changes {
		if rc.Action == plan.NoOp && rc.Importing == nil {
			continue
		}
		s.change("planned_change", rc)
	}
	add, change, destroy, _, imports := p.Counts()
	op := "plan"
	// "Plan: 0 to add, ..." with nothing to do too, as Terraform writes it.
	msg := fmt.Sprintf("Plan: %d to add, %d to change, %d to destroy.", add, change, destroy)
	s.Summary(op, msg, add, change, destroy, imports)
	s.plannedOutputs(p.Outputs)
}

// plannedOutputs writes a plan's outputs message: each root output with
// what the plan does to it, as Terraform's plan -json does (no values).
func (s *Stream) plannedOutputs(outputs []*plan.OutputChange) {
	m := map[string]any{}
	for _, o := range outputs {
		if o == nil {
			continue
		}
		action := "noop"
		switch o.Action {
		case plan.Create:
			action = "create"
		case plan.Update:
			action = "update"
		case plan.Delete:
			action = "delete"
		}
		m[o.Name] = map[string]any{"sensitive": o.Sensitive, "action": action}
	}
	if len(m) > 0 {
		s.emit("info", "outputs", fmt.Sprintf("Outputs: %d", len(m)), map[string]any{"outputs": m})
	}
}

// Summary writes a change_summary message.
func (s *Stream) Summary(operation, msg string, add, change, destroy, imports int) {
	s.emit("info", "change_summary", msg, map[string]any{"changes": map[string]any{
		"add": add, "change": change, "import": imports, "remove": destroy, "operation": operation,
	}})
}

// hookActions maps the progress events' verbs to the stream's actions.
var hookActions = map[string]string{"Creating": "create", "Modifying": "update", "Destroying": "delete", "Reading": "read"}

// hookNoun names an operation as Terraform's machine-readable messages
// do: "Creation complete after 2s", "Creation errored after 2s".
var hookNoun = map[string]string{"Creating": "Creation", "Modifying": "Modifications", "Destroying": "Destruction", "Reading": "Refresh"}

// hookVerb is the verb those messages use: a data source's read is
// "Refreshing..." there (the human output says "Reading...").
func hookVerb(verb string) string {
	if verb == "Reading" {
		return "Refreshing"
	}
	return verb
}

// Hook writes apply_start, apply_progress, apply_complete or apply_errored
// for one operation: kind is "start", "still", "done" or "error", verb
// "Creating", "Modifying", "Destroying" or "Reading".
func (s *Stream) Hook(kind, addr, verb string, elapsed time.Duration, detail string) {
	ia, diags := config.ParseInstanceAddr(addr)
	if diags.HasErrors() {
		// A placed component or storage rather than a resource: a log line.
		s.Log(fmt.Sprintf("%s: %s %s %s", addr, kind, verb, detail))
		return
	}
	if strings.HasPrefix(kind, "provision_") {
		s.provisionHook(kind, ia, verb, detail)
		return
	}
	hook := map[string]any{"resource": streamResource(ia), "action": hookActions[verb]}
	secs := int(elapsed.Round(time.Second) / time.Second)
	if id, ok := strings.CutPrefix(detail, "id="); ok {
		hook["id_key"], hook["id_value"] = "id", id
	}
	switch kind {
	case "refresh", "refreshed":
		delete(hook, "action")
		typ, msg := "refresh_start", addr+": Refreshing state..."
		if kind == "refreshed" {
			typ, msg = "refresh_complete", addr+": Refresh complete"
		}
		if detail != "" {
			msg += " [" + detail + "]"
		}
		s.emit("info", typ, msg, map[string]any{"hook": hook})
	case "start":
		msg := fmt.Sprintf("%s: %s...", addr, hookVerb(verb))
		if detail != "" {
			msg += " [" + detail + "]"
		}
		s.emit("info", "apply_start", msg, map[string]any{"hook": hook})
	case "still":
		hook["elapsed_seconds"] = secs
		id := ""
		if detail != "" {
			id = detail + ", "
		}
		s.emit("info", "apply_progress", fmt.Sprintf("%s: Still %s... [%s%ds elapsed]", addr, strings.ToLower(hookVerb(verb)), id, secs), map[string]any{"hook": hook})
	case "done":
		hook["elapsed_seconds"] = secs
		msg := fmt.Sprintf("%s: %s complete after %ds", addr, hookNoun[verb], secs)
		if detail != "" {
			msg += " [" + detail + "]"
		}
		s.emit("info", "apply_complete", msg, map[string]any{"hook": hook})
	case "error":
		hook["elapsed_seconds"] = secs
		// At level info, as Terraform writes it: the diagnostic that
		// follows is the error.
		s.emit("info", "apply_errored", fmt.Sprintf("%s: %s errored after %ds", addr, hookNoun[verb], secs), map[string]any{"hook": hook})
	default:
		s.Log(fmt.Sprintf("%s: %s %s", addr, verb, detail))
	}
}

// provisionHook writes Terraform's provision_start, provision_progress,
// provision_complete and provision_errored messages.
func (s *Stream) provisionHook(kind string, addr config.InstanceAddr, provisioner, line string) {
	hook := map[string]any{"resource": streamResource(addr), "provisioner": provisioner}
	switch kind {
	case "provision_start":
		s.emit("info", kind, fmt.Sprintf("%s: Provisioning with '%s'...", addr, provisioner), map[string]any{"hook": hook})
	case "provision_progress":
		hook["output"] = line
		s.emit("info", kind, fmt.Sprintf("%s: (%s): %s", addr, provisioner, line), map[string]any{"hook": hook})
	case "provision_complete":
		s.emit("info", kind, fmt.Sprintf("%s: (%s) Provisioning complete", addr, provisioner), map[string]any{"hook": hook})
	case "provision_errored":
		s.emit("error", kind, fmt.Sprintf("%s: (%s) Provisioning errored", addr, provisioner), map[string]any{"hook": hook})
	}
}

// Emit writes a message of a type no other method writes (indigo test's
// test_run, test_file, ...); fields go at the top level beside @level,
// @message, @module, @timestamp and type.
func (s *Stream) Emit(level, typ, msg string, fields map[string]any) {
	s.emit(level, typ, msg, fields)
}

// Diagnostics writes one diagnostic message each.
func (s *Stream) Diagnostics(diags hcl.Diagnostics, src *Sources) {
	s.DiagnosticsWith(diags, src, nil)
}

// DiagnosticsWith writes one diagnostic message each, with fields added at
// the top level (indigo test's @testfile and @testrun).
func (s *Stream) DiagnosticsWith(diags hcl.Diagnostics, src *Sources, fields map[string]any) {
	for i, jd := range ToJSON(diags, src) {
		level := "error"
		if diags[i].Severity == hcl.DiagWarning {
			level = "warn"
		}
		msg := strings.ToUpper(jd.Severity[:1]) + jd.Severity[1:] + ": " + jd.Summary
		f := map[string]any{"diagnostic": jd}
		for k, v := range fields {
			f[k] = v
		}
		s.emit(level, "diagnostic", msg, f)
	}
}

// Outputs writes the outputs message: every root output the state
// records, sensitive values left out.
func (s *Stream) Outputs(st *state.State) error {
	outs, err := DecodeOutputs(st)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(outs))
	for n := range outs {
		names = append(names, n)
	}
	sort.Strings(names)
	m := map[string]any{}
	for _, n := range names {
		o := outs[n]
		sensitive := o.Sensitive || marks.Contains(o.Value, marks.Sensitive)
		entry := map[string]any{"sensitive": sensitive}
		v, _ := o.Value.UnmarkDeep()
		if t, err := ctyjson.MarshalType(v.Type()); err == nil {
			entry["type"] = json.RawMessage(t)
		}
		if !sensitive {
			if b, err := ctyjson.Marshal(v, v.Type()); err == nil {
				entry["value"] = json.RawMessage(b)
			}
		}
		m[n] = entry
	}
	s.emit("info", "outputs", fmt.Sprintf("Outputs: %d", len(outs)), map[string]any{"outputs": m})
	return nil
}
