package testsrv

import (
	"fmt"
	"path/filepath"
	"testing"
)

// OPAModule and OPAVersion pin the Open Policy Agent CLI the tests build
// (Apache-2.0), the policy engine CI pipelines run over `show -json`
// plans. It is built from a throwaway tool module that requires this
// version, so the build uses OPA's own dependency pins.
const (
	OPAModule  = "github.com/open-policy-agent/opa"
	OPAVersion = "v1.22.4"
)

var opaTool = &tool{
	name:  "opa",
	title: "Open Policy Agent",
	want:  OPAModule + "@" + OPAVersion,
	install: fmt.Sprintf("mkdir /tmp/opatool && cd /tmp/opatool && go mod init opatool && go get %s@%s && GOBIN=%s go install %s",
		OPAModule, OPAVersion, filepath.Join(CacheDir(), "bin"), OPAModule),
	steps: [][]string{
		{"mod", "init", "indigo.test/opatool"},
		{"get", OPAModule + "@" + OPAVersion},
		{"install", OPAModule},
	},
	dir: func(work, _ string) string { return work },
}

// OPABinary returns the path of an `opa` CLI, building it once into
// CacheDir()/bin (a few minutes cold); see tool.binary.
func OPABinary(t testing.TB) string {
	t.Helper()
	return opaTool.binary(t)
}
