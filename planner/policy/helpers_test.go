package policy

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/indigo-cloud/indigo/lang/access"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	hcllang "github.com/indigo-cloud/indigo/lang/hcl"
)

// evalAccess loads HCL source and evaluates its groups and policies the
// way validate and plan do.
func evalAccess(t *testing.T, src string) *eval.Access {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := hcllang.NewLoader().LoadDir(dir)
	if diags.HasErrors() {
		t.Fatalf("load: %s", diags)
	}
	a, diags := eval.EvalAccess(cfg, eval.ValidateOptions{})
	if diags.HasErrors() {
		t.Fatalf("eval: %s", diags)
	}
	return a
}

func storageAddr(name string) config.ObjectAddr {
	return config.ObjectAddr{Kind: config.StorageKind, Name: name}
}

// testSites: an s3 site and a local site whose accounts map alice, bob,
// carol and the cms and atlas groups.
var testSites = map[string]Site{
	"minio": {Name: "minio", Kind: "s3"},
	"disk": {Name: "disk", Kind: "local", Accounts: map[access.Identity]string{
		{Kind: access.User, Name: "alice"}:  "alice",
		{Kind: access.User, Name: "bob"}:    "bob",
		{Kind: access.User, Name: "carol"}:  "carol",
		{Kind: access.Group, Name: "cms"}:   "cms",
		{Kind: access.Group, Name: "atlas"}: "atlas",
	}},
	"k8s": {Name: "k8s", Kind: "kubernetes"},
}

// placeEverywhere puts a copy of every storage on minio and disk, and
// every deployment on k8s.
func placeEverywhere(a *eval.Access) Input {
	in := Input{Groups: a.Groups, Policies: a.Policies, Sites: testSites, Placed: map[config.ObjectAddr][]Placed{}}
	for addr := range a.Holders {
		switch addr.Kind {
		case config.StorageKind:
			in.Placed[addr] = []Placed{{Site: "minio", Bucket: "indigo-" + addr.Name + "-minio"}, {Site: "disk", Path: "storage/" + addr.Name}}
		case config.DeploymentKind:
			in.Placed[addr] = []Placed{{Site: "k8s", Namespace: "science"}}
		}
	}
	return in
}
