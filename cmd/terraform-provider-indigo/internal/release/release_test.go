package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

func TestMain(m *testing.M) {
	code := testsrv.Main(m)
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// testVersion is the version the tests release.
const testVersion = "0.1.0"

var built struct {
	once   sync.Once
	dir    string
	r      *Release
	mirror string
	err    error
}

// release builds the release once for the package's tests, into a
// directory that outlives each test.
func release(t *testing.T) (*Release, string) {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "indigo-release-test-")
		if err != nil {
			built.err = err
			return
		}
		built.dir = dir
		built.r, built.err = Build(testVersion, runtime.GOOS, runtime.GOARCH, filepath.Join(dir, "dist"))
		if built.err == nil {
			built.mirror = filepath.Join(dir, "mirror")
			built.err = built.r.Mirror(built.mirror)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.r, built.mirror
}

// cli is terraform or tofu.
type cli struct {
	name string
	path func(t *testing.T) string
}

var clis = []cli{
	{"terraform", func(t *testing.T) string {
		p, err := exec.LookPath("terraform")
		if err != nil {
			t.Skip("terraform is not on PATH (it is neither on the Go module proxy nor in Debian); install Terraform >= 1.11")
		}
		return p
	}},
	{"tofu", func(t *testing.T) string { return testsrv.TofuBinary(t) }},
}

// run runs a CLI command in dir and returns its output.
func run(t *testing.T, dir string, env []string, bin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin, append(args, "-no-color")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), append([]string{"TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_INPUT=0", "HOME=" + t.TempDir(), "TF_PLUGIN_CACHE_DIR="}, env...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func mustRun(t *testing.T, dir string, env []string, bin string, args ...string) string {
	t.Helper()
	out, err := run(t, dir, env, bin, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
	}
	return out
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

const requireProvider = `terraform {
  required_providers {
    indigo = { source = "indigo-cloud/indigo", version = "` + testVersion + `" }
  }
}

data "indigo_placement" "p" {
  sites   = [{ name = "a", sla = { cpus = 4 } }, { name = "b", sla = { cpus = 1 } }]
  require = { cpus = 2 }
}

output "chosen" {
  value = data.indigo_placement.p.chosen
}
`

// TestReleaseArchive checks what make release-provider writes: the zip
// holds the one executable Terraform looks for, SHA256SUMS lists the zip
// and the manifest with their real sums, the manifest says protocol 6.
func TestReleaseArchive(t *testing.T) {
	r, _ := release(t)
	zr, err := zip.OpenReader(r.Zip)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if len(zr.File) != 1 || zr.File[0].Name != "terraform-provider-indigo_v"+testVersion || zr.File[0].Mode()&0o111 == 0 {
		t.Fatalf("the archive holds %v; want the one executable terraform-provider-indigo_v%s", zr.File, testVersion)
	}
	sums, err := os.ReadFile(r.Sums)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{r.Zip, r.Manifest} {
		sum, err := sha256File(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(sums), sum+"  "+filepath.Base(f)+"\n") {
			t.Errorf("SHA256SUMS has no line for %s with %s:\n%s", filepath.Base(f), sum, sums)
		}
	}
	var m struct {
		Version  int
		Metadata struct {
			ProtocolVersions []string `json:"protocol_versions"`
		}
	}
	b, _ := os.ReadFile(r.Manifest)
	if err := json.Unmarshal(b, &m); err != nil || m.Version != 1 || len(m.Metadata.ProtocolVersions) != 1 || m.Metadata.ProtocolVersions[0] != "6.0" {
		t.Errorf("manifest %s: %s (%v)", r.Manifest, b, err)
	}
}

// TestInstallFromMirror installs the release with terraform and tofu from
// the mirror as a filesystem_mirror (the lock file gets the h1: hash) and
// served over HTTPS as a network_mirror (h1:, and zh: too with OpenTofu),
// then applies a configuration with the installed provider.
func TestInstallFromMirror(t *testing.T) {
	r, mirror := release(t)
	srv := httptest.NewTLSServer(http.FileServer(http.Dir(mirror)))
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	writeFile(t, ca, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})))
	methods := map[string]string{
		"filesystem_mirror": fmt.Sprintf("filesystem_mirror {\n    path = %q\n  }", mirror),
		"network_mirror":    fmt.Sprintf("network_mirror {\n    url = %q\n  }", srv.URL+"/"),
	}
	for _, c := range clis {
		t.Run(c.name, func(t *testing.T) {
			bin := c.path(t)
			for _, method := range []string{"filesystem_mirror", "network_mirror"} {
				t.Run(method, func(t *testing.T) {
					dir := t.TempDir()
					rc := filepath.Join(dir, "cli.rc")
					writeFile(t, rc, "provider_installation {\n  "+methods[method]+"\n}\n")
					writeFile(t, filepath.Join(dir, "main.tf"), requireProvider)
					env := []string{"TF_CLI_CONFIG_FILE=" + rc, "SSL_CERT_FILE=" + ca}
					mustRun(t, dir, env, bin, "init", "-input=false")
					lock, err := os.ReadFile(filepath.Join(dir, ".terraform.lock.hcl"))
					if err != nil {
						t.Fatal(err)
					}
					want := []string{r.H1}
					if method == "network_mirror" && c.name == "tofu" {
						// OpenTofu records the hashes the mirror reports;
						// Terraform records zh: only from a registry's
						// signed SHA256SUMS, and from any mirror the h1:
						// of what it installed.
						want = append(want, r.ZH)
					}
					for _, h := range want {
						if !strings.Contains(string(lock), `"`+h+`"`) {
							t.Errorf("the lock file has no %s:\n%s", h, lock)
						}
					}
					out := mustRun(t, dir, env, bin, "apply", "-auto-approve", "-input=false")
					if !strings.Contains(out, `chosen = "a"`) {
						t.Errorf("the installed provider did not rank:\n%s", out)
					}
				})
			}
		})
	}
}

// TestIndigoInitInstallsRelease installs the release with indigo init
// from the filesystem mirror, as Terraform does.
func TestIndigoInitInstallsRelease(t *testing.T) {
	r, mirror := release(t)
	tmp := t.TempDir()
	indigo := filepath.Join(tmp, "indigo")
	if out, err := exec.Command(goTool(), "build", "-o", indigo, "github.com/indigo-cloud/indigo/cmd/indigo").CombinedOutput(); err != nil {
		t.Fatalf("building indigo: %v\n%s", err, out)
	}
	dir := filepath.Join(tmp, "work")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(tmp, "cli.rc")
	writeFile(t, rc, fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path = %q\n  }\n}\n", mirror))
	writeFile(t, filepath.Join(dir, "main.tf"), `terraform {
  required_providers {
    indigo_release = { source = "indigo-cloud/indigo", version = "`+testVersion+`" }
  }
}
`)
	cmd := exec.Command(indigo, "init")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "INDIGO_CLI_CONFIG_FILE="+rc, "HOME="+tmp)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("indigo init: %v\n%s", err, out)
	}
	lock, err := os.ReadFile(filepath.Join(dir, ".terraform.lock.hcl"))
	if errors.Is(err, os.ErrNotExist) {
		lock, err = os.ReadFile(filepath.Join(dir, ".indigo.lock.hcl"))
	}
	if err != nil {
		t.Fatalf("no lock file after indigo init (%v):\n%s", err, out)
	}
	if !strings.Contains(string(lock), "indigo-cloud/indigo") || !strings.Contains(string(lock), r.H1) {
		t.Errorf("the lock file does not record the release with %s:\n%s", r.H1, lock)
	}
}
