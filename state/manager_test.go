package state_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/local"
	"github.com/indigo-cloud/indigo/state/statetest"
)

var applyOpts = state.OpenOptions{Operation: "apply", Who: "test@host", Version: "0.0.0-test", FlushInterval: -1}

func newLocal(t *testing.T) *local.Backend {
	return local.New(filepath.Join(t.TempDir(), "indigo.state"))
}

func open(t *testing.T, b state.Backend, opts state.OpenOptions) *state.Manager {
	t.Helper()
	m, err := state.Open(context.Background(), b, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return m
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func set(t *testing.T, m *state.Manager, name string) {
	t.Helper()
	must(t, m.SetObject(context.Background(), statetest.Instance(name, nil), "", statetest.Provider, statetest.Object(name, 1)))
}

func has(s *state.State, names ...string) bool {
	for _, n := range names {
		if s.ResourceInstance(statetest.Instance(n, nil)) == nil {
			return false
		}
	}
	return len(s.AllInstances()) == len(names)
}

func damage(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	must(t, err)
	data[len(data)/2] ^= 0x01
	must(t, os.WriteFile(path, data, 0o600))
}

// TestRecoverFromBackup damages the latest snapshot: the backup plus the
// journal rebuild it.
func TestRecoverFromBackup(t *testing.T) {
	ctx := context.Background()
	b := newLocal(t)
	m := open(t, b, applyOpts)
	set(t, m, "a")
	must(t, m.Persist(ctx))
	set(t, m, "b")
	must(t, m.Persist(ctx))
	set(t, m, "c")
	must(t, m.Abandon(ctx))
	backupBefore, err := os.ReadFile(b.BackupPath())
	must(t, err)

	damage(t, b.Path())
	m = open(t, b, applyOpts)
	if s := m.State(); !has(s, "a", "b", "c") {
		t.Fatalf("recovered state has %v, want a, b, c", s.AllInstances())
	}
	w := strings.Join(m.Warnings(), "\n")
	if !strings.Contains(w, b.Path()+" is damaged") || !strings.Contains(w, "recovered from the backup") {
		t.Errorf("warnings %q do not explain the recovery", w)
	}
	must(t, m.Close(ctx))
	// The recovered state was written; the damaged file did not become the
	// backup.
	got, err := b.ReadSnapshot(ctx)
	if err != nil || !has(got, "a", "b", "c") {
		t.Fatalf("snapshot after recovery: %v, %v", got, err)
	}
	backupAfter, err := os.ReadFile(b.BackupPath())
	must(t, err)
	if !bytes.Equal(backupBefore, backupAfter) {
		t.Errorf("the backup was replaced by the damaged snapshot")
	}
}

func TestRecoverMissingSnapshot(t *testing.T) {
	ctx := context.Background()
	b := newLocal(t)
	m := open(t, b, applyOpts)
	set(t, m, "a")
	must(t, m.Persist(ctx))
	set(t, m, "b")
	must(t, m.Close(ctx))
	must(t, os.Remove(b.Path()))
	m = open(t, b, applyOpts)
	defer m.Close(ctx)
	if s := m.State(); !has(s, "a", "b") {
		t.Fatalf("state recovered after the snapshot was deleted has %v", s.AllInstances())
	}
}

// TestDamagedWithoutRecovery: when the journal cannot bring the backup up to
// date, Open fails, says what to do, and touches nothing.
func TestDamagedWithoutRecovery(t *testing.T) {
	ctx := context.Background()
	b := newLocal(t)
	m := open(t, b, applyOpts)
	set(t, m, "a")
	must(t, m.Persist(ctx))
	set(t, m, "b")
	must(t, m.Close(ctx))
	must(t, os.Remove(b.JournalPath()))
	damage(t, b.Path())
	files := map[string][]byte{}
	for _, p := range []string{b.Path(), b.BackupPath()} {
		data, err := os.ReadFile(p)
		must(t, err)
		files[p] = data
	}
	_, err := state.Open(ctx, b, applyOpts)
	if err == nil {
		t.Fatal("Open of a damaged state without a usable journal succeeded")
	}
	for _, want := range []string{b.Path(), "damaged", "cannot be brought up to date", "indigo state push"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	for p, data := range files {
		now, _ := os.ReadFile(p)
		if !bytes.Equal(now, data) {
			t.Errorf("%s changed after a failed Open", p)
		}
	}
	// The lock was released.
	m2, err := state.Open(ctx, b, state.OpenOptions{ReadOnly: true})
	if err == nil {
		m2.Close(ctx)
	}
	u, err := b.Lock(ctx, state.LockInfo{ID: "x"})
	if err != nil {
		t.Fatalf("the lock is still held after a failed Open: %v", err)
	}
	_ = u(ctx)
}

func TestJournalAheadOfSnapshot(t *testing.T) {
	ctx := context.Background()
	b := newLocal(t)
	s := state.New()
	s.Serial = 1
	must(t, b.WriteSnapshot(ctx, s))
	j, err := b.OpenJournal(ctx, state.JournalHeader{Lineage: s.Lineage, BaseSerial: 3}, nil)
	must(t, err)
	j.Close()
	_, err = state.Open(ctx, b, applyOpts)
	if err == nil || !strings.Contains(err.Error(), "older copy") {
		t.Fatalf("Open with a journal ahead of the snapshot: %v", err)
	}
}

func TestFileModes(t *testing.T) {
	ctx := context.Background()
	b := newLocal(t)
	m := open(t, b, applyOpts)
	set(t, m, "a")
	must(t, m.Persist(ctx))
	set(t, m, "b")
	must(t, m.Persist(ctx))
	set(t, m, "c")
	for _, p := range []string{b.Path(), b.BackupPath(), b.JournalPath(), b.LockPath()} {
		fi, err := os.Stat(p)
		must(t, err)
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", p, fi.Mode().Perm())
		}
	}
	must(t, m.Close(ctx))
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(b.Path()), "*tmp*"))
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestNoChangeNoSerial(t *testing.T) {
	ctx := context.Background()
	b := newLocal(t)
	m := open(t, b, applyOpts)
	out := &state.Output{Value: json.RawMessage(`1`), Type: json.RawMessage(`"number"`)}
	must(t, m.SetOutput(ctx, "o", out))
	set(t, m, "a")
	must(t, m.Close(ctx))
	m = open(t, b, applyOpts)
	serial := m.Serial()
	must(t, m.SetOutput(ctx, "o", out))
	set(t, m, "a")
	must(t, m.Close(ctx))
	if s, _ := b.ReadSnapshot(ctx); s.Serial != serial {
		t.Fatalf("an apply that changed nothing moved the serial from %d to %d", serial, s.Serial)
	}
}

func TestReadOnlySeesJournalWithoutWriting(t *testing.T) {
	ctx := context.Background()
	b := newLocal(t)
	m := open(t, b, applyOpts)
	set(t, m, "a")
	must(t, m.Persist(ctx))
	set(t, m, "b")
	must(t, m.Abandon(ctx))
	before, _ := os.ReadFile(b.Path())
	ro := open(t, b, state.OpenOptions{ReadOnly: true})
	if !has(ro.State(), "a", "b") {
		t.Fatalf("read-only open does not see the journaled change")
	}
	if err := ro.Persist(ctx); !errors.Is(err, state.ErrReadOnly) {
		t.Fatalf("Persist on a read-only manager: %v", err)
	}
	must(t, ro.Close(ctx))
	after, _ := os.ReadFile(b.Path())
	if !bytes.Equal(before, after) {
		t.Fatalf("a read-only open wrote the snapshot")
	}
}

func TestResultErrors(t *testing.T) {
	ctx := context.Background()
	m := open(t, newLocal(t), applyOpts)
	defer m.Close(ctx)
	if err := m.Result(ctx, state.Result{IntentID: "nope"}); err == nil {
		t.Fatal("a result for an unknown intent was accepted")
	}
	if _, err := m.Intent(ctx, state.Intent{Op: "explode", Addr: statetest.Instance("a", nil)}); err == nil {
		t.Fatal("an intent with an unknown op was accepted")
	}
	id, err := m.Intent(ctx, state.Intent{ID: "fixed", Op: state.OpCreate, Addr: statetest.Instance("a", nil), Provider: statetest.Provider})
	if err != nil || id != "fixed" {
		t.Fatalf("Intent = %q, %v", id, err)
	}
	if _, err := m.Intent(ctx, state.Intent{ID: "fixed", Op: state.OpCreate, Addr: statetest.Instance("a", nil)}); err == nil {
		t.Fatal("a duplicate intent ID was accepted")
	}
	if _, err := m.Depose(ctx, statetest.Instance("none", nil)); err == nil {
		t.Fatal("deposing a missing object succeeded")
	}
}

func TestPush(t *testing.T) {
	ctx := context.Background()
	b := newLocal(t)
	tf, err := os.ReadFile("testdata/terraform/terraform-1.11.4.tfstate")
	must(t, err)
	adopted, err := state.Import("terraform.tfstate", tf)
	must(t, err)

	m := open(t, b, applyOpts)
	must(t, m.Push(ctx, adopted, false))
	if m.Lineage() != adopted.Lineage || m.Serial() != adopted.Serial+1 {
		t.Errorf("an empty workspace adopted lineage %s serial %d; want %s, %d", m.Lineage(), m.Serial(), adopted.Lineage, adopted.Serial+1)
	}
	must(t, m.Close(ctx))
	stored, err := b.ReadSnapshot(ctx)
	must(t, err)
	checkTerraformDataState(t, stored)

	m = open(t, b, applyOpts)
	defer m.Close(ctx)
	other := statetest.Sample(3)
	if err := m.Push(ctx, other, false); err == nil || !strings.Contains(err.Error(), "lineage") {
		t.Fatalf("pushing another lineage: %v", err)
	}
	older := stored.DeepCopy()
	older.Serial = 1
	if err := m.Push(ctx, older, false); err == nil || !strings.Contains(err.Error(), "older") {
		t.Fatalf("pushing an older serial: %v", err)
	}
	if _, err := m.Intent(ctx, state.Intent{Op: state.OpCreate, Addr: statetest.Instance("x", nil), Provider: statetest.Provider}); err != nil {
		t.Fatal(err)
	}
	if err := m.Push(ctx, stored, false); err == nil || !strings.Contains(err.Error(), "in flight") {
		t.Fatalf("pushing over an operation in flight: %v", err)
	}
	must(t, m.Push(ctx, other, true))
	if got := m.State(); m.Lineage() != stored.Lineage || len(got.AllInstances()) != 3 || len(got.Pending) != 0 {
		t.Fatalf("a forced push should replace the content and keep the workspace lineage")
	}
}

func TestLockTimeout(t *testing.T) {
	ctx := context.Background()
	b := newLocal(t)
	m := open(t, b, applyOpts)
	_, err := state.Open(ctx, b, state.OpenOptions{Operation: "plan", LockTimeout: 100 * time.Millisecond, FlushInterval: -1})
	var le *state.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("Open with a short timeout while locked: %v", err)
	}
	released := make(chan error, 1)
	go func() {
		time.Sleep(200 * time.Millisecond)
		released <- m.Close(ctx)
	}()
	m2, err := state.Open(ctx, b, state.OpenOptions{Operation: "plan", LockTimeout: time.Minute, FlushInterval: -1})
	if err != nil {
		t.Fatalf("Open waiting for the lock: %v", err)
	}
	must(t, <-released)
	must(t, m2.Close(ctx))
}

// TestPeriodicSnapshot: with a flush interval the snapshot follows the state
// without Persist being called.
func TestPeriodicSnapshot(t *testing.T) {
	ctx := context.Background()
	b := newLocal(t)
	opts := applyOpts
	opts.FlushInterval = 10 * time.Millisecond
	m := open(t, b, opts)
	defer m.Close(ctx)
	set(t, m, "a")
	deadline := time.Now().Add(30 * time.Second)
	for {
		s, err := b.ReadSnapshot(ctx)
		must(t, err)
		if s != nil && has(s, "a") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no periodic snapshot was written")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestJournalCarriesBackupRecords checks the journal kept after a snapshot:
// it starts one serial back and holds the records that built the snapshot.
func TestJournalCarriesBackupRecords(t *testing.T) {
	ctx := context.Background()
	b := newLocal(t)
	m := open(t, b, applyOpts)
	set(t, m, "a")
	must(t, m.Persist(ctx)) // serial 1
	set(t, m, "b")
	must(t, m.Persist(ctx)) // serial 2
	set(t, m, "c")
	jc, err := b.ReadJournal(ctx)
	must(t, err)
	if jc.Header.BaseSerial != 1 || len(jc.Records) != 2 || jc.Records[0].Epoch != 1 || jc.Records[1].Epoch != 2 {
		t.Fatalf("journal after two snapshots: base %d, %d records %+v", jc.Header.BaseSerial, len(jc.Records), jc.Records)
	}
	must(t, m.Close(ctx))
}

// TestMoveReplacingIsOneRecord: a move to another resource type records
// the converted object with the move, in one journal record, so replaying
// the journal (as after a crash) gives the object of the new type, with
// its provider, at the new address and nothing at the old one.
func TestMoveReplacingIsOneRecord(t *testing.T) {
	ctx := context.Background()
	b := newLocal(t)
	m := open(t, b, applyOpts)
	set(t, m, "a")
	must(t, m.Persist(ctx))
	from := statetest.Instance("a", nil)
	to := config.InstanceAddr{Resource: config.ResourceAddr{Mode: config.ManagedMode, Type: "other_thing", Name: "a"}}
	prov := config.ProviderConfigAddr{Provider: config.Provider{Hostname: "terraform.io", Namespace: "builtin", Type: "terraform"}}
	obj := &state.Object{AttrsJSON: json.RawMessage(`{"id":"a","converted":true}`), Status: state.Ready}
	must(t, m.MoveReplacing(ctx, from, to, prov, obj))
	j, err := b.ReadJournal(ctx)
	must(t, err)
	last := j.Records[len(j.Records)-1]
	if last.Kind != state.RecordMove || last.Object == nil || last.To != to || last.Provider != prov {
		t.Fatalf("the last journal record is %+v, want the move with its object", last)
	}
	must(t, m.Abandon(ctx)) // the snapshot still has the old object
	ro := open(t, b, state.OpenOptions{ReadOnly: true})
	defer ro.Close(ctx)
	st := ro.State()
	if st.ResourceInstance(from) != nil {
		t.Error("the old object is still at its address after the replay")
	}
	got := st.ResourceInstance(to)
	if got == nil || !strings.Contains(string(got.AttrsJSON), `"converted":true`) {
		t.Fatalf("the converted object is not at the new address: %+v", got)
	}
	if r := st.Resource(to.ContainingResource()); r == nil || r.Provider != prov {
		t.Errorf("the moved resource records provider %v, want %v", r, prov)
	}
}

// TestHeldRecordsStillRecoverTheBackup: the records that built the latest
// snapshot are not decoded when a run opens a sound state (a plan after an
// apply reads past them), yet a run that writes still carries them into
// its journal, so a damaged snapshot is rebuilt from its backup and the
// journal as before; sealed records too.
func TestHeldRecordsStillRecoverTheBackup(t *testing.T) {
	for _, sealed := range []bool{false, true} {
		t.Run(fmt.Sprintf("sealed=%v", sealed), func(t *testing.T) {
			ctx := context.Background()
			b := newLocal(t)
			if sealed {
				b.SetEncryption(statetest.Encryption(t, "held-records-passphrase", false))
			}
			m := open(t, b, applyOpts)
			set(t, m, "a")
			must(t, m.Persist(ctx)) // serial 1
			set(t, m, "b")
			must(t, m.Close(ctx)) // serial 2; the journal holds a at epoch 0, b at 1

			jc, err := b.ReadJournalAbove(ctx, 2)
			must(t, err)
			if jc.Held() != 2 || len(jc.Records) != 0 {
				t.Fatalf("reading above serial 2: %d held, %d decoded; want 2 and 0", jc.Held(), len(jc.Records))
			}
			recs, err := jc.DecodeHeld(1)
			must(t, err)
			if len(recs) != 1 || recs[0].Addr != statetest.Instance("b", nil) {
				t.Fatalf("held records decode to %+v, want the set of b", recs)
			}

			m = open(t, b, applyOpts)
			set(t, m, "c")
			must(t, m.Abandon(ctx))
			jc, err = b.ReadJournal(ctx)
			must(t, err)
			if len(jc.Records) != 2 || jc.Records[0].Addr != statetest.Instance("b", nil) || jc.Records[0].Epoch != 1 ||
				jc.Records[1].Addr != statetest.Instance("c", nil) || jc.Records[1].Epoch != 2 {
				t.Fatalf("the next run's journal holds %+v, want b at epoch 1 and c at 2", jc.Records)
			}
			if sealed {
				return // a damaged sealed snapshot does not open: nothing to recover
			}
			damage(t, b.Path())
			m = open(t, b, applyOpts)
			if s := m.State(); !has(s, "a", "b", "c") {
				t.Fatalf("recovered state has %v, want a, b, c", s.AllInstances())
			}
			must(t, m.Close(ctx))
		})
	}
}
