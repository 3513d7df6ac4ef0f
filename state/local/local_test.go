//go:build unix

package local_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/encrypt"
	"github.com/indigo-cloud/indigo/state/local"
	"github.com/indigo-cloud/indigo/state/statetest"
)

func TestConformance(t *testing.T) {
	statetest.RunWith(t, func(t *testing.T) state.Backend {
		return local.New(filepath.Join(t.TempDir(), "indigo.state"))
	}, statetest.Options{
		Short: testing.Short(),
		TearJournal: func(t *testing.T, b state.Backend) {
			p := b.(*local.Backend).JournalPath()
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			// Cut the last record in the middle, as a crash during its
			// write would.
			if err := os.Truncate(p, fi.Size()-20); err != nil {
				t.Fatal(err)
			}
		},
	})
}

func TestForceUnlockStaleHolder(t *testing.T) {
	ctx := context.Background()
	b := local.New(filepath.Join(t.TempDir(), "indigo.state"))
	// What a killed holder leaves: its details, but no kernel lock.
	data, _ := json.Marshal(state.LockInfo{ID: "dead", Operation: "apply", Who: "bob@host", PID: 1})
	if err := os.WriteFile(b.LockPath(), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := b.ForceUnlock(ctx, "other"); !errors.Is(err, state.ErrNotLocked) {
		t.Fatalf("ForceUnlock with the wrong ID: %v", err)
	}
	if err := b.ForceUnlock(ctx, "dead"); err != nil {
		t.Fatalf("ForceUnlock of a dead holder: %v", err)
	}
	if fi, _ := os.Stat(b.LockPath()); fi.Size() != 0 {
		t.Fatalf("the dead holder's details were not cleared")
	}
	// A live holder cannot be forced; the message says who it is.
	unlock, err := b.Lock(ctx, state.LockInfo{ID: "live", Who: "carol@host", PID: os.Getpid(), Operation: "apply"})
	if err != nil {
		t.Fatal(err)
	}
	defer unlock(ctx)
	err = b.ForceUnlock(ctx, "live")
	if !errors.Is(err, state.ErrCannotForceUnlock) || !strings.Contains(err.Error(), "carol@host") {
		t.Fatalf("ForceUnlock of a live holder: %v", err)
	}
}

func TestLeftoverTempFilesRemoved(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	b := local.New(filepath.Join(dir, "indigo.state"))
	for _, n := range []string{"indigo.state.tmp-123", "indigo.state.journal.tmp-9", "indigo.state.tmp-backup"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("half"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	keep := filepath.Join(dir, "other.tmp-1")
	os.WriteFile(keep, nil, 0o600)
	s := state.New()
	s.Serial = 1
	if err := b.WriteSnapshot(ctx, s); err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "indigo.state*tmp*"))
	if len(left) != 0 {
		t.Fatalf("leftover temporary files: %v", left)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Fatalf("an unrelated file was removed")
	}
}

// TestLockBetweenHolderSteps: a run that comes in after another took the
// lock but before it wrote its name waits for the name, and a run that
// comes in while the holder is letting go gets the lock.
func TestLockBetweenHolderSteps(t *testing.T) {
	ctx := context.Background()
	b := local.New(filepath.Join(t.TempDir(), "indigo.state"))
	// The holder's first step: the kernel lock, no name yet.
	f, err := os.OpenFile(b.LockPath(), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	named := make(chan struct{})
	go func() {
		defer close(named)
		time.Sleep(100 * time.Millisecond)
		data, _ := json.Marshal(state.LockInfo{ID: "first", Operation: "apply", Who: "dave@host", PID: os.Getpid()})
		f.WriteAt(data, 0)
	}()
	_, err = b.Lock(ctx, state.LockInfo{ID: "second", Operation: "apply"})
	<-named
	var locked *state.LockedError
	if !errors.As(err, &locked) || locked.Holder.ID != "first" || !strings.Contains(err.Error(), "dave@host") {
		t.Fatalf("a run refused while the holder writes its name must name it: %v", err)
	}

	// The holder's last step: the name cleared, then the kernel lock let go.
	if err := f.Truncate(0); err != nil {
		t.Fatal(err)
	}
	released := make(chan struct{})
	go func() {
		defer close(released)
		time.Sleep(100 * time.Millisecond)
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	}()
	unlock, err := b.Lock(ctx, state.LockInfo{ID: "third", Operation: "apply"})
	<-released
	if err != nil {
		t.Fatalf("a run that comes in while the holder lets go must get the lock: %v", err)
	}
	if err := unlock(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestEncrypted(t *testing.T) {
	dir := t.TempDir()
	statetest.RunEncrypted(t, statetest.EncryptedOptions{
		New: func(t *testing.T, ws string, enc *encrypt.Target) state.Backend {
			b := local.New(filepath.Join(dir, ws, "indigo.state"))
			if err := os.MkdirAll(filepath.Dir(b.Path()), 0o755); err != nil {
				t.Fatal(err)
			}
			b.SetEncryption(enc)
			return b
		},
		Stored: func(t *testing.T, ws string) []byte {
			var all []byte
			b := local.New(filepath.Join(dir, ws, "indigo.state"))
			for _, p := range []string{b.Path(), b.BackupPath(), b.JournalPath()} {
				data, err := os.ReadFile(p)
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				all = append(all, data...)
			}
			return all
		},
	})
}
