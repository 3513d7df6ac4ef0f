package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// moduleRegistry serves the module registry protocol for acme/greeting/any
// over plain HTTP (the CLI configuration's host block points service
// discovery at it), each version a tar.gz with one output.
type moduleRegistry struct {
	srv      *httptest.Server
	mu       sync.Mutex
	versions map[string][]byte
}

func newModuleRegistry(t *testing.T) *moduleRegistry {
	m := &moduleRegistry{versions: map[string][]byte{}}
	m.srv = httptest.NewServer(http.HandlerFunc(m.serve))
	t.Cleanup(m.srv.Close)
	return m
}

func (m *moduleRegistry) publish(t *testing.T, v string) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	body := fmt.Sprintf("output \"greeting\" {\n  value = \"hello from %s\"\n}\n", v)
	if err := tw.WriteHeader(&tar.Header{Name: "main.tf", Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	tw.Write([]byte(body))
	tw.Close()
	gz.Close()
	m.mu.Lock()
	m.versions[v] = buf.Bytes()
	m.mu.Unlock()
}

func (m *moduleRegistry) serve(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	const base = "/v1/modules/acme/greeting/any/"
	if strings.HasPrefix(r.URL.Path, "/v1/") && r.Header.Get("Authorization") != "Bearer t0ken" {
		http.Error(w, "who are you", http.StatusUnauthorized)
		return
	}
	switch p := r.URL.Path; {
	case p == base+"versions":
		var vs []string
		for v := range m.versions {
			vs = append(vs, fmt.Sprintf(`{"version":%q}`, v))
		}
		fmt.Fprintf(w, `{"modules":[{"versions":[%s]}]}`, strings.Join(vs, ","))
	case strings.HasSuffix(p, "/download"):
		v := strings.TrimSuffix(strings.TrimPrefix(p, base), "/download")
		w.Header().Set("X-Terraform-Get", "/files/"+v+".tar.gz")
		w.WriteHeader(http.StatusNoContent)
	case strings.HasPrefix(p, "/files/"):
		w.Write(m.versions[strings.TrimSuffix(strings.TrimPrefix(p, "/files/"), ".tar.gz")])
	default:
		http.NotFound(w, r)
	}
}

// TestInitModules: init installs a registry module into the data
// directory with a manifest, plan and apply use it, -upgrade takes a newer
// version, -get=false leaves the modules alone, a second init works
// offline, and a registry that is down is an error at the source.
func TestInitModules(t *testing.T) {
	reg := newModuleRegistry(t)
	reg.publish(t, "1.0.0")
	cliConfig := fmt.Sprintf("host \"registry.example.com\" {\n  services = {\n    \"modules.v1\" = \"%s/v1/modules/\"\n  }\n}\n", reg.srv.URL)
	r := newCLIRun(t, map[string]string{
		"main.tf": "module \"greet\" {\n  source  = \"registry.example.com/acme/greeting/any\"\n  version = \"~> 1.0\"\n}\n\noutput \"greeting\" {\n  value = module.greet.greeting\n}\n",
		"cli.rc":  cliConfig,
	})
	r = r.with("TF_CLI_CONFIG_FILE=" + filepath.Join(r.dir, "cli.rc"))

	r.fails("Run indigo init to download it", "plan")
	r.fails("TF_TOKEN_registry_example_com", "init", "-input=false")
	r = r.with("TF_TOKEN_registry_example_com=t0ken")
	out := r.ok("init", "-input=false")
	if !strings.Contains(out, "- greet in registry.example.com/acme/greeting/any") {
		t.Errorf("init did not say it installed the module:\n%s", out)
	}
	manifest := r.file(".indigo/modules/modules.json")
	if !strings.Contains(manifest, `"Version": "1.0.0"`) || !strings.Contains(manifest, `"Key": "greet"`) {
		t.Errorf("manifest:\n%s", manifest)
	}
	r.ok("apply", "-auto-approve", "-input=false")
	if out := r.ok("output", "-raw", "greeting"); out != "hello from 1.0.0" {
		t.Errorf("output %q", out)
	}

	reg.publish(t, "1.1.0")
	r.ok("init", "-input=false")
	r.ok("apply", "-auto-approve", "-input=false")
	if out := r.ok("output", "-raw", "greeting"); out != "hello from 1.0.0" {
		t.Errorf("init without -upgrade changed the module: %q", out)
	}
	r.ok("init", "-input=false", "-upgrade")
	r.ok("apply", "-auto-approve", "-input=false")
	if out := r.ok("output", "-raw", "greeting"); out != "hello from 1.1.0" {
		t.Errorf("after init -upgrade: %q", out)
	}

	// -from-module with a registry source fills an empty directory.
	fresh := newCLIRun(t, map[string]string{"cli.rc": cliConfig})
	fresh = fresh.with("TF_CLI_CONFIG_FILE="+filepath.Join(fresh.dir, "cli.rc"), "TF_TOKEN_registry_example_com=t0ken")
	fresh.ok("init", "-input=false", "-from-module=registry.example.com/acme/greeting/any")
	if got := fresh.file("main.tf"); !strings.Contains(got, "hello from 1.1.0") {
		t.Errorf("-from-module copied:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(fresh.dir, ".indigo", "modules", ".from-module")); err == nil {
		t.Error("-from-module left its download behind")
	}

	// A constraint the installed version no longer meets: located at version.
	tight := strings.Replace(r.file("main.tf"), `"~> 1.0"`, `">= 1.2"`, 1)
	if err := os.WriteFile(filepath.Join(r.dir, "main.tf"), []byte(tight), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := r.fails("Module version requirement changed", "plan", "-input=false"); !strings.Contains(out, "on main.tf line 3") {
		t.Errorf("not located at the version argument:\n%s", out)
	}
	loose := strings.Replace(tight, `">= 1.2"`, `"~> 1.0"`, 1)
	if err := os.WriteFile(filepath.Join(r.dir, "main.tf"), []byte(loose), 0o644); err != nil {
		t.Fatal(err)
	}

	// Offline: the registry is gone; init keeps what the manifest says.
	reg.srv.Close()
	r.ok("init", "-input=false")
	r.ok("plan", "-input=false")
	out = r.fails("cannot be reached", "init", "-input=false", "-upgrade")
	if !strings.Contains(out, "on main.tf line 2, in module \"greet\"") {
		t.Errorf("the error is not located at the source:\n%s", out)
	}

	// -get=false installs nothing: a changed source is reported at the
	// source by the load that follows.
	main := strings.Replace(r.file("main.tf"), "acme/greeting/any", "acme/other/any", 1)
	if err := os.WriteFile(filepath.Join(r.dir, "main.tf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	out = r.fails("Module source changed", "init", "-input=false", "-get=false")
	if !strings.Contains(out, "Skipping modules") || !strings.Contains(out, "on main.tf line 2") {
		t.Errorf("init -get=false:\n%s", out)
	}
}

// TestGetModules: get installs the modules a configuration calls, as
// terraform get does, without the backend or providers; it keeps what is
// installed, and -update takes the newest version the constraint allows.
func TestGetModules(t *testing.T) {
	reg := newModuleRegistry(t)
	reg.publish(t, "1.0.0")
	cliConfig := fmt.Sprintf("host \"registry.example.com\" {\n  services = {\n    \"modules.v1\" = \"%s/v1/modules/\"\n  }\n}\n", reg.srv.URL)
	r := newCLIRun(t, map[string]string{
		"main.tf": "module \"greet\" {\n  source  = \"registry.example.com/acme/greeting/any\"\n  version = \"~> 1.0\"\n}\n\noutput \"greeting\" {\n  value = module.greet.greeting\n}\n",
		"cli.rc":  cliConfig,
	})
	r = r.with("TF_CLI_CONFIG_FILE="+filepath.Join(r.dir, "cli.rc"), "TF_TOKEN_registry_example_com=t0ken")
	if out := r.ok("get"); !strings.Contains(out, "- greet in registry.example.com/acme/greeting/any") {
		t.Errorf("get did not say it installed the module:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(r.dir, ".indigo.lock.hcl")); err == nil {
		t.Error("get wrote a lock file: it installs modules only")
	}
	reg.publish(t, "1.1.0")
	r.ok("get")
	if m := r.file(".indigo/modules/modules.json"); !strings.Contains(m, `"Version": "1.0.0"`) {
		t.Errorf("get without -update changed the module:\n%s", m)
	}
	r.ok("get", "-update")
	if m := r.file(".indigo/modules/modules.json"); !strings.Contains(m, `"Version": "1.1.0"`) {
		t.Errorf("get -update did not take 1.1.0:\n%s", m)
	}
	r.ok("init", "-input=false")
	r.ok("apply", "-auto-approve", "-input=false")
	if out := r.ok("output", "-raw", "greeting"); out != "hello from 1.1.0" {
		t.Errorf("output after get -update: %q", out)
	}
}
