package osdouble

import (
	"cmp"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// The compute microversions the double implements: what changes for key
// pairs up to 2.10 (type from 2.2, user_id from 2.10). A client asking for
// more is refused with 406, as Nova refuses a version beyond its maximum.
var (
	minMicroversion = microversion{2, 1}
	maxMicroversion = microversion{2, 10}
)

// novaTime is the timestamp format of Nova's bodies.
const novaTime = "2006-01-02T15:04:05.000000"

// microversion is a compute API microversion, 2.x.
type microversion struct{ major, minor int }

func (v microversion) String() string { return fmt.Sprintf("%d.%d", v.major, v.minor) }

func (v microversion) atLeast(major, minor int) bool {
	return v.major > major || v.major == major && v.minor >= minor
}

func parseMicroversion(s string) (microversion, error) {
	if strings.EqualFold(s, "latest") {
		return maxMicroversion, nil
	}
	maj, min, ok := strings.Cut(s, ".")
	a, errA := strconv.Atoi(maj)
	b, errB := strconv.Atoi(min)
	if !ok || errA != nil || errB != nil || a < 0 || b < 0 {
		return microversion{}, fmt.Errorf("API Version String %s is of invalid format. Must be of format MajorNum.MinorNum.", s)
	}
	return microversion{a, b}, nil
}

// requestedMicroversion is the compute microversion a request asks for, the
// standard header winning over Nova's legacy one, as Nova reads them.
func requestedMicroversion(h http.Header) (string, bool) {
	for _, v := range h.Values("OpenStack-API-Version") {
		for part := range strings.SplitSeq(v, ",") {
			if f := strings.Fields(part); len(f) == 2 && strings.EqualFold(f[0], "compute") {
				return f[1], true
			}
		}
	}
	if v := strings.TrimSpace(h.Get("X-OpenStack-Nova-API-Version")); v != "" {
		return v, true
	}
	return "", false
}

// novaFaultNames are the keys Nova wraps an error body in, by status.
var novaFaultNames = map[int]string{
	http.StatusBadRequest:       "badRequest",
	http.StatusUnauthorized:     "unauthorized",
	http.StatusForbidden:        "forbidden",
	http.StatusNotFound:         "itemNotFound",
	http.StatusMethodNotAllowed: "badMethod",
	http.StatusConflict:         "conflictingRequest",
}

func writeNovaError(w http.ResponseWriter, status int, message string) {
	name, ok := novaFaultNames[status]
	if !ok {
		name = "computeFault"
	}
	writeJSON(w, status, map[string]any{name: map[string]any{"code": status, "message": message}})
}

// compute resolves the request's microversion, answers the version headers
// Nova answers, and refuses versions it does not implement.
func (s *Server) compute(h func(http.ResponseWriter, *http.Request, microversion)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := minMicroversion
		if asked, ok := requestedMicroversion(r.Header); ok {
			var err error
			if v, err = parseMicroversion(asked); err != nil {
				writeNovaError(w, http.StatusBadRequest, err.Error())
				return
			}
		}
		w.Header().Set("Vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version")
		if !v.atLeast(minMicroversion.major, minMicroversion.minor) || v.atLeast(maxMicroversion.major, maxMicroversion.minor+1) {
			writeNovaError(w, http.StatusNotAcceptable, fmt.Sprintf("Version %s is not supported by the API. Minimum is %s and maximum is %s.", v, minMicroversion, maxMicroversion))
			return
		}
		w.Header().Set("OpenStack-API-Version", "compute "+v.String())
		w.Header().Set("X-OpenStack-Nova-API-Version", v.String())
		h(w, r, v)
	})
}

// computeVersion answers GET /v2.1: the compute API's version document.
func (s *Server) computeVersion(w http.ResponseWriter, _ *http.Request, _ microversion) {
	writeJSON(w, http.StatusOK, map[string]any{"version": map[string]any{
		"id":          "v2.1",
		"status":      "CURRENT",
		"version":     maxMicroversion.String(),
		"min_version": minMicroversion.String(),
		"updated":     "2013-07-23T11:33:21Z",
		"links":       []link{{Rel: "self", Href: s.URL() + "/v2.1/"}},
		"media-types": []map[string]string{{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}},
	}})
}

// Keypair is a key pair the double holds. The private key of a generated
// pair is not kept: Nova returns it once, in the response to the create.
type Keypair struct {
	// ID is Nova's internal numeric id.
	ID          int
	Name        string
	UserID      string
	Type        string // "ssh"
	PublicKey   string
	Fingerprint string
	CreatedAt   time.Time
}

type keypairKey struct{ user, name string }

// Keypairs returns every key pair, of every user, ordered by user and name.
func (s *Server) Keypairs() []Keypair {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Keypair, 0, len(s.keypairs))
	for _, kp := range s.keypairs {
		out = append(out, kp)
	}
	slices.SortFunc(out, func(a, b Keypair) int {
		return cmp.Or(strings.Compare(a.UserID, b.UserID), strings.Compare(a.Name, b.Name))
	})
	return out
}

// Keypair returns the configured user's key pair called name.
func (s *Server) Keypair(name string) (Keypair, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kp, ok := s.keypairs[keypairKey{s.userID, name}]
	return kp, ok
}

// DeleteKeypair removes the configured user's key pair called name, as
// someone else would from outside, and reports whether it existed.
func (s *Server) DeleteKeypair(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := keypairKey{s.userID, name}
	_, ok := s.keypairs[k]
	delete(s.keypairs, k)
	return ok
}

// keypairNameRE is the name Nova accepts before microversion 2.92:
// letters, digits, '.', '_', '-' and inner spaces.
var keypairNameRE = regexp.MustCompile(`^[a-zA-Z0-9._-]([a-zA-Z0-9. _-]*[a-zA-Z0-9._-])?$`)

// owner is whose key pairs a request is about: the caller's, or from 2.10
// the user named by user_id (the double applies no policy).
func (s *Server) owner(r *http.Request, v microversion) string {
	if u := r.URL.Query().Get("user_id"); u != "" && v.atLeast(2, 10) {
		return u
	}
	return s.userID
}

// keypairBody is a key pair as the API shows it; which fields appear
// depends on the operation and the microversion.
func keypairBody(kp Keypair, v microversion, detail bool) map[string]any {
	b := map[string]any{"name": kp.Name, "public_key": kp.PublicKey, "fingerprint": kp.Fingerprint}
	if v.atLeast(2, 2) {
		b["type"] = kp.Type
	}
	if detail {
		b["user_id"] = kp.UserID
		b["id"] = kp.ID
		b["created_at"] = kp.CreatedAt.Format(novaTime)
		b["updated_at"] = nil
		b["deleted"] = false
		b["deleted_at"] = nil
	}
	return b
}

func (s *Server) listKeypairs(w http.ResponseWriter, r *http.Request, v microversion) {
	owner := s.owner(r, v)
	list := []map[string]any{}
	for _, kp := range s.Keypairs() {
		if kp.UserID == owner {
			list = append(list, map[string]any{"keypair": keypairBody(kp, v, false)})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"keypairs": list})
}

func (s *Server) showKeypair(w http.ResponseWriter, r *http.Request, v microversion) {
	owner, name := s.owner(r, v), r.PathValue("name")
	s.mu.Lock()
	kp, ok := s.keypairs[keypairKey{owner, name}]
	s.mu.Unlock()
	if !ok {
		writeNovaError(w, http.StatusNotFound, fmt.Sprintf("Keypair %s not found for user %s", name, owner))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"keypair": keypairBody(kp, v, true)})
}

func (s *Server) deleteKeypair(w http.ResponseWriter, r *http.Request, v microversion) {
	owner, name := s.owner(r, v), r.PathValue("name")
	s.mu.Lock()
	k := keypairKey{owner, name}
	_, ok := s.keypairs[k]
	delete(s.keypairs, k)
	s.mu.Unlock()
	if !ok {
		writeNovaError(w, http.StatusNotFound, fmt.Sprintf("Keypair %s not found for user %s", name, owner))
		return
	}
	if v.atLeast(2, 2) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// createKeypairRequest is the body of POST /os-keypairs. Pointers tell an
// absent field from an empty one.
type createKeypairRequest struct {
	Keypair *struct {
		Name      *string `json:"name"`
		PublicKey *string `json:"public_key"`
		Type      *string `json:"type"`
		UserID    *string `json:"user_id"`
	} `json:"keypair"`
}

func (s *Server) createKeypair(w http.ResponseWriter, r *http.Request, v microversion) {
	var req createKeypairRequest
	if err := decodeBody(r, &req, true); err != nil {
		writeNovaError(w, http.StatusBadRequest, "Invalid input for field/attribute keypair: "+err.Error())
		return
	}
	in := req.Keypair
	switch {
	case in == nil:
		writeNovaError(w, http.StatusBadRequest, "Invalid input for field/attribute keypair: 'keypair' is a required property")
		return
	case in.Name == nil:
		writeNovaError(w, http.StatusBadRequest, "Invalid input for field/attribute keypair: 'name' is a required property")
		return
	case in.Type != nil && !v.atLeast(2, 2):
		writeNovaError(w, http.StatusBadRequest, "Invalid input for field/attribute keypair: 'type' was unexpected (needs microversion 2.2)")
		return
	case in.UserID != nil && !v.atLeast(2, 10):
		writeNovaError(w, http.StatusBadRequest, "Invalid input for field/attribute keypair: 'user_id' was unexpected (needs microversion 2.10)")
		return
	}
	name := *in.Name
	if len(name) > 255 || !keypairNameRE.MatchString(name) {
		writeNovaError(w, http.StatusBadRequest, "Keypair data is invalid: Keypair name contains unsafe characters")
		return
	}
	typ := "ssh"
	if in.Type != nil {
		typ = *in.Type
	}
	if typ != "ssh" {
		writeNovaError(w, http.StatusBadRequest, fmt.Sprintf("Keypair data is invalid: the double supports type ssh only, not %q", typ))
		return
	}
	owner := s.userID
	if in.UserID != nil && *in.UserID != "" {
		owner = *in.UserID
	}

	kp := Keypair{Name: name, UserID: owner, Type: typ, CreatedAt: time.Now().UTC()}
	var privateKey string
	if in.PublicKey != nil {
		pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(*in.PublicKey))
		if err != nil {
			writeNovaError(w, http.StatusBadRequest, "Keypair data is invalid: failed to generate fingerprint")
			return
		}
		kp.PublicKey = *in.PublicKey
		kp.Fingerprint = ssh.FingerprintLegacyMD5(pub)
	} else {
		pub, priv, err := generateKeypair()
		if err != nil {
			writeNovaError(w, http.StatusInternalServerError, "generating a key pair: "+err.Error())
			return
		}
		kp.PublicKey = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))) + " Generated-by-Nova\n"
		kp.Fingerprint = ssh.FingerprintLegacyMD5(pub)
		privateKey = priv
	}

	s.mu.Lock()
	k := keypairKey{owner, name}
	if _, dup := s.keypairs[k]; dup {
		s.mu.Unlock()
		writeNovaError(w, http.StatusConflict, fmt.Sprintf("Key pair '%s' already exists.", name))
		return
	}
	s.lastKeypairID++
	kp.ID = s.lastKeypairID
	s.keypairs[k] = kp
	s.mu.Unlock()

	body := keypairBody(kp, v, false)
	body["user_id"] = kp.UserID
	if privateKey != "" {
		body["private_key"] = privateKey
	}
	status := http.StatusOK
	if v.atLeast(2, 2) {
		status = http.StatusCreated
	}
	writeJSON(w, status, map[string]any{"keypair": body})
}

// generateKeypair makes a new ed25519 key pair, the private key in OpenSSH
// PEM form. (Nova generates RSA keys; ed25519 is as valid to a client and
// much cheaper in tests.)
func generateKeypair() (ssh.PublicKey, string, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, "", err
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, "", err
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		return nil, "", err
	}
	return sshPub, string(pem.EncodeToMemory(block)), nil
}
