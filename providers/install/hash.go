package install

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/dirhash"
)

// Hash is a provider package checksum as written in lock files:
// SCHEME:VALUE. indigo computes and checks the two schemes Terraform uses:
//
//   - h1: the Go module "dirhash" Hash1 of the unpacked package directory
//     (SHA-256 over a sorted list of the files' SHA-256 sums and names);
//     it does not depend on how the package was packed, so it can be
//     checked against an installed directory on every run.
//   - zh: the hex SHA-256 of the distribution zip, as listed in a registry's
//     signed SHA256SUMS document (legacy scheme, zip only).
//
// Hashes with other schemes are kept in the lock file but never match.
type Hash string

// Hash schemes.
const (
	SchemeH1  = "h1:"
	SchemeZip = "zh:"
)

// ParseHash checks that s has the SCHEME:VALUE form.
func ParseHash(s string) (Hash, error) {
	scheme, value, ok := strings.Cut(s, ":")
	if !ok || scheme == "" || value == "" {
		return "", fmt.Errorf("invalid package hash %q: must be SCHEME:VALUE, as in \"h1:...\"", s)
	}
	return Hash(s), nil
}

// Scheme returns the part up to and including the colon ("h1:").
func (h Hash) Scheme() string {
	if i := strings.IndexByte(string(h), ':'); i >= 0 {
		return string(h[:i+1])
	}
	return ""
}

// String returns the hash as written in lock files.
func (h Hash) String() string { return string(h) }

// HashDir returns the h1: hash of an unpacked package directory. Symbolic
// links are followed: an install directory is often a link into a mirror or
// the plugin cache.
func HashDir(dir string) (Hash, error) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", fmt.Errorf("hashing package %s: %w", dir, err)
	}
	h, err := dirhash.HashDir(real, "", dirhash.Hash1)
	if err != nil {
		return "", fmt.Errorf("hashing package %s: %w", dir, err)
	}
	return Hash(h), nil
}

// HashZipFile returns the zh: hash of a distribution zip.
func HashZipFile(path string) (Hash, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hashing archive: %w", err)
	}
	defer f.Close()
	s := sha256.New()
	if _, err := io.Copy(s, f); err != nil {
		return "", fmt.Errorf("hashing archive %s: %w", path, err)
	}
	return Hash(SchemeZip + hex.EncodeToString(s.Sum(nil))), nil
}

// zipHashFromHex turns a hex SHA-256 (from a SHA256SUMS line or a registry
// "shasum" field) into a zh: hash.
func zipHashFromHex(s string) (Hash, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != sha256.Size {
		return "", fmt.Errorf("invalid SHA-256 checksum %q", s)
	}
	return Hash(SchemeZip + hex.EncodeToString(b)), nil
}

// packageHashes are the hashes of one fetched package, used to check it
// against hashes recorded earlier. zip is empty for a package that was a
// directory to begin with.
type packageHashes struct {
	h1  Hash
	zip Hash
}

// matchesAny reports whether one of the package's hashes is in want.
func (ph packageHashes) matchesAny(want []Hash) bool {
	for _, w := range want {
		if w == ph.h1 || (ph.zip != "" && w == ph.zip) {
			return true
		}
	}
	return false
}

// knownHashes returns the hashes in hs whose scheme indigo can check.
func knownHashes(hs []Hash) []Hash {
	var out []Hash
	for _, h := range hs {
		if s := h.Scheme(); s == SchemeH1 || s == SchemeZip {
			out = append(out, h)
		}
	}
	return out
}
