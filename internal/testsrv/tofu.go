package testsrv

import (
	"fmt"
	"path/filepath"
	"testing"
)

// OpenTofuModule and OpenTofuVersion pin the OpenTofu CLI the tests build.
// `go install ...@v1.12.6` refuses the module because its go.mod carries a
// replace for hcl/v2, so it is built from a throwaway tool module that
// requires this version and repeats that replace (OpenTofuHCLReplace).
// Change the pins and nothing else to move: the stamp file makes the cached
// binary rebuild.
const (
	OpenTofuModule     = "github.com/opentofu/opentofu"
	OpenTofuVersion    = "v1.12.6"
	OpenTofuHCLReplace = "github.com/hashicorp/hcl/v2=github.com/opentofu/hcl/v2@v2.20.2-0.20251021132045-587d123c2828"
)

// tofuLdflags makes the binary report its release instead of a dev build.
const tofuLdflags = "-X 'github.com/opentofu/opentofu/version.dev=no'"

var tofuTool = &tool{
	name:  "tofu",
	title: "OpenTofu",
	want:  OpenTofuModule + "@" + OpenTofuVersion + " replace " + OpenTofuHCLReplace,
	install: fmt.Sprintf("mkdir /tmp/tofutool && cd /tmp/tofutool && go mod init tofutool && go mod edit -replace %s && go get %s/cmd/tofu@%s && GOBIN=%s go install -ldflags %q %s/cmd/tofu",
		OpenTofuHCLReplace, OpenTofuModule, OpenTofuVersion, filepath.Join(CacheDir(), "bin"), tofuLdflags, OpenTofuModule),
	steps: [][]string{
		{"mod", "init", "indigo.test/tofutool"},
		{"mod", "edit", "-replace", OpenTofuHCLReplace},
		{"get", OpenTofuModule + "/cmd/tofu@" + OpenTofuVersion},
		{"install", "-ldflags", tofuLdflags, OpenTofuModule + "/cmd/tofu"},
	},
	dir: func(work, _ string) string { return work },
}

// TofuBinary returns the path of an OpenTofu CLI, building it once into
// CacheDir()/bin (~7–9 minutes cold); see tool.binary. Tests that drive
// Terraform configurations run them with it as well as with terraform.
func TofuBinary(t testing.TB) string {
	t.Helper()
	return tofuTool.binary(t)
}

// Tofu is TofuBinary for programs that are not tests (make bench-vs): it
// builds the same cached binary, reporting progress to logf, and returns
// an error saying how to build it by hand when it cannot.
func Tofu(logf func(format string, args ...any)) (string, error) {
	return tofuTool.build(logf)
}
