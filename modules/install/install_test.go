package install

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/lang/config"
	hcllang "github.com/indigo-cloud/indigo/lang/hcl"
	"github.com/indigo-cloud/indigo/lang/modsrc"
	provinstall "github.com/indigo-cloud/indigo/providers/install"
)

func TestMain(m *testing.M) { os.Exit(testsrv.Main(m)) }

// files is a module's files by relative path.
type files map[string]string

func writeFiles(t *testing.T, dir string, fs files) {
	t.Helper()
	for name, body := range fs {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func sortedNames(fs files) []string {
	var names []string
	for n := range fs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func tarGz(t *testing.T, fs files) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, n := range sortedNames(fs) {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(fs[n])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(fs[n]))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func zipOf(t *testing.T, fs files) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range sortedNames(fs) {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(fs[n]))
	}
	zw.Close()
	return buf.Bytes()
}

// module is a module with one output naming where it came from.
func module(from string) files {
	return files{"main.tf": fmt.Sprintf("output \"from\" {\n  value = %q\n}\n", from)}
}

// root writes a root module calling one module "m" with body, and returns
// its directory.
func root(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, files{"main.tf": "module \"m\" {\n" + body + "\n}\n"})
	return dir
}

// install runs Install on dir with in's settings, its modules directory
// under dir.
func install(t *testing.T, in *Installer, dir string, opts Options) (*Result, hcl.Diagnostics) {
	t.Helper()
	in.Dir = filepath.Join(dir, ".indigo", "modules")
	return in.Install(context.Background(), dir, opts)
}

// loadInstalled loads dir as a run after init does: from the manifest.
func loadInstalled(t *testing.T, dir string) *config.Config {
	t.Helper()
	mdir := filepath.Join(dir, ".indigo", "modules")
	m, err := modsrc.ReadManifest(mdir)
	if err != nil {
		t.Fatal(err)
	}
	l := hcllang.NewLoader()
	l.Modules = m.Resolver(mdir)
	cfg, diags := l.LoadDir(dir)
	if diags.HasErrors() {
		t.Fatalf("loading the installed configuration: %s", diags.Error())
	}
	return cfg
}

// from returns the literal value of output "from" of the module at path.
func from(t *testing.T, cfg *config.Config, path ...string) string {
	t.Helper()
	c := cfg
	for _, name := range path {
		next := c.Children[config.Step{Kind: config.ModuleStep, Name: name}]
		if next == nil {
			t.Fatalf("module %v not loaded", path)
		}
		c = next
	}
	out := c.Module.Outputs["from"]
	if out == nil {
		t.Fatalf("module %v has no output from", path)
	}
	v, diags := out.Expr.Value(nil)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return v.AsString()
}

// wantError checks that diags hold one error located at the source of the
// module call in dir/main.tf (line 2) whose text contains each of want.
func wantError(t *testing.T, diags hcl.Diagnostics, dir string, want ...string) {
	t.Helper()
	if !diags.HasErrors() {
		t.Fatal("no error")
	}
	d := diags[0]
	if d.Subject == nil || d.Subject.Filename != filepath.Join(dir, "main.tf") || d.Subject.Start.Line != 2 {
		t.Fatalf("error not located at the source argument (main.tf:2): %v", d.Subject)
	}
	text := d.Summary + ": " + d.Detail
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("error %q does not say %q", text, w)
		}
	}
}

// registry is a module registry on a TLS loopback server: service
// discovery, versions, download (X-Terraform-Get to an archive it also
// serves). It requires token when set.
type registry struct {
	srv   *httptest.Server
	token string

	mu       sync.Mutex
	versions map[string][]byte // version → tar.gz
	// locations replace the download location of a version (a git
	// source, say); such a version is answered the way OpenTofu's
	// registry does, with a JSON body of status 200.
	locations map[string]string
	requests  int
}

func newRegistry(t *testing.T) *registry {
	r := &registry{versions: map[string][]byte{}, locations: map[string]string{}}
	r.srv = httptest.NewTLSServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *registry) host() string { return strings.TrimPrefix(r.srv.URL, "https://") }

func (r *registry) publish(v string, fs files, t *testing.T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.versions[v] = tarGz(t, fs)
}

func (r *registry) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	const base = "/api/modules/v1/acme/net/cloud/"
	p := req.URL.Path
	switch {
	case p == "/.well-known/terraform.json":
		fmt.Fprint(w, `{"modules.v1": "/api/modules/v1/"}`)
		return
	case strings.HasPrefix(p, "/archives/"):
		v := strings.TrimSuffix(strings.TrimPrefix(p, "/archives/"), ".tar.gz")
		w.Write(r.versions[v])
		return
	}
	if r.token != "" && req.Header.Get("Authorization") != "Bearer "+r.token {
		http.Error(w, "no", http.StatusUnauthorized)
		return
	}
	switch {
	case p == base+"versions":
		var vs []string
		for v := range r.versions {
			vs = append(vs, fmt.Sprintf(`{"version": %q}`, v))
		}
		for v := range r.locations {
			vs = append(vs, fmt.Sprintf(`{"version": %q}`, v))
		}
		fmt.Fprintf(w, `{"modules": [{"versions": [%s]}]}`, strings.Join(vs, ","))
	case strings.HasPrefix(p, base) && strings.HasSuffix(p, "/download"):
		v := strings.TrimSuffix(strings.TrimPrefix(p, base), "/download")
		if loc, ok := r.locations[v]; ok {
			fmt.Fprintf(w, `{"location": %q}`, loc)
			return
		}
		w.Header().Set("X-Terraform-Get", "/archives/"+v+".tar.gz")
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, req)
	}
}

func TestRegistryModuleVersionsUpgradeAndOffline(t *testing.T) {
	reg := newRegistry(t)
	reg.token = "s3cr3t"
	reg.publish("1.0.0", module("1.0.0"), t)
	reg.publish("1.2.0", module("1.2.0"), t)
	reg.publish("2.0.0", module("2.0.0"), t)
	dir := root(t, fmt.Sprintf("  source  = %q\n  version = \"~> 1.0\"", reg.host()+"/acme/net/cloud"))
	host := reg.host()
	in := &Installer{Client: reg.srv.Client(), Credentials: map[string]provinstall.Token{host: "s3cr3t"}}

	res, diags := install(t, in, dir, Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if got := res.Manifest.Record("m"); got == nil || got.Version != "1.2.0" {
		t.Fatalf("manifest record %+v, want version 1.2.0", got)
	}
	if got := from(t, loadInstalled(t, dir), "m"); got != "1.2.0" {
		t.Fatalf("loaded module %s, want 1.2.0", got)
	}

	// A newer version allowed by the constraint: kept back without
	// -upgrade, and the registry is not asked at all.
	reg.publish("1.3.0", module("1.3.0"), t)
	before := reg.requests
	if _, diags := install(t, in, dir, Options{}); diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if reg.requests != before {
		t.Fatalf("a second init without -upgrade asked the registry %d times", reg.requests-before)
	}
	if _, diags := install(t, in, dir, Options{Upgrade: true}); diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if got := from(t, loadInstalled(t, dir), "m"); got != "1.3.0" {
		t.Fatalf("after -upgrade the module is %s, want 1.3.0", got)
	}

	// Offline: the registry is gone, init and loading still work.
	reg.srv.Close()
	if _, diags := install(t, in, dir, Options{}); diags.HasErrors() {
		t.Fatalf("offline init: %s", diags.Error())
	}
	if got := from(t, loadInstalled(t, dir), "m"); got != "1.3.0" {
		t.Fatalf("offline load: %s", got)
	}
	// ... but -upgrade needs it, and says so at the source; the copy
	// installed before stays usable.
	_, diags = install(t, in, dir, Options{Upgrade: true})
	wantError(t, diags, dir, "cannot be reached")
	if got := from(t, loadInstalled(t, dir), "m"); got != "1.3.0" {
		t.Fatalf("after a failed -upgrade: %s", got)
	}
}

func TestRegistryErrors(t *testing.T) {
	reg := newRegistry(t)
	reg.token = "s3cr3t"
	reg.publish("1.0.0", module("1.0.0"), t)
	in := &Installer{Client: reg.srv.Client()}

	dir := root(t, fmt.Sprintf("  source = %q", reg.host()+"/acme/net/cloud"))
	_, diags := install(t, in, dir, Options{})
	wantError(t, diags, dir, "refused", "TF_TOKEN_")

	in.Credentials = map[string]provinstall.Token{reg.host(): "s3cr3t"}
	dir = root(t, fmt.Sprintf("  source  = %q\n  version = \">= 3.0\"", reg.host()+"/acme/net/cloud"))
	_, diags = install(t, in, dir, Options{})
	wantError(t, diags, dir, "No version", "1.0.0")

	dir = root(t, fmt.Sprintf("  source = %q", reg.host()+"/acme/nothing/cloud"))
	_, diags = install(t, in, dir, Options{})
	wantError(t, diags, dir, "has no module acme/nothing/cloud")

	// A registry that is down.
	port := testsrv.FreePort(t)
	dir = root(t, fmt.Sprintf("  source = \"127.0.0.1:%d/acme/net/cloud\"", port))
	_, diags = install(t, in, dir, Options{})
	wantError(t, diags, dir, "cannot be reached", "connection refused")
}

// gitRepo makes a repository at dir with a commit tagged v1 holding
// v1files and a later commit on the default branch holding v2files.
func gitRepo(t *testing.T, dir string, v1files, v2files files) {
	t.Helper()
	git, err := exec.LookPath("git")
	if err != nil {
		testsrv.Missing(t, "git is not installed: apt-get install git")
	}
	run := func(args ...string) {
		cmd := exec.Command(git, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %s", args, out)
		}
	}
	os.MkdirAll(dir, 0o755)
	run("init", "--quiet", "-b", "main")
	writeFiles(t, dir, v1files)
	run("add", "-A")
	run("commit", "--quiet", "-m", "v1")
	run("tag", "v1")
	writeFiles(t, dir, v2files)
	run("add", "-A")
	run("commit", "--quiet", "-m", "v2")
	run("update-server-info")
}

func TestGitFileAndHTTP(t *testing.T) {
	repos := t.TempDir()
	repo := filepath.Join(repos, "net.git")
	gitRepo(t, repo,
		files{"modules/vpc/main.tf": module("v1").get("main.tf"), "README": "x"},
		files{"modules/vpc/main.tf": module("v2").get("main.tf")})
	in := &Installer{}

	for _, tc := range []struct{ source, want string }{
		{"git::file://" + repo + "//modules/vpc?ref=v1", "v1"},
		{"git::file://" + repo + "//modules/vpc", "v2"},
		{"git::file://" + repo + "//modules/vpc?ref=v1&depth=1", "v1"},
	} {
		dir := root(t, fmt.Sprintf("  source = %q", tc.source))
		if _, diags := install(t, in, dir, Options{}); diags.HasErrors() {
			t.Fatalf("%s: %s", tc.source, diags.Error())
		}
		if got := from(t, loadInstalled(t, dir), "m"); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.source, got, tc.want)
		}
	}

	url := testsrv.StartGitHTTP(t, repos)
	dir := root(t, fmt.Sprintf("  source = %q", "git::"+url+"/net.git//modules/vpc?ref=v1"))
	if _, diags := install(t, in, dir, Options{}); diags.HasErrors() {
		t.Fatalf("over HTTP: %s", diags.Error())
	}
	if got := from(t, loadInstalled(t, dir), "m"); got != "v1" {
		t.Errorf("over HTTP: got %s", got)
	}

	// A ref that is missing, with and without depth; a subdir that is not there.
	dir = root(t, fmt.Sprintf("  source = %q", "git::file://"+repo+"//modules/vpc?ref=v9"))
	_, diags := install(t, in, dir, Options{})
	wantError(t, diags, dir, `no branch, tag or commit "v9"`, "ref=")
	dir = root(t, fmt.Sprintf("  source = %q", "git::"+url+"/net.git?ref=v9&depth=1"))
	_, diags = install(t, in, dir, Options{})
	wantError(t, diags, dir, `"v9"`)
	dir = root(t, fmt.Sprintf("  source = %q", "git::file://"+repo+"//modules/nope?ref=v1"))
	_, diags = install(t, in, dir, Options{})
	wantError(t, diags, dir, `no directory "modules/nope"`)
}

func (f files) get(name string) string { return f[name] }

func TestHTTPArchives(t *testing.T) {
	zipBody := zipOf(t, files{"main.tf": module("zip").get("main.tf"), "sub/main.tf": module("zip-sub").get("main.tf")})
	tgzBody := tarGz(t, module("tgz"))
	mux := http.NewServeMux()
	mux.HandleFunc("/m.zip", func(w http.ResponseWriter, _ *http.Request) { w.Write(zipBody) })
	mux.HandleFunc("/download", func(w http.ResponseWriter, _ *http.Request) { w.Write(tgzBody) })
	mux.HandleFunc("/page", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Terraform-Get", "/m.zip//sub")
		fmt.Fprint(w, "see header")
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	sum := sha256.Sum256(zipBody)
	good := "sha256:" + hex.EncodeToString(sum[:])
	in := &Installer{}

	for _, tc := range []struct{ source, want string }{
		{srv.URL + "/m.zip?checksum=" + good, "zip"},
		{srv.URL + "/m.zip//sub", "zip-sub"},
		{srv.URL + "/download?archive=tar.gz", "tgz"},
		{srv.URL + "/page", "zip-sub"}, // X-Terraform-Get names a directory of the archive
	} {
		dir := root(t, fmt.Sprintf("  source = %q", tc.source))
		if _, diags := install(t, in, dir, Options{}); diags.HasErrors() {
			t.Fatalf("%s: %s", tc.source, diags.Error())
		}
		if got := from(t, loadInstalled(t, dir), "m"); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.source, got, tc.want)
		}
	}

	bad := "sha256:" + strings.Repeat("0", 64)
	dir := root(t, fmt.Sprintf("  source = %q", srv.URL+"/m.zip?checksum="+bad))
	_, diags := install(t, in, dir, Options{})
	wantError(t, diags, dir, "does not match its checksum", hex.EncodeToString(sum[:]))
	if _, err := os.Stat(filepath.Join(dir, ".indigo", "modules", "m")); err == nil {
		t.Error("a module whose checksum failed was installed")
	}
	dir = root(t, fmt.Sprintf("  source = %q", srv.URL+"/missing.zip"))
	_, diags = install(t, in, dir, Options{})
	wantError(t, diags, dir, "404")
}
