package funcs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// writeTree creates files (name -> content) under a new temporary directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestFile(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"hello.txt":   "Hello, indigo!\n",
		"bin.dat":     "\xff\xfe\x00",
		"sub/x.txt":   "x",
		"home/me.txt": "from home",
	})
	t.Setenv("HOME", filepath.Join(dir, "home"))
	file := MakeFileFunc(dir)
	runCalls(t, file, []callCase{
		{"relative to base dir", args(cty.StringVal("hello.txt")), cty.StringVal("Hello, indigo!\n"), ""},
		{"nested", args(cty.StringVal("sub/../sub/x.txt")), cty.StringVal("x"), ""},
		{"absolute", args(cty.StringVal(filepath.Join(dir, "sub", "x.txt"))), cty.StringVal("x"), ""},
		{"home", args(cty.StringVal("~/me.txt")), cty.StringVal("from home"), ""},
		{"unknown path", args(cty.UnknownVal(cty.String)), cty.UnknownVal(cty.String), ""},
		{"sensitive path", args(sensitive(cty.StringVal("hello.txt"))), sensitive(cty.StringVal("Hello, indigo!\n")), ""},
		{"missing names the path tried", args(cty.StringVal("nope.txt")), cty.NilVal, "no file exists at " + filepath.Join(dir, "nope.txt")},
		{"under a file", args(cty.StringVal("hello.txt/x")), cty.NilVal, "no file exists at"},
		{"directory", args(cty.StringVal("sub")), cty.NilVal, filepath.Join(dir, "sub") + " is a directory"},
		{"binary", args(cty.StringVal("bin.dat")), cty.NilVal, "not UTF-8 text; use filebase64"},
		{"other user's home", args(cty.StringVal("~root/x")), cty.NilVal, "another user's home"},
		{"null", args(cty.NullVal(cty.String)), cty.NilVal, "must not be null"},
	})

	runCalls(t, MakeFileBase64Func(dir), []callCase{
		{"binary", args(cty.StringVal("bin.dat")), cty.StringVal("//4A"), ""},
		{"missing", args(cty.StringVal("nope")), cty.NilVal, "no file exists"},
	})
}

func TestFileWithoutBaseDirUsesWorkingDirectory(t *testing.T) {
	got, err := MakeFileFunc("").Call(args(cty.StringVal("testdata/hello.txt")))
	if err != nil {
		t.Fatal(err)
	}
	assertValue(t, got, cty.StringVal("Hello, indigo!\n"))
}

func TestFileHashes(t *testing.T) {
	dir := writeTree(t, map[string]string{"h": "hello"})
	h := args(cty.StringVal("h"))
	runCalls(t, MakeFileMD5Func(dir), []callCase{{"md5", h, cty.StringVal("5d41402abc4b2a76b9719d911017c592"), ""}})
	runCalls(t, MakeFileSHA1Func(dir), []callCase{{"sha1", h, cty.StringVal("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"), ""}})
	runCalls(t, MakeFileSHA256Func(dir), []callCase{
		{"sha256", h, cty.StringVal("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"), ""},
		{"missing", args(cty.StringVal("nope")), cty.NilVal, "no file exists at " + filepath.Join(dir, "nope")},
	})
	runCalls(t, MakeFileSHA512Func(dir), []callCase{{"sha512", h, cty.StringVal("9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043"), ""}})
	runCalls(t, MakeFileBase64SHA256Func(dir), []callCase{{"base64sha256", h, cty.StringVal("LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="), ""}})
	runCalls(t, MakeFileBase64SHA512Func(dir), []callCase{{"base64sha512", h, cty.StringVal("m3HSJL1i83hdltRq0+o9czGb+8KJDKra4t/3JRlnPKcjI8PZm6XBHXx6zG4UuMXaDEZjR1wuXDre9G9zvN7AQw=="), ""}})
}

func TestFileExists(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.txt": "a", "sub/b.txt": "b"})
	runCalls(t, MakeFileExistsFunc(dir), []callCase{
		{"exists", args(cty.StringVal("a.txt")), cty.True, ""},
		{"nested", args(cty.StringVal("sub/b.txt")), cty.True, ""},
		{"missing", args(cty.StringVal("c.txt")), cty.False, ""},
		{"under a file", args(cty.StringVal("a.txt/c")), cty.False, ""},
		{"directory", args(cty.StringVal("sub")), cty.NilVal, "is a directory, not a file"},
		{"unknown", args(cty.UnknownVal(cty.String)), cty.UnknownVal(cty.Bool), ""},
	})
}

func TestFileSet(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"cfg/a.yaml":              "",
		"cfg/b.yml":               "",
		"cfg/notes.txt":           "",
		"cfg/.config.yaml":        "",
		"cfg/sub/c.yaml":          "",
		"cfg/sub/.config.yaml":    "",
		"cfg/sub/deep/d.yaml":     "",
		"cfg/dir.yaml/inside.txt": "", // a directory whose name matches *.yaml
		"other/o.yaml":            "",
	})
	if err := os.Symlink(filepath.Join(dir, "other", "o.yaml"), filepath.Join(dir, "cfg", "link.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "gone"), filepath.Join(dir, "cfg", "broken.yaml")); err != nil {
		t.Fatal(err)
	}
	set := func(ss ...string) cty.Value { return cty.SetVal(strs(ss...)) }
	runCalls(t, MakeFileSetFunc(dir), []callCase{
		{"one level", args(cty.StringVal("cfg"), cty.StringVal("*.yaml")), set(".config.yaml", "a.yaml", "link.yaml"), ""},
		{"any depth", args(cty.StringVal("cfg"), cty.StringVal("**/*.yaml")),
			set(".config.yaml", "a.yaml", "link.yaml", "sub/.config.yaml", "sub/c.yaml", "sub/deep/d.yaml"), ""},
		{"alternatives", args(cty.StringVal("cfg"), cty.StringVal("*.{yml,yaml}")), set(".config.yaml", "a.yaml", "b.yml", "link.yaml"), ""},
		{"exact name at any depth", args(cty.StringVal("cfg"), cty.StringVal("**/.config.yaml")), set(".config.yaml", "sub/.config.yaml"), ""},
		{"files in a directory named like the pattern", args(cty.StringVal("cfg"), cty.StringVal("*.yaml/*")), set("dir.yaml/inside.txt"), ""},
		{"leading slash stays relative", args(cty.StringVal("cfg"), cty.StringVal("/sub/*.yaml")), set("sub/.config.yaml", "sub/c.yaml"), ""},
		{"climbing out", args(cty.StringVal("cfg"), cty.StringVal("../other/*.yaml")), set("../other/o.yaml"), ""},
		{"absolute path", args(cty.StringVal(filepath.Join(dir, "cfg", "sub")), cty.StringVal("c*.yaml")), set("c.yaml"), ""},
		{"no match", args(cty.StringVal("cfg"), cty.StringVal("*.json")), cty.SetValEmpty(cty.String), ""},
		{"missing directory", args(cty.StringVal("nope"), cty.StringVal("*.yaml")), cty.SetValEmpty(cty.String), ""},
		{"unknown path", args(cty.UnknownVal(cty.String), cty.StringVal("*.yaml")), cty.UnknownVal(cty.Set(cty.String)), ""},
		{"null path", args(cty.NullVal(cty.String), cty.StringVal("*.yaml")), cty.NilVal, "must not be null"},
		{"bad pattern", args(cty.StringVal("cfg"), cty.StringVal("[")), cty.NilVal, "not a valid glob pattern"},
	})
}

func TestPathFunctions(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	runCalls(t, MakeAbsPathFunc("/base/dir"), []callCase{
		{"relative", args(cty.StringVal("sub/../x")), cty.StringVal("/base/dir/x"), ""},
		{"absolute", args(cty.StringVal("/etc/hosts")), cty.StringVal("/etc/hosts"), ""},
		{"dot", args(cty.StringVal(".")), cty.StringVal("/base/dir"), ""},
	})
	runCalls(t, BasenameFunc, []callCase{
		{"file", args(cty.StringVal("foo/bar/baz.txt")), cty.StringVal("baz.txt"), ""},
		{"trailing slash", args(cty.StringVal("foo/bar/")), cty.StringVal("bar"), ""},
		{"empty", args(cty.StringVal("")), cty.StringVal("."), ""},
	})
	runCalls(t, DirnameFunc, []callCase{
		{"file", args(cty.StringVal("foo/bar/baz.txt")), cty.StringVal("foo/bar"), ""},
		{"bare name", args(cty.StringVal("baz.txt")), cty.StringVal("."), ""},
		{"root", args(cty.StringVal("/baz.txt")), cty.StringVal("/"), ""},
	})
	runCalls(t, PathExpandFunc, []callCase{
		{"home", args(cty.StringVal("~")), cty.StringVal(home), ""},
		{"under home", args(cty.StringVal("~/.ssh/id_rsa.pub")), cty.StringVal(home + "/.ssh/id_rsa.pub"), ""},
		{"unchanged", args(cty.StringVal("/etc/~x")), cty.StringVal("/etc/~x"), ""},
		{"other user", args(cty.StringVal("~bob/x")), cty.NilVal, "another user's home"},
		{"null", args(cty.NullVal(cty.String)), cty.NilVal, "must not be null"},
	})
}
