package osdouble

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// maxBody bounds a request body: every body this API takes is a few KiB.
const maxBody = 1 << 20

// Config describes the cloud: its one user, the project the user may scope
// to and the region its endpoints are in. Empty fields take the defaults
// shown on each field.
type Config struct {
	// UserName and Password are the credentials POST /v3/auth/tokens
	// accepts. Defaults: "demo" and "secret".
	UserName, Password string
	// ProjectName is the project a token can be scoped to. Default "demo".
	ProjectName string
	// DomainID and DomainName name the domain the user and the project are
	// in. Defaults "default" and "Default", as in a fresh Keystone.
	DomainID, DomainName string
	// Region is the region of the catalog's endpoints. Default "RegionOne".
	Region string
	// Flavors and Images are what the cloud offers servers (none by
	// default).
	Flavors []Flavor
	Images  []Image
}

func (c *Config) setDefaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.UserName, "demo")
	def(&c.Password, "secret")
	def(&c.ProjectName, "demo")
	def(&c.DomainID, "default")
	def(&c.DomainName, "Default")
	def(&c.Region, "RegionOne")
}

// Request is one request the double answered.
type Request struct {
	Method string
	// Path is the request's path, unescaped.
	Path string
	// Query is the raw query string, without "?".
	Query string
	// Microversion is the compute microversion the client asked for, as
	// sent ("" when it sent none).
	Microversion string
	// Status is the HTTP status the double answered with.
	Status int
}

// String prints a request the way a log line shows it:
// "GET /v2.1/os-keypairs/k [2.10] -> 200".
func (r Request) String() string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte(' ')
	b.WriteString(r.Path)
	if r.Query != "" {
		b.WriteByte('?')
		b.WriteString(r.Query)
	}
	if r.Microversion != "" {
		fmt.Fprintf(&b, " [%s]", r.Microversion)
	}
	fmt.Fprintf(&b, " -> %d", r.Status)
	return b.String()
}

// Server is a running double. Its methods are safe for concurrent use.
type Server struct {
	cfg       Config
	userID    string
	projectID string
	srv       *httptest.Server

	mu            sync.Mutex
	tokens        map[string]time.Time // token -> expiry
	keypairs      map[keypairKey]Keypair
	lastKeypairID int
	networks      map[string]Network
	subnets       map[string]*Subnet
	ports         map[string]Port
	floatingIPs   map[string]FloatingIP
	servers       map[string]ServerRecord
	volumes       map[string]Volume
	secGroups     map[string]SecurityGroup
	secRules      map[string]SecurityGroupRule
	// lastFloatingIP numbers the addresses handed out.
	lastFloatingIP int
	requests       []Request
}

// Start starts a double on a free port of 127.0.0.1. Close stops it.
func Start(cfg Config) (*Server, error) {
	cfg.setDefaults()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the OpenStack double: %w", err)
	}
	s := &Server{
		cfg:         cfg,
		userID:      newID(),
		projectID:   newID(),
		tokens:      map[string]time.Time{},
		keypairs:    map[keypairKey]Keypair{},
		networks:    map[string]Network{},
		subnets:     map[string]*Subnet{},
		ports:       map[string]Port{},
		floatingIPs: map[string]FloatingIP{},
		servers:     map[string]ServerRecord{},
		volumes:     map[string]Volume{},
		secGroups:   map[string]SecurityGroup{},
		secRules:    map[string]SecurityGroupRule{},
	}
	s.srv = httptest.NewUnstartedServer(s.routes())
	s.srv.Listener.Close()
	s.srv.Listener = l
	s.srv.Start()
	return s, nil
}

// Close stops the server and waits for the requests in flight.
func (s *Server) Close() { s.srv.Close() }

// URL is the server's base URL, "http://127.0.0.1:port".
func (s *Server) URL() string { return s.srv.URL }

// AuthURL is the Identity v3 endpoint, what a client takes as auth_url.
func (s *Server) AuthURL() string { return s.srv.URL + "/v3" }

// Config is the configuration the server runs with, defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// UserID is the id of the configured user.
func (s *Server) UserID() string { return s.userID }

// ProjectID is the id of the configured project.
func (s *Server) ProjectID() string { return s.projectID }

// Requests returns the requests answered so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	// Identity.
	mux.HandleFunc("GET /{$}", s.identityVersions)
	mux.HandleFunc("GET /v3", s.identityVersion)
	mux.HandleFunc("GET /v3/{$}", s.identityVersion)
	mux.HandleFunc("POST /v3/auth/tokens", s.issueToken)
	// Compute.
	mux.Handle("GET /v2.1", s.compute(s.computeVersion))
	mux.Handle("GET /v2.1/{$}", s.compute(s.computeVersion))
	mux.Handle("GET /v2.1/os-keypairs", s.authenticated(s.compute(s.listKeypairs)))
	mux.Handle("POST /v2.1/os-keypairs", s.authenticated(s.compute(s.createKeypair)))
	mux.Handle("GET /v2.1/os-keypairs/{name}", s.authenticated(s.compute(s.showKeypair)))
	mux.Handle("DELETE /v2.1/os-keypairs/{name}", s.authenticated(s.compute(s.deleteKeypair)))
	mux.Handle("GET /v2.1/flavors", s.authenticated(s.compute(s.listFlavors)))
	mux.Handle("GET /v2.1/flavors/detail", s.authenticated(s.compute(s.listFlavors)))
	mux.Handle("GET /v2.1/flavors/{id}", s.authenticated(s.compute(s.showFlavor)))
	mux.Handle("POST /v2.1/servers", s.authenticated(s.compute(s.createServer)))
	mux.Handle("GET /v2.1/servers", s.authenticated(s.compute(s.listServers)))
	mux.Handle("GET /v2.1/servers/detail", s.authenticated(s.compute(s.listServers)))
	mux.Handle("GET /v2.1/servers/{id}", s.authenticated(s.compute(s.showServer)))
	mux.Handle("DELETE /v2.1/servers/{id}", s.authenticated(s.compute(s.deleteServer)))
	mux.Handle("POST /v2.1/servers/{id}/os-volume_attachments", s.authenticated(s.compute(s.createVolumeAttachment)))
	mux.Handle("GET /v2.1/servers/{id}/os-volume_attachments", s.authenticated(s.compute(s.listVolumeAttachments)))
	mux.Handle("GET /v2.1/servers/{id}/os-volume_attachments/{volume}", s.authenticated(s.compute(s.showVolumeAttachment)))
	mux.Handle("DELETE /v2.1/servers/{id}/os-volume_attachments/{volume}", s.authenticated(s.compute(s.deleteVolumeAttachment)))
	// Image.
	mux.Handle("GET /image/v2/images", s.authenticated(http.HandlerFunc(s.listImages)))
	mux.Handle("GET /image/v2/images/{id}", s.authenticated(http.HandlerFunc(s.showImage)))
	// Block Storage.
	mux.Handle("POST /volume/v3/{project}/volumes", s.authenticated(http.HandlerFunc(s.createVolume)))
	mux.Handle("GET /volume/v3/{project}/volumes", s.authenticated(http.HandlerFunc(s.listVolumes)))
	mux.Handle("GET /volume/v3/{project}/volumes/detail", s.authenticated(http.HandlerFunc(s.listVolumes)))
	mux.Handle("GET /volume/v3/{project}/volumes/{id}", s.authenticated(http.HandlerFunc(s.showVolume)))
	mux.Handle("DELETE /volume/v3/{project}/volumes/{id}", s.authenticated(http.HandlerFunc(s.deleteVolume)))
	// Networking.
	mux.Handle("GET /v2.0/subnets", s.authenticated(http.HandlerFunc(s.listSubnets)))
	mux.Handle("POST /v2.0/subnets", s.authenticated(http.HandlerFunc(s.createSubnet)))
	mux.Handle("GET /v2.0/subnets/{id}", s.authenticated(http.HandlerFunc(s.showSubnet)))
	mux.Handle("DELETE /v2.0/subnets/{id}", s.authenticated(http.HandlerFunc(s.deleteSubnet)))
	mux.Handle("GET /v2.0/ports", s.authenticated(http.HandlerFunc(s.listPorts)))
	mux.Handle("POST /v2.0/ports", s.authenticated(http.HandlerFunc(s.createPort)))
	mux.Handle("GET /v2.0/ports/{id}", s.authenticated(http.HandlerFunc(s.showPort)))
	mux.Handle("PUT /v2.0/ports/{id}", s.authenticated(http.HandlerFunc(s.updatePort)))
	mux.Handle("DELETE /v2.0/ports/{id}", s.authenticated(http.HandlerFunc(s.deletePort)))
	mux.Handle("GET /v2.0/floatingips", s.authenticated(http.HandlerFunc(s.listFloatingIPs)))
	mux.Handle("POST /v2.0/floatingips", s.authenticated(http.HandlerFunc(s.createFloatingIP)))
	mux.Handle("GET /v2.0/floatingips/{id}", s.authenticated(http.HandlerFunc(s.showFloatingIP)))
	mux.Handle("PUT /v2.0/floatingips/{id}", s.authenticated(http.HandlerFunc(s.updateFloatingIP)))
	mux.Handle("DELETE /v2.0/floatingips/{id}", s.authenticated(http.HandlerFunc(s.deleteFloatingIP)))
	mux.Handle("GET /v2.0/security-groups", s.authenticated(http.HandlerFunc(s.listSecGroups)))
	mux.Handle("POST /v2.0/security-groups", s.authenticated(http.HandlerFunc(s.createSecGroup)))
	mux.Handle("GET /v2.0/security-groups/{id}", s.authenticated(http.HandlerFunc(s.showSecGroup)))
	mux.Handle("DELETE /v2.0/security-groups/{id}", s.authenticated(http.HandlerFunc(s.deleteSecGroup)))
	mux.Handle("POST /v2.0/security-group-rules", s.authenticated(http.HandlerFunc(s.createSecRule)))
	mux.Handle("GET /v2.0/security-group-rules/{id}", s.authenticated(http.HandlerFunc(s.showSecRule)))
	mux.Handle("DELETE /v2.0/security-group-rules/{id}", s.authenticated(http.HandlerFunc(s.deleteSecRule)))
	// Networking.
	mux.HandleFunc("GET /v2.0", s.networkVersion)
	mux.HandleFunc("GET /v2.0/{$}", s.networkVersion)
	mux.Handle("GET /v2.0/networks", s.authenticated(http.HandlerFunc(s.listNetworks)))
	mux.Handle("POST /v2.0/networks", s.authenticated(http.HandlerFunc(s.createNetwork)))
	mux.Handle("GET /v2.0/networks/{id}", s.authenticated(http.HandlerFunc(s.showNetwork)))
	mux.Handle("PUT /v2.0/networks/{id}", s.authenticated(http.HandlerFunc(s.updateNetwork)))
	mux.Handle("DELETE /v2.0/networks/{id}", s.authenticated(http.HandlerFunc(s.deleteNetwork)))
	return s.logged(mux)
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (s *Server) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		mv, _ := requestedMicroversion(r.Header)
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Microversion: mv, Status: rec.status})
		s.mu.Unlock()
	})
}

// authenticated lets a request through when it carries a live token issued
// here, as every OpenStack service (through keystonemiddleware) does.
func (s *Server) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := r.Header.Get("X-Auth-Token")
		s.mu.Lock()
		expiry, ok := s.tokens[token]
		s.mu.Unlock()
		if token == "" || !ok || time.Now().After(expiry) {
			w.Header().Set("WWW-Authenticate", "Keystone uri='"+s.AuthURL()+"'")
			writeKeystoneError(w, http.StatusUnauthorized, "The request you have made requires authentication.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// decodeBody decodes a JSON request body into v. strict refuses fields v
// does not have, as an API whose schema says additionalProperties false
// refuses them.
func decodeBody(r *http.Request, v any, strict bool) error {
	dec := json.NewDecoder(r.Body)
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fmt.Errorf("request body larger than %d bytes", tooBig.Limit)
		}
		return fmt.Errorf("malformed request body: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("malformed request body: data after the JSON value")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own types are encoded here; a failure is a bug in the
		// double, reported as a server error rather than a panic.
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// newID returns a random 32-hex-digit id, the form Keystone uses.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// newUUID returns a random version 4 UUID, the form Neutron uses for ids.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
