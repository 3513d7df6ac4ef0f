//go:build unix

package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/encrypt"
)

// DefaultPath is the snapshot file used when the backend configuration does
// not set one.
const DefaultPath = "indigo.state"

// Backend stores a workspace's state in files next to Path.
type Backend struct {
	path string
	enc  *encrypt.Target
}

var (
	_ state.Backend      = (*Backend)(nil)
	_ state.BackupReader = (*Backend)(nil)
)

// New returns a backend whose snapshot is the file at path (DefaultPath when
// empty); the backup, journal and lock files are path with a suffix.
func New(path string) *Backend {
	if path == "" {
		path = DefaultPath
	}
	return &Backend{path: path}
}

// SetEncryption makes the backend seal snapshots and journal records with
// t, and open them with it (nil: in clear).
func (b *Backend) SetEncryption(t *encrypt.Target) { b.enc = t }

// Path returns the snapshot file's path.
func (b *Backend) Path() string { return b.path }

// BackupPath returns the path of the previous snapshot.
func (b *Backend) BackupPath() string { return b.path + ".backup" }

// JournalPath returns the path of the journal.
func (b *Backend) JournalPath() string { return b.path + ".journal" }

// LockPath returns the path of the lock file.
func (b *Backend) LockPath() string { return b.path + ".lock" }

// Lock takes an exclusive flock on the lock file without waiting, and writes
// info into the file for the message another run prints.
func (b *Backend) Lock(ctx context.Context, info state.LockInfo) (func(context.Context) error, error) {
	f, err := os.OpenFile(b.LockPath(), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening lock file: %w", err)
	}
	if err := b.lockOrName(ctx, f); err != nil {
		f.Close()
		return nil, err
	}
	data, _ := json.Marshal(info)
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt(append(data, '\n'), 0)
	}
	if err != nil {
		_ = flock(f, syscall.LOCK_UN)
		f.Close()
		return nil, fmt.Errorf("recording the lock holder in %s: %w", b.LockPath(), err)
	}
	var once sync.Once
	return func(context.Context) error {
		var uerr error
		once.Do(func() {
			// Clear the holder first: after LOCK_UN another run may
			// already write its own.
			_ = f.Truncate(0)
			uerr = flock(f, syscall.LOCK_UN)
			if cerr := f.Close(); uerr == nil {
				uerr = cerr
			}
			if uerr != nil {
				uerr = fmt.Errorf("unlocking %s: %w", b.LockPath(), uerr)
			}
		})
		return uerr
	}, nil
}

// lockOrName takes the lock on f without waiting for it, or returns a
// *state.LockedError naming the holder: when the holder has not written
// its name yet, it tries again until the name appears, the lock comes free
// or state.HolderNameWait has passed.
func (b *Backend) lockOrName(ctx context.Context, f *os.File) error {
	deadline := time.Now().Add(state.HolderNameWait)
	for {
		err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("locking %s: %w", b.LockPath(), err)
		}
		holder := readHolder(f)
		if holder.ID != "" || !time.Now().Before(deadline) {
			return &state.LockedError{Holder: holder, Where: b.path}
		}
		select {
		case <-ctx.Done():
			return &state.LockedError{Holder: holder, Where: b.path}
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func readHolder(f *os.File) state.LockInfo {
	var info state.LockInfo
	data, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<20))
	if err == nil {
		_ = json.Unmarshal(data, &info)
	}
	return info
}

// ForceUnlock cannot break a lock held by a live process: a local lock is
// the kernel's and ends with its process. When the holder is gone there is
// nothing to break; the stale holder information is cleared.
func (b *Backend) ForceUnlock(ctx context.Context, id string) error {
	f, err := os.OpenFile(b.LockPath(), os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("force-unlocking %s: %w", b.path, state.ErrNotLocked)
	}
	if err != nil {
		return fmt.Errorf("opening lock file: %w", err)
	}
	defer f.Close()
	holder := readHolder(f)
	if err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("locking %s: %w", b.LockPath(), err)
		}
		if holder.ID != id {
			return fmt.Errorf("force-unlocking %s: the lock is held with ID %q, not %q: %w", b.path, holder.ID, id, state.ErrNotLocked)
		}
		return fmt.Errorf("force-unlocking %s: the lock is held by running process %d (%s, %q since %s); a local lock ends when its process exits, so stop that process instead: %w",
			b.path, holder.PID, holder.Who, holder.Operation, holder.Created.Local().Format("2006-01-02 15:04:05"), state.ErrCannotForceUnlock)
	}
	defer flock(f, syscall.LOCK_UN)
	if holder.ID != id {
		return fmt.Errorf("force-unlocking %s: no lock with ID %q is held: %w", b.path, id, state.ErrNotLocked)
	}
	// The holder died; its information is all that is left.
	if err := f.Truncate(0); err != nil {
		return fmt.Errorf("clearing %s: %w", b.LockPath(), err)
	}
	return nil
}

// ReadSnapshot reads and verifies the snapshot. A missing snapshot whose
// backup exists is reported as damaged, so the Manager recovers the backup
// instead of starting an empty state that would forget everything.
func (b *Backend) ReadSnapshot(ctx context.Context) (*state.State, error) {
	data, err := os.ReadFile(b.path)
	if errors.Is(err, os.ErrNotExist) {
		if _, berr := os.Stat(b.BackupPath()); berr == nil {
			return nil, &state.CorruptError{Name: b.path, Reason: "it is missing but its backup " + b.BackupPath() + " exists (to start from an empty state, delete the backup and the journal too)"}
		}
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading state: %w", err)
	}
	return state.DecodeSealed(b.path, data, b.enc)
}

// ReadBackup reads and verifies the previous snapshot; (nil, nil) when there
// is none.
func (b *Backend) ReadBackup(ctx context.Context) (*state.State, error) {
	data, err := os.ReadFile(b.BackupPath())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading state backup: %w", err)
	}
	return state.DecodeSealed(b.BackupPath(), data, b.enc)
}

// WriteSnapshot writes s atomically after checking that it does not lose an
// update: the stored snapshot (or, when that is damaged or missing, its
// backup) must have s's lineage and a lower serial. Writers are serialised
// by a flock on the directory, so the check and the rename are one step.
func (b *Backend) WriteSnapshot(ctx context.Context, s *state.State) error {
	data, err := state.EncodeSealed(s, b.enc)
	if err != nil {
		return err
	}
	dir := filepath.Dir(b.path)
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("opening state directory: %w", err)
	}
	defer d.Close()
	if err := flock(d, syscall.LOCK_EX); err != nil {
		return fmt.Errorf("locking state directory %s: %w", dir, err)
	}
	defer flock(d, syscall.LOCK_UN)

	curOK := false
	lineage, serial, verr := b.verifyFile(b.path)
	switch {
	case verr == nil:
		curOK = true
	case errors.Is(verr, os.ErrNotExist) || isCorrupt(verr):
		// Compare with the backup instead, which the Manager recovered from.
		lineage, serial, verr = b.verifyFile(b.BackupPath())
		if verr != nil && !errors.Is(verr, os.ErrNotExist) && !isCorrupt(verr) {
			return verr
		}
		if verr != nil {
			lineage, serial = "", 0
		}
	default:
		return verr
	}
	if err := state.CheckWrite(b.path, lineage, serial, s); err != nil {
		return err
	}
	b.removeTemps()

	tmp, err := os.CreateTemp(dir, filepath.Base(b.path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing state: %w", err)
	}
	tmpName := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			_ = os.Remove(tmpName)
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing state %s: %w", tmpName, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("syncing state %s: %w", tmpName, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing state %s: %w", tmpName, err)
	}
	if curOK {
		// Only a verified snapshot becomes the backup: a damaged one must
		// not replace a good backup.
		if err := b.keepBackup(dir); err != nil {
			return err
		}
	}
	if err := os.Rename(tmpName, b.path); err != nil {
		return fmt.Errorf("replacing state %s: %w", b.path, err)
	}
	ok = true
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing state directory %s: %w", dir, err)
	}
	return nil
}

// keepBackup makes the current snapshot the backup without a moment when
// either name is missing: a hard link under a temporary name renamed over
// the backup (a copy where hard links are not supported).
func (b *Backend) keepBackup(dir string) error {
	tmp := filepath.Join(dir, filepath.Base(b.path)+".tmp-backup")
	_ = os.Remove(tmp)
	if err := os.Link(b.path, tmp); err != nil {
		if err := copyFile(b.path, tmp); err != nil {
			return fmt.Errorf("keeping the previous state as backup: %w", err)
		}
	}
	if err := os.Rename(tmp, b.BackupPath()); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("keeping the previous state as backup: %w", err)
	}
	return nil
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// removeTemps deletes temporary files left by writers that crashed. It runs
// under the directory lock, so no writer is using them.
func (b *Backend) removeTemps() {
	dir := filepath.Dir(b.path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	snap := filepath.Base(b.path) + ".tmp-"
	journal := filepath.Base(b.JournalPath()) + ".tmp-"
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, snap) || strings.HasPrefix(n, journal) {
			_ = os.Remove(filepath.Join(dir, n))
		}
	}
}

func (b *Backend) verifyFile(path string) (string, uint64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", 0, err
	}
	return state.VerifySealed(path, data, b.enc)
}

func isCorrupt(err error) bool {
	var ce *state.CorruptError
	return errors.As(err, &ce)
}

// ReadJournal reads the journal; (nil, nil) when there is none.
func (b *Backend) ReadJournal(ctx context.Context) (*state.JournalContents, error) {
	return b.ReadJournalAbove(ctx, 0)
}

// ReadJournalAbove is ReadJournal decoding only the records of epoch floor
// or more (state.JournalAboveReader).
func (b *Backend) ReadJournalAbove(ctx context.Context, floor uint64) (*state.JournalContents, error) {
	data, err := os.ReadFile(b.JournalPath())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading journal: %w", err)
	}
	return state.ParseJournalAbove(b.JournalPath(), data, b.enc, floor)
}

// OpenJournal writes a new journal (header and carried records) to a
// temporary file, syncs it, renames it over the journal and syncs the
// directory, then keeps it open for appending.
func (b *Backend) OpenJournal(ctx context.Context, h state.JournalHeader, carry []state.Record) (state.Journal, error) {
	buf := state.MarshalJournalHeader(h)
	for _, r := range carry {
		var err error
		if buf, err = state.AppendJournalLineSealed(buf, r, b.enc); err != nil {
			return nil, fmt.Errorf("encoding journal: %w", err)
		}
	}
	dir := filepath.Dir(b.path)
	f, err := os.CreateTemp(dir, filepath.Base(b.JournalPath())+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("creating journal: %w", err)
	}
	fail := func(err error) (state.Journal, error) {
		f.Close()
		_ = os.Remove(f.Name())
		return nil, fmt.Errorf("creating journal %s: %w", b.JournalPath(), err)
	}
	if _, err := f.Write(buf); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := os.Rename(f.Name(), b.JournalPath()); err != nil {
		return fail(err)
	}
	if err := syncDir(dir); err != nil {
		f.Close()
		return nil, fmt.Errorf("creating journal %s: %w", b.JournalPath(), err)
	}
	return &journal{f: f, name: b.JournalPath(), enc: b.enc}, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// journal appends checksummed lines to an open journal file.
type journal struct {
	mu   sync.Mutex
	f    *os.File
	name string
	buf  []byte
	enc  *encrypt.Target
}

// Append writes all records in one write and syncs the file, then
// confirms that the sync reached the disk (see confirm).
func (j *journal) Append(ctx context.Context, recs []state.Record) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return fmt.Errorf("journal %s is closed", j.name)
	}
	buf := j.buf[:0]
	for _, r := range recs {
		var err error
		if buf, err = state.AppendJournalLineSealed(buf, r, j.enc); err != nil {
			return fmt.Errorf("encoding journal record: %w", err)
		}
	}
	j.buf = buf
	if _, err := j.f.Write(buf); err != nil {
		return fmt.Errorf("writing journal %s: %w", j.name, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("syncing journal %s: %w", j.name, err)
	}
	if err := j.confirm(); err != nil {
		return fmt.Errorf("journal %s: the records were synced, but the append that confirms they reached the disk failed: %w", j.name, err)
	}
	return nil
}

// confirm proves that the sync before it reached the disk, by appending
// and syncing one more byte: an empty line, which readers pass over.
//
// A sync under way when the filesystem fails can return success for data
// that never reached the disk. ext4 with errors=remount-ro does: the error
// aborts its journal (jbd2) at once but marks the filesystem read-only
// only after writing the superblock, and an fsync that overlaps it was
// seen to return 0 for an append that was gone once the disk was back. A
// failed filesystem stays failed, and an append that grows the file needs
// it to commit something new, so a second append made and synced after
// the first sync returned succeeds only if the filesystem was still sound
// then, when that sync was true.
func (j *journal) confirm() error {
	if _, err := j.f.Write(padding); err != nil {
		return err
	}
	return j.f.Sync()
}

// padding is what confirm appends.
var padding = []byte{'\n'}

// Close closes the journal file.
func (j *journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
