package state_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/local"
	"github.com/indigo-cloud/indigo/state/statetest"
)

// faultyBackend is a local backend whose writes can be made to fail (a
// full or read-only disk) or to hang until the caller gives up (a backend
// that stopped answering).
type faultyBackend struct {
	*local.Backend
	fail atomic.Bool
	hang atomic.Bool
}

var errInjected = errors.New("no space left on device (injected)")

func (b *faultyBackend) check(ctx context.Context) error {
	if b.hang.Load() {
		<-ctx.Done()
		return ctx.Err()
	}
	if b.fail.Load() {
		return errInjected
	}
	return nil
}

func (b *faultyBackend) WriteSnapshot(ctx context.Context, s *state.State) error {
	if err := b.check(ctx); err != nil {
		return err
	}
	return b.Backend.WriteSnapshot(ctx, s)
}

func (b *faultyBackend) OpenJournal(ctx context.Context, h state.JournalHeader, carry []state.Record) (state.Journal, error) {
	if err := b.check(ctx); err != nil {
		return nil, err
	}
	j, err := b.Backend.OpenJournal(ctx, h, carry)
	if err != nil {
		return nil, err
	}
	return &faultyJournal{Journal: j, b: b}, nil
}

type faultyJournal struct {
	state.Journal
	b *faultyBackend
}

func (j *faultyJournal) Append(ctx context.Context, recs []state.Record) error {
	if err := j.b.check(ctx); err != nil {
		return err
	}
	return j.Journal.Append(ctx, recs)
}

// TestIntentNotDurable: an intent that cannot be journaled is refused,
// and does not stay in flight in memory (the operation never starts).
func TestIntentNotDurable(t *testing.T) {
	ctx := context.Background()
	b := &faultyBackend{Backend: newLocal(t)}
	m := open(t, b, applyOpts)
	b.fail.Store(true)
	if _, err := m.Intent(ctx, state.Intent{Op: state.OpCreate, Addr: statetest.Instance("x", nil), Provider: statetest.Provider}); !errors.Is(err, errInjected) {
		t.Fatalf("Intent on a full disk: %v", err)
	}
	if n := len(m.InFlight()); n != 0 {
		t.Fatalf("%d operations in flight after an intent that was not recorded", n)
	}
	if n := len(m.Recovery().Pending); n != 0 {
		t.Fatalf("the recovery state holds %d operations in flight that never started", n)
	}
	b.fail.Store(false)
	must(t, m.Close(ctx))
}

// TestRecoveryPush: a run whose results could not be written keeps the
// truth in its recovery state; the next run, which finds the intents in
// flight in the journal, accepts that state pushed back without -force.
// A recovery state of another workspace (lineage), or one older than
// the intents, is refused and changes nothing.
func TestRecoveryPush(t *testing.T) {
	ctx := context.Background()
	b := &faultyBackend{Backend: newLocal(t)}
	m := open(t, b, applyOpts)
	set(t, m, "a")
	must(t, m.Persist(ctx))
	id, err := m.Intent(ctx, state.Intent{Op: state.OpCreate, Addr: statetest.Instance("b", nil), Provider: statetest.Provider, Planned: statetest.Object("b", 1)})
	must(t, err)
	b.fail.Store(true)
	if err := m.Result(ctx, state.Result{IntentID: id, Object: statetest.Object("b", 1)}); !errors.Is(err, errInjected) {
		t.Fatalf("Result on a full disk: %v", err)
	}
	if err := m.Close(ctx); err == nil || !m.Unsaved() {
		t.Fatalf("Close on a full disk: %v, unsaved %v", err, m.Unsaved())
	}
	rec := m.Recovery()
	if !has(rec, "a", "b") || len(rec.Pending) != 0 {
		t.Fatalf("the recovery state has %v, %d in flight; want a and b, none", rec.AllInstances(), len(rec.Pending))
	}
	b.fail.Store(false)

	m = open(t, b, applyOpts)
	defer m.Close(ctx)
	if n := len(m.InFlight()); n != 1 {
		t.Fatalf("the journal should hold the create of b in flight: %d", n)
	}
	other := rec.DeepCopy()
	other.Lineage = "another-workspace"
	if err := m.Push(ctx, other, false); err == nil || !strings.Contains(err.Error(), "lineage") {
		t.Fatalf("pushing the recovery file of another workspace: %v", err)
	}
	old := rec.DeepCopy()
	old.Serial = 1
	if err := m.Push(ctx, old, false); err == nil {
		t.Fatalf("pushing a recovery state older than the intents was accepted")
	}
	if n := len(m.InFlight()); n != 1 || !has(m.State(), "a") {
		t.Fatalf("a refused push changed the state")
	}
	must(t, m.Push(ctx, rec, false))
	if st := m.State(); !has(st, "a", "b") || len(st.Pending) != 0 {
		t.Fatalf("after pushing the recovery state: %v, %d in flight", st.AllInstances(), len(st.Pending))
	}
}

// TestBackendTimeout: a backend that stops answering fails the call after
// OpenOptions.BackendTimeout with an error saying so.
func TestBackendTimeout(t *testing.T) {
	ctx := context.Background()
	b := &faultyBackend{Backend: newLocal(t)}
	opts := applyOpts
	opts.BackendTimeout = 200 * time.Millisecond
	m := open(t, b, opts)
	set(t, m, "a")
	b.hang.Store(true)
	start := time.Now()
	err := m.Persist(ctx)
	var te *state.BackendTimeoutError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "did not answer within 200ms") || !strings.Contains(err.Error(), "INDIGO_BACKEND_TIMEOUT") {
		t.Fatalf("Persist on a hung backend: %v", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("the timeout took %s", took)
	}
	b.hang.Store(false)
	must(t, m.Close(ctx))
}

// TestBadRecoveryInput: a journal cut inside its header, or a journal of
// another lineage than the snapshot, gets a clear error from Open and
// changes nothing on disk.
func TestBadRecoveryInput(t *testing.T) {
	ctx := context.Background()
	prepare := func(t *testing.T) *local.Backend {
		b := newLocal(t)
		m := open(t, b, applyOpts)
		set(t, m, "a")
		must(t, m.Persist(ctx))
		set(t, m, "b") // journaled, not in the snapshot
		must(t, m.Abandon(ctx))
		return b
	}
	files := func(b *local.Backend) [][]byte {
		var out [][]byte
		for _, p := range []string{b.Path(), b.BackupPath(), b.JournalPath()} {
			data, _ := os.ReadFile(p)
			out = append(out, data)
		}
		return out
	}
	cases := []struct {
		name   string
		damage func(t *testing.T, b *local.Backend)
		want   string
	}{
		{"journal truncated in its header", func(t *testing.T, b *local.Backend) {
			data, err := os.ReadFile(b.JournalPath())
			must(t, err)
			must(t, os.WriteFile(b.JournalPath(), data[:20], 0o600))
		}, "header"},
		{"journal of another lineage", func(t *testing.T, b *local.Backend) {
			other := newLocal(t)
			m := open(t, other, applyOpts)
			set(t, m, "z")
			must(t, m.Abandon(ctx))
			data, err := os.ReadFile(other.JournalPath())
			must(t, err)
			must(t, os.WriteFile(b.JournalPath(), data, 0o600))
		}, "belongs to lineage"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := prepare(t)
			c.damage(t, b)
			before := files(b)
			_, err := state.Open(ctx, b, applyOpts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Open: %v; want an error about %q", err, c.want)
			}
			if !strings.Contains(err.Error(), "Nothing was changed") && c.want != "header" {
				t.Errorf("the error does not say that nothing was changed: %v", err)
			}
			after := files(b)
			for i := range before {
				if !bytes.Equal(before[i], after[i]) {
					t.Errorf("file %d changed although Open failed", i)
				}
			}
		})
	}
	// A journal cut inside its last record is the trace of a crash: the
	// record is dropped with a warning, the others replay.
	b := prepare(t)
	data, err := os.ReadFile(b.JournalPath())
	must(t, err)
	must(t, os.WriteFile(b.JournalPath(), data[:len(data)-5], 0o600))
	m := open(t, b, state.OpenOptions{ReadOnly: true})
	defer m.Close(ctx)
	if !strings.Contains(strings.Join(m.Warnings(), "\n"), "incomplete") || !has(m.State(), "a") {
		t.Fatalf("a torn last record: warnings %v, state %v", m.Warnings(), m.State().AllInstances())
	}
}
