package osdouble

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// neutronTime is the timestamp format of Neutron's bodies.
const neutronTime = "2006-01-02T15:04:05Z"

// The MTU range a network may ask for: IPv4's minimum up to the physical
// network's MTU, Neutron's default global_physnet_mtu.
const (
	minMTU     = 68
	defaultMTU = 1500
)

// Network is a network the double holds, in the shape GET
// /v2.0/networks/{id} shows it.
type Network struct {
	ID                    string   `json:"id"`
	Name                  string   `json:"name"`
	Description           string   `json:"description"`
	AdminStateUp          bool     `json:"admin_state_up"`
	Status                string   `json:"status"`
	Shared                bool     `json:"shared"`
	External              bool     `json:"router:external"`
	ProjectID             string   `json:"project_id"`
	TenantID              string   `json:"tenant_id"`
	MTU                   int      `json:"mtu"`
	PortSecurityEnabled   bool     `json:"port_security_enabled"`
	Subnets               []string `json:"subnets"`
	AvailabilityZoneHints []string `json:"availability_zone_hints"`
	AvailabilityZones     []string `json:"availability_zones"`
	Tags                  []string `json:"tags"`
	RevisionNumber        int      `json:"revision_number"`
	CreatedAt             string   `json:"created_at"`
	UpdatedAt             string   `json:"updated_at"`
}

func (n Network) clone() Network {
	n.Subnets = slices.Clone(n.Subnets)
	n.AvailabilityZoneHints = slices.Clone(n.AvailabilityZoneHints)
	n.AvailabilityZones = slices.Clone(n.AvailabilityZones)
	n.Tags = slices.Clone(n.Tags)
	return n
}

// Networks returns every network, ordered by name then id.
func (s *Server) Networks() []Network {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Network, 0, len(s.networks))
	for _, n := range s.networks {
		out = append(out, n.clone())
	}
	slices.SortFunc(out, func(a, b Network) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// Network returns the network with the given id.
func (s *Server) Network(id string) (Network, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.networks[id]
	return n.clone(), ok
}

// DeleteNetwork removes a network, as someone else would from outside, and
// reports whether it existed.
func (s *Server) DeleteNetwork(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.networks[id]
	delete(s.networks, id)
	for sid, sn := range s.subnets {
		if sn.NetworkID == id {
			delete(s.subnets, sid)
		}
	}
	return ok
}

func writeNeutronError(w http.ResponseWriter, status int, typ, message string) {
	writeJSON(w, status, map[string]any{"NeutronError": map[string]string{
		"type":    typ,
		"message": message,
		"detail":  "",
	}})
}

func writeBadRequest(w http.ResponseWriter, message string) {
	writeNeutronError(w, http.StatusBadRequest, "HTTPBadRequest", message)
}

func writeNetworkNotFound(w http.ResponseWriter, id string) {
	writeNeutronError(w, http.StatusNotFound, "NetworkNotFound", fmt.Sprintf("Network %s could not be found.", id))
}

// change sets one attribute of a network.
type change func(*Network)

// networkAttr is a network attribute a request body may set: in which
// requests, and how its JSON value becomes a change.
type networkAttr struct {
	create, update bool
	parse          func(raw json.RawMessage) (change, error)
}

func stringAttr(field func(*Network) *string) func(json.RawMessage) (change, error) {
	return func(raw json.RawMessage) (change, error) {
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("%s is not a valid string", raw)
		}
		if len(v) > 255 {
			return nil, fmt.Errorf("'%s' exceeds maximum length of 255", v)
		}
		return func(n *Network) { *field(n) = v }, nil
	}
}

func boolAttr(field func(*Network) *bool) func(json.RawMessage) (change, error) {
	return func(raw json.RawMessage) (change, error) {
		var v bool
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("'%s' is not a valid boolean value", raw)
		}
		return func(n *Network) { *field(n) = v }, nil
	}
}

func parseMTU(raw json.RawMessage) (change, error) {
	var v int
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("'%s' is not an integer", raw)
	}
	if v < minMTU || v > defaultMTU {
		return nil, fmt.Errorf("'%d' is not in range %d through %d", v, minMTU, defaultMTU)
	}
	return func(n *Network) { n.MTU = v }, nil
}

func parseAZHints(raw json.RawMessage) (change, error) {
	var v []string
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("%s is not a list of strings", raw)
	}
	return func(n *Network) { n.AvailabilityZoneHints = slices.Clone(v) }, nil
}

// networkAttrs are the attributes the double accepts in a body, and in
// which requests. Any other attribute is refused.
var networkAttrs = map[string]networkAttr{
	"name":                    {true, true, stringAttr(func(n *Network) *string { return &n.Name })},
	"description":             {true, true, stringAttr(func(n *Network) *string { return &n.Description })},
	"tenant_id":               {true, false, stringAttr(func(n *Network) *string { return &n.TenantID })},
	"project_id":              {true, false, stringAttr(func(n *Network) *string { return &n.ProjectID })},
	"admin_state_up":          {true, true, boolAttr(func(n *Network) *bool { return &n.AdminStateUp })},
	"shared":                  {true, true, boolAttr(func(n *Network) *bool { return &n.Shared })},
	"router:external":         {true, true, boolAttr(func(n *Network) *bool { return &n.External })},
	"port_security_enabled":   {true, true, boolAttr(func(n *Network) *bool { return &n.PortSecurityEnabled })},
	"mtu":                     {true, true, parseMTU},
	"availability_zone_hints": {true, false, parseAZHints},
}

// readOnlyNetworkAttrs are attributes Neutron shows but no request may set.
var readOnlyNetworkAttrs = []string{"id", "status", "subnets", "availability_zones", "tags", "revision_number", "created_at", "updated_at"}

// networkChanges reads a body {"network": {...}} into the changes it asks
// for, checking that each attribute may be set in this request (create or
// update). Nothing is changed until the caller applies them, so a refused
// body changes nothing.
func networkChanges(r *http.Request, create bool) ([]change, error) {
	var body struct {
		Network map[string]json.RawMessage `json:"network"`
	}
	if err := decodeBody(r, &body, false); err != nil {
		return nil, err
	}
	if body.Network == nil {
		return nil, errors.New("Resource body required: it must contain 'network'")
	}
	var changes []change
	var unknown []string
	for _, k := range slices.Sorted(maps.Keys(body.Network)) {
		attr, known := networkAttrs[k]
		switch {
		case slices.Contains(readOnlyNetworkAttrs, k), known && create && !attr.create, known && !create && !attr.update:
			return nil, fmt.Errorf("Attribute '%s' not allowed in %s", k, r.Method)
		case !known:
			unknown = append(unknown, k)
			continue
		}
		c, err := attr.parse(body.Network[k])
		if err != nil {
			return nil, fmt.Errorf("Invalid input for %s. Reason: %w.", k, err)
		}
		changes = append(changes, c)
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("Unrecognized attribute(s) '%s'", strings.Join(unknown, ", "))
	}
	return changes, nil
}

func (s *Server) createNetwork(w http.ResponseWriter, r *http.Request) {
	now := time.Now().UTC().Format(neutronTime)
	n := Network{
		ID:                    newUUID(),
		AdminStateUp:          true,
		Status:                "ACTIVE",
		MTU:                   defaultMTU,
		PortSecurityEnabled:   true,
		Subnets:               []string{},
		AvailabilityZoneHints: []string{},
		AvailabilityZones:     []string{},
		Tags:                  []string{},
		CreatedAt:             now,
		UpdatedAt:             now,
	}
	changes, err := networkChanges(r, true)
	if err != nil {
		writeBadRequest(w, err.Error())
		return
	}
	for _, c := range changes {
		c(&n)
	}
	switch {
	case n.TenantID != "" && n.ProjectID != "" && n.TenantID != n.ProjectID:
		writeBadRequest(w, "'project_id' and 'tenant_id' do not match")
		return
	case n.TenantID == "" && n.ProjectID == "":
		n.ProjectID = s.projectID
	case n.ProjectID == "":
		n.ProjectID = n.TenantID
	}
	n.TenantID = n.ProjectID
	s.mu.Lock()
	s.networks[n.ID] = n
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"network": n.clone()})
}

func (s *Server) showNetwork(w http.ResponseWriter, r *http.Request) {
	n, ok := s.Network(r.PathValue("id"))
	if !ok {
		writeNetworkNotFound(w, r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"network": n})
}

func (s *Server) updateNetwork(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	changes, err := networkChanges(r, false)
	if err != nil {
		writeBadRequest(w, err.Error())
		return
	}
	s.mu.Lock()
	n, ok := s.networks[id]
	if ok {
		for _, c := range changes {
			c(&n)
		}
		n.RevisionNumber++
		n.UpdatedAt = time.Now().UTC().Format(neutronTime)
		s.networks[id] = n
		n = n.clone()
	}
	s.mu.Unlock()
	if !ok {
		writeNetworkNotFound(w, id)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"network": n})
}

// deleteNetwork refuses a network that still has ports, as Neutron does
// (NetworkInUse); its subnets go with it.
func (s *Server) deleteNetwork(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	inUse := slices.ContainsFunc(slices.Collect(maps.Values(s.ports)), func(p Port) bool { return p.NetworkID == id })
	s.mu.Unlock()
	if inUse {
		writeNeutronError(w, http.StatusConflict, "NetworkInUse", fmt.Sprintf("Unable to complete operation on network %s. There are one or more ports still in use on the network.", id))
		return
	}
	if !s.DeleteNetwork(id) {
		writeNetworkNotFound(w, id)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// networkFilters are the query parameters GET /v2.0/networks filters on.
var networkFilters = []string{"id", "name", "description", "status", "admin_state_up", "shared", "router:external", "tenant_id", "project_id", "mtu", "port_security_enabled"}

func (s *Server) listNetworks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k := range q {
		if !slices.Contains(networkFilters, k) {
			writeBadRequest(w, fmt.Sprintf("[%s] is invalid attribute for filtering", k))
			return
		}
	}
	list := []Network{}
	for _, n := range s.Networks() {
		if networkMatches(n, q) {
			list = append(list, n)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"networks": list})
}

// networkMatches reports whether n has, for every filter, one of the values
// asked for (repeating a parameter asks for any of its values).
func networkMatches(n Network, q map[string][]string) bool {
	fields := map[string]string{
		"id": n.ID, "name": n.Name, "description": n.Description, "status": n.Status,
		"admin_state_up": strconv.FormatBool(n.AdminStateUp), "shared": strconv.FormatBool(n.Shared),
		"router:external": strconv.FormatBool(n.External), "tenant_id": n.TenantID, "project_id": n.ProjectID,
		"mtu": strconv.Itoa(n.MTU), "port_security_enabled": strconv.FormatBool(n.PortSecurityEnabled),
	}
	for k, want := range q {
		got := fields[k]
		if !slices.ContainsFunc(want, func(v string) bool { return v == got || strings.EqualFold(v, got) && (got == "true" || got == "false") }) {
			return false
		}
	}
	return true
}

// networkVersion answers GET /v2.0: the resources this Networking API
// offers (networks only).
func (s *Server) networkVersion(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"resources": []map[string]any{{
		"name":       "network",
		"collection": "networks",
		"links":      []link{{Rel: "self", Href: s.URL() + "/v2.0/networks"}},
	}}})
}
