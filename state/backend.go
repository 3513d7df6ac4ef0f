package state

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Backend stores the snapshots, the journal and the lock of one workspace.
// Implementations live in sub-packages (state/local, state/pg, state/s3)
// and must pass the conformance suite in state/statetest.
type Backend interface {
	Locker
	// ReadSnapshot returns the latest snapshot, or (nil, nil) when the
	// workspace has none yet. A damaged snapshot yields a *CorruptError and
	// is never returned.
	ReadSnapshot(ctx context.Context) (*State, error)
	// WriteSnapshot stores s as the latest snapshot, atomically: a reader
	// sees the previous snapshot or s, never a mix. It refuses a lost
	// update with a *ConflictError: when a snapshot exists, s must have
	// its lineage and a greater serial. The previous snapshot is kept as
	// the backup.
	WriteSnapshot(ctx context.Context, s *State) error
	// ReadJournal returns the journal, or (nil, nil) when there is none.
	ReadJournal(ctx context.Context) (*JournalContents, error)
	// OpenJournal atomically replaces the journal by one with header h
	// holding the records carry, and returns it open for appending.
	OpenJournal(ctx context.Context, h JournalHeader, carry []Record) (Journal, error)
}

// JournalAboveReader is a Backend that can read its journal decoding only
// the records of epoch floor or more, holding the others undecoded
// (ParseJournalAbove). The Manager asks for that when its snapshot is
// sound: the journal apply left behind holds every record that built the
// snapshot, which a plan that changes nothing never needs.
type JournalAboveReader interface {
	ReadJournalAbove(ctx context.Context, floor uint64) (*JournalContents, error)
}

// Locker is the locking half of a Backend.
type Locker interface {
	// Lock takes the workspace's lock for the holder described by info, or
	// fails at once with a *LockedError naming the current holder. The
	// returned function releases it.
	Lock(ctx context.Context, info LockInfo) (unlock func(context.Context) error, err error)
	// ForceUnlock releases a lock whose holder is gone, given its ID. A
	// backend that cannot break a lock still held by a live process says so
	// with an error wrapping ErrCannotForceUnlock.
	ForceUnlock(ctx context.Context, id string) error
}

// BackupReader is implemented by backends that keep the previous snapshot:
// Open falls back to it when the latest snapshot is damaged and the journal
// can bring the backup up to date.
type BackupReader interface {
	ReadBackup(ctx context.Context) (*State, error)
}

// Journal is an open journal. Append makes records durable (written and
// synced, or committed) before it returns; records keep their order.
type Journal interface {
	Append(ctx context.Context, recs []Record) error
	Close() error
}

// LockInfo describes who holds a lock, for the message a second run prints.
type LockInfo struct {
	// ID identifies this holding of the lock; `indigo force-unlock ID`.
	ID string `json:"id"`
	// Operation is what the holder is doing: "apply", "plan", "import"...
	Operation string `json:"operation"`
	// Who is user@host.
	Who string `json:"who"`
	// Version is the holder's indigo version.
	Version string    `json:"version"`
	Created time.Time `json:"created"`
	PID     int       `json:"pid"`
}

// NewLockID returns a random lock ID.
func NewLockID() string { return NewLineage() }

// HolderNameWait bounds how long Lock, finding the state locked, waits for
// the holder's name. A holder records its name just after taking the lock
// (and a local one clears it just before letting go), so a run that comes
// in between sees a lock with no name; a moment later it has one, or the
// lock is free. Every backend that records names separately uses it.
const HolderNameWait = 2 * time.Second

// LockedError is returned by Lock when another holder has the lock.
type LockedError struct {
	Holder LockInfo
	// Where names the locked state (a path, a workspace).
	Where string
}

func (e *LockedError) Error() string {
	h := e.Holder
	if h.ID == "" {
		return fmt.Sprintf("the state %s is locked by another run (its holder has not recorded who it is yet); try again in a moment", e.Where)
	}
	return fmt.Sprintf("the state %s is locked: %s has held it for %s, running %q (since %s, pid %d, indigo %s, lock ID %s). "+
		"Wait for that run to finish; if it is no longer running, release the lock with: indigo force-unlock %s",
		e.Where, orUnknown(h.Who), time.Since(h.Created).Round(time.Second), h.Operation,
		h.Created.Local().Format(time.RFC3339), h.PID, orUnknown(h.Version), h.ID, h.ID)
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

// ErrCannotForceUnlock is wrapped by ForceUnlock errors of backends whose
// locks cannot be broken while their holder lives (a local flock is released
// by the kernel when its process exits, and only then).
var ErrCannotForceUnlock = errors.New("the lock cannot be forced")

// ErrNotLocked is wrapped by ForceUnlock when nothing holds a lock with that
// ID.
var ErrNotLocked = errors.New("no lock with that ID is held")

// ConflictError is returned by WriteSnapshot when the stored snapshot is not
// the one the write is based on: another run wrote in between, or the
// snapshot belongs to different infrastructure.
type ConflictError struct {
	Where            string
	StoredLineage    string
	StoredSerial     uint64
	AttemptedLineage string
	AttemptedSerial  uint64
}

func (e *ConflictError) Error() string {
	if e.StoredLineage != e.AttemptedLineage {
		return fmt.Sprintf("refusing to write state %s: it belongs to lineage %s, the state being written to lineage %s (different infrastructure)",
			e.Where, e.StoredLineage, e.AttemptedLineage)
	}
	return fmt.Sprintf("refusing to write state %s serial %d: serial %d is already stored, so another run changed the state since it was read; nothing was written — run plan again",
		e.Where, e.AttemptedSerial, e.StoredSerial)
}

// CheckWrite is the compare-and-swap rule of WriteSnapshot, for backends:
// stored is what the backend holds (lineage "" when nothing).
func CheckWrite(where, storedLineage string, storedSerial uint64, s *State) error {
	if storedLineage == "" {
		return nil
	}
	if storedLineage != s.Lineage || s.Serial <= storedSerial {
		return &ConflictError{Where: where, StoredLineage: storedLineage, StoredSerial: storedSerial,
			AttemptedLineage: s.Lineage, AttemptedSerial: s.Serial}
	}
	return nil
}
