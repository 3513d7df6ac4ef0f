package osdouble

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"
)

// tokenLifetime is how long an issued token is valid, Keystone's default.
const tokenLifetime = time.Hour

// keystoneTime is the timestamp format of Keystone's token bodies.
const keystoneTime = "2006-01-02T15:04:05.000000Z"

type link struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
}

type identityVersion struct {
	ID         string              `json:"id"`
	Status     string              `json:"status"`
	Updated    string              `json:"updated"`
	Links      []link              `json:"links"`
	MediaTypes []map[string]string `json:"media-types"`
}

func (s *Server) v3Version() identityVersion {
	return identityVersion{
		ID:      "v3.14",
		Status:  "stable",
		Updated: "2020-04-07T00:00:00Z",
		Links:   []link{{Rel: "self", Href: s.URL() + "/v3/"}},
		MediaTypes: []map[string]string{{
			"base": "application/json",
			"type": "application/vnd.openstack.identity-v3+json",
		}},
	}
}

// identityVersions answers GET /: the versions this Identity service offers,
// with 300 Multiple Choices as Keystone answers it.
func (s *Server) identityVersions(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusMultipleChoices, map[string]any{
		"versions": map[string]any{"values": []identityVersion{s.v3Version()}},
	})
}

func (s *Server) identityVersion(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"version": s.v3Version()})
}

// ref names a domain or a project by id or by name.
type ref struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Domain *ref   `json:"domain"`
}

type authRequest struct {
	Auth *struct {
		Identity struct {
			Methods  []string `json:"methods"`
			Password *struct {
				User struct {
					ID       string `json:"id"`
					Name     string `json:"name"`
					Password string `json:"password"`
					Domain   *ref   `json:"domain"`
				} `json:"user"`
			} `json:"password"`
		} `json:"identity"`
		// Scope is an object ({"project": ...}), the string "unscoped" or
		// absent.
		Scope json.RawMessage `json:"scope"`
	} `json:"auth"`
}

func writeKeystoneError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"code":    status,
		"title":   http.StatusText(status),
		"message": message,
	}})
}

// domainMatches reports whether d names the configured domain.
func (s *Server) domainMatches(d *ref) bool {
	return d != nil && (d.ID != "" && d.ID == s.cfg.DomainID || d.ID == "" && d.Name == s.cfg.DomainName)
}

// issueToken answers POST /v3/auth/tokens for the password method.
func (s *Server) issueToken(w http.ResponseWriter, r *http.Request) {
	var req authRequest
	if err := decodeBody(r, &req, false); err != nil {
		writeKeystoneError(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.Auth == nil {
		writeKeystoneError(w, http.StatusBadRequest, "'auth' is a required property")
		return
	}
	id := req.Auth.Identity
	if len(id.Methods) != 1 || id.Methods[0] != "password" || id.Password == nil {
		writeKeystoneError(w, http.StatusUnauthorized, "The double supports the password auth method only.")
		return
	}
	user := id.Password.User
	switch {
	case user.ID == "" && user.Name == "":
		writeKeystoneError(w, http.StatusBadRequest, "Expecting to find id or name in user.")
		return
	case user.ID == "" && user.Domain == nil:
		writeKeystoneError(w, http.StatusBadRequest, "Expecting to find domain in user.")
		return
	}
	userOK := user.ID == s.userID || user.ID == "" && user.Name == s.cfg.UserName && s.domainMatches(user.Domain)
	if !userOK || user.Password != s.cfg.Password {
		writeKeystoneError(w, http.StatusUnauthorized, "The request you have made requires authentication.")
		return
	}

	scoped, ok := s.scope(w, req.Auth.Scope)
	if !ok {
		return
	}
	now := time.Now().UTC()
	expires := now.Add(tokenLifetime)
	token := newID() + newID()
	s.mu.Lock()
	s.tokens[token] = expires
	s.mu.Unlock()

	domain := map[string]string{"id": s.cfg.DomainID, "name": s.cfg.DomainName}
	body := map[string]any{
		"methods":    []string{"password"},
		"user":       map[string]any{"id": s.userID, "name": s.cfg.UserName, "domain": domain, "password_expires_at": nil},
		"audit_ids":  []string{newID()[:22]},
		"issued_at":  now.Format(keystoneTime),
		"expires_at": expires.Format(keystoneTime),
		"is_domain":  false,
	}
	if scoped {
		body["project"] = map[string]any{"id": s.projectID, "name": s.cfg.ProjectName, "domain": domain}
		body["roles"] = []map[string]string{{"id": newID(), "name": "member"}, {"id": newID(), "name": "reader"}}
		body["catalog"] = s.catalog()
	}
	w.Header().Set("X-Subject-Token", token)
	writeJSON(w, http.StatusCreated, map[string]any{"token": body})
}

// scope reads the token request's scope: true for the configured project,
// false for an unscoped token. It answers the request itself (and returns
// ok false) when the scope names something else.
func (s *Server) scope(w http.ResponseWriter, raw json.RawMessage) (scoped, ok bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) || bytes.Equal(raw, []byte(`"unscoped"`)) {
		return false, true
	}
	var sc struct {
		Project *ref `json:"project"`
	}
	if err := json.Unmarshal(raw, &sc); err != nil {
		writeKeystoneError(w, http.StatusBadRequest, "Invalid scope: "+err.Error())
		return false, false
	}
	p := sc.Project
	switch {
	case p == nil:
		writeKeystoneError(w, http.StatusUnauthorized, "The double scopes tokens to its project only.")
		return false, false
	case p.ID == "" && p.Name == "":
		writeKeystoneError(w, http.StatusBadRequest, "Expecting to find id or name in project.")
		return false, false
	case p.ID == "" && p.Domain == nil:
		writeKeystoneError(w, http.StatusBadRequest, "Expecting to find domain in project.")
		return false, false
	}
	if p.ID == s.projectID || p.ID == "" && p.Name == s.cfg.ProjectName && s.domainMatches(p.Domain) {
		return true, true
	}
	writeKeystoneError(w, http.StatusUnauthorized, "The request you have made requires authentication.")
	return false, false
}

type endpoint struct {
	ID        string `json:"id"`
	Interface string `json:"interface"`
	Region    string `json:"region"`
	RegionID  string `json:"region_id"`
	URL       string `json:"url"`
}

type catalogEntry struct {
	ID        string     `json:"id"`
	Type      string     `json:"type"`
	Name      string     `json:"name"`
	Endpoints []endpoint `json:"endpoints"`
}

// catalog lists this server's services, each with a public, internal and
// admin endpoint in the configured region, as a small deployment has them.
func (s *Server) catalog() []catalogEntry {
	entry := func(typ, name, url string) catalogEntry {
		e := catalogEntry{ID: newID(), Type: typ, Name: name}
		for _, iface := range []string{"public", "internal", "admin"} {
			e.Endpoints = append(e.Endpoints, endpoint{ID: newID(), Interface: iface, Region: s.cfg.Region, RegionID: s.cfg.Region, URL: url})
		}
		return e
	}
	return []catalogEntry{
		entry("identity", "keystone", s.URL()+"/v3/"),
		entry("compute", "nova", s.URL()+"/v2.1"),
		entry("network", "neutron", s.URL()+"/"),
		entry("image", "glance", s.URL()+"/image/"),
		entry("block-storage", "cinderv3", s.URL()+"/volume/v3/"+s.projectID+"/"),
	}
}
