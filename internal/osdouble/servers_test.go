package osdouble

import (
	"fmt"
	"net/http"
	"testing"
)

// TestServerLifecycle drives the resources a server brings together: a
// port on a network, a floating IP on that port, a volume attached, a
// security group on the port; and what Neutron, Cinder and Nova refuse
// while they are in use.
func TestServerLifecycle(t *testing.T) {
	s, err := Start(Config{
		Flavors: []Flavor{{ID: "f1", Name: "m1.small", VCPUs: 1, RAM: 2048, Disk: 20}},
		Images:  []Image{{ID: "img-1", Name: "ubuntu-22.04"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	tok := token(t, s)
	netID := s.AddNetwork("private", "10.0.0.0/24", false)
	extID := s.AddNetwork("public", "", true)
	vol := "/volume/v3/" + s.ProjectID() + "/volumes"
	want := func(r response, status int, what string) response {
		t.Helper()
		if r.status != status {
			t.Fatalf("%s: status %d, want %d: %v", what, r.status, status, r.body)
		}
		return r
	}

	sg := want(call(t, s, "POST", "/v2.0/security-groups", tok, `{"security_group":{"name":"web"}}`), http.StatusCreated, "security group")
	sgID := get(sg.body, "security_group", "id").(string)
	if n := len(get(sg.body, "security_group", "security_group_rules").([]any)); n != 2 {
		t.Errorf("a new group has %d rules, want Neutron's 2 egress rules", n)
	}
	want(call(t, s, "POST", "/v2.0/security-group-rules", tok, fmt.Sprintf(`{"security_group_rule":{"security_group_id":%q,"direction":"ingress","protocol":"tcp","port_range_min":80,"port_range_max":80}}`, sgID)), http.StatusCreated, "rule")
	port := want(call(t, s, "POST", "/v2.0/ports", tok, fmt.Sprintf(`{"port":{"network_id":%q,"security_groups":[%q]}}`, netID, sgID)), http.StatusCreated, "port")
	portID := get(port.body, "port", "id").(string)
	if ip := get(port.body, "port", "fixed_ips", 0, "ip_address"); ip != "10.0.0.10" {
		t.Errorf("port address %v, want the subnet's first", ip)
	}

	want(call(t, s, "POST", "/v2.1/servers", tok, `{"server":{"name":"x","imageRef":"img-1","flavorRef":"nope","networks":[]}}`), http.StatusBadRequest, "unknown flavor")
	srv := want(call(t, s, "POST", "/v2.1/servers", tok, fmt.Sprintf(`{"server":{"name":"web","imageRef":"img-1","flavorRef":"f1","networks":[{"port":%q}]}}`, portID)), http.StatusAccepted, "server")
	srvID := get(srv.body, "server", "id").(string)

	fip := want(call(t, s, "POST", "/v2.0/floatingips", tok, fmt.Sprintf(`{"floatingip":{"floating_network_id":%q}}`, extID)), http.StatusCreated, "floating IP")
	fipID := get(fip.body, "floatingip", "id").(string)
	want(call(t, s, "PUT", "/v2.0/floatingips/"+fipID, tok, fmt.Sprintf(`{"floatingip":{"port_id":%q}}`, portID)), http.StatusOK, "associate")

	v := want(call(t, s, "POST", vol, tok, `{"volume":{"name":"data","size":10}}`), http.StatusAccepted, "volume")
	volID := get(v.body, "volume", "id").(string)
	want(call(t, s, "POST", "/v2.1/servers/"+srvID+"/os-volume_attachments", tok, fmt.Sprintf(`{"volumeAttachment":{"volumeId":%q}}`, volID)), http.StatusOK, "attach")

	shown := want(call(t, s, "GET", "/v2.1/servers/"+srvID, tok, ""), http.StatusOK, "show server")
	if addrs := get(shown.body, "server", "addresses", "private").([]any); len(addrs) != 2 || get(addrs[1], "addr") != "203.0.113.1" {
		t.Errorf("server addresses %v: want its fixed address and the floating one", addrs)
	}
	if st := get(want(call(t, s, "GET", vol+"/"+volID, tok, ""), http.StatusOK, "show volume").body, "volume", "status"); st != "in-use" {
		t.Errorf("attached volume status %v", st)
	}

	want(call(t, s, "DELETE", vol+"/"+volID, tok, ""), http.StatusBadRequest, "delete an attached volume")
	want(call(t, s, "DELETE", "/v2.0/security-groups/"+sgID, tok, ""), http.StatusConflict, "delete a group in use")
	want(call(t, s, "DELETE", "/v2.0/networks/"+netID, tok, ""), http.StatusConflict, "delete a network with ports")

	want(call(t, s, "DELETE", "/v2.1/servers/"+srvID, tok, ""), http.StatusNoContent, "delete server")
	if ps := s.Ports(); len(ps) != 1 || ps[0].DeviceID != "" {
		t.Errorf("a port given to a server stays, unbound, when the server goes: %+v", ps)
	}
	if vs := s.Volumes(); len(vs) != 1 || vs[0].ServerID != "" || vs[0].Status != "available" {
		t.Errorf("the volume is detached when the server goes: %+v", vs)
	}
	want(call(t, s, "DELETE", "/v2.0/ports/"+portID, tok, ""), http.StatusNoContent, "delete port")
	if f := s.FloatingIPs(); len(f) != 1 || f[0].PortID != nil {
		t.Errorf("the floating IP is disassociated when its port goes: %+v", f)
	}
	want(call(t, s, "DELETE", "/v2.0/security-groups/"+sgID, tok, ""), http.StatusNoContent, "delete group")
	want(call(t, s, "DELETE", "/v2.0/networks/"+netID, tok, ""), http.StatusNoContent, "delete network")
	if sn := s.Subnets(); len(sn) != 0 {
		t.Errorf("subnets left with their network gone: %+v", sn)
	}
}

// TestPortFixedIPs: a port asks for its address, as Neutron's fixed_ips
// allows: by address (found in the network's subnets), by subnet, and is
// refused an address held or outside the network.
func TestPortFixedIPs(t *testing.T) {
	s, err := Start(Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	tok := token(t, s)
	netID := s.AddNetwork("private", "10.0.0.0/24", false)
	create := func(fixed string, status int) response {
		t.Helper()
		r := call(t, s, "POST", "/v2.0/ports", tok, fmt.Sprintf(`{"port":{"network_id":%q,"fixed_ips":%s}}`, netID, fixed))
		if r.status != status {
			t.Fatalf("port with fixed_ips %s: status %d, want %d: %v", fixed, r.status, status, r.body)
		}
		return r
	}
	p := create(`[{"ip_address":"10.0.0.11"}]`, http.StatusCreated)
	subnet := get(p.body, "port", "fixed_ips", 0, "subnet_id")
	if ip := get(p.body, "port", "fixed_ips", 0, "ip_address"); ip != "10.0.0.11" || subnet == "" {
		t.Errorf("port asked 10.0.0.11 has %v on %v", ip, subnet)
	}
	create(`[{"ip_address":"10.0.0.11"}]`, http.StatusConflict)
	create(`[{"ip_address":"192.168.1.5"}]`, http.StatusBadRequest)
	create(`[{"subnet_id":"nope"}]`, http.StatusBadRequest)
	// The subnet's next addresses skip the one taken by name.
	a := create(fmt.Sprintf(`[{"subnet_id":%q}]`, subnet), http.StatusCreated)
	b := create(`[]`, http.StatusCreated)
	if ip := get(a.body, "port", "fixed_ips", 0, "ip_address"); ip != "10.0.0.10" {
		t.Errorf("first address by subnet %v, want 10.0.0.10", ip)
	}
	if ips := get(b.body, "port", "fixed_ips").([]any); len(ips) != 0 {
		t.Errorf("a port asking no fixed IP got %v", ips)
	}
	c := call(t, s, "POST", "/v2.0/ports", tok, fmt.Sprintf(`{"port":{"network_id":%q}}`, netID))
	if ip := get(c.body, "port", "fixed_ips", 0, "ip_address"); ip != "10.0.0.12" {
		t.Errorf("next address %v, want 10.0.0.12 (10.0.0.11 is held)", ip)
	}
}
