// Package jsonstatus is the JSON view of `indigo status -json`: whether
// each storage holds its quality of service, documented in docs/status.md
// and versioned by FormatVersion (a minor version adds fields, a major
// version changes or removes them).
package jsonstatus

import (
	"encoding/json"
	"maps"
	"slices"

	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/indigo-cloud/indigo/planner/status"
)

// FormatVersion is the format_version of the document.
const FormatVersion = "1.0"

type document struct {
	FormatVersion string     `json:"format_version"`
	QoSHolds      bool       `json:"qos_holds"`
	Storages      []*storage `json:"storages"`
}

type storage struct {
	Address       string     `json:"address"`
	Verdict       string     `json:"verdict"`
	QoS           qos        `json:"qos"`
	Sites         []string   `json:"sites"`
	RecordedSites []string   `json:"recorded_sites"`
	Copies        []*copyDoc `json:"copies"`
	Reasons       []reason   `json:"reasons"`
}

type qos struct {
	Copies     int      `json:"copies"`
	Media      []string `json:"media"`
	Locations  []string `json:"locations"`
	Latency    string   `json:"latency,omitempty"`
	Size       float64  `json:"size,omitempty"`
	Redundancy string   `json:"redundancy,omitempty"`
	Lifecycle  []lcRule `json:"lifecycle"`
}

type lcRule struct {
	After      string                     `json:"after,omitempty"`
	Prefix     string                     `json:"prefix,omitempty"`
	Expire     bool                       `json:"expire"`
	Noncurrent bool                       `json:"noncurrent"`
	Transition map[string]json.RawMessage `json:"transition,omitempty"`
}

type copyDoc struct {
	Site        string                       `json:"site"`
	Kind        string                       `json:"kind,omitempty"`
	Location    string                       `json:"location,omitempty"`
	Primary     bool                         `json:"primary"`
	Planned     bool                         `json:"planned"`
	Exists      bool                         `json:"exists"`
	Holder      *holder                      `json:"holder,omitempty"`
	Objects     *int64                       `json:"objects"`
	Bytes       *int64                       `json:"bytes"`
	Replication *replication                 `json:"replication,omitempty"`
	Rules       []map[string]json.RawMessage `json:"rules"`
	Resources   []resource                   `json:"resources"`
}

type holder struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

type replication struct {
	From    string `json:"from,omitempty"`
	Enabled *bool  `json:"enabled,omitempty"`
	InSync  *bool  `json:"in_sync,omitempty"`
	Pending *int64 `json:"pending,omitempty"`
	Failed  *int64 `json:"failed,omitempty"`
	Missing *int64 `json:"missing,omitempty"`
	Extra   *int64 `json:"extra,omitempty"`
	Expired *int64 `json:"expired,omitempty"`
}

type resource struct {
	Address string   `json:"address"`
	Type    string   `json:"type"`
	Exists  bool     `json:"exists"`
	Action  string   `json:"action"`
	Changed []string `json:"changed,omitempty"`
	Drifted bool     `json:"drifted"`
}

type reason struct {
	Verdict  string `json:"verdict"`
	Site     string `json:"site,omitempty"`
	Resource string `json:"resource,omitempty"`
	Message  string `json:"message"`
}

// Marshal encodes a report, indented, without a trailing newline.
func Marshal(rep *status.Report) ([]byte, error) {
	doc := document{FormatVersion: FormatVersion, QoSHolds: rep.Holds(), Storages: []*storage{}}
	for _, st := range rep.Storages {
		s := &storage{
			Address: st.Addr.String(), Verdict: string(st.Verdict),
			Sites: nonNil(st.Sites), RecordedSites: nonNil(st.Recorded),
			Copies: []*copyDoc{}, Reasons: []reason{},
			QoS: qos{Copies: st.QoS.QoS.Copies, Media: nonNil(st.QoS.QoS.Media), Locations: nonNil(st.QoS.QoS.Locations),
				Latency: st.QoS.QoS.Latency, Size: st.QoS.QoS.Size, Redundancy: st.QoS.QoS.Redundancy, Lifecycle: []lcRule{}},
		}
		for _, lr := range st.QoS.Lifecycle {
			r := lcRule{After: status.FormatDuration(lr.After), Prefix: lr.Prefix, Expire: lr.Expire, Noncurrent: lr.Noncurrent}
			for _, k := range slices.Sorted(maps.Keys(lr.Transition)) {
				v, _ := lr.Transition[k].UnmarkDeep()
				b, err := ctyjson.Marshal(v, v.Type())
				if err != nil {
					return nil, err
				}
				if r.Transition == nil {
					r.Transition = map[string]json.RawMessage{}
				}
				r.Transition[k] = b
			}
			s.QoS.Lifecycle = append(s.QoS.Lifecycle, r)
		}
		for _, cp := range st.Copies {
			c := &copyDoc{Site: cp.Site, Kind: cp.Kind, Location: cp.Location, Primary: cp.Primary, Planned: cp.Planned,
				Exists: cp.Exists, Objects: cp.Objects, Bytes: cp.Bytes, Resources: []resource{}}
			if cp.Holder != "" {
				c.Holder = &holder{Kind: cp.HolderKind, Name: cp.Holder}
			}
			if r := cp.Replication; r != nil {
				c.Replication = &replication{From: r.From, Enabled: r.Enabled, InSync: r.InSync, Pending: r.Pending,
					Failed: r.Failed, Missing: r.Missing, Extra: r.Extra, Expired: r.Expired}
			}
			if cp.Rules != nil {
				c.Rules = []map[string]json.RawMessage{}
			}
			for _, rule := range cp.Rules {
				m := map[string]json.RawMessage{}
				if rule.ID != "" {
					m["id"], _ = json.Marshal(rule.ID)
				}
				for k, v := range rule.Attrs {
					b, err := ctyjson.Marshal(v, v.Type())
					if err != nil {
						return nil, err
					}
					m[k] = b
				}
				c.Rules = append(c.Rules, m)
			}
			for _, r := range cp.Resources {
				c.Resources = append(c.Resources, resource{Address: r.Addr.String(), Type: r.Type, Exists: r.Exists,
					Action: r.Action.String(), Changed: r.Changed, Drifted: r.Drifted})
			}
			s.Copies = append(s.Copies, c)
		}
		for _, r := range st.Reasons {
			s.Reasons = append(s.Reasons, reason{Verdict: string(r.Verdict), Site: r.Site, Resource: r.Resource, Message: r.Message})
		}
		doc.Storages = append(doc.Storages, s)
	}
	return json.MarshalIndent(doc, "", "  ")
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
