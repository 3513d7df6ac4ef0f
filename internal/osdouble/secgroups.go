package osdouble

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// SecurityGroupRule is a rule of a Neutron security group.
type SecurityGroupRule struct {
	ID              string  `json:"id"`
	SecurityGroupID string  `json:"security_group_id"`
	Direction       string  `json:"direction"`
	EtherType       string  `json:"ethertype"`
	Protocol        *string `json:"protocol"`
	PortRangeMin    *int    `json:"port_range_min"`
	PortRangeMax    *int    `json:"port_range_max"`
	RemoteIPPrefix  *string `json:"remote_ip_prefix"`
	RemoteGroupID   *string `json:"remote_group_id"`
	Description     string  `json:"description"`
	ProjectID       string  `json:"project_id"`
	TenantID        string  `json:"tenant_id"`
}

// SecurityGroup is a Neutron security group the double holds.
type SecurityGroup struct {
	ID, Name, Description string
}

// SecurityGroups returns every security group, ordered by name then id.
func (s *Server) SecurityGroups() []SecurityGroup {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SecurityGroup, 0, len(s.secGroups))
	for _, g := range s.secGroups {
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b SecurityGroup) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
	return out
}

// SecurityGroupRules returns the rules of a security group, ordered by id.
func (s *Server) SecurityGroupRules(groupID string) []SecurityGroupRule {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []SecurityGroupRule
	for _, r := range s.secRules {
		if r.SecurityGroupID == groupID {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b SecurityGroupRule) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// secGroupBody shows a group with its rules. The caller holds s.mu.
func (s *Server) secGroupBody(g SecurityGroup) map[string]any {
	rules := []SecurityGroupRule{}
	for _, r := range s.secRules {
		if r.SecurityGroupID == g.ID {
			rules = append(rules, r)
		}
	}
	slices.SortFunc(rules, func(a, b SecurityGroupRule) int { return strings.Compare(a.ID, b.ID) })
	return map[string]any{
		"id": g.ID, "name": g.Name, "description": g.Description, "security_group_rules": rules,
		"project_id": s.projectID, "tenant_id": s.projectID, "stateful": true, "tags": []string{},
		"revision_number": 1, "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
	}
}

func writeSecGroupNotFound(w http.ResponseWriter, id string) {
	writeNeutronError(w, http.StatusNotFound, "SecurityGroupNotFound", fmt.Sprintf("Security group %s does not exist", id))
}

// createSecGroup answers POST /v2.0/security-groups. As Neutron does, a new
// group has two egress rules (IPv4 and IPv6, anywhere).
func (s *Server) createSecGroup(w http.ResponseWriter, r *http.Request) {
	var body struct {
		SecurityGroup *struct {
			Name        string `json:"name"`
			Description string `json:"description"`
		} `json:"security_group"`
	}
	if err := decodeBody(r, &body, false); err != nil || body.SecurityGroup == nil {
		writeBadRequest(w, fmt.Sprintf("Resource body required: it must contain 'security_group' (%v)", err))
		return
	}
	g := SecurityGroup{ID: newUUID(), Name: body.SecurityGroup.Name, Description: body.SecurityGroup.Description}
	s.mu.Lock()
	s.secGroups[g.ID] = g
	for _, et := range []string{"IPv4", "IPv6"} {
		id := newUUID()
		s.secRules[id] = SecurityGroupRule{ID: id, SecurityGroupID: g.ID, Direction: "egress", EtherType: et, ProjectID: s.projectID, TenantID: s.projectID}
	}
	b := s.secGroupBody(g)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"security_group": b})
}

func (s *Server) showSecGroup(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	g, ok := s.secGroups[r.PathValue("id")]
	var b map[string]any
	if ok {
		b = s.secGroupBody(g)
	}
	s.mu.Unlock()
	if !ok {
		writeSecGroupNotFound(w, r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"security_group": b})
}

func (s *Server) listSecGroups(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	list := []map[string]any{}
	for _, g := range s.secGroups {
		if v := q.Get("name"); v != "" && v != g.Name {
			continue
		}
		if v := q.Get("id"); v != "" && v != g.ID {
			continue
		}
		list = append(list, s.secGroupBody(g))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"security_groups": list})
}

// deleteSecGroup refuses a group a port still uses, as Neutron does.
func (s *Server) deleteSecGroup(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.secGroups[id]; !ok {
		writeSecGroupNotFound(w, id)
		return
	}
	for _, p := range s.ports {
		if slices.Contains(p.SecurityGroups, id) {
			writeNeutronError(w, http.StatusConflict, "SecurityGroupInUse", fmt.Sprintf("Security Group %s in use.", id))
			return
		}
	}
	delete(s.secGroups, id)
	for rid, rule := range s.secRules {
		if rule.SecurityGroupID == id {
			delete(s.secRules, rid)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) createSecRule(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Rule *SecurityGroupRule `json:"security_group_rule"`
	}
	if err := decodeBody(r, &body, false); err != nil || body.Rule == nil {
		writeBadRequest(w, fmt.Sprintf("Resource body required: it must contain 'security_group_rule' (%v)", err))
		return
	}
	rule := *body.Rule
	switch {
	case rule.Direction != "ingress" && rule.Direction != "egress":
		writeBadRequest(w, fmt.Sprintf("Invalid input for direction. Reason: '%s' is not in ['ingress', 'egress'].", rule.Direction))
		return
	case rule.EtherType == "":
		rule.EtherType = "IPv4"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.secGroups[rule.SecurityGroupID]; !ok {
		writeSecGroupNotFound(w, rule.SecurityGroupID)
		return
	}
	rule.ID, rule.ProjectID, rule.TenantID = newUUID(), s.projectID, s.projectID
	s.secRules[rule.ID] = rule
	writeJSON(w, http.StatusCreated, map[string]any{"security_group_rule": rule})
}

func (s *Server) showSecRule(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	rule, ok := s.secRules[r.PathValue("id")]
	s.mu.Unlock()
	if !ok {
		writeNeutronError(w, http.StatusNotFound, "SecurityGroupRuleNotFound", fmt.Sprintf("Security group rule %s does not exist", r.PathValue("id")))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"security_group_rule": rule})
}

func (s *Server) deleteSecRule(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	_, ok := s.secRules[id]
	delete(s.secRules, id)
	s.mu.Unlock()
	if !ok {
		writeNeutronError(w, http.StatusNotFound, "SecurityGroupRuleNotFound", fmt.Sprintf("Security group rule %s does not exist", id))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
