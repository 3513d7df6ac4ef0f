// Package statetest is the conformance suite every state backend must pass,
// as testing/fstest is for file systems: locking, lost-update prevention,
// atomic snapshots, the journal, replay through a Manager, and a large
// state. A backend's own tests call Run (or RunWith) with a function that
// returns a backend for a new, empty workspace.
//
// The suite uses one Backend value as several clients: every Lock call is a
// separate holder, so a second Lock on the same value must fail while the
// first is held.
//
// This package is for tests only; nothing in indigo imports it at run time.
package statetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/state"
	"github.com/zclconf/go-cty/cty"
)

// Options adapts the suite to what a backend can do.
type Options struct {
	// TearJournal, when set, damages the end of b's journal the way a crash
	// in the middle of an append would (a partial last record). Backends
	// whose appends are atomic (database rows) leave it nil.
	TearJournal func(t *testing.T, b state.Backend)
	// Short runs smaller versions of the large and concurrent tests.
	Short bool
}

// Run runs the conformance suite with default options.
func Run(t *testing.T, newBackend func(t *testing.T) state.Backend) {
	RunWith(t, newBackend, Options{})
}

// RunWith runs the conformance suite.
func RunWith(t *testing.T, newBackend func(t *testing.T) state.Backend, opts Options) {
	t.Run("Lock", func(t *testing.T) { testLock(t, newBackend(t)) })
	t.Run("LockContention", func(t *testing.T) { testLockContention(t, newBackend(t), opts) })
	t.Run("ForceUnlock", func(t *testing.T) { testForceUnlock(t, newBackend(t)) })
	t.Run("SnapshotRoundTrip", func(t *testing.T) { testSnapshotRoundTrip(t, newBackend(t)) })
	t.Run("LostUpdate", func(t *testing.T) { testLostUpdate(t, newBackend(t)) })
	t.Run("Backup", func(t *testing.T) { testBackup(t, newBackend(t)) })
	t.Run("AtomicSnapshot", func(t *testing.T) { testAtomicSnapshot(t, newBackend(t), opts) })
	t.Run("Journal", func(t *testing.T) { testJournal(t, newBackend(t)) })
	if opts.TearJournal != nil {
		t.Run("TornJournal", func(t *testing.T) { testTornJournal(t, newBackend(t), opts.TearJournal) })
	}
	t.Run("ManagerReplay", func(t *testing.T) { testManagerReplay(t, newBackend(t)) })
	t.Run("ManagerConcurrent", func(t *testing.T) { testManagerConcurrent(t, newBackend(t), opts) })
	t.Run("ManagerLocked", func(t *testing.T) { testManagerLocked(t, newBackend(t)) })
	t.Run("LargeState", func(t *testing.T) { testLargeState(t, newBackend(t), opts) })
}

// Instance returns the address aws_instance.NAME[KEY] (KEY may be nil).
func Instance(name string, key config.InstanceKey) config.InstanceAddr {
	return config.InstanceAddr{
		Resource: config.ResourceAddr{Mode: config.ManagedMode, Type: "test_thing", Name: name},
		Key:      key,
	}
}

// Provider is the provider configuration the suite's objects use.
var Provider = config.ProviderConfigAddr{Provider: config.Provider{Hostname: config.DefaultRegistry, Namespace: "example", Type: "test"}}

// Object returns an object whose attributes carry id and n.
func Object(id string, n int) *state.Object {
	attrs, _ := json.Marshal(map[string]any{"id": id, "n": n, "tags": map[string]string{"owner": "suite"}})
	return &state.Object{
		AttrsJSON:      attrs,
		SchemaVersion:  1,
		SensitivePaths: []cty.Path{cty.GetAttrPath("tags").IndexString("owner")},
		Private:        []byte("private-" + id),
	}
}

// Sample returns a state with resources resources (instances of one
// resource counted 0..n-1 in groups of ten), outputs and placements.
func Sample(resources int) *state.State {
	s := state.New()
	s.Serial = 1
	for i := 0; i < resources; i++ {
		addr := Instance(fmt.Sprintf("r%d", i/10), config.IntKey(i%10))
		obj := Object(fmt.Sprintf("id-%d", i), i)
		if i > 0 {
			obj.Dependencies = []config.AbsResource{Instance(fmt.Sprintf("r%d", (i-1)/10), nil).ContainingResource()}
		}
		s.SetResourceInstance(addr, Provider, obj)
	}
	s.SetOutput("count", &state.Output{Value: json.RawMessage(fmt.Sprint(resources)), Type: json.RawMessage(`"number"`)})
	s.SetOutput("secret", &state.Output{Value: json.RawMessage(`"hunter2"`), Type: json.RawMessage(`"string"`), Sensitive: true})
	s.SetPlacement(config.ObjectAddr{Kind: config.DeploymentKind, Name: "galaxy"}, &state.Placement{
		Sites:    []string{"cnaf"},
		PlacedAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		Scores:   []state.SiteScore{{Site: "cnaf", Score: 0.9, Summary: "most headroom"}, {Site: "bari", Score: 0.7}},
	})
	return s
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return c
}

func info(op string) state.LockInfo {
	return state.LockInfo{ID: state.NewLockID(), Operation: op, Who: "suite@" + op, Version: "0.0.0-test",
		Created: time.Now().UTC().Truncate(time.Second), PID: os.Getpid()}
}

func testLock(t *testing.T, b state.Backend) {
	c := ctx(t)
	a := info("apply")
	unlock, err := b.Lock(c, a)
	if err != nil {
		t.Fatalf("first Lock: %v", err)
	}
	_, err = b.Lock(c, info("plan"))
	var le *state.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second Lock while held: got %v, want a *state.LockedError", err)
	}
	if le.Holder.ID != a.ID || le.Holder.Operation != "apply" || le.Holder.Who != a.Who || le.Holder.PID != a.PID || !le.Holder.Created.Equal(a.Created) {
		t.Errorf("LockedError names holder %+v, want %+v", le.Holder, a)
	}
	msg := err.Error()
	for _, want := range []string{a.Who, "apply", a.ID, "indigo force-unlock " + a.ID} {
		if !strings.Contains(msg, want) {
			t.Errorf("lock message %q does not mention %q", msg, want)
		}
	}
	if err := unlock(c); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	unlock2, err := b.Lock(c, info("plan"))
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	if err := unlock2(c); err != nil {
		t.Fatalf("second unlock: %v", err)
	}
}

// Lockers is how many holders testLockContention sets racing for the lock.
const Lockers = 8

// testLockContention has Lockers holders race for the lock, round after
// round: never two hold it at once, at least one gets it, every other one
// fails at once with a *state.LockedError naming one of the contenders, and
// the lock is free again after each round.
func testLockContention(t *testing.T, b state.Backend, opts Options) {
	c := ctx(t)
	rounds := 6
	if opts.Short {
		rounds = 2
	}
	for round := 0; round < rounds; round++ {
		infos := make([]state.LockInfo, Lockers)
		ids := map[string]bool{}
		for i := range infos {
			infos[i] = info(fmt.Sprintf("contender-%d", i))
			ids[infos[i].ID] = true
		}
		var holding, won atomic.Int32
		errs := make(chan error, Lockers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range infos {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				began := time.Now()
				unlock, err := b.Lock(c, infos[i])
				took := time.Since(began)
				var le *state.LockedError
				switch {
				case err == nil:
					won.Add(1)
					if n := holding.Add(1); n > 1 {
						errs <- fmt.Errorf("round %d: %d holders at once", round, n)
					}
					time.Sleep(30 * time.Millisecond)
					holding.Add(-1)
					if err := unlock(c); err != nil {
						errs <- fmt.Errorf("round %d: unlock: %v", round, err)
					}
				case !errors.As(err, &le):
					errs <- fmt.Errorf("round %d: Lock: %v (want nil or a *state.LockedError)", round, err)
				case !ids[le.Holder.ID]:
					errs <- fmt.Errorf("round %d: LockedError names holder %+v, not one of the contenders", round, le.Holder)
				}
				if limit := state.HolderNameWait + 10*time.Second; took > limit {
					errs <- fmt.Errorf("round %d: Lock took %s; it must not wait for the holder", round, took)
				}
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if won.Load() == 0 {
			t.Fatalf("round %d: none of %d contenders got the lock", round, Lockers)
		}
		if t.Failed() {
			return
		}
	}
	unlock, err := b.Lock(c, info("after"))
	if err != nil {
		t.Fatalf("Lock after the contention: %v", err)
	}
	if err := unlock(c); err != nil {
		t.Fatal(err)
	}
}

func testForceUnlock(t *testing.T, b state.Backend) {
	c := ctx(t)
	a := info("apply")
	unlock, err := b.Lock(c, a)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	defer func() { _ = unlock(c) }()
	if err := b.ForceUnlock(c, "not-the-id"); err == nil {
		t.Fatalf("ForceUnlock with a wrong ID succeeded")
	}
	if _, err := b.Lock(c, info("plan")); err == nil {
		t.Fatalf("the lock was released by a ForceUnlock with a wrong ID")
	}
	err = b.ForceUnlock(c, a.ID)
	switch {
	case err == nil:
		u, err := b.Lock(c, info("plan"))
		if err != nil {
			t.Fatalf("Lock after ForceUnlock: %v", err)
		}
		_ = u(c)
	case errors.Is(err, state.ErrCannotForceUnlock):
		if _, lerr := b.Lock(c, info("plan")); lerr == nil {
			t.Fatalf("ForceUnlock said %q, but the lock is free", err)
		}
	default:
		t.Fatalf("ForceUnlock(%s): %v (want success or state.ErrCannotForceUnlock)", a.ID, err)
	}
}

func testSnapshotRoundTrip(t *testing.T, b state.Backend) {
	c := ctx(t)
	got, err := b.ReadSnapshot(c)
	if err != nil || got != nil {
		t.Fatalf("ReadSnapshot of a new workspace = %v, %v; want nil, nil", got, err)
	}
	s := Sample(25)
	in := state.Intent{ID: "intent-1", Op: state.OpCreate, Addr: Instance("pending", nil), Provider: Provider,
		Planned: Object("unknown", 0), Started: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	s.Pending[in.ID] = &in
	dep := Object("old", 7)
	s.SetDeposed(Instance("r0", config.IntKey(0)), "0badc0de", Provider, dep)
	tainted := Object("t", 8)
	tainted.Status = state.Tainted
	tainted.CreateBeforeDestroy = true
	tainted.Site = "cnaf"
	s.SetResourceInstance(Instance("each", config.StringKey("a b")), Provider, tainted)
	if err := b.WriteSnapshot(c, s); err != nil {
		t.Fatalf("WriteSnapshot: %v", err)
	}
	got, err = b.ReadSnapshot(c)
	if err != nil {
		t.Fatalf("ReadSnapshot: %v", err)
	}
	if !got.Equal(s) {
		t.Fatalf("read back a different state:\n%s", Diff(s, got))
	}
}

func testLostUpdate(t *testing.T, b state.Backend) {
	c := ctx(t)
	base := Sample(3)
	if err := b.WriteSnapshot(c, base); err != nil {
		t.Fatalf("WriteSnapshot: %v", err)
	}
	w1 := base.DeepCopy()
	w1.Serial++
	w1.SetResourceInstance(Instance("w1", nil), Provider, Object("w1", 1))
	w2 := base.DeepCopy()
	w2.Serial++
	w2.SetResourceInstance(Instance("w2", nil), Provider, Object("w2", 2))
	if err := b.WriteSnapshot(c, w1); err != nil {
		t.Fatalf("first writer: %v", err)
	}
	var ce *state.ConflictError
	if err := b.WriteSnapshot(c, w2); !errors.As(err, &ce) {
		t.Fatalf("second writer from the same base serial: got %v, want a *state.ConflictError", err)
	}
	stale := base.DeepCopy()
	if err := b.WriteSnapshot(c, stale); !errors.As(err, &ce) {
		t.Fatalf("rewriting an older serial: got %v, want a *state.ConflictError", err)
	}
	other := Sample(1)
	other.Serial = 100
	if err := b.WriteSnapshot(c, other); !errors.As(err, &ce) {
		t.Fatalf("writing another lineage: got %v, want a *state.ConflictError", err)
	} else if !strings.Contains(err.Error(), "lineage") {
		t.Errorf("lineage conflict message %q does not say lineage", err)
	}
	got, err := b.ReadSnapshot(c)
	if err != nil {
		t.Fatalf("ReadSnapshot: %v", err)
	}
	if !got.Equal(w1) {
		t.Fatalf("stored state is not the first writer's:\n%s", Diff(w1, got))
	}
}

func testBackup(t *testing.T, b state.Backend) {
	br, ok := b.(state.BackupReader)
	if !ok {
		t.Skip("backend keeps no backup")
	}
	c := ctx(t)
	if got, err := br.ReadBackup(c); err != nil || got != nil {
		t.Fatalf("ReadBackup of a new workspace = %v, %v; want nil, nil", got, err)
	}
	s1 := Sample(2)
	if err := b.WriteSnapshot(c, s1); err != nil {
		t.Fatal(err)
	}
	s2 := s1.DeepCopy()
	s2.Serial++
	s2.SetResourceInstance(Instance("new", nil), Provider, Object("new", 1))
	if err := b.WriteSnapshot(c, s2); err != nil {
		t.Fatal(err)
	}
	got, err := br.ReadBackup(c)
	if err != nil {
		t.Fatalf("ReadBackup: %v", err)
	}
	if !got.Equal(s1) {
		t.Fatalf("backup is not the previous snapshot:\n%s", Diff(s1, got))
	}
}

// testAtomicSnapshot has a writer replace the snapshot in a loop while a
// reader reads it: every read must be one whole snapshot that was written.
func testAtomicSnapshot(t *testing.T, b state.Backend, opts Options) {
	c := ctx(t)
	writes := 40
	if opts.Short {
		writes = 15
	}
	build := func(serial uint64, lineage string) *state.State {
		s := state.New()
		s.Lineage = lineage
		s.Serial = serial
		// Sizes vary so a torn read cannot look whole by accident.
		n := 20 + int(serial%7)*40
		for i := 0; i < n; i++ {
			s.SetResourceInstance(Instance("r", config.IntKey(i)), Provider, Object(fmt.Sprintf("s%d", serial), int(serial)))
		}
		return s
	}
	first := build(1, state.NewLineage())
	if err := b.WriteSnapshot(c, first); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var werr error
	go func() {
		defer close(done)
		for i := 2; i <= writes; i++ {
			if err := b.WriteSnapshot(c, build(uint64(i), first.Lineage)); err != nil {
				werr = err
				return
			}
		}
	}()
	reads := 0
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true
		default:
		}
		got, err := b.ReadSnapshot(c)
		if err != nil {
			t.Fatalf("read %d while writing: %v", reads, err)
		}
		if got == nil {
			t.Fatalf("read %d while writing: no snapshot", reads)
		}
		if want := build(got.Serial, first.Lineage); !got.Equal(want) {
			t.Fatalf("read %d returned serial %d whose content is not what was written for it", reads, got.Serial)
		}
		reads++
	}
	if werr != nil {
		t.Fatalf("writer: %v", werr)
	}
	got, err := b.ReadSnapshot(c)
	if err != nil || got.Serial != uint64(writes) {
		t.Fatalf("after the writer: serial %v, %v; want %d", got, err, writes)
	}
}

func sampleRecords(epoch uint64) []state.Record {
	in := &state.Intent{ID: "i1", Op: state.OpCreate, Addr: Instance("a", nil), Provider: Provider,
		Planned: Object("", 1), Started: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	return []state.Record{
		{Epoch: epoch, Kind: state.RecordIntent, Intent: in},
		{Epoch: epoch, Kind: state.RecordResult, IntentID: "i1", Addr: in.Addr, Provider: Provider, Object: Object("a-1", 1)},
		{Epoch: epoch, Kind: state.RecordSet, Addr: Instance("b", config.StringKey("x")), Provider: Provider, Object: Object("b-1", 2)},
		{Epoch: epoch, Kind: state.RecordDepose, Addr: in.Addr, Deposed: "0000abcd"},
		{Epoch: epoch, Kind: state.RecordMove, Addr: Instance("b", config.StringKey("x")), To: Instance("c", config.StringKey("x")), Whole: true},
		{Epoch: epoch, Kind: state.RecordOutput, Name: "o", Output: &state.Output{Value: json.RawMessage(`"v"`), Type: json.RawMessage(`"string"`)}},
		{Epoch: epoch, Kind: state.RecordPlacement, Target: config.ObjectAddr{Kind: config.StorageKind, Name: "s"}, Place: &state.Placement{Sites: []string{"a", "b"}, PlacedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}},
		{Epoch: epoch, Kind: state.RecordSet, Addr: Instance("gone", nil), Whole: true},
	}
}

func sameRecords(t *testing.T, what string, got, want []state.Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d records, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, err1 := state.MarshalRecordJSON(got[i])
		w, err2 := state.MarshalRecordJSON(want[i])
		if err1 != nil || err2 != nil || string(g) != string(w) {
			t.Fatalf("%s: record %d is\n%s\nwant\n%s", what, i, g, w)
		}
	}
}

func testJournal(t *testing.T, b state.Backend) {
	c := ctx(t)
	if jc, err := b.ReadJournal(c); err != nil || jc != nil {
		t.Fatalf("ReadJournal of a new workspace = %v, %v; want nil, nil", jc, err)
	}
	recs := sampleRecords(3)
	h := state.JournalHeader{Lineage: state.NewLineage(), BaseSerial: 2}
	j, err := b.OpenJournal(c, h, recs[:2])
	if err != nil {
		t.Fatalf("OpenJournal: %v", err)
	}
	if err := j.Append(c, recs[2:5]); err != nil {
		t.Fatalf("Append: %v", err)
	}
	if err := j.Append(c, recs[5:]); err != nil {
		t.Fatalf("Append: %v", err)
	}
	jc, err := b.ReadJournal(c)
	if err != nil {
		t.Fatalf("ReadJournal: %v", err)
	}
	if jc.Header != h || jc.Torn || len(jc.Skipped) > 0 {
		t.Fatalf("ReadJournal header %+v torn %v skipped %v; want %+v", jc.Header, jc.Torn, jc.Skipped, h)
	}
	sameRecords(t, "journal", jc.Records, recs)
	if err := j.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := j.Append(c, recs[:1]); err == nil {
		t.Fatalf("Append after Close succeeded")
	}
	h2 := state.JournalHeader{Lineage: h.Lineage, BaseSerial: 4}
	j2, err := b.OpenJournal(c, h2, nil)
	if err != nil {
		t.Fatalf("OpenJournal again: %v", err)
	}
	defer j2.Close()
	jc, err = b.ReadJournal(c)
	if err != nil {
		t.Fatalf("ReadJournal: %v", err)
	}
	if jc.Header != h2 || len(jc.Records) != 0 {
		t.Fatalf("a restarted journal has header %+v and %d records; want %+v and none", jc.Header, len(jc.Records), h2)
	}
}

func testTornJournal(t *testing.T, b state.Backend, tear func(*testing.T, state.Backend)) {
	c := ctx(t)
	recs := sampleRecords(0)
	j, err := b.OpenJournal(c, state.JournalHeader{Lineage: state.NewLineage()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Append(c, recs); err != nil {
		t.Fatal(err)
	}
	j.Close()
	tear(t, b)
	jc, err := b.ReadJournal(c)
	if err != nil {
		t.Fatalf("ReadJournal of a torn journal: %v", err)
	}
	if !jc.Torn {
		t.Errorf("a torn journal is not reported as torn")
	}
	sameRecords(t, "torn journal", jc.Records, recs[:len(recs)-1])
}

// testManagerReplay drives a Manager, abandons it as a crash would, and
// checks that the next Open replays exactly what was acknowledged.
func testManagerReplay(t *testing.T, b state.Backend) {
	c := ctx(t)
	opts := state.OpenOptions{Operation: "apply", Who: "suite@test", Version: "0.0.0-test", FlushInterval: -1}
	m, err := state.Open(c, b, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	want := m.State()
	step := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// Work before a snapshot...
	id, err := m.Intent(c, state.Intent{Op: state.OpCreate, Addr: Instance("web", config.IntKey(0)), Provider: Provider, Planned: Object("", 0)})
	step("intent", err)
	step("result", m.Result(c, state.Result{IntentID: id, Object: Object("web-0", 0)}))
	want.SetResourceInstance(Instance("web", config.IntKey(0)), Provider, Object("web-0", 0))
	step("output", m.SetOutput(c, "ip", &state.Output{Value: json.RawMessage(`"10.0.0.1"`), Type: json.RawMessage(`"string"`)}))
	want.SetOutput("ip", &state.Output{Value: json.RawMessage(`"10.0.0.1"`), Type: json.RawMessage(`"string"`)})
	step("persist", m.Persist(c))
	// ...and after it.
	step("set", m.SetObject(c, Instance("data", nil), "", Provider, Object("d", 1)))
	want.SetResourceInstance(Instance("data", nil), Provider, Object("d", 1))
	key, err := m.Depose(c, Instance("web", config.IntKey(0)))
	step("depose", err)
	want.Depose(Instance("web", config.IntKey(0)), key)
	id2, err := m.Intent(c, state.Intent{Op: state.OpCreate, Addr: Instance("web", config.IntKey(0)), Provider: Provider, Planned: Object("", 0)})
	step("intent", err)
	step("result", m.Result(c, state.Result{IntentID: id2, Object: Object("web-0b", 0)}))
	want.SetResourceInstance(Instance("web", config.IntKey(0)), Provider, Object("web-0b", 0))
	id3, err := m.Intent(c, state.Intent{Op: state.OpDelete, Addr: Instance("web", config.IntKey(0)), Deposed: key, Provider: Provider})
	step("intent", err)
	step("result", m.Result(c, state.Result{IntentID: id3}))
	want.SetDeposed(Instance("web", config.IntKey(0)), key, Provider, nil)
	step("move", m.Move(c, Instance("data", nil), Instance("data2", nil)))
	step("move", want.Move(Instance("data", nil), Instance("data2", nil)))
	place := &state.Placement{Sites: []string{"cnaf"}, PlacedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	step("placement", m.SetPlacement(c, config.ObjectAddr{Kind: config.DeploymentKind, Name: "g"}, place))
	want.SetPlacement(config.ObjectAddr{Kind: config.DeploymentKind, Name: "g"}, place)
	inflight := state.Intent{Op: state.OpCreate, Addr: Instance("db", nil), Provider: Provider, Planned: Object("planned-db", 5)}
	id4, err := m.Intent(c, inflight)
	step("intent", err)
	step("abandon", m.Abandon(c))

	m2, err := state.Open(c, b, opts)
	if err != nil {
		t.Fatalf("Open after an abandoned run: %v", err)
	}
	got := m2.State()
	inf := m2.InFlight()
	if len(inf) != 1 || inf[0].ID != id4 || inf[0].Addr != inflight.Addr || !inf[0].Planned.Equal(inflight.Planned) {
		t.Fatalf("in flight after replay: %+v; want the intent %s for %s with its planned object", inf, id4, inflight.Addr)
	}
	got.Pending = nil
	want.Pending = nil
	want.Lineage, want.Serial = got.Lineage, got.Serial
	if !got.Equal(want) {
		t.Fatalf("replayed state differs:\n%s", Diff(want, got))
	}
	if w := m2.Warnings(); !strings.Contains(strings.Join(w, "\n"), "replayed") {
		t.Errorf("warnings after replay %q do not mention it", w)
	}
	step("result", m2.Result(c, state.Result{IntentID: id4, Object: Object("db", 5)}))
	want.SetResourceInstance(Instance("db", nil), Provider, Object("db", 5))
	step("close", m2.Close(c))

	m3, err := state.Open(c, b, opts)
	if err != nil {
		t.Fatalf("third Open: %v", err)
	}
	defer m3.Close(c)
	got = m3.State()
	want.Serial = got.Serial
	if len(got.Pending) != 0 || !got.Equal(want) {
		t.Fatalf("state after Close and Open differs:\n%s", Diff(want, got))
	}
	if w := m3.Warnings(); len(w) != 0 {
		t.Errorf("a clean Open warns: %q", w)
	}
	snap, err := b.ReadSnapshot(c)
	if err != nil || !snap.Equal(got) {
		t.Fatalf("the stored snapshot is not the state the Manager has (%v)", err)
	}
}

// testManagerConcurrent runs many intents and results at once, as the
// parallel walk does, and checks every one was recorded.
func testManagerConcurrent(t *testing.T, b state.Backend, opts Options) {
	c := ctx(t)
	m, err := state.Open(c, b, state.OpenOptions{Operation: "apply", FlushInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	workers, each := 10, 30
	if opts.Short {
		each = 10
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				addr := Instance(fmt.Sprintf("w%d", w), config.IntKey(i))
				id, err := m.Intent(c, state.Intent{Op: state.OpCreate, Addr: addr, Provider: Provider})
				if err == nil {
					err = m.Result(c, state.Result{IntentID: id, Object: Object(addr.String(), i)})
				}
				if err != nil {
					errs <- err
					return
				}
				_ = m.State()
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := m.Abandon(c); err != nil {
		t.Fatal(err)
	}
	m2, err := state.Open(c, b, state.OpenOptions{Operation: "apply", FlushInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close(c)
	got := m2.State()
	if n := len(got.AllInstances()); n != workers*each {
		t.Fatalf("%d instances recorded, want %d", n, workers*each)
	}
	if len(got.Pending) != 0 {
		t.Fatalf("%d intents left in flight", len(got.Pending))
	}
	for w := 0; w < workers; w++ {
		for i := 0; i < each; i++ {
			addr := Instance(fmt.Sprintf("w%d", w), config.IntKey(i))
			if !got.ResourceInstance(addr).Equal(Object(addr.String(), i)) {
				t.Fatalf("%s was not recorded correctly", addr)
			}
		}
	}
}

func testManagerLocked(t *testing.T, b state.Backend) {
	c := ctx(t)
	m, err := state.Open(c, b, state.OpenOptions{Operation: "apply", Who: "first@host", FlushInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = state.Open(c, b, state.OpenOptions{Operation: "plan", FlushInterval: -1})
	var le *state.LockedError
	if !errors.As(err, &le) || le.Holder.Who != "first@host" || le.Holder.Operation != "apply" {
		t.Fatalf("second Open: got %v, want a *state.LockedError naming first@host and apply", err)
	}
	ro, err := state.Open(c, b, state.OpenOptions{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only Open while locked: %v", err)
	}
	if err := ro.SetOutput(c, "x", &state.Output{Value: json.RawMessage(`1`), Type: json.RawMessage(`"number"`)}); !errors.Is(err, state.ErrReadOnly) {
		t.Fatalf("writing through a read-only manager: %v", err)
	}
	if err := ro.Close(c); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(c); err != nil {
		t.Fatal(err)
	}
	m2, err := state.Open(c, b, state.OpenOptions{Operation: "plan", FlushInterval: -1})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	m2.Close(c)
}

func testLargeState(t *testing.T, b state.Backend, opts Options) {
	c := ctx(t)
	n := 10000
	if opts.Short {
		n = 2000
	}
	s := Sample(n)
	if err := b.WriteSnapshot(c, s); err != nil {
		t.Fatalf("WriteSnapshot of %d resources: %v", n, err)
	}
	got, err := b.ReadSnapshot(c)
	if err != nil {
		t.Fatalf("ReadSnapshot of %d resources: %v", n, err)
	}
	if len(got.AllInstances()) != n || !got.Equal(s) {
		t.Fatalf("%d-resource state did not round-trip:\n%s", n, Diff(s, got))
	}
}

// Diff describes how two states differ, for test failures.
func Diff(want, got *state.State) string {
	if want == nil || got == nil {
		return fmt.Sprintf("want %v, got %v", want, got)
	}
	var b strings.Builder
	if want.Lineage != got.Lineage || want.Serial != got.Serial {
		fmt.Fprintf(&b, "lineage/serial: want %s/%d, got %s/%d\n", want.Lineage, want.Serial, got.Lineage, got.Serial)
	}
	for a, r := range want.Resources {
		if !r.Equal(got.Resources[a]) {
			fmt.Fprintf(&b, "resource %s differs\n", a)
		}
	}
	for a := range got.Resources {
		if want.Resources[a] == nil {
			fmt.Fprintf(&b, "unexpected resource %s\n", a)
		}
	}
	for n, o := range want.Outputs {
		if !o.Equal(got.Outputs[n]) {
			fmt.Fprintf(&b, "output %s differs\n", n)
		}
	}
	if len(want.Outputs) != len(got.Outputs) {
		fmt.Fprintf(&b, "%d outputs, want %d\n", len(got.Outputs), len(want.Outputs))
	}
	for a, p := range want.Placements {
		if !p.Equal(got.Placements[a]) {
			fmt.Fprintf(&b, "placement %s differs\n", a)
		}
	}
	if len(want.Placements) != len(got.Placements) {
		fmt.Fprintf(&b, "%d placements, want %d\n", len(got.Placements), len(want.Placements))
	}
	if len(want.Pending) != len(got.Pending) {
		fmt.Fprintf(&b, "%d pending intents, want %d\n", len(got.Pending), len(want.Pending))
	}
	return b.String()
}
