package modsrc

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	hcllang "github.com/indigo-cloud/indigo/lang/hcl"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		raw                      string
		kind                     Kind
		pkg, subdir, ref, digest string
	}{
		{raw: "./modules/vpc", kind: Local, pkg: "./modules/vpc"},
		{raw: "../..", kind: Local, pkg: "../.."},
		{raw: "terraform-aws-modules/vpc/aws", kind: Registry, pkg: "registry.terraform.io/terraform-aws-modules/vpc/aws"},
		{raw: "terraform-aws-modules/iam/aws//modules/iam-role", kind: Registry, pkg: "registry.terraform.io/terraform-aws-modules/iam/aws", subdir: "modules/iam-role"},
		{raw: "app.terraform.io/example-corp/k8s-cluster/azurerm", kind: Registry, pkg: "app.terraform.io/example-corp/k8s-cluster/azurerm"},
		{raw: "registry.example.com:8443/acme/net/cloud", kind: Registry, pkg: "registry.example.com:8443/acme/net/cloud"},
		{raw: "github.com/hashicorp/example", kind: Git, pkg: "git::https://github.com/hashicorp/example.git"},
		{raw: "github.com/hashicorp/example//modules/x?ref=v1.2.0", kind: Git, pkg: "git::https://github.com/hashicorp/example.git", subdir: "modules/x", ref: "v1.2.0"},
		{raw: "git@github.com:hashicorp/example.git", kind: Git, pkg: "git::ssh://git@github.com/hashicorp/example.git"},
		{raw: "git::https://example.com/vpc.git?ref=v1.2.0", kind: Git, pkg: "git::https://example.com/vpc.git", ref: "v1.2.0"},
		{raw: "git::ssh://username@example.com/storage.git//sub/dir?ref=51d462976d84fdea54b47d80dcabbf680badcdb8&depth=1", kind: Git,
			pkg: "git::ssh://username@example.com/storage.git", subdir: "sub/dir", ref: "51d462976d84fdea54b47d80dcabbf680badcdb8"},
		{raw: "git::file:///srv/git/net.git//modules/vpc?ref=v1", kind: Git, pkg: "git::file:///srv/git/net.git", subdir: "modules/vpc", ref: "v1"},
		{raw: "https://example.com/vpc-module.zip", kind: HTTP, pkg: "https://example.com/vpc-module.zip"},
		{raw: "https://example.com/vpc-module?archive=zip", kind: HTTP, pkg: "https://example.com/vpc-module"},
		{raw: "https://example.com/m.tgz//sub?checksum=sha256:" + strings.Repeat("ab", 32), kind: HTTP, pkg: "https://example.com/m.tgz", subdir: "sub", digest: "sha256:" + strings.Repeat("ab", 32)},
		{raw: "s3::https://s3-eu-west-1.amazonaws.com/examplecorp-terraform-modules/vpc.zip", kind: S3, pkg: "s3::https://s3-eu-west-1.amazonaws.com/examplecorp-terraform-modules/vpc.zip"},
		{raw: "examplecorp-terraform-modules.s3.eu-west-1.amazonaws.com/vpc.zip", kind: S3, pkg: "s3::https://examplecorp-terraform-modules.s3.eu-west-1.amazonaws.com/vpc.zip"},
		{raw: "s3::http://127.0.0.1:9000/modules/net//sub", kind: S3, pkg: "s3::http://127.0.0.1:9000/modules/net", subdir: "sub"},
	} {
		s, err := Parse(tc.raw)
		if err != nil {
			t.Errorf("%s: %v", tc.raw, err)
			continue
		}
		if s.Kind != tc.kind || s.Package() != tc.pkg || s.Subdir != tc.subdir || s.Ref != tc.ref || s.Checksum != tc.digest {
			t.Errorf("%s: got kind %s package %q subdir %q ref %q checksum %q", tc.raw, s.Kind, s.Package(), s.Subdir, s.Ref, s.Checksum)
		}
		again, err := Parse(s.String())
		if err != nil || again.Package() != s.Package() || again.Subdir != s.Subdir {
			t.Errorf("%s: its normal form %q does not parse back the same (%v)", tc.raw, s.String(), err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for raw, want := range map[string]string{
		"":                                 "empty",
		"/abs/path":                        "absolute path",
		"hashicorp/consul":                 "registry address",
		"hg::https://example.com/r":        "not supported",
		"foo::bar":                         "unknown source kind",
		"git::https://example.com/r//../x": "outside the package",
		"https://example.com/m.zip?checksum=sha256:abc":   "64 hex digits",
		"https://example.com/m.zip?checksum=crc32:abcdef": "not one of",
		"https://example.com/m?archive=rar":               "not a format",
		"ftp://example.com/m.zip":                         "not fetched over HTTP",
	} {
		_, err := Parse(raw)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want one saying %q", raw, err, want)
		}
	}
}

// Every module source in the corpus of real configurations parses.
func TestCorpusSources(t *testing.T) {
	corpus := filepath.Join("..", "..", "..", "..", "shared", "corpus", "terraform")
	if _, err := os.Stat(corpus); err != nil {
		corpus = "/work/shared/corpus/terraform"
	}
	if _, err := os.Stat(corpus); err != nil {
		t.Skip("the corpus is not here: /work/shared/corpus")
	}
	dirs := map[string]bool{}
	filepath.WalkDir(corpus, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".tf") {
			dirs[filepath.Dir(p)] = true
		}
		return nil
	})
	n := 0
	for dir := range dirs {
		mod, _ := hcllang.NewLoader().LoadModule(dir)
		for _, call := range mod.ModuleCalls {
			if call.SourceAddr == "" {
				continue // an expression, reported by the loader
			}
			n++
			if _, err := Parse(call.SourceAddr); err != nil {
				t.Errorf("%s: module %q: %v", call.SourceRange, call.Name, err)
			}
		}
	}
	if n == 0 {
		t.Fatal("no module calls found in the corpus")
	}
	t.Logf("%d module sources parsed", n)
}

// FuzzParse: no input panics, and an accepted address's normal form parses
// to the same package and subdirectory.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"./a", "../b//c", "hashicorp/consul/aws", "example.com/a/b/c//d", "git::https://example.com/r.git//x?ref=v1",
		"git@github.com:o/r.git", "github.com/o/r//s", "https://example.com/m.zip?checksum=md5:" + strings.Repeat("0", 32),
		"s3::http://127.0.0.1:9000/b/k", "b.s3.eu-west-1.amazonaws.com/k.zip", "hg::x", "::", "//", "git::",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		s, err := Parse(raw)
		if err != nil {
			return
		}
		again, err := Parse(s.String())
		if err != nil {
			t.Fatalf("%q parses, its normal form %q does not: %v", raw, s.String(), err)
		}
		if again.Kind != s.Kind || again.Package() != s.Package() || again.Subdir != s.Subdir {
			t.Fatalf("%q: normal form %q parses to %s %q %q, not %s %q %q", raw, s.String(), again.Kind, again.Package(), again.Subdir, s.Kind, s.Package(), s.Subdir)
		}
	})
}
