package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/local"
)

// openWithTimeout opens the state, and while another run holds its lock
// retries until -lock-timeout has passed.
func (a *app) openWithTimeout(ctx context.Context, b state.Backend, opts state.OpenOptions) (*state.Manager, error) {
	deadline := time.Now().Add(a.tf.lockTimeout)
	told := false
	for {
		m, err := state.Open(ctx, b, opts)
		var le *state.LockedError
		if err == nil || !errors.As(err, &le) || opts.ReadOnly || time.Now().After(deadline) {
			return m, err
		}
		if !told {
			fmt.Fprintf(a.stderr, "The state is locked; waiting up to %s for it (-lock-timeout)...\n", a.tf.lockTimeout)
			told = true
		}
		wait := min(500*time.Millisecond, time.Until(deadline))
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// legacyStateFiles applies -state, -state-out and -backup: Terraform's
// options for a local state file given on the command line. b is the
// configured backend; the result is the backend the run uses.
func (a *app) legacyStateFiles(ctx context.Context, b state.Backend, write bool) (state.Backend, error) {
	o := &a.tf
	if o.statePath == "" && o.stateOut == "" && o.backup == "" {
		return b, nil
	}
	lb, isLocal := b.(*local.Backend)
	if !isLocal {
		return nil, &exitError{code: 1, msg: "-state, -state-out and -backup name local state files, and the configuration keeps its state in another backend: leave them out (the backend holds the state and its backups)"}
	}
	if o.statePath != "" {
		lb = local.New(o.statePath)
	}
	if o.backup != "" && o.backup != "-" && write {
		if data, err := os.ReadFile(lb.Path()); err == nil {
			if err := writeFileAtomic(o.backup, data); err != nil {
				return nil, &exitError{code: 1, msg: fmt.Sprintf("-backup: %s", err)}
			}
		}
	}
	if o.backup == "-" {
		fmt.Fprintf(a.stderr, "Note: -backup=- does not stop indigo keeping %s: recovering from a damaged snapshot needs it.\n", lb.BackupPath())
	}
	if o.stateOut == "" || filepath.Clean(o.stateOut) == filepath.Clean(lb.Path()) {
		return lb, nil
	}
	// -state-out: the run starts from the -state file's state and writes
	// to the -state-out file, which gets a copy of it first.
	src, err := state.Open(ctx, lb, state.OpenOptions{Operation: "copy for -state-out", Version: indigoVersion(), ReadOnly: true})
	if err != nil {
		return nil, &exitError{code: 1, msg: fmt.Sprintf("reading %s: %s", lb.Path(), err)}
	}
	s := src.State().DeepCopy()
	src.Close(ctx)
	out := local.New(o.stateOut)
	for _, p := range []string{out.Path(), out.JournalPath()} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, &exitError{code: 1, msg: fmt.Sprintf("-state-out: %s", err)}
		}
	}
	if s.Serial > 0 {
		if err := out.WriteSnapshot(ctx, s); err != nil {
			return nil, &exitError{code: 1, msg: fmt.Sprintf("-state-out: %s", err)}
		}
	}
	return out, nil
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
