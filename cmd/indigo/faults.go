package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/state"
)

// DefaultBackendTimeout bounds each call to the state backend when
// INDIGO_BACKEND_TIMEOUT does not say otherwise: a database or an S3
// endpoint that stops answering fails the run with a message instead of
// holding it (and its lock) for ever.
const DefaultBackendTimeout = 2 * time.Minute

// envDuration reads a duration from the environment: def when unset, and
// def with a warning when it does not parse.
func envDuration(warn io.Writer, name string, def time.Duration) time.Duration {
	s := strings.TrimSpace(os.Getenv(name))
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		fmt.Fprintf(warn, "Warning: %s=%q is not a duration (write it as 90s, 10m or 2h); using %s\n", name, s, def)
		return def
	}
	return d
}

// timeoutDefault is the default of -provider-timeout.
func (f *runFlags) timeoutDefault() time.Duration {
	return envDuration(os.Stderr, "INDIGO_PROVIDER_TIMEOUT", planner.DefaultProviderTimeout)
}

// backendTimeout is the limit on each state backend call.
func (a *app) backendTimeout() time.Duration {
	return envDuration(a.stderr, "INDIGO_BACKEND_TIMEOUT", DefaultBackendTimeout)
}

// unreachedHint follows the error of a backend that cannot be reached.
const unreachedHint = "Nothing was changed: the run stopped before it read the state. Run the command again once the state backend answers (indigo apply reconciles anything a previous run left in flight)."

// withBackendTimeout bounds ctx by INDIGO_BACKEND_TIMEOUT (none when it is
// zero or less).
func withBackendTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	d := envDuration(io.Discard, "INDIGO_BACKEND_TIMEOUT", DefaultBackendTimeout)
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

// stateNotSaved tells the user that the state could not be written at the
// end of a run, after saving what the run knows to a recovery file: next to
// the journal for the local backend, in the working directory's .indigo for
// the others, in the temporary directory when that fails too, and on
// standard error as the last resort. It does so once per run.
func (a *app) stateNotSaved(w *workspace, mgr *state.Manager, cause error) {
	if w.stateUnsaved {
		return
	}
	w.stateUnsaved = true
	rec := mgr.Recovery()
	data, encErr := state.Encode(rec)
	where := ""
	if encErr == nil {
		name := fmt.Sprintf("indigo-recovery-%s.state", time.Now().UTC().Format("20060102T150405Z"))
		for _, dir := range w.recoveryDirs() {
			path := filepath.Join(dir, name)
			if err := writeFileSynced(path, data); err == nil {
				where = path
				break
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Error: the state could not be saved: %s\n\n", cause)
	fmt.Fprintf(&b, "What was done: every change that reached the state journal is kept there. ")
	if where != "" {
		fmt.Fprintf(&b, "What this run knows (%d resource instances, %d operations in flight) was saved to\n  %s\n", len(rec.AllInstances()), len(rec.Pending), where)
	} else {
		fmt.Fprintf(&b, "What this run knows (%d resource instances, %d operations in flight) could not be written to any file and follows below.\n", len(rec.AllInstances()), len(rec.Pending))
	}
	fmt.Fprintf(&b, "What was not: the state snapshot was not updated; the last one written (serial %d) is unchanged and nothing partial replaced it.\n", rec.Serial-1)
	fmt.Fprintf(&b, "What to do: make the state storage work again, then run indigo apply: it replays the journal and reconciles the operations in flight with the providers.")
	if where != "" {
		fmt.Fprintf(&b, " If the journal could not be written either, push this run's state back first:\n  indigo state push %s\n", where)
	} else {
		fmt.Fprintf(&b, " If the journal could not be written either, save the state below to a file and push it back first with: indigo state push FILE\n")
	}
	fmt.Fprint(a.stderr, b.String())
	if where == "" {
		if encErr != nil {
			fmt.Fprintf(a.stderr, "(the state could not even be encoded: %s)\n", encErr)
			return
		}
		fmt.Fprintln(a.stderr, "----- BEGIN INDIGO STATE -----")
		a.stderr.Write(data)
		fmt.Fprintln(a.stderr, "\n----- END INDIGO STATE -----")
	}
}

// closeState closes the state at the end of a run and reports what could
// not be done: a snapshot not written (stateNotSaved), a lock not released.
func (a *app) closeState(w *workspace, mgr *state.Manager) {
	err := mgr.Close(context.Background())
	if err == nil {
		return
	}
	if mgr.Unsaved() {
		a.stateNotSaved(w, mgr, err)
	}
	if errors.Is(err, state.ErrLockNotReleased) {
		saved := "The state itself is saved."
		if mgr.Unsaved() {
			saved = "The state was not saved (see above)."
		}
		fmt.Fprintf(a.stderr, "Error: %s (lock ID %s): the state backend could not be told.\n%s If the next run finds the state locked by this run, release the lock with:\n  indigo force-unlock %s\n",
			state.ErrLockNotReleased, mgr.LockID(), saved, mgr.LockID())
	} else if !mgr.Unsaved() {
		fmt.Fprintf(a.stderr, "Error: closing the state: %s\n", err)
	}
}

// recoveryDirs are where a recovery file may go, best first.
func (w *workspace) recoveryDirs() []string {
	var dirs []string
	if c, err := w.backendConfig(); err == nil && c.Type == "local" {
		p := c.Settings["path"]
		if !filepath.IsAbs(p) {
			p = filepath.Join(w.dir, p)
		}
		dirs = append(dirs, filepath.Dir(p))
	} else {
		d := filepath.Join(w.dir, ".indigo")
		if os.MkdirAll(d, 0o700) == nil {
			dirs = append(dirs, d)
		}
	}
	return append(dirs, os.TempDir())
}

// writeFileSynced writes a new file (mode 0600, it holds secrets) and
// syncs it; a partial file is removed.
func writeFileSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
	}
	return err
}
