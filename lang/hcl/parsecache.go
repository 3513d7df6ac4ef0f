package hcllang

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// The parse cache keeps the syntax tree of each large native-syntax file
// (parseCacheFrom bytes or more) that parsed without a single diagnostic,
// in the user's cache directory (indigo/parsed), so that the next command
// reading the same bytes under the same name decodes the tree instead of
// lexing and parsing them again: for the 1 MB file of 10,000 resource
// blocks that benchvs validates, decoding takes a fraction of the parse's
// CPU and none of its garbage.
//
// An entry is found by the SHA-256 of the indigo executable's identity (its
// path, size, modification time and inode: a rebuilt indigo finds nothing
// an older one wrote), the file's path and its bytes; its payload carries
// its own SHA-256. A file that changed, an entry that is damaged or does
// not decode, or a tree the format does not hold is parsed, as if there
// were no cache; so is one in an entry or a directory that another user
// owns or may write. INDIGO_PARSE_CACHE=off turns it off. Entries are readable
// by their owner only (a configuration may hold secrets) and those not
// written for 30 days are removed.

// parseCacheFrom is the size from which a file's tree is kept: smaller
// files parse in less time than an entry takes to open.
const parseCacheFrom = 64 << 10

// parseCacheKeep is how long an entry is kept after it was written, and
// parseCacheMax how many entries are kept at most.
const (
	parseCacheKeep = 30 * 24 * time.Hour
	parseCacheMax  = 256
)

// parseCacheMagic starts every entry; its digit is the format's version.
const parseCacheMagic = "indigo parsed syntax tree 1\n"

type parseCache struct {
	dir string
	// build identifies the running executable.
	build string
}

// defaultParseCache is the user's parse cache, or nil when it is off or
// there is no cache directory or executable to key it by.
var defaultParseCache = sync.OnceValue(userParseCache)

func userParseCache() *parseCache {
	if os.Getenv("INDIGO_PARSE_CACHE") == "off" {
		return nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	st, err := os.Stat(exe)
	if err != nil {
		return nil
	}
	return &parseCache{
		dir:   filepath.Join(dir, "indigo", "parsed"),
		build: fmt.Sprintf("%s\x00%d\x00%d\x00%d", exe, st.Size(), st.ModTime().UnixNano(), fileID(st)),
	}
}

// parseNative parses a native-syntax file: from the parse cache when it
// holds the file's tree, else in pieces (parseInPieces), keeping the tree
// of a large file that parsed cleanly.
func parseNative(src []byte, path string) (*hcl.File, hcl.Diagnostics) {
	return defaultParseCache().parse(src, path)
}

// parse is parseNative with the cache c, which may be nil.
func (c *parseCache) parse(src []byte, path string) (*hcl.File, hcl.Diagnostics) {
	if c == nil || len(src) < parseCacheFrom {
		return parseInPieces(src, path, len(src)/pieceBytes)
	}
	key := c.key(src, path)
	if body := c.load(key); body != nil {
		return fileOf(body, src, path), nil
	}
	f, diags := parseInPieces(src, path, len(src)/pieceBytes)
	if len(diags) == 0 {
		if b, ok := f.Body.(*hclsyntax.Body); ok {
			c.store(key, b)
		}
	}
	return f, diags
}

// fileOf is the file hclsyntax's parser would return for body: its
// navigation (the block an offset is in, for diagnostics) is the parser's
// own, over body.
func fileOf(body *hclsyntax.Body, src []byte, path string) *hcl.File {
	f, _ := hclsyntax.ParseConfig(nil, path, hcl.InitialPos)
	root := f.Body.(*hclsyntax.Body)
	*root = *body
	f.Bytes = src
	return f
}

func (c *parseCache) key(src []byte, path string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s%s\x00%s\x00%d\x00", parseCacheMagic, c.build, path, len(src))
	h.Write(src)
	return hex.EncodeToString(h.Sum(nil))
}

// load returns the tree kept under key, or nil. An entry, or a cache
// directory, that another user owns or may write is not trusted: a tree
// decides what indigo does.
func (c *parseCache) load(key string) *hclsyntax.Body {
	if !privateToUser(c.dir) {
		return nil
	}
	f, err := os.Open(filepath.Join(c.dir, key))
	if err != nil {
		return nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Mode().Perm()&0o022 != 0 || !ownedByUser(st) {
		return nil
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil
	}
	rest, ok := bytes.CutPrefix(data, []byte(parseCacheMagic))
	if !ok || len(rest) < sha256.Size {
		return nil
	}
	sum, payload := rest[:sha256.Size], rest[sha256.Size:]
	if got := sha256.Sum256(payload); !bytes.Equal(got[:], sum) {
		return nil
	}
	body, err := decodeBody(payload)
	if err != nil {
		return nil
	}
	return body
}

// privateToUser reports whether path is the user's and writable by the user
// alone.
func privateToUser(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().Perm()&0o022 == 0 && ownedByUser(st)
}

// store keeps body under key, when the format holds it. Failing to keep
// it changes nothing but the next command's time.
func (c *parseCache) store(key string, body *hclsyntax.Body) {
	payload, err := encodeBody(body)
	if err != nil {
		return
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return
	}
	sum := sha256.Sum256(payload)
	tmp, err := os.CreateTemp(c.dir, ".tmp-*")
	if err != nil {
		return
	}
	_, err = tmp.Write(slices.Concat([]byte(parseCacheMagic), sum[:], payload))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(c.dir, key))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return
	}
	c.trim()
}

// trim removes the entries written more than parseCacheKeep ago, and the
// oldest beyond parseCacheMax.
func (c *parseCache) trim() {
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return
	}
	type entry struct {
		name string
		at   time.Time
	}
	var kept []entry
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		if time.Since(info.ModTime()) > parseCacheKeep {
			os.Remove(filepath.Join(c.dir, e.Name()))
			continue
		}
		kept = append(kept, entry{e.Name(), info.ModTime()})
	}
	if len(kept) <= parseCacheMax {
		return
	}
	slices.SortFunc(kept, func(a, b entry) int { return a.at.Compare(b.at) })
	for _, e := range kept[:len(kept)-parseCacheMax] {
		os.Remove(filepath.Join(c.dir, e.name))
	}
}
