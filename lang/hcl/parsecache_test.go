package hcllang

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testParseCache is a parse cache in a directory of the test's own.
func testParseCache(t *testing.T) *parseCache {
	return &parseCache{dir: filepath.Join(t.TempDir(), "parsed"), build: "test build"}
}

func entryNames(t *testing.T, c *parseCache) []string {
	t.Helper()
	es, err := os.ReadDir(c.dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// checkParsesAsParser fails unless c's parse of src gives what parsing it
// gives: the same tree, navigation and diagnostics.
func checkParsesAsParser(t *testing.T, c *parseCache, src []byte, path string) {
	t.Helper()
	want := dumpFile(parseInPieces(src, path, 1))
	f, diags := c.parse(src, path)
	if got := dumpFile(f, diags); got != want {
		t.Fatalf("the parse through the cache differs from the parser's:\n%.2000s\nwant:\n%.2000s", got, want)
	}
	if f != nil {
		wf, _ := parseInPieces(src, path, 1)
		if !reflect.DeepEqual(f.Body, wf.Body) || string(f.Bytes) != string(src) {
			t.Fatal("the parse through the cache differs from the parser's")
		}
	}
}

// A large file's tree is kept, private to its owner, and the next parse of
// the same bytes gives the parser's tree and navigation from it.
func TestParseCacheKeepsALargeFilesTree(t *testing.T) {
	c := testParseCache(t)
	src := []byte(generated(700) + everySyntax)
	checkParsesAsParser(t, c, src, "main.tf")
	names := entryNames(t, c)
	if len(names) != 1 {
		t.Fatalf("%d entries after the first parse, want 1", len(names))
	}
	for _, p := range []string{c.dir, filepath.Join(c.dir, names[0])} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v: others may read a configuration's literals", p, st.Mode().Perm())
		}
	}
	if c.load(c.key(src, "main.tf")) == nil {
		t.Fatal("the entry does not load")
	}
	checkParsesAsParser(t, c, src, "main.tf")
	if n := len(entryNames(t, c)); n != 1 {
		t.Fatalf("%d entries after the second parse, want 1", n)
	}
}

// An entry damaged anywhere, or cut short, is not used: the file is parsed.
func TestParseCacheIgnoresADamagedEntry(t *testing.T) {
	c := testParseCache(t)
	src := []byte(generated(700))
	checkParsesAsParser(t, c, src, "main.tf")
	entry := filepath.Join(c.dir, c.key(src, "main.tf"))
	good, err := os.ReadFile(entry)
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]byte{
		"magic":     append([]byte("X"), good[1:]...),
		"checksum":  flip(good, len(parseCacheMagic)+3),
		"payload":   flip(good, len(good)/2),
		"last byte": flip(good, len(good)-1),
		"cut short": good[:len(good)-10],
		"empty":     nil,
	} {
		if err := os.WriteFile(entry, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		if c.load(c.key(src, "main.tf")) != nil {
			t.Errorf("%s: a damaged entry loaded", name)
		}
		checkParsesAsParser(t, c, src, "main.tf")
	}
}

func flip(b []byte, i int) []byte {
	out := append([]byte(nil), b...)
	out[i] ^= 0x40
	return out
}

// An entry is the tree of the file's exact bytes under its name: a change
// of either finds nothing (positions name the file).
func TestParseCacheKeysByBytesAndName(t *testing.T) {
	c := testParseCache(t)
	src := []byte(generated(700))
	checkParsesAsParser(t, c, src, "main.tf")
	changed := []byte(strings.Replace(string(src), `"r7\n"`, `"r7!\n"`, 1))
	checkParsesAsParser(t, c, changed, "main.tf")
	checkParsesAsParser(t, c, src, "other/main.tf")
	if n := len(entryNames(t, c)); n != 3 {
		t.Fatalf("%d entries, want 3", n)
	}
}

// Small files, and files with any diagnostic, are parsed each time.
func TestParseCacheKeepsNeitherSmallNorBrokenFiles(t *testing.T) {
	c := testParseCache(t)
	checkParsesAsParser(t, c, []byte(everySyntax), "small.tf")
	broken := []byte(generated(700) + "resource \"x\" {\n  a = 1 +\n}\n")
	checkParsesAsParser(t, c, broken, "broken.tf")
	if names := entryNames(t, c); len(names) != 0 {
		t.Fatalf("entries %v, want none", names)
	}
}

// INDIGO_PARSE_CACHE=off turns the cache off; otherwise it is in the
// user's cache directory.
func TestParseCacheSwitch(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, "cache"))
	t.Setenv("INDIGO_PARSE_CACHE", "off")
	if c := userParseCache(); c != nil {
		t.Fatalf("INDIGO_PARSE_CACHE=off: a cache in %s", c.dir)
	}
	t.Setenv("INDIGO_PARSE_CACHE", "")
	c := userParseCache()
	if c == nil || c.dir != filepath.Join(home, "cache", "indigo", "parsed") {
		t.Fatalf("cache %+v, want one in %s", c, filepath.Join(home, "cache", "indigo", "parsed"))
	}
}

// Entries not written for parseCacheKeep are removed when another is kept.
func TestParseCacheRemovesOldEntries(t *testing.T) {
	c := testParseCache(t)
	src := []byte(generated(700))
	checkParsesAsParser(t, c, src, "old.tf")
	old := filepath.Join(c.dir, c.key(src, "old.tf"))
	then := time.Now().Add(-parseCacheKeep - time.Hour)
	if err := os.Chtimes(old, then, then); err != nil {
		t.Fatal(err)
	}
	checkParsesAsParser(t, c, src, "new.tf")
	names := entryNames(t, c)
	if len(names) != 1 || names[0] != c.key(src, "new.tf") {
		t.Fatalf("entries %v, want only the new one", names)
	}
}

// An entry, or a cache directory, that others may write is not used: the
// file is parsed.
func TestParseCacheTrustsOnlyPrivateEntries(t *testing.T) {
	c := testParseCache(t)
	src := []byte(generated(700))
	checkParsesAsParser(t, c, src, "main.tf")
	key := c.key(src, "main.tf")
	if c.load(key) == nil {
		t.Fatal("the entry does not load")
	}
	entry := filepath.Join(c.dir, key)
	for _, tc := range []struct {
		path string
		mode os.FileMode
	}{{entry, 0o622}, {entry, 0o660}, {c.dir, 0o777}, {c.dir, 0o770}} {
		if err := os.Chmod(tc.path, tc.mode); err != nil {
			t.Fatal(err)
		}
		if c.load(key) != nil {
			t.Errorf("loaded with %s at mode %v", tc.path, tc.mode)
		}
		checkParsesAsParser(t, c, src, "main.tf")
		os.Chmod(entry, 0o600)
		os.Chmod(c.dir, 0o700)
	}
	if c.load(key) == nil {
		t.Fatal("the entry does not load once private again")
	}
}
