package main

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// TestProvidersMirror mirrors hashicorp/local, installed from an unpacked
// filesystem mirror, into a new directory; indigo init (with the first
// lock file, whose checksum the mirrored package must match) and OpenTofu's
// init in fresh directories install from it alone, and the provider it
// gives starts.
func TestProvidersMirror(t *testing.T) {
	tofu := testsrv.TofuBinary(t)
	r := newSchemaRun(t)
	if out, stderr, code := r.indigo("init", "-input=false"); code != 0 {
		t.Fatalf("init: exit %d\n%s%s", code, out, stderr)
	}
	if _, stderr, code := r.indigo("providers", "mirror"); code == 0 || !strings.Contains(stderr, "arg") {
		t.Errorf("mirror without a directory: exit %d, want a failure saying so:\n%s", code, stderr)
	}
	mirror := filepath.Join(t.TempDir(), "mirror")
	out, stderr, code := r.indigo("providers", "mirror", mirror)
	if code != 0 {
		t.Fatalf("providers mirror: exit %d\n%s%s", code, out, stderr)
	}
	plat := runtime.GOOS + "_" + runtime.GOARCH
	if !strings.Contains(out, "Mirrored hashicorp/local v2.5.3 for "+plat) {
		t.Errorf("providers mirror printed:\n%s", out)
	}
	provDir := filepath.Join(mirror, "registry.terraform.io", "hashicorp", "local")
	for _, name := range []string{"terraform-provider-local_2.5.3_" + plat + ".zip", "index.json", "2.5.3.json"} {
		if _, err := os.Stat(filepath.Join(provDir, name)); err != nil {
			t.Errorf("the mirror lacks %s: %v", name, err)
		}
	}

	// A platform the source does not have fails, naming it.
	if _, stderr, code := r.indigo("providers", "mirror", "-platform=windows_arm64", t.TempDir()); code == 0 || !strings.Contains(stderr, "windows_arm64") {
		t.Errorf("mirror for windows_arm64: exit %d, want a failure naming it:\n%s", code, stderr)
	}

	cli := filepath.Join(t.TempDir(), "mirrorrc")
	if err := os.WriteFile(cli, []byte("provider_installation {\n  filesystem_mirror {\n    path    = \""+mirror+"\"\n    include = [\"registry.terraform.io/*/*\"]\n  }\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fresh := schemaRun{t: t, dir: t.TempDir(), cli: cli}
	if err := os.WriteFile(filepath.Join(fresh.dir, "main.tf"), []byte(schemaConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	lock, err := os.ReadFile(filepath.Join(r.dir, ".indigo.lock.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fresh.dir, ".indigo.lock.hcl"), lock, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, stderr, code := fresh.indigo("init", "-input=false"); code != 0 {
		t.Fatalf("init from the mirror: exit %d\n%s%s", code, out, stderr)
	}
	if out, stderr, code := fresh.indigo("providers", "schema", "-json"); code != 0 || !strings.Contains(out, `"local_file"`) {
		t.Errorf("the provider installed from the mirror: exit %d\n%s", code, stderr)
	}

	tofuDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(tofuDir, "main.tf"), []byte(schemaConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	tofuEnvIn(t, tofu, tofuDir, []string{"TF_CLI_CONFIG_FILE=" + cli}, "init", "-input=false")
	tofuLock, err := os.ReadFile(filepath.Join(tofuDir, ".terraform.lock.hcl"))
	if err != nil || !strings.Contains(string(tofuLock), `version = "2.5.3"`) {
		t.Errorf("OpenTofu's lock file after init from the mirror (%v):\n%s", err, tofuLock)
	}

	// The same directory served over HTTPS is a network mirror, for
	// indigo and for OpenTofu.
	srv := httptest.NewTLSServer(http.FileServer(http.Dir(mirror)))
	t.Cleanup(srv.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	netCLI := filepath.Join(t.TempDir(), "netmirrorrc")
	if err := os.WriteFile(netCLI, []byte("provider_installation {\n  network_mirror {\n    url     = \""+srv.URL+"/\"\n    include = [\"registry.terraform.io/*/*\"]\n  }\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	overNet := schemaRun{t: t, dir: t.TempDir(), cli: netCLI, env: []string{"SSL_CERT_FILE=" + caFile}}
	if err := os.WriteFile(filepath.Join(overNet.dir, "main.tf"), []byte(schemaConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, stderr, code := overNet.indigo("init", "-input=false"); code != 0 {
		t.Fatalf("init from the network mirror: exit %d\n%s%s", code, out, stderr)
	}
	netLock, err := os.ReadFile(filepath.Join(overNet.dir, ".indigo.lock.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	if string(netLock) != string(lock) {
		t.Errorf("the lock file after init from the network mirror:\n%s\nafter init from the source:\n%s", netLock, lock)
	}
	tofuNetDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(tofuNetDir, "main.tf"), []byte(schemaConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	tofuEnvIn(t, tofu, tofuNetDir, []string{"TF_CLI_CONFIG_FILE=" + netCLI, "SSL_CERT_FILE=" + caFile}, "init", "-input=false")

	// A lock whose checksum the package does not match: refused.
	bad := strings.Replace(string(lock), "h1:", "h1:AAAA", 1)
	if err := os.WriteFile(filepath.Join(r.dir, ".indigo.lock.hcl"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := r.indigo("providers", "mirror", t.TempDir()); code == 0 || !strings.Contains(stderr, "does not match any checksum") {
		t.Errorf("mirror with a wrong checksum in the lock file: exit %d\n%s", code, stderr)
	}
}
