package install

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// requireOrSkip skips the test, or fails it when INDIGO_TEST_REQUIRE=1.
func requireOrSkip(t *testing.T, format string, args ...any) {
	t.Helper()
	testsrv.Missing(t, fmt.Sprintf(format, args...))
}

// fakeProviderSource is the plugin binary the tests install: it prints its
// type and version, which is enough to tell packages apart and to check
// that what was installed is a working executable.
const fakeProviderSource = `package main

import "fmt"

var name, version = "unset", "unset"

func main() { fmt.Println("terraform-provider-" + name + " " + version) }
`

var buildMu sync.Mutex

// providerBinary returns a provider executable for the current platform
// printing "terraform-provider-TYPE VERSION", built with the go tool and
// cached under $HOME/.cache/indigo-test.
func providerBinary(t *testing.T, typ, version string) []byte {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		requireOrSkip(t, "the go tool is needed to build a test provider: install Go (https://go.dev/dl/)")
	}
	sum := sha256.Sum256([]byte(fakeProviderSource + runtime.Version() + CurrentPlatform.String()))
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	cacheDir := filepath.Join(home, ".cache", "indigo-test", "install-fake-provider", hex.EncodeToString(sum[:8]))
	bin := filepath.Join(cacheDir, typ+"_"+version)
	buildMu.Lock()
	defer buildMu.Unlock()
	if b, err := os.ReadFile(bin); err == nil {
		return b
	}
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte(fakeProviderSource), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module fakeprovider\n\ngo 1.21\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := bin + ".tmp"
	cmd := exec.Command(goTool, "build", "-trimpath", "-ldflags", "-s -w -X main.name="+typ+" -X main.version="+version, "-o", tmp, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the test provider: %v\n%s", err, out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// zipEntry is one file of a test zip.
type zipEntry struct {
	name string
	body []byte
	mode os.FileMode
}

func makeZip(t *testing.T, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		h.SetMode(e.mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// providerZip is a distribution zip as registries serve them: the binary
// terraform-provider-TYPE_vVERSION at the root, executable.
func providerZip(t *testing.T, typ, version string) []byte {
	return makeZip(t, zipEntry{name: "terraform-provider-" + typ + "_v" + version, body: providerBinary(t, typ, version), mode: 0o755})
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// otherPlatform is a platform that is not the one the tests run on.
func otherPlatform() Platform {
	if CurrentPlatform.String() == "linux_amd64" {
		return Platform{OS: "darwin", Arch: "arm64"}
	}
	return Platform{OS: "linux", Arch: "amd64"}
}

// testServer implements, on one HTTPS server on 127.0.0.1, the provider
// registry protocol (for any hostname under example.com) and the provider
// network mirror protocol (under /mirror/).
type testServer struct {
	t   *testing.T
	srv *httptest.Server
	key *openpgp.Entity

	mu sync.Mutex
	// releases: provider → version → platform → zip.
	releases map[Provider]map[string]map[Platform][]byte
	// signer, when set, signs SHA256SUMS instead of key (a bad signature).
	signer *openpgp.Entity
	// tamper, when set, serves a different zip from the one SHA256SUMS lists.
	tamper bool
	// mirrorHashes, when set, replaces the hashes a network mirror lists.
	mirrorHashes []string

	// token, when set, is the bearer token API requests must carry.
	token string
	// authOnFiles counts file downloads that carried credentials.
	authOnFiles int

	requests atomic.Int64
	paths    []string
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	key, err := openpgp.NewEntity("indigo test", "throwaway", "test@example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, key: key, releases: make(map[Provider]map[string]map[Platform][]byte)}
	ts.srv = httptest.NewTLSServer(http.HandlerFunc(ts.serve))
	t.Cleanup(ts.srv.Close)
	return ts
}

// addRelease publishes v of p for the current platform and one other.
func (ts *testServer) addRelease(p Provider, v string) {
	zip := providerZip(ts.t, p.Type, v)
	// Another platform's package: its binary differs, as it would.
	bin := append(slices.Clone(providerBinary(ts.t, p.Type, v)), []byte("built for another platform")...)
	otherZip := makeZip(ts.t, zipEntry{name: "terraform-provider-" + p.Type + "_v" + v, body: bin, mode: 0o755})
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.releases[p] == nil {
		ts.releases[p] = make(map[string]map[Platform][]byte)
	}
	ts.releases[p][v] = map[Platform][]byte{CurrentPlatform: zip, otherPlatform(): otherZip}
}

func (ts *testServer) zipFor(p Provider, v string, plat Platform) []byte {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.releases[p][v][plat]
}

// client returns an HTTP client that trusts the server's certificate and
// sends every connection to it, whatever the hostname.
func (ts *testServer) client() *http.Client {
	base := ts.srv.Client().Transport.(*http.Transport).Clone()
	addr := ts.srv.Listener.Addr().String()
	base.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: base}
}

func (ts *testServer) requestCount() int { return int(ts.requests.Load()) }

// requested returns the host+path of every request so far.
func (ts *testServer) requested() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return slices.Clone(ts.paths)
}

// set changes the server's behaviour between requests.
func (ts *testServer) set(f func(ts *testServer)) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	f(ts)
}

func (ts *testServer) writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		ts.t.Errorf("encoding response: %v", err)
	}
}

func (ts *testServer) armoredKey() string {
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, openpgp.PublicKeyType, nil)
	if err != nil {
		ts.t.Fatal(err)
	}
	if err := ts.key.Serialize(w); err != nil {
		ts.t.Fatal(err)
	}
	w.Close()
	return buf.String()
}

func zipName(typ, v string, plat Platform) string {
	return fmt.Sprintf("terraform-provider-%s_%s_%s.zip", typ, v, plat)
}

// sums returns the SHA256SUMS document of a release.
func (ts *testServer) sums(p Provider, v string) []byte {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	var lines []string
	for plat, z := range ts.releases[p][v] {
		lines = append(lines, sha256Hex(z)+"  "+zipName(p.Type, v, plat))
	}
	sort.Strings(lines)
	return []byte(strings.Join(lines, "\n") + "\n")
}

func (ts *testServer) serve(w http.ResponseWriter, r *http.Request) {
	ts.requests.Add(1)
	ts.mu.Lock()
	ts.paths = append(ts.paths, r.Host+r.URL.Path)
	ts.mu.Unlock()
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	ts.mu.Lock()
	token := ts.token
	if parts[0] == "files" && r.Header.Get("Authorization") != "" {
		ts.authOnFiles++
	}
	ts.mu.Unlock()
	if token != "" && parts[0] != "files" && r.Header.Get("Authorization") != "Bearer "+token {
		http.Error(w, `{"errors":["Unauthorized"]}`, http.StatusUnauthorized)
		return
	}
	switch {
	case r.URL.Path == "/.well-known/terraform.json":
		ts.writeJSON(w, map[string]any{"providers.v1": "/v1/providers/", "modules.v1": "/v1/modules/"})
	case len(parts) == 5 && parts[0] == "v1" && parts[1] == "providers" && parts[4] == "versions":
		ts.serveVersions(w, Provider{Hostname: host, Namespace: parts[2], Type: parts[3]})
	case len(parts) == 8 && parts[0] == "v1" && parts[5] == "download":
		p := Provider{Hostname: host, Namespace: parts[2], Type: parts[3]}
		ts.serveDownload(w, p, parts[4], Platform{OS: parts[6], Arch: parts[7]})
	case len(parts) == 6 && parts[0] == "files":
		// /files/HOST/NS/TYPE/VERSION/FILE
		p := Provider{Hostname: parts[1], Namespace: parts[2], Type: parts[3]}
		ts.serveFile(w, p, parts[4], parts[5])
	case len(parts) == 5 && parts[0] == "mirror":
		// /mirror/HOST/NS/TYPE/(index.json|VERSION.json|FILE.zip)
		p := Provider{Hostname: parts[1], Namespace: parts[2], Type: parts[3]}
		ts.serveMirror(w, p, parts[4])
	default:
		http.NotFound(w, r)
	}
}

func (ts *testServer) serveVersions(w http.ResponseWriter, p Provider) {
	ts.mu.Lock()
	rel, ok := ts.releases[p]
	type platform struct {
		OS   string `json:"os"`
		Arch string `json:"arch"`
	}
	type version struct {
		Version   string     `json:"version"`
		Protocols []string   `json:"protocols"`
		Platforms []platform `json:"platforms"`
	}
	var vs []version
	for v, plats := range rel {
		ver := version{Version: v, Protocols: []string{"5.0", "6.0"}}
		for plat := range plats {
			ver.Platforms = append(ver.Platforms, platform{plat.OS, plat.Arch})
		}
		vs = append(vs, ver)
	}
	ts.mu.Unlock()
	if !ok {
		http.Error(w, `{"errors":["Not Found"]}`, http.StatusNotFound)
		return
	}
	// A version only an unsupported protocol speaks must never be chosen.
	vs = append(vs, version{Version: "99.0.0", Protocols: []string{"4.0"}})
	ts.writeJSON(w, map[string]any{"versions": vs})
}

func (ts *testServer) serveDownload(w http.ResponseWriter, p Provider, v string, plat Platform) {
	z := ts.zipFor(p, v, plat)
	if z == nil {
		http.NotFound(w, nil)
		return
	}
	base := fmt.Sprintf("/files/%s/%s/%s/%s/", p.Hostname, p.Namespace, p.Type, v)
	sumsName := fmt.Sprintf("terraform-provider-%s_%s_SHA256SUMS", p.Type, v)
	ts.writeJSON(w, map[string]any{
		"protocols":             []string{"5.0"},
		"os":                    plat.OS,
		"arch":                  plat.Arch,
		"filename":              zipName(p.Type, v, plat),
		"download_url":          base + zipName(p.Type, v, plat),
		"shasums_url":           base + sumsName,
		"shasums_signature_url": base + sumsName + ".sig",
		"shasum":                sha256Hex(z),
		"signing_keys": map[string]any{"gpg_public_keys": []map[string]any{{
			"key_id":      strings.ToUpper(ts.key.PrimaryKey.KeyIdString()),
			"ascii_armor": ts.armoredKey(),
		}}},
	})
}

func (ts *testServer) serveFile(w http.ResponseWriter, p Provider, v, name string) {
	sumsName := fmt.Sprintf("terraform-provider-%s_%s_SHA256SUMS", p.Type, v)
	switch {
	case name == sumsName:
		w.Write(ts.sums(p, v))
	case name == sumsName+".sig":
		signer := ts.key
		ts.mu.Lock()
		if ts.signer != nil {
			signer = ts.signer
		}
		ts.mu.Unlock()
		var sig bytes.Buffer
		if err := openpgp.DetachSign(&sig, signer, bytes.NewReader(ts.sums(p, v)), nil); err != nil {
			ts.t.Errorf("signing: %v", err)
		}
		w.Write(sig.Bytes())
	default:
		for _, plat := range []Platform{CurrentPlatform, otherPlatform()} {
			if name == zipName(p.Type, v, plat) {
				z := ts.zipFor(p, v, plat)
				ts.mu.Lock()
				if ts.tamper {
					z = providerZip(ts.t, p.Type, v+"-evil")
				}
				ts.mu.Unlock()
				w.Write(z)
				return
			}
		}
		http.NotFound(w, nil)
	}
}

func (ts *testServer) serveMirror(w http.ResponseWriter, p Provider, file string) {
	ts.mu.Lock()
	rel := ts.releases[p]
	ts.mu.Unlock()
	if rel == nil {
		http.NotFound(w, nil)
		return
	}
	switch {
	case file == "index.json":
		vs := make(map[string]struct{})
		for v := range rel {
			vs[v] = struct{}{}
		}
		ts.writeJSON(w, map[string]any{"versions": vs})
	case strings.HasSuffix(file, ".json"):
		v := strings.TrimSuffix(file, ".json")
		if rel[v] == nil {
			http.NotFound(w, nil)
			return
		}
		archives := make(map[string]any)
		for plat, z := range rel[v] {
			hashes := []string{mirrorH1(ts.t, z)}
			ts.mu.Lock()
			if ts.mirrorHashes != nil {
				hashes = ts.mirrorHashes
			}
			ts.mu.Unlock()
			archives[plat.String()] = map[string]any{"url": zipName(p.Type, v, plat), "hashes": hashes}
		}
		ts.writeJSON(w, map[string]any{"archives": archives})
	default:
		for v, plats := range rel {
			for plat, z := range plats {
				if file == zipName(p.Type, v, plat) {
					w.Write(z)
					return
				}
			}
		}
		http.NotFound(w, nil)
	}
}

// mirrorH1 computes the h1: hash of a zip's content, as "terraform
// providers mirror" lists it.
func mirrorH1(t *testing.T, z []byte) string {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.zip")
	if err := os.WriteFile(path, z, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)
	if err := unpackZip(path, out); err != nil {
		t.Fatal(err)
	}
	h, err := HashDir(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

// offlineClient fails the test on any request.
func offlineClient(t *testing.T) *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		t.Errorf("unexpected network request: %s %s", r.Method, r.URL)
		return nil, errors.New("network access is not allowed in this test")
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// runBinary runs an installed provider executable and returns its output.
func runBinary(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command(path).Output()
	if err != nil {
		t.Fatalf("running %s: %v", path, err)
	}
	return strings.TrimSpace(string(out))
}

// events collects progress lines.
type events struct {
	mu    sync.Mutex
	lines []string
}

func (e *events) add(ev Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.lines = append(e.lines, ev.String())
}

func (e *events) String() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return strings.Join(e.lines, "\n")
}

func b64sha256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}
