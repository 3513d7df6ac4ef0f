//go:build !unix

package local

import (
	"context"
	"errors"

	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/encrypt"
)

// DefaultPath is the snapshot file used when the backend configuration does
// not set one.
const DefaultPath = "indigo.state"

// errUnsupported is returned on systems without flock(2): the local backend
// relies on a lock the kernel releases when its holder dies.
var errUnsupported = errors.New("the local state backend needs flock(2), which this operating system does not provide")

// Backend is unavailable on this operating system; every method fails.
type Backend struct{ path string }

// New returns a backend whose every method fails with an explanation.
func New(path string) *Backend {
	if path == "" {
		path = DefaultPath
	}
	return &Backend{path: path}
}

// Path returns the snapshot file's path.
func (b *Backend) Path() string { return b.path }

// Lock fails: see errUnsupported.
func (b *Backend) Lock(context.Context, state.LockInfo) (func(context.Context) error, error) {
	return nil, errUnsupported
}

// ForceUnlock fails: see errUnsupported.
func (b *Backend) ForceUnlock(context.Context, string) error { return errUnsupported }

// ReadSnapshot fails: see errUnsupported.
func (b *Backend) ReadSnapshot(context.Context) (*state.State, error) { return nil, errUnsupported }

// WriteSnapshot fails: see errUnsupported.
func (b *Backend) WriteSnapshot(context.Context, *state.State) error { return errUnsupported }

// ReadJournal fails: see errUnsupported.
func (b *Backend) ReadJournal(context.Context) (*state.JournalContents, error) {
	return nil, errUnsupported
}

// OpenJournal fails: see errUnsupported.
func (b *Backend) OpenJournal(context.Context, state.JournalHeader, []state.Record) (state.Journal, error) {
	return nil, errUnsupported
}

// SetEncryption is accepted so that callers build; the backend is
// unavailable here anyway.
func (b *Backend) SetEncryption(*encrypt.Target) {}
