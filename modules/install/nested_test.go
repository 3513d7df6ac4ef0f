package install

import (
	"fmt"
	"path/filepath"
	"testing"
)

// A registry module calling a local and a git module, and a local module
// calling a git module: every one is installed and loaded, under its key.
func TestNestedModules(t *testing.T) {
	repo := filepath.Join(t.TempDir(), "vpc.git")
	gitRepo(t, repo, files{"main.tf": module("git-v1").get("main.tf")}, files{"main.tf": module("git-v2").get("main.tf")})
	reg := newRegistry(t)
	reg.publish("0.1.0", files{
		"main.tf":       fmt.Sprintf("module \"inner\" {\n  source = \"./inner\"\n}\nmodule \"g\" {\n  source = %q\n}\n", "git::file://"+repo),
		"inner/main.tf": module("inner").get("main.tf"),
	}, t)
	dir := t.TempDir()
	writeFiles(t, dir, files{
		"main.tf":       fmt.Sprintf("module \"r\" {\n  source = %q\n}\nmodule \"l\" {\n  source = \"./local\"\n}\n", reg.host()+"/acme/net/cloud"),
		"local/main.tf": fmt.Sprintf("module \"g\" {\n  source = %q\n}\n", "git::file://"+repo+"?ref=v1"),
	})
	in := &Installer{Client: reg.srv.Client()}
	res, diags := install(t, in, dir, Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	var keys []string
	for _, r := range res.Manifest.Modules {
		keys = append(keys, r.Key)
	}
	if fmt.Sprint(keys) != "[l.g r r.g]" {
		t.Errorf("manifest keys %v, want [l.g r r.g]", keys)
	}
	cfg := loadInstalled(t, dir)
	for path, want := range map[[2]string]string{
		{"r", "inner"}: "inner",
		{"r", "g"}:     "git-v2",
		{"l", "g"}:     "git-v1",
	} {
		if got := from(t, cfg, path[0], path[1]); got != want {
			t.Errorf("module %v: got %s, want %s", path, got, want)
		}
	}
}

// A registry whose download location is a git repository (given in a
// JSON body), with a subdirectory in the registry address too.
func TestRegistryToGit(t *testing.T) {
	repo := filepath.Join(t.TempDir(), "net.git")
	gitRepo(t, repo, files{"modules/a/main.tf": module("git-a-v1").get("main.tf")}, files{"modules/a/main.tf": module("git-a-v2").get("main.tf")})
	reg := newRegistry(t)
	reg.locations["3.0.0"] = "git::file://" + repo + "//modules?ref=v1"
	dir := root(t, fmt.Sprintf("  source  = %q\n  version = \"3.0.0\"", reg.host()+"/acme/net/cloud//a"))
	if _, diags := install(t, &Installer{Client: reg.srv.Client()}, dir, Options{}); diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if got := from(t, loadInstalled(t, dir), "m"); got != "git-a-v1" {
		t.Errorf("got %s, want git-a-v1", got)
	}
}
