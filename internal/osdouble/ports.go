package osdouble

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// FixedIP is an address of a port on a subnet.
type FixedIP struct {
	SubnetID  string `json:"subnet_id"`
	IPAddress string `json:"ip_address"`
}

// Port is a Neutron port the double holds.
type Port struct {
	ID, Name, NetworkID   string
	MACAddress            string
	FixedIPs              []FixedIP
	DeviceID, DeviceOwner string
	// SecurityGroups are the ids of the port's security groups.
	SecurityGroups []string
	// novaOwned: Nova created it for a server booted on a network, and
	// deletes it with the server.
	novaOwned bool
}

// Subnet is a Neutron subnet the double holds.
type Subnet struct {
	ID, Name, NetworkID, CIDR string
	IPVersion                 int
	// next is the host number the next port gets.
	next int
}

// FloatingIP is a Neutron floating IP the double holds.
type FloatingIP struct {
	ID                string   `json:"id"`
	FloatingIPAddress string   `json:"floating_ip_address"`
	FloatingNetworkID string   `json:"floating_network_id"`
	PortID            *string  `json:"port_id"`
	FixedIPAddress    *string  `json:"fixed_ip_address"`
	Status            string   `json:"status"`
	ProjectID         string   `json:"project_id"`
	TenantID          string   `json:"tenant_id"`
	Description       string   `json:"description"`
	RouterID          *string  `json:"router_id"`
	Tags              []string `json:"tags"`
}

// Ports returns every port, ordered by network then id.
func (s *Server) Ports() []Port {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Port, 0, len(s.ports))
	for _, p := range s.ports {
		p.FixedIPs = slices.Clone(p.FixedIPs)
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b Port) int {
		return cmp.Or(strings.Compare(a.NetworkID, b.NetworkID), strings.Compare(a.ID, b.ID))
	})
	return out
}

// Subnets returns every subnet, ordered by name then id.
func (s *Server) Subnets() []Subnet {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Subnet, 0, len(s.subnets))
	for _, sn := range s.subnets {
		out = append(out, *sn)
	}
	slices.SortFunc(out, func(a, b Subnet) int { return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID)) })
	return out
}

// FloatingIPs returns every floating IP, ordered by address.
func (s *Server) FloatingIPs() []FloatingIP {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]FloatingIP, 0, len(s.floatingIPs))
	for _, f := range s.floatingIPs {
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b FloatingIP) int { return strings.Compare(a.FloatingIPAddress, b.FloatingIPAddress) })
	return out
}

// AddNetwork creates a network (with one /24 subnet when cidr is not
// empty) as an administrator would before a user arrives: the
// project's private network, or with external an external one floating
// IPs come from. It returns the network's id.
func (s *Server) AddNetwork(name, cidr string, external bool) string {
	now := time.Now().UTC().Format(neutronTime)
	n := Network{ID: newUUID(), Name: name, AdminStateUp: true, Status: "ACTIVE", External: external, Shared: external,
		ProjectID: s.projectID, TenantID: s.projectID, MTU: defaultMTU, PortSecurityEnabled: true, Subnets: []string{},
		AvailabilityZoneHints: []string{}, AvailabilityZones: []string{"nova"}, Tags: []string{}, CreatedAt: now, UpdatedAt: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cidr != "" {
		sn := &Subnet{ID: newUUID(), Name: name + "-subnet", NetworkID: n.ID, CIDR: cidr, IPVersion: 4, next: 10}
		s.subnets[sn.ID] = sn
		n.Subnets = append(n.Subnets, sn.ID)
	}
	s.networks[n.ID] = n
	return n.ID
}

// nextAddress hands out the next address of a subnet: a /24 given as
// a.b.c.0/24 gets a.b.c.10, a.b.c.11, ...
func (sn *Subnet) nextAddress() string {
	base, _, _ := strings.Cut(sn.CIDR, "/")
	i := strings.LastIndexByte(base, '.')
	addr := fmt.Sprintf("%s.%d", base[:i], sn.next)
	sn.next++
	return addr
}

// freeAddressLocked hands out the next address of a subnet no port holds
// (one may have asked for it by name). The caller holds s.mu.
func (s *Server) freeAddressLocked(sn *Subnet) string {
	for {
		addr := sn.nextAddress()
		if !slices.ContainsFunc(slices.Collect(maps.Values(s.ports)), func(p Port) bool {
			return slices.ContainsFunc(p.FixedIPs, func(ip FixedIP) bool { return ip.IPAddress == addr })
		}) {
			return addr
		}
	}
}

// newPortLocked makes a port on a network with the fixed IPs given, or,
// when nil, an address of its first subnet. The caller holds s.mu and
// stores it.
func (s *Server) newPortLocked(networkID, name string, fixed []FixedIP) Port {
	p := Port{ID: newUUID(), Name: name, NetworkID: networkID, FixedIPs: []FixedIP{}}
	id := strings.ReplaceAll(p.ID, "-", "")
	p.MACAddress = "fa:16:3e:" + id[0:2] + ":" + id[2:4] + ":" + id[4:6]
	if fixed != nil {
		p.FixedIPs = fixed
		return p
	}
	if n := s.networks[networkID]; len(n.Subnets) > 0 {
		if sn := s.subnets[n.Subnets[0]]; sn != nil {
			p.FixedIPs = append(p.FixedIPs, FixedIP{SubnetID: sn.ID, IPAddress: s.freeAddressLocked(sn)})
		}
	}
	return p
}

// DeletePort removes a port as someone else would from outside (drift),
// with what Neutron and Nova do on a delete, and reports whether it
// existed.
func (s *Server) DeletePort(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.ports[id]
	if ok {
		s.deletePortLocked(id)
	}
	return ok
}

// deletePortLocked removes a port, detaches it from its server (as Nova
// does when Neutron tells it the interface is gone) and disassociates
// floating IPs from it. The caller holds s.mu.
func (s *Server) deletePortLocked(id string) {
	if p := s.ports[id]; p.DeviceID != "" {
		if sv, ok := s.servers[p.DeviceID]; ok {
			sv.Ports = slices.DeleteFunc(slices.Clone(sv.Ports), func(pid string) bool { return pid == id })
			s.servers[sv.ID] = sv
		}
	}
	delete(s.ports, id)
	for fid, f := range s.floatingIPs {
		if f.PortID != nil && *f.PortID == id {
			f.PortID, f.FixedIPAddress, f.Status = nil, nil, "DOWN"
			s.floatingIPs[fid] = f
		}
	}
}

func (s *Server) portBody(p Port) map[string]any {
	status := "DOWN"
	if p.DeviceID != "" {
		status = "ACTIVE"
	}
	return map[string]any{
		"id": p.ID, "name": p.Name, "network_id": p.NetworkID, "mac_address": p.MACAddress, "fixed_ips": p.FixedIPs,
		"device_id": p.DeviceID, "device_owner": p.DeviceOwner, "status": status, "admin_state_up": true,
		"project_id": s.projectID, "tenant_id": s.projectID, "description": "", "security_groups": append([]string{}, p.SecurityGroups...),
		"allowed_address_pairs": []any{}, "extra_dhcp_opts": []any{}, "port_security_enabled": true,
		"tags": []string{}, "dns_name": "", "dns_assignment": []any{}, "binding:vnic_type": "normal",
		"binding:host_id": "", "binding:profile": map[string]any{}, "binding:vif_details": map[string]any{}, "binding:vif_type": "unbound",
		"revision_number": 1, "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
	}
}

func (s *Server) createPort(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Port *struct {
			NetworkID      string    `json:"network_id"`
			Name           string    `json:"name"`
			SecurityGroups []string  `json:"security_groups"`
			FixedIPs       []FixedIP `json:"fixed_ips"`
		} `json:"port"`
	}
	if err := decodeBody(r, &body, false); err != nil || body.Port == nil {
		writeBadRequest(w, fmt.Sprintf("Resource body required: it must contain 'port' (%v)", err))
		return
	}
	s.mu.Lock()
	if _, ok := s.networks[body.Port.NetworkID]; !ok {
		s.mu.Unlock()
		writeNetworkNotFound(w, body.Port.NetworkID)
		return
	}
	for _, g := range body.Port.SecurityGroups {
		if _, ok := s.secGroups[g]; !ok {
			s.mu.Unlock()
			writeSecGroupNotFound(w, g)
			return
		}
	}
	var fixed []FixedIP
	if body.Port.FixedIPs != nil {
		var status int
		var typ, msg string
		if fixed, status, typ, msg = s.fixedIPsLocked(body.Port.NetworkID, body.Port.FixedIPs); status != 0 {
			s.mu.Unlock()
			writeNeutronError(w, status, typ, msg)
			return
		}
	}
	p := s.newPortLocked(body.Port.NetworkID, body.Port.Name, fixed)
	p.SecurityGroups = slices.Clone(body.Port.SecurityGroups)
	s.ports[p.ID] = p
	b := s.portBody(p)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"port": b})
}

func (s *Server) showPort(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p, ok := s.ports[r.PathValue("id")]
	s.mu.Unlock()
	if !ok {
		writeNeutronError(w, http.StatusNotFound, "PortNotFound", fmt.Sprintf("Port %s could not be found.", r.PathValue("id")))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"port": s.portBody(p)})
}

// updatePort accepts a PUT and changes nothing the double models, as an
// update of attributes it does not keep.
func (s *Server) updatePort(w http.ResponseWriter, r *http.Request) {
	var body map[string]json.RawMessage
	if err := decodeBody(r, &body, false); err != nil {
		writeBadRequest(w, err.Error())
		return
	}
	s.showPort(w, r)
}

func (s *Server) listPorts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	list := []map[string]any{}
	for _, p := range s.Ports() {
		if v := q.Get("id"); v != "" && v != p.ID {
			continue
		}
		if v := q.Get("device_id"); v != "" && v != p.DeviceID {
			continue
		}
		if v := q.Get("network_id"); v != "" && v != p.NetworkID {
			continue
		}
		if v := q.Get("name"); v != "" && v != p.Name {
			continue
		}
		list = append(list, s.portBody(p))
	}
	writeJSON(w, http.StatusOK, map[string]any{"ports": list})
}

func (s *Server) deletePort(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	_, ok := s.ports[id]
	if ok {
		s.deletePortLocked(id)
	}
	s.mu.Unlock()
	if !ok {
		writeNeutronError(w, http.StatusNotFound, "PortNotFound", fmt.Sprintf("Port %s could not be found.", id))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) subnetBody(sn Subnet) map[string]any {
	base, _, _ := strings.Cut(sn.CIDR, "/")
	i := strings.LastIndexByte(base, '.')
	return map[string]any{
		"id": sn.ID, "name": sn.Name, "network_id": sn.NetworkID, "cidr": sn.CIDR, "ip_version": sn.IPVersion,
		"gateway_ip": base[:i] + ".1", "enable_dhcp": true, "dns_nameservers": []string{}, "host_routes": []any{},
		"allocation_pools": []map[string]string{{"start": base[:i] + ".2", "end": base[:i] + ".254"}},
		"project_id":       s.projectID, "tenant_id": s.projectID, "description": "", "tags": []string{},
		"ipv6_address_mode": nil, "ipv6_ra_mode": nil, "subnetpool_id": nil, "service_types": []string{},
		"dns_publish_fixed_ip": false, "revision_number": 0, "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
	}
}

func (s *Server) createSubnet(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Subnet *struct {
			NetworkID string `json:"network_id"`
			Name      string `json:"name"`
			CIDR      string `json:"cidr"`
			IPVersion int    `json:"ip_version"`
		} `json:"subnet"`
	}
	if err := decodeBody(r, &body, false); err != nil || body.Subnet == nil {
		writeBadRequest(w, fmt.Sprintf("Resource body required: it must contain 'subnet' (%v)", err))
		return
	}
	in := body.Subnet
	if !strings.HasSuffix(in.CIDR, ".0/24") {
		writeBadRequest(w, fmt.Sprintf("Invalid input for cidr: the double takes a.b.c.0/24 only, not %q", in.CIDR))
		return
	}
	s.mu.Lock()
	n, ok := s.networks[in.NetworkID]
	if !ok {
		s.mu.Unlock()
		writeNetworkNotFound(w, in.NetworkID)
		return
	}
	sn := &Subnet{ID: newUUID(), Name: in.Name, NetworkID: in.NetworkID, CIDR: in.CIDR, IPVersion: cmp.Or(in.IPVersion, 4), next: 10}
	s.subnets[sn.ID] = sn
	n.Subnets = append(slices.Clone(n.Subnets), sn.ID)
	s.networks[n.ID] = n
	b := s.subnetBody(*sn)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"subnet": b})
}

func (s *Server) showSubnet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	sn, ok := s.subnets[r.PathValue("id")]
	var b map[string]any
	if ok {
		b = s.subnetBody(*sn)
	}
	s.mu.Unlock()
	if !ok {
		writeNeutronError(w, http.StatusNotFound, "SubnetNotFound", fmt.Sprintf("Subnet %s could not be found.", r.PathValue("id")))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"subnet": b})
}

func (s *Server) listSubnets(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	list := []map[string]any{}
	for _, sn := range s.Subnets() {
		if v := q.Get("network_id"); v != "" && v != sn.NetworkID {
			continue
		}
		if v := q.Get("id"); v != "" && v != sn.ID {
			continue
		}
		list = append(list, s.subnetBody(sn))
	}
	writeJSON(w, http.StatusOK, map[string]any{"subnets": list})
}

func (s *Server) deleteSubnet(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	sn, ok := s.subnets[id]
	if !ok {
		writeNeutronError(w, http.StatusNotFound, "SubnetNotFound", fmt.Sprintf("Subnet %s could not be found.", id))
		return
	}
	for _, p := range s.ports {
		if slices.ContainsFunc(p.FixedIPs, func(f FixedIP) bool { return f.SubnetID == id }) {
			writeNeutronError(w, http.StatusConflict, "SubnetInUse", fmt.Sprintf("Unable to complete operation on subnet %s: One or more ports have an IP allocation from this subnet.", id))
			return
		}
	}
	delete(s.subnets, id)
	if n, ok := s.networks[sn.NetworkID]; ok {
		n.Subnets = slices.DeleteFunc(slices.Clone(n.Subnets), func(x string) bool { return x == id })
		s.networks[n.ID] = n
	}
	w.WriteHeader(http.StatusNoContent)
}

func writeFloatingIPNotFound(w http.ResponseWriter, id string) {
	writeNeutronError(w, http.StatusNotFound, "FloatingIPNotFound", fmt.Sprintf("Floating IP %s could not be found", id))
}

// floatingIPChange is the body of a floating IP create or update.
type floatingIPChange struct {
	FloatingIP *struct {
		FloatingNetworkID string          `json:"floating_network_id"`
		PortID            json.RawMessage `json:"port_id"`
		FixedIPAddress    string          `json:"fixed_ip_address"`
		Description       string          `json:"description"`
	} `json:"floatingip"`
}

// associateLocked points f at the port named by raw (a string or null).
func (s *Server) associateLocked(f *FloatingIP, raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	var pid *string
	if err := json.Unmarshal(raw, &pid); err != nil {
		return fmt.Errorf("Invalid input for port_id: %s", raw)
	}
	if pid == nil || *pid == "" {
		f.PortID, f.FixedIPAddress, f.Status = nil, nil, "DOWN"
		return nil
	}
	p, ok := s.ports[*pid]
	if !ok || len(p.FixedIPs) == 0 {
		return fmt.Errorf("Port %s could not be found or has no fixed IP", *pid)
	}
	id, addr := p.ID, p.FixedIPs[0].IPAddress
	f.PortID, f.FixedIPAddress, f.Status = &id, &addr, "ACTIVE"
	return nil
}

func (s *Server) createFloatingIP(w http.ResponseWriter, r *http.Request) {
	var body floatingIPChange
	if err := decodeBody(r, &body, false); err != nil || body.FloatingIP == nil {
		writeBadRequest(w, fmt.Sprintf("Resource body required: it must contain 'floatingip' (%v)", err))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.networks[body.FloatingIP.FloatingNetworkID]
	if !ok || !n.External {
		writeNeutronError(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("Network %s is not a valid external network", body.FloatingIP.FloatingNetworkID))
		return
	}
	s.lastFloatingIP++
	f := FloatingIP{ID: newUUID(), FloatingIPAddress: fmt.Sprintf("203.0.113.%d", s.lastFloatingIP), FloatingNetworkID: n.ID,
		Status: "DOWN", ProjectID: s.projectID, TenantID: s.projectID, Description: body.FloatingIP.Description, Tags: []string{}}
	if err := s.associateLocked(&f, body.FloatingIP.PortID); err != nil {
		writeBadRequest(w, err.Error())
		return
	}
	s.floatingIPs[f.ID] = f
	writeJSON(w, http.StatusCreated, map[string]any{"floatingip": f})
}

func (s *Server) showFloatingIP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f, ok := s.floatingIPs[r.PathValue("id")]
	s.mu.Unlock()
	if !ok {
		writeFloatingIPNotFound(w, r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"floatingip": f})
}

func (s *Server) updateFloatingIP(w http.ResponseWriter, r *http.Request) {
	var body floatingIPChange
	if err := decodeBody(r, &body, false); err != nil || body.FloatingIP == nil {
		writeBadRequest(w, fmt.Sprintf("Resource body required: it must contain 'floatingip' (%v)", err))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.floatingIPs[r.PathValue("id")]
	if !ok {
		writeFloatingIPNotFound(w, r.PathValue("id"))
		return
	}
	if err := s.associateLocked(&f, body.FloatingIP.PortID); err != nil {
		writeBadRequest(w, err.Error())
		return
	}
	s.floatingIPs[f.ID] = f
	writeJSON(w, http.StatusOK, map[string]any{"floatingip": f})
}

func (s *Server) listFloatingIPs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	list := []FloatingIP{}
	for _, f := range s.FloatingIPs() {
		if v := q.Get("id"); v != "" && v != f.ID {
			continue
		}
		if v := q.Get("floating_ip_address"); v != "" && v != f.FloatingIPAddress {
			continue
		}
		if v := q.Get("port_id"); v != "" && (f.PortID == nil || v != *f.PortID) {
			continue
		}
		list = append(list, f)
	}
	writeJSON(w, http.StatusOK, map[string]any{"floatingips": list})
}

func (s *Server) deleteFloatingIP(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	_, ok := s.floatingIPs[id]
	delete(s.floatingIPs, id)
	s.mu.Unlock()
	if !ok {
		writeFloatingIPNotFound(w, id)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// fixedIPsLocked resolves the fixed_ips a port is created with, as Neutron
// does: an entry names a subnet of the port's network, an address in one of
// its subnets, or both; a subnet without an address gets the next free
// one. It returns a status and a Neutron error when an entry cannot be
// honoured. The caller holds s.mu.
func (s *Server) fixedIPsLocked(networkID string, want []FixedIP) (ips []FixedIP, status int, typ, msg string) {
	ips = []FixedIP{}
	inUse := map[string]bool{}
	for _, p := range s.ports {
		for _, ip := range p.FixedIPs {
			inUse[ip.IPAddress] = true
		}
	}
	for _, f := range want {
		var sn *Subnet
		for _, id := range s.networks[networkID].Subnets {
			c := s.subnets[id]
			if c == nil || f.SubnetID != "" && c.ID != f.SubnetID {
				continue
			}
			if f.IPAddress != "" && !cidrHolds(c.CIDR, f.IPAddress) {
				continue
			}
			sn = c
			break
		}
		switch {
		case sn == nil && f.SubnetID != "" && f.IPAddress == "":
			return nil, http.StatusBadRequest, "InvalidInput", fmt.Sprintf("Invalid input for operation: Failed to create port on network %s, because fixed_ips included invalid subnet %s.", networkID, f.SubnetID)
		case sn == nil:
			return nil, http.StatusBadRequest, "InvalidIpForNetwork", fmt.Sprintf("IP address %s is not a valid IP for any of the subnets on the specified network.", f.IPAddress)
		case f.IPAddress == "":
			ips = append(ips, FixedIP{SubnetID: sn.ID, IPAddress: s.freeAddressLocked(sn)})
		case inUse[f.IPAddress]:
			return nil, http.StatusConflict, "IpAddressAlreadyAllocated", fmt.Sprintf("IP address %s already allocated in subnet %s", f.IPAddress, sn.ID)
		default:
			ips = append(ips, FixedIP{SubnetID: sn.ID, IPAddress: f.IPAddress})
		}
		inUse[ips[len(ips)-1].IPAddress] = true
	}
	return ips, 0, "", ""
}

// cidrHolds reports whether address addr is in the prefix cidr.
func cidrHolds(cidr, addr string) bool {
	p, err := netip.ParsePrefix(cidr)
	a, err2 := netip.ParseAddr(addr)
	return err == nil && err2 == nil && p.Contains(a)
}
