package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/minio/minio-go/v7"

	"github.com/indigo-cloud/indigo/state"
)

// ReadSnapshot reads and verifies the snapshot. A missing snapshot whose
// backup exists is reported as damaged, so the Manager recovers the backup
// instead of starting an empty state that would forget everything.
func (b *Backend) ReadSnapshot(ctx context.Context) (*state.State, error) {
	obj, found, err := b.get(ctx, b.key)
	if err != nil {
		return nil, fmt.Errorf("reading state %s: %w", b.where, err)
	}
	if !found {
		_, backup, err := b.stat(ctx, b.BackupKey())
		if err != nil {
			return nil, fmt.Errorf("reading state %s: %w", b.where, err)
		}
		if backup {
			return nil, &state.CorruptError{Name: b.where, Reason: "it is missing but its backup " + b.BackupKey() +
				" exists (to start from an empty state, delete the backup and the journal objects too)"}
		}
		return nil, nil
	}
	return state.DecodeSealed(b.where, obj.data, b.enc)
}

// ReadBackup reads and verifies the previous snapshot; (nil, nil) when there
// is none.
func (b *Backend) ReadBackup(ctx context.Context) (*state.State, error) {
	name := "the backup of " + b.where
	obj, found, err := b.get(ctx, b.BackupKey())
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if !found {
		return nil, nil
	}
	return state.DecodeSealed(name, obj.data, b.enc)
}

// WriteSnapshot checks that s does not lose an update against the stored
// snapshot (or, when that is damaged or missing, its backup), keeps the
// stored snapshot as the backup and writes s, both conditionally on the
// ETag of the snapshot it checked: a snapshot written in between by another
// writer makes it fail with a *state.ConflictError, never overwritten.
func (b *Backend) WriteSnapshot(ctx context.Context, s *state.State) error {
	data, err := state.EncodeSealed(s, b.enc)
	if err != nil {
		return err
	}
	cur, found, err := b.get(ctx, b.key)
	if err != nil {
		return fmt.Errorf("writing state %s: %w", b.where, err)
	}
	curOK := false
	var lineage string
	var serial uint64
	if found {
		var verr error
		lineage, serial, verr = state.VerifySealed(b.where, cur.data, b.enc)
		var se *state.SealError
		if errors.As(verr, &se) {
			return verr
		}
		curOK = verr == nil
	}
	if !curOK {
		// Compare with the backup instead, which the Manager recovered from.
		bk, bfound, err := b.get(ctx, b.BackupKey())
		if err != nil {
			return fmt.Errorf("writing state %s: reading its backup: %w", b.where, err)
		}
		lineage, serial = "", 0
		if bfound {
			if l, n, verr := state.VerifySealed(b.where, bk.data, b.enc); verr == nil {
				lineage, serial = l, n
			}
		}
	}
	if err := state.CheckWrite(b.where, lineage, serial, s); err != nil {
		return err
	}
	cond := ifAbsent
	if found {
		cond = cur.etag
	}
	if curOK {
		// Only a verified snapshot becomes the backup: a damaged one must
		// not replace a good backup. The copy is made on the server, from
		// the version just checked only.
		_, err := b.core.CopyObject(ctx, b.bucket, b.key, b.bucket, b.BackupKey(), nil,
			minio.CopySrcOptions{MatchETag: cur.etag}, minio.PutObjectOptions{})
		if err != nil {
			if isPreconditionFailed(err) {
				return b.conflict(ctx, s, data)
			}
			return fmt.Errorf("writing state %s: keeping the previous snapshot as %s: %w", b.where, b.BackupKey(), explain(err))
		}
	}
	if _, err := b.put(ctx, b.key, data, cond, nil); err != nil {
		if isPreconditionFailed(err) {
			return b.conflict(ctx, s, data)
		}
		return fmt.Errorf("writing state %s: %w", b.where, explain(err))
	}
	return nil
}

// conflict is WriteSnapshot's answer when a condition failed: the snapshot
// changed since it was checked. It reads what is stored now for the
// message; when that is exactly data, the write did happen (the client
// sent it again after losing the first answer) and it is no conflict.
func (b *Backend) conflict(ctx context.Context, s *state.State, data []byte) error {
	ce := &state.ConflictError{Where: b.where, AttemptedLineage: s.Lineage, AttemptedSerial: s.Serial,
		StoredLineage: s.Lineage, StoredSerial: s.Serial}
	obj, found, err := b.get(ctx, b.key)
	if err != nil || !found {
		return ce
	}
	if bytes.Equal(obj.data, data) {
		return nil
	}
	if l, n, verr := state.VerifySealed(b.where, obj.data, b.enc); verr == nil {
		ce.StoredLineage, ce.StoredSerial = l, n
	}
	return ce
}
