package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/indigo-cloud/indigo/state"
)

// initBackend sets up the configured backend and records it; when it is
// not the recorded one, it copies the state (-migrate-state), adopts the
// new backend as it is (-reconfigure) or stops.
func (a *app) initBackend(ctx context.Context, w *workspace, opts initOptions) error {
	fmt.Fprintln(a.stdout, "Initializing the backend...")
	to, err := w.backendConfig()
	if err != nil {
		return err
	}
	from, err := readBackendRecord(w.dir)
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	if from == nil && !to.sameAs(defaultLocal()) && localStateExists(w.dir) {
		// A state kept in the default file before any backend was set up.
		from = defaultLocal()
	}
	if from != nil {
		// The selected workspace's state moves to the same workspace.
		from.workspace = to.workspace
	}
	switch {
	case from == nil || from.sameAs(to):
		// Connecting checks the server, the credentials and the bucket
		// (and creates it when create_bucket asks to).
		b, err := openBackend(ctx, w.dir, to)
		if err != nil {
			return err
		}
		closeBackend(ctx, b)
		fmt.Fprintf(a.stdout, "Using %s.\n", to)
	case opts.reconfigure:
		b, err := openBackend(ctx, w.dir, to)
		if err != nil {
			return err
		}
		closeBackend(ctx, b)
		fmt.Fprintf(a.stdout, "The backend changed from %s to %s.\nUsing the new backend as it is (-reconfigure); nothing was copied, and the previous backend keeps its state.\n", from, to)
	case opts.migrate:
		if err := a.migrateWorkspaces(ctx, w.dir, from, to, opts.forceCopy); err != nil {
			return err
		}
	default:
		return &exitError{code: 1, msg: fmt.Sprintf("The backend changed from %s to %s. "+
			"Run indigo init -migrate-state to copy the state to the new backend (the previous one keeps its copy), "+
			"or indigo init -reconfigure to use the new backend as it is, with whatever state it holds.", from, to)}
	}
	if err := writeBackendRecord(w.dir, to); err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	return nil
}

// localStateExists reports whether the default local backend holds
// anything in dir.
func localStateExists(dir string) bool {
	for _, name := range []string{DefaultStatePath, DefaultStatePath + ".journal"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}

// previousSecrets gives the recorded backend from the secrets the record
// does not hold: from the environment, else the new backend's when it is
// of the same type (and, for PostgreSQL, the same server and user).
func previousSecrets(from, to *backendConfig) {
	switch from.Type {
	case "s3":
		if env := s3SecretsFromEnv(); env.accessKey != "" && env.secretKey != "" {
			from.secrets = env
		} else if to.Type == "s3" {
			from.secrets = to.secrets
		}
	case "pg":
		if c := os.Getenv("PG_CONN_STR"); c != "" && redactConnString(c) == from.Settings["conn_str"] {
			from.secrets.connStr = c
		} else if to.Type == "pg" && to.Settings["conn_str"] == from.Settings["conn_str"] {
			from.secrets.connStr = to.secrets.connStr
		}
	}
}

// migrateWorkspaces copies the state of every workspace the previous
// backend holds to the same workspace of the new one, as Terraform does.
func (a *app) migrateWorkspaces(ctx context.Context, dir string, from, to *backendConfig, force bool) error {
	previousSecrets(from, to)
	names, err := workspaceNames(ctx, dir, from)
	if err != nil || len(names) < 2 {
		// One workspace (or none listed): the selected one.
		return a.migrateState(ctx, dir, from, to, force)
	}
	for _, n := range names {
		f, t := *from, *to
		f.workspace, t.workspace = n, n
		fmt.Fprintf(a.stdout, "Workspace %q:\n", n)
		if t.Type == "local" && n != defaultWorkspace {
			path := t.Settings["path"]
			if !filepath.IsAbs(path) {
				path = filepath.Join(dir, path)
			}
			if err := os.MkdirAll(filepath.Dir(localWorkspacePath(path, n)), 0o755); err != nil {
				return &exitError{code: 1, msg: fmt.Sprintf("copying workspace %q: %s", n, err)}
			}
		}
		if err := a.migrateState(ctx, dir, &f, &t, force); err != nil {
			return err
		}
	}
	return nil
}

// migrateState copies the state from one backend to another under both
// locks and checks the copy by reading it back. It never removes the
// source's state.
func (a *app) migrateState(ctx context.Context, dir string, from, to *backendConfig, force bool) error {
	previousSecrets(from, to)
	src, err := openBackend(ctx, dir, from)
	if err != nil {
		return fmt.Errorf("opening the previous backend to copy its state: %w", err)
	}
	defer closeBackend(ctx, src)
	dst, err := openBackend(ctx, dir, to)
	if err != nil {
		return err
	}
	defer closeBackend(ctx, dst)

	open := func(b state.Backend, which *backendConfig) (*state.Manager, error) {
		m, err := state.Open(ctx, b, state.OpenOptions{Operation: "init -migrate-state", Version: indigoVersion(), FlushInterval: -1})
		var le *state.LockedError
		switch {
		case errors.As(err, &le):
			return nil, &exitError{code: 1, msg: fmt.Sprintf("copying the state: %s", le)}
		case err != nil:
			return nil, &exitError{code: 1, msg: fmt.Sprintf("copying the state: reading %s: %s", which, err)}
		}
		for _, warn := range m.Warnings() {
			fmt.Fprintf(a.stderr, "Warning: %s: %s\n", which, warn)
		}
		return m, nil
	}
	// Both locks are held until the copy is checked: no run changes either
	// state meanwhile.
	ms, err := open(src, from)
	if err != nil {
		return err
	}
	defer ms.Close(context.WithoutCancel(ctx))
	md, err := open(dst, to)
	if err != nil {
		return err
	}
	defer md.Close(context.WithoutCancel(ctx))

	cur := ms.State()
	have := md.State()
	if cur.Serial == 0 {
		fmt.Fprintf(a.stdout, "The backend changed from %s to %s; the previous backend holds no state, so there was nothing to copy.\n", from, to)
		return nil
	}
	write := cur
	switch {
	case have.Equal(cur):
		fmt.Fprintf(a.stdout, "%s already holds this state (lineage %s, serial %d); nothing was copied.\n", upper(to.String()), cur.Lineage, cur.Serial)
		return nil
	case have.Serial == 0 && isEmpty(have):
	case !force:
		return &exitError{code: 1, msg: fmt.Sprintf("%s already holds a state (lineage %s, serial %d, %d resource instances), not the one %s holds (lineage %s, serial %d, %d resource instances). "+
			"Nothing was changed. To replace it by the previous backend's state, run indigo init -migrate-state -force-copy; to use it as it is, run indigo init -reconfigure.",
			upper(to.String()), have.Lineage, have.Serial, len(have.AllInstances()), from, cur.Lineage, cur.Serial, len(cur.AllInstances()))}
	case have.Lineage == cur.Lineage && have.Serial < cur.Serial:
		// An older serial of the same lineage: the copy goes over it as
		// it is.
	case have.Serial > 0:
		// Backends refuse a lineage change or an older serial over a
		// snapshot: the copy takes the destination's lineage and a serial
		// past both.
		write = cur.DeepCopy()
		write.Lineage = have.Lineage
		write.Serial = max(have.Serial, cur.Serial) + 1
	}
	if err := writeCopy(ctx, dst, write); err != nil {
		return &exitError{code: 1, msg: fmt.Sprintf("copying the state to %s: %s. The previous backend still holds the state; fix the new backend and run indigo init -migrate-state again", to, err)}
	}
	if have.Serial > 0 {
		fmt.Fprintf(a.stdout, "-force-copy: replacing the state in %s: lineage %s, serial %d, %d resource instances.\n",
			to, have.Lineage, have.Serial, len(have.AllInstances()))
	}
	fmt.Fprintf(a.stdout, "Copied the state from %s to %s: lineage %s, serial %d, %d resource instances, read back and checked.\n",
		from, to, write.Lineage, write.Serial, len(write.AllInstances()))
	if write.Lineage != cur.Lineage || write.Serial != cur.Serial {
		fmt.Fprintf(a.stdout, "The copy has the new backend's lineage and a serial above both (the source has lineage %s, serial %d): a backend never goes back in lineage or serial.\n",
			cur.Lineage, cur.Serial)
	}
	if p := len(write.Pending); p > 0 {
		fmt.Fprintf(a.stdout, "%d provider operations in flight were copied with it; the next apply reconciles them.\n", p)
	}
	fmt.Fprintf(a.stdout, "The previous backend keeps its copy of the state, as it was; indigo no longer uses it. Delete it once you no longer need it.\n")
	return nil
}

// writeCopy writes s as b's snapshot with an empty journal (records the
// backend kept for an earlier state must never be replayed onto it), and
// checks it by reading it back.
func writeCopy(ctx context.Context, b state.Backend, s *state.State) error {
	if err := b.WriteSnapshot(ctx, s); err != nil {
		return err
	}
	j, err := b.OpenJournal(ctx, state.JournalHeader{Lineage: s.Lineage, BaseSerial: s.Serial}, nil)
	if err != nil {
		return err
	}
	_ = j.Close()
	if err := checkCopy(ctx, b, s); err != nil {
		return fmt.Errorf("it does not read back as written: %w", err)
	}
	return nil
}

// checkCopy reads the state back from b: the snapshot must be want,
// lineage, serial and content, and the journal empty.
func checkCopy(ctx context.Context, b state.Backend, want *state.State) error {
	got, err := b.ReadSnapshot(ctx)
	if err != nil {
		return err
	}
	if got == nil {
		return errors.New("there is no snapshot")
	}
	if got.Lineage != want.Lineage || got.Serial != want.Serial {
		return fmt.Errorf("it has lineage %s serial %d, not lineage %s serial %d", got.Lineage, got.Serial, want.Lineage, want.Serial)
	}
	if !got.Equal(want) {
		return fmt.Errorf("it has %d resource instances and %d outputs, not the %d and %d written, or they differ",
			len(got.AllInstances()), len(got.Outputs), len(want.AllInstances()), len(want.Outputs))
	}
	jc, err := b.ReadJournal(ctx)
	if err != nil {
		return err
	}
	if jc != nil && len(jc.Records) > 0 {
		return fmt.Errorf("its journal holds %d records", len(jc.Records))
	}
	return nil
}

// isEmpty reports whether s records nothing.
func isEmpty(s *state.State) bool {
	return len(s.Resources) == 0 && len(s.Outputs) == 0 && len(s.Placements) == 0 && len(s.Pending) == 0
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
