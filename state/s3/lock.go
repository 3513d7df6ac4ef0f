package s3

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/indigo-cloud/indigo/state"
)

// Lock creates the lock object, holding info, with If-None-Match: *. When
// it exists, Lock fails at once with a *state.LockedError naming the holder
// written in it.
func (b *Backend) Lock(ctx context.Context, info state.LockInfo) (func(context.Context) error, error) {
	data, err := json.Marshal(info)
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", b.where, err)
	}
	// The object is created with its holder in one write, so a lock never
	// lacks a name; but it may be released between our failed create and
	// our read of the holder: then try again, for a moment.
	deadline := time.Now().Add(state.HolderNameWait)
	for {
		etag, err := b.put(ctx, b.LockKey(), data, ifAbsent, nil)
		if err == nil {
			return b.unlockFunc(info.ID, etag), nil
		}
		if !isPreconditionFailed(err) {
			return nil, fmt.Errorf("locking %s: %w", b.where, explain(err))
		}
		holder, etag, found, err := b.holder(ctx)
		if err != nil {
			return nil, fmt.Errorf("locking %s: reading who holds the lock: %w", b.where, err)
		}
		if found && holder.ID == info.ID {
			// Our own create, answered 412 when the client sent it again
			// after a lost response.
			return b.unlockFunc(info.ID, etag), nil
		}
		if found || !time.Now().Before(deadline) || ctx.Err() != nil {
			return nil, &state.LockedError{Holder: holder, Where: b.where}
		}
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// errDamagedLock is wrapped by errors about a lock object that indigo
// cannot read.
var errDamagedLock = errors.New("the lock object is not an indigo lock")

// holder reads the lock object; found is false when there is none.
func (b *Backend) holder(ctx context.Context) (info state.LockInfo, etag string, found bool, err error) {
	obj, found, err := b.get(ctx, b.LockKey())
	if err != nil || !found {
		return state.LockInfo{}, "", found, err
	}
	if err := json.Unmarshal(obj.data, &info); err != nil || info.ID == "" {
		return state.LockInfo{}, obj.etag, true, fmt.Errorf("%w: s3://%s/%s holds %q; if no run is using the state, delete that object",
			errDamagedLock, b.bucket, b.LockKey(), truncate(obj.data, 80))
	}
	return info, obj.etag, true, nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// unlockFunc returns the function that releases the lock taken with id.
func (b *Backend) unlockFunc(id, etag string) func(context.Context) error {
	var once sync.Once
	return func(ctx context.Context) error {
		var uerr error
		once.Do(func() { uerr = b.release(ctx, id, etag) })
		return uerr
	}
}

// release deletes the lock object if it is still the one created with id:
// after a force-unlock it may be another run's, which must be left alone.
func (b *Backend) release(ctx context.Context, id, etag string) error {
	holder, cur, found, err := b.holder(ctx)
	switch {
	case err != nil && !errors.Is(err, errDamagedLock):
		return fmt.Errorf("unlocking %s: %w", b.where, err)
	case !found:
		return fmt.Errorf("unlocking %s: the lock was no longer held (was it force-unlocked?)", b.where)
	case holder.ID != id || cur != etag:
		return fmt.Errorf("unlocking %s: the lock was force-unlocked and is now held by %s (lock ID %s); it was left alone",
			b.where, orUnknown(holder.Who), holder.ID)
	}
	if err := b.remove(ctx, b.LockKey(), etag); err != nil {
		return fmt.Errorf("unlocking %s: %w", b.where, explain(err))
	}
	return nil
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

// ForceUnlock deletes the lock object when it holds the lock ID id. A
// holder that still runs is stopped by its next journal append or snapshot
// write after another run's (see the package documentation).
func (b *Backend) ForceUnlock(ctx context.Context, id string) error {
	holder, etag, found, err := b.holder(ctx)
	if err != nil {
		return fmt.Errorf("force-unlocking %s: %w", b.where, err)
	}
	if !found {
		return fmt.Errorf("force-unlocking %s: it is not locked: %w", b.where, state.ErrNotLocked)
	}
	if holder.ID != id {
		return fmt.Errorf("force-unlocking %s: the lock is held with ID %q, not %q: %w", b.where, holder.ID, id, state.ErrNotLocked)
	}
	if err := b.remove(ctx, b.LockKey(), etag); err != nil {
		return fmt.Errorf("force-unlocking %s: %w", b.where, explain(err))
	}
	return nil
}
