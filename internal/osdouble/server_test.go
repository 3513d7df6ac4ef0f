package osdouble

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
)

func start(t *testing.T) *Server {
	t.Helper()
	s, err := Start(Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

type response struct {
	status int
	header http.Header
	body   map[string]any
}

// call sends a request with an optional JSON body and extra headers
// ("Name: value") and decodes the JSON answer, if any.
func call(t *testing.T, s *Server, method, path, token, body string, headers ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Add(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := response{status: resp.StatusCode, header: resp.Header}
	if len(bytes.TrimSpace(raw)) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %v\n%s", method, path, err, raw)
		}
	}
	return r
}

// get walks a decoded JSON body: keys for objects, ints for arrays.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func passwordAuth(user, domain, password, scope string) string {
	return fmt.Sprintf(`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":%q,"domain":%s,"password":%q}}}%s}}`, user, domain, password, scope)
}

const projectScope = `,"scope":{"project":{"name":"demo","domain":{"id":"default"}}}`

func token(t *testing.T, s *Server) string {
	t.Helper()
	r := call(t, s, "POST", "/v3/auth/tokens", "", passwordAuth("demo", `{"name":"Default"}`, "secret", projectScope))
	if r.status != http.StatusCreated || r.header.Get("X-Subject-Token") == "" {
		t.Fatalf("token: %d %v", r.status, r.body)
	}
	return r.header.Get("X-Subject-Token")
}

func TestDiscovery(t *testing.T) {
	s := start(t)
	r := call(t, s, "GET", "/", "", "")
	if r.status != http.StatusMultipleChoices {
		t.Fatalf("GET / = %d", r.status)
	}
	if id, href := get(r.body, "versions", "values", 0, "id"), get(r.body, "versions", "values", 0, "links", 0, "href"); id != "v3.14" || href != s.URL()+"/v3/" {
		t.Errorf("versions = %v", r.body)
	}
	if r := call(t, s, "GET", "/v3", "", ""); r.status != http.StatusOK || get(r.body, "version", "status") != "stable" {
		t.Errorf("GET /v3 = %d %v", r.status, r.body)
	}
	if r := call(t, s, "GET", "/v2.1", "", ""); r.status != http.StatusOK || get(r.body, "version", "version") != "2.10" || get(r.body, "version", "min_version") != "2.1" {
		t.Errorf("GET /v2.1 = %d %v", r.status, r.body)
	}
	if r := call(t, s, "GET", "/v2.0", "", ""); r.status != http.StatusOK || get(r.body, "resources", 0, "collection") != "networks" {
		t.Errorf("GET /v2.0 = %d %v", r.status, r.body)
	}
}

func TestTokens(t *testing.T) {
	s := start(t)
	tests := []struct {
		name, body string
		status     int
		scoped     bool
	}{
		{"name and domain name, project scope", passwordAuth("demo", `{"name":"Default"}`, "secret", projectScope), 201, true},
		{"domain id", passwordAuth("demo", `{"id":"default"}`, "secret", projectScope), 201, true},
		{"project by id", passwordAuth("demo", `{"id":"default"}`, "secret", `,"scope":{"project":{"id":"`+s.ProjectID()+`"}}`), 201, true},
		{"user by id", `{"auth":{"identity":{"methods":["password"],"password":{"user":{"id":"` + s.UserID() + `","password":"secret"}}}}}`, 201, false},
		{"unscoped", passwordAuth("demo", `{"id":"default"}`, "secret", ""), 201, false},
		{"explicitly unscoped", passwordAuth("demo", `{"id":"default"}`, "secret", `,"scope":"unscoped"`), 201, false},
		{"wrong password", passwordAuth("demo", `{"id":"default"}`, "nope", projectScope), 401, false},
		{"wrong user", passwordAuth("eve", `{"id":"default"}`, "secret", projectScope), 401, false},
		{"wrong domain", passwordAuth("demo", `{"id":"other"}`, "secret", projectScope), 401, false},
		{"user without domain", `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"demo","password":"secret"}}}}}`, 400, false},
		{"other project", passwordAuth("demo", `{"id":"default"}`, "secret", `,"scope":{"project":{"name":"other","domain":{"id":"default"}}}`), 401, false},
		{"project without domain", passwordAuth("demo", `{"id":"default"}`, "secret", `,"scope":{"project":{"name":"demo"}}`), 400, false},
		{"domain scope", passwordAuth("demo", `{"id":"default"}`, "secret", `,"scope":{"domain":{"id":"default"}}`), 401, false},
		{"token method", `{"auth":{"identity":{"methods":["token"],"token":{"id":"x"}}}}`, 401, false},
		{"no auth", `{}`, 400, false},
		{"not JSON", `{"auth":`, 400, false},
		{"trailing data", passwordAuth("demo", `{"id":"default"}`, "secret", "") + "{}", 400, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, s, "POST", "/v3/auth/tokens", "", tt.body)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %v", r.status, tt.status, r.body)
			}
			if tt.status != 201 {
				if get(r.body, "error", "code") != float64(tt.status) || r.header.Get("X-Subject-Token") != "" {
					t.Errorf("error body %v, token %q", r.body, r.header.Get("X-Subject-Token"))
				}
				return
			}
			if r.header.Get("X-Subject-Token") == "" || get(r.body, "token", "user", "id") != s.UserID() {
				t.Errorf("token %q, body %v", r.header.Get("X-Subject-Token"), r.body)
			}
			catalog, _ := get(r.body, "token", "catalog").([]any)
			if !tt.scoped {
				if catalog != nil || get(r.body, "token", "project") != nil {
					t.Errorf("an unscoped token has a catalog or project: %v", r.body)
				}
				return
			}
			if get(r.body, "token", "project", "id") != s.ProjectID() {
				t.Errorf("project = %v", get(r.body, "token", "project"))
			}
			urls := map[string]string{}
			for i := range catalog {
				for j := range get(catalog[i], "endpoints").([]any) {
					e := get(catalog[i], "endpoints", j)
					if get(e, "interface") == "public" && get(e, "region_id") == "RegionOne" {
						urls[get(catalog[i], "type").(string)] = get(e, "url").(string)
					}
				}
			}
			want := map[string]string{"identity": s.URL() + "/v3/", "compute": s.URL() + "/v2.1", "network": s.URL() + "/", "image": s.URL() + "/image/", "block-storage": s.URL() + "/volume/v3/" + s.ProjectID() + "/"}
			if fmt.Sprint(urls) != fmt.Sprint(want) {
				t.Errorf("public endpoints %v, want %v", urls, want)
			}
		})
	}
}

func TestServicesNeedAToken(t *testing.T) {
	s := start(t)
	unscoped := call(t, s, "POST", "/v3/auth/tokens", "", passwordAuth("demo", `{"id":"default"}`, "secret", "")).header.Get("X-Subject-Token")
	for _, path := range []string{"/v2.1/os-keypairs", "/v2.0/networks"} {
		for _, tok := range []string{"", "forged", unscoped[:len(unscoped)-1]} {
			r := call(t, s, "GET", path, tok, "")
			if r.status != http.StatusUnauthorized || r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("GET %s with token %q = %d", path, tok, r.status)
			}
		}
	}
	if r := call(t, s, "GET", "/v2.1/os-keypairs", unscoped, ""); r.status != http.StatusOK {
		t.Errorf("GET with a token issued here = %d %v", r.status, r.body)
	}
}

func TestComputeMicroversions(t *testing.T) {
	s := start(t)
	tok := token(t, s)
	tests := []struct {
		name    string
		headers []string
		status  int
		version string // answered in OpenStack-API-Version, "" when refused
	}{
		{"none", nil, 200, "2.1"},
		{"legacy header", []string{"X-OpenStack-Nova-API-Version: 2.2"}, 200, "2.2"},
		{"standard header", []string{"OpenStack-API-Version: compute 2.10"}, 200, "2.10"},
		{"standard wins", []string{"OpenStack-API-Version: volume 3.0, compute 2.3", "X-OpenStack-Nova-API-Version: 2.9"}, 200, "2.3"},
		{"latest", []string{"X-OpenStack-Nova-API-Version: latest"}, 200, "2.10"},
		{"too new", []string{"X-OpenStack-Nova-API-Version: 2.11"}, 406, ""},
		{"too old", []string{"X-OpenStack-Nova-API-Version: 2.0"}, 406, ""},
		{"malformed", []string{"X-OpenStack-Nova-API-Version: two"}, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, s, "GET", "/v2.1/os-keypairs", tok, "", tt.headers...)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %v", r.status, tt.status, r.body)
			}
			if got := r.header.Get("OpenStack-API-Version"); tt.version != "" && got != "compute "+tt.version || tt.version == "" && got != "" {
				t.Errorf("OpenStack-API-Version %q, want compute %s", got, tt.version)
			}
			if tt.version != "" && r.header.Get("X-OpenStack-Nova-API-Version") != tt.version {
				t.Errorf("X-OpenStack-Nova-API-Version %q", r.header.Get("X-OpenStack-Nova-API-Version"))
			}
		})
	}
	log := s.Requests()
	if got := log[len(log)-2]; got.Microversion != "2.0" || got.Status != 406 {
		t.Errorf("log entry %v, want the asked microversion and 406", got)
	}
}

func TestKeypairs(t *testing.T) {
	s := start(t)
	tok := token(t, s)
	v22 := "X-OpenStack-Nova-API-Version: 2.2"

	// Generated: the private key comes back once and matches the stored
	// public key.
	r := call(t, s, "POST", "/v2.1/os-keypairs", tok, `{"keypair":{"name":"gen key.1"}}`)
	if r.status != http.StatusOK || get(r.body, "keypair", "type") != nil {
		t.Fatalf("create at 2.1 = %d %v", r.status, r.body)
	}
	signer, err := ssh.ParsePrivateKey([]byte(get(r.body, "keypair", "private_key").(string)))
	if err != nil {
		t.Fatal(err)
	}
	kp, ok := s.Keypair("gen key.1")
	if !ok || kp.Fingerprint != ssh.FingerprintLegacyMD5(signer.PublicKey()) || kp.UserID != s.UserID() || get(r.body, "keypair", "fingerprint") != kp.Fingerprint {
		t.Fatalf("stored %+v (%v), answered %v", kp, ok, r.body)
	}
	show := call(t, s, "GET", "/v2.1/os-keypairs/gen%20key.1", tok, "", v22)
	if show.status != http.StatusOK || get(show.body, "keypair", "private_key") != nil || get(show.body, "keypair", "type") != "ssh" || get(show.body, "keypair", "public_key") != kp.PublicKey {
		t.Errorf("show = %d %v", show.status, show.body)
	}

	// Imported at 2.2: 201, the key kept as given.
	pub := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey()))) + " me@laptop"
	body, _ := json.Marshal(map[string]any{"keypair": map[string]any{"name": "mine", "public_key": pub, "type": "ssh"}})
	if r := call(t, s, "POST", "/v2.1/os-keypairs", tok, string(body), v22); r.status != http.StatusCreated || get(r.body, "keypair", "private_key") != nil {
		t.Errorf("import at 2.2 = %d %v", r.status, r.body)
	}
	if kp, _ := s.Keypair("mine"); kp.PublicKey != pub {
		t.Errorf("stored public key %q, want %q", kp.PublicKey, pub)
	}

	refused := []struct {
		name, body string
		headers    []string
		status     int
		fault      string
	}{
		{"duplicate", `{"keypair":{"name":"mine"}}`, nil, 409, "conflictingRequest"},
		{"unsafe name", `{"keypair":{"name":"a/b"}}`, nil, 400, "badRequest"},
		{"leading space", `{"keypair":{"name":" a"}}`, nil, 400, "badRequest"},
		{"empty name", `{"keypair":{"name":""}}`, nil, 400, "badRequest"},
		{"no name", `{"keypair":{}}`, nil, 400, "badRequest"},
		{"no keypair", `{}`, nil, 400, "badRequest"},
		{"bad public key", `{"keypair":{"name":"x","public_key":"ssh-rsa nonsense"}}`, nil, 400, "badRequest"},
		{"unknown field", `{"keypair":{"name":"x","colour":"red"}}`, nil, 400, "badRequest"},
		{"type before 2.2", `{"keypair":{"name":"x","type":"ssh"}}`, nil, 400, "badRequest"},
		{"x509", `{"keypair":{"name":"x","type":"x509"}}`, []string{v22}, 400, "badRequest"},
		{"user_id before 2.10", `{"keypair":{"name":"x","user_id":"u"}}`, []string{v22}, 400, "badRequest"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, s, "POST", "/v2.1/os-keypairs", tok, tt.body, tt.headers...)
			if r.status != tt.status || get(r.body, tt.fault, "code") != float64(tt.status) {
				t.Errorf("= %d %v, want %d with %s", r.status, r.body, tt.status, tt.fault)
			}
		})
	}
	if n := len(s.Keypairs()); n != 2 {
		t.Errorf("refused creates left %d key pairs, want 2", n)
	}

	// Another user's key pair, from 2.10.
	v210 := "X-OpenStack-Nova-API-Version: 2.10"
	if r := call(t, s, "POST", "/v2.1/os-keypairs", tok, `{"keypair":{"name":"mine","user_id":"bob"}}`, v210); r.status != http.StatusCreated || get(r.body, "keypair", "user_id") != "bob" {
		t.Errorf("create for bob = %d %v", r.status, r.body)
	}
	list := call(t, s, "GET", "/v2.1/os-keypairs?user_id=bob", tok, "", v210)
	if names := get(list.body, "keypairs"); len(names.([]any)) != 1 || get(names, 0, "keypair", "name") != "mine" {
		t.Errorf("bob's key pairs = %v", list.body)
	}
	list = call(t, s, "GET", "/v2.1/os-keypairs", tok, "")
	if n := len(get(list.body, "keypairs").([]any)); n != 2 {
		t.Errorf("the caller has %d key pairs, want 2: %v", n, list.body)
	}

	// Delete: 202 before 2.2, 204 after; then 404.
	if r := call(t, s, "DELETE", "/v2.1/os-keypairs/mine", tok, ""); r.status != http.StatusAccepted {
		t.Errorf("delete at 2.1 = %d", r.status)
	}
	if r := call(t, s, "DELETE", "/v2.1/os-keypairs/mine?user_id=bob", tok, "", v210); r.status != http.StatusNoContent {
		t.Errorf("delete at 2.10 = %d", r.status)
	}
	r = call(t, s, "GET", "/v2.1/os-keypairs/mine", tok, "")
	if r.status != http.StatusNotFound || !strings.Contains(fmt.Sprint(get(r.body, "itemNotFound", "message")), "mine") {
		t.Errorf("show of a deleted key pair = %d %v", r.status, r.body)
	}
	if r := call(t, s, "DELETE", "/v2.1/os-keypairs/mine", tok, ""); r.status != http.StatusNotFound {
		t.Errorf("second delete = %d", r.status)
	}
	if !s.DeleteKeypair("gen key.1") || s.DeleteKeypair("gen key.1") || len(s.Keypairs()) != 0 {
		t.Errorf("DeleteKeypair: %+v", s.Keypairs())
	}
}

func TestNetworks(t *testing.T) {
	s := start(t)
	tok := token(t, s)

	r := call(t, s, "POST", "/v2.0/networks", tok, `{"network":{"name":"lab","admin_state_up":false}}`)
	if r.status != http.StatusCreated {
		t.Fatalf("create = %d %v", r.status, r.body)
	}
	id, _ := get(r.body, "network", "id").(string)
	n, ok := s.Network(id)
	want := Network{ID: id, Name: "lab", AdminStateUp: false, Status: "ACTIVE", ProjectID: s.ProjectID(), TenantID: s.ProjectID(), MTU: 1500, PortSecurityEnabled: true}
	if !ok || n.ID != want.ID || n.Name != want.Name || n.AdminStateUp || n.Status != want.Status || n.ProjectID != want.ProjectID || n.TenantID != want.TenantID || n.MTU != want.MTU || !n.PortSecurityEnabled {
		t.Fatalf("stored %+v, want %+v", n, want)
	}
	if get(r.body, "network", "subnets") == nil || get(r.body, "network", "router:external") != false {
		t.Errorf("create answer %v lacks subnets or router:external", r.body)
	}

	refused := []struct {
		name, method, path, body, want string
	}{
		{"unknown attribute", "POST", "/v2.0/networks", `{"network":{"name":"x","colour":"red"}}`, "Unrecognized attribute(s) 'colour'"},
		{"read-only attribute", "POST", "/v2.0/networks", `{"network":{"status":"DOWN"}}`, "not allowed in POST"},
		{"not a boolean", "POST", "/v2.0/networks", `{"network":{"shared":"maybe"}}`, "not a valid boolean"},
		{"mtu too big", "POST", "/v2.0/networks", `{"network":{"mtu":9000}}`, "not in range"},
		{"tenant mismatch", "POST", "/v2.0/networks", `{"network":{"tenant_id":"a","project_id":"b"}}`, "do not match"},
		{"no network", "POST", "/v2.0/networks", `{"name":"x"}`, "must contain 'network'"},
		{"update tenant", "PUT", "/v2.0/networks/" + id, `{"network":{"tenant_id":"x","name":"y"}}`, "not allowed in PUT"},
		{"update az hints", "PUT", "/v2.0/networks/" + id, `{"network":{"availability_zone_hints":[]}}`, "not allowed in PUT"},
		{"bad filter", "GET", "/v2.0/networks?colour=red", "", "invalid attribute for filtering"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, s, tt.method, tt.path, tok, tt.body)
			msg, _ := get(r.body, "NeutronError", "message").(string)
			if r.status != http.StatusBadRequest || !strings.Contains(msg, tt.want) {
				t.Errorf("= %d %v, want 400 saying %q", r.status, r.body, tt.want)
			}
		})
	}
	if got, _ := s.Network(id); len(s.Networks()) != 1 || got.Name != "lab" || got.RevisionNumber != 0 {
		t.Errorf("refused requests changed the networks: %+v", s.Networks())
	}

	r = call(t, s, "PUT", "/v2.0/networks/"+id, tok, `{"network":{"name":"lab-2","admin_state_up":true,"mtu":1400}}`)
	if r.status != http.StatusOK || get(r.body, "network", "name") != "lab-2" {
		t.Fatalf("update = %d %v", r.status, r.body)
	}
	if n, _ := s.Network(id); n.Name != "lab-2" || !n.AdminStateUp || n.MTU != 1400 || n.RevisionNumber != 1 || n.ProjectID != s.ProjectID() {
		t.Errorf("after update stored %+v", n)
	}

	call(t, s, "POST", "/v2.0/networks", tok, `{"network":{"name":"other","shared":true}}`)
	for _, tt := range []struct {
		query string
		names []string
	}{
		{"", []string{"lab-2", "other"}},
		{"?name=other", []string{"other"}},
		{"?shared=True", []string{"other"}},
		{"?name=lab-2&name=other&admin_state_up=true", []string{"lab-2", "other"}},
		{"?id=" + id, []string{"lab-2"}},
		{"?name=none", nil},
	} {
		r := call(t, s, "GET", "/v2.0/networks"+tt.query, tok, "")
		var names []string
		for _, n := range get(r.body, "networks").([]any) {
			names = append(names, get(n, "name").(string))
		}
		if fmt.Sprint(names) != fmt.Sprint(tt.names) {
			t.Errorf("GET /v2.0/networks%s = %v, want %v", tt.query, names, tt.names)
		}
	}

	if r := call(t, s, "DELETE", "/v2.0/networks/"+id, tok, ""); r.status != http.StatusNoContent {
		t.Errorf("delete = %d", r.status)
	}
	for _, method := range []string{"GET", "PUT", "DELETE"} {
		r := call(t, s, method, "/v2.0/networks/"+id, tok, `{"network":{}}`)
		if r.status != http.StatusNotFound || get(r.body, "NeutronError", "type") != "NetworkNotFound" {
			t.Errorf("%s of a deleted network = %d %v", method, r.status, r.body)
		}
	}
	if _, ok := s.Network(id); ok || len(s.Networks()) != 1 {
		t.Errorf("after delete: %+v", s.Networks())
	}
}

// TestConcurrentClients runs many clients at once (run with -race): every
// create lands, ids are distinct, the log has every request.
func TestConcurrentClients(t *testing.T) {
	s := start(t)
	tok := token(t, s)
	const n = 20
	post := func(path, body string) error {
		req, err := http.NewRequest("POST", s.URL()+path, strings.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("X-Auth-Token", tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			return fmt.Errorf("POST %s: %s", path, resp.Status)
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Go(func() {
			errs <- post("/v2.0/networks", fmt.Sprintf(`{"network":{"name":"n%d"}}`, i))
			errs <- post("/v2.1/os-keypairs", fmt.Sprintf(`{"keypair":{"name":"k%d"}}`, i))
			_ = s.Networks()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	ids := map[string]bool{}
	for _, n := range s.Networks() {
		ids[n.ID] = true
	}
	kpIDs := map[int]bool{}
	for _, kp := range s.Keypairs() {
		kpIDs[kp.ID] = true
	}
	if len(ids) != n || len(kpIDs) != n {
		t.Errorf("%d distinct networks and %d distinct key pairs, want %d each", len(ids), len(kpIDs), n)
	}
	if got := len(s.Requests()); got != 2*n+1 {
		t.Errorf("%d requests logged, want %d", got, 2*n+1)
	}
}

func TestRequestString(t *testing.T) {
	r := Request{Method: "GET", Path: "/v2.1/os-keypairs/k", Query: "user_id=u", Microversion: "2.10", Status: 200}
	if got, want := r.String(), "GET /v2.1/os-keypairs/k?user_id=u [2.10] -> 200"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
