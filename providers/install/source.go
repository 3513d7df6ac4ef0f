package install

import (
	"context"
	"errors"
	"fmt"
)

// source is one installation method's view of the providers it offers.
type source interface {
	// versions lists the versions of p that the source has, for any
	// platform. A provider the source does not have is an empty list.
	versions(ctx context.Context, p Provider) ([]Version, error)
	// find locates the package of p at v for plat; an error wrapping
	// errNotAvailable when the source does not have it.
	find(ctx context.Context, p Provider, v Version, plat Platform) (*packageMeta, error)
}

// errNotAvailable marks "this source does not have that package": the next
// source is tried.
var errNotAvailable = errors.New("not available")

// packageMeta says where a package is and how to authenticate it.
type packageMeta struct {
	provider Provider
	version  Version
	platform Platform
	// method is the installation method that found the package.
	method Method

	// Exactly one of dir, zipPath and url is set.
	dir     string // an unpacked package directory (filesystem mirror)
	zipPath string // a local zip (packed filesystem mirror)
	url     string // a zip to download

	// wantZip, when set, is the zh: hash the downloaded zip must have (the
	// registry's shasum, checked against its signed SHA256SUMS).
	wantZip Hash
	// wantAny, when set, lists hashes of which the package must match one
	// (a network mirror's "hashes").
	wantAny []Hash
	// signedHashes are zh: hashes of every platform's zip listed in the
	// signed SHA256SUMS document; they go to the lock file so other
	// platforms can check their own packages later.
	signedHashes []Hash
	// keyID is the ID of the key that signed SHA256SUMS.
	keyID string
}

// location describes where the package is, for messages.
func (m *packageMeta) location() string {
	switch {
	case m.dir != "":
		return m.dir
	case m.zipPath != "":
		return m.zipPath
	}
	return m.url
}

// authentication describes how the package was checked, for progress
// output.
func (m *packageMeta) authentication() string {
	switch {
	case m.keyID != "":
		return "signed, key ID " + m.keyID
	case m.wantZip != "" || len(m.wantAny) > 0:
		return "verified checksum"
	}
	return "unauthenticated"
}

func notAvailablef(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errNotAvailable, fmt.Sprintf(format, args...))
}
