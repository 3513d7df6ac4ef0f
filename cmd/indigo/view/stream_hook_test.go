package view

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestStreamHookMessagesAsTerraform checks the messages of apply_start,
// apply_complete and apply_errored against what Terraform 1.11 writes with
// -json (taken from its output for hashicorp/local, plan and apply): a
// data source's read is a refresh there, the outcome is named by a noun,
// and apply_errored is at level info (the diagnostic carries the error).
func TestStreamHookMessagesAsTerraform(t *testing.T) {
	for _, c := range []struct {
		kind, addr, verb, detail string
		elapsed                  time.Duration
		typ, level, msg          string
	}{
		{"start", "data.local_file.b", "Reading", "", 0, "apply_start", "info", "data.local_file.b: Refreshing..."},
		{"done", "data.local_file.b", "Reading", "id=94ba", 0, "apply_complete", "info", "data.local_file.b: Refresh complete after 0s [id=94ba]"},
		{"start", "local_file.a", "Creating", "", 0, "apply_start", "info", "local_file.a: Creating..."},
		{"done", "local_file.a", "Creating", "id=1", 2 * time.Second, "apply_complete", "info", "local_file.a: Creation complete after 2s [id=1]"},
		{"error", "local_file.a", "Creating", "", 0, "apply_errored", "info", "local_file.a: Creation errored after 0s"},
		{"error", "local_file.a", "Destroying", "", 0, "apply_errored", "info", "local_file.a: Destruction errored after 0s"},
	} {
		var out bytes.Buffer
		NewStream(&out).Hook(c.kind, c.addr, c.verb, c.elapsed, c.detail)
		var m map[string]any
		if err := json.Unmarshal(bytes.TrimSpace(out.Bytes()), &m); err != nil {
			t.Fatalf("%s %s: %v: %s", c.kind, c.verb, err, out.String())
		}
		if m["type"] != c.typ || m["@level"] != c.level || m["@message"] != c.msg {
			t.Errorf("%s %s: %v %v %q, want %s %s %q", c.kind, c.verb, m["type"], m["@level"], m["@message"], c.typ, c.level, c.msg)
		}
		if h, _ := m["hook"].(map[string]any); !strings.HasPrefix(c.typ, "apply_") || h["action"] == nil {
			t.Errorf("%s %s: no hook.action: %s", c.kind, c.verb, out.String())
		}
	}
}
