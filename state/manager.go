package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"sync"
	"time"

	"github.com/indigo-cloud/indigo/lang/config"
)

// DefaultFlushInterval is how often a Manager rewrites the snapshot during a
// run when the state changed (the journal makes every change durable at
// once; the snapshot only bounds how much a later run must replay).
const DefaultFlushInterval = 5 * time.Second

// ErrReadOnly is returned by the mutating methods of a Manager opened with
// ReadOnly.
var ErrReadOnly = errors.New("the state was opened read-only")

// ErrLockNotReleased is wrapped by the error of Close or Abandon when the
// lock could not be released (the backend did not answer): the next run
// may find it held, and `indigo force-unlock ID` breaks it.
var ErrLockNotReleased = errors.New("the state lock could not be released")

// ErrClosed is returned by a Manager used after Close.
var ErrClosed = errors.New("the state manager is closed")

// OpenOptions configures Open.
type OpenOptions struct {
	// Operation is what the run does ("apply", "plan", ...), shown to a run
	// that finds the lock held.
	Operation string
	// Who is user@host; the current user and host when empty.
	Who string
	// Version is indigo's version, recorded in the lock and in snapshots.
	Version string
	// ReadOnly opens without taking the lock (plan -lock=false): the state
	// is read and the journal replayed in memory, nothing is written.
	ReadOnly bool
	// LockTimeout is how long to keep trying when the lock is held; zero
	// fails at once.
	LockTimeout time.Duration
	// FlushInterval is how often the snapshot is rewritten while the state
	// is changing; zero means DefaultFlushInterval, a negative value
	// rewrites it only on Persist and Close.
	FlushInterval time.Duration
	// BackendTimeout bounds each call to the backend (taking the lock,
	// reading, appending to the journal, writing a snapshot): a backend
	// that does not answer in time fails the call with an error saying so,
	// instead of holding the run. Zero means no limit.
	BackendTimeout time.Duration
}

// Manager owns the state of one workspace during a run: it holds the lock,
// keeps the state in memory, journals every change durably before it
// returns, and rewrites the snapshot every FlushInterval and on Close (never
// once per resource). It is safe for concurrent use by the walk; concurrent
// journal appends are committed together (one backend append for all).
type Manager struct {
	b        Backend
	opts     OpenOptions
	unlock   func(context.Context) error
	lockID   string
	readOnly bool

	mu   sync.Mutex
	cond *sync.Cond
	st   *State
	// hasSnapshot is set when the backend holds a snapshot of st's lineage.
	hasSnapshot bool
	// found is set when Open found a snapshot or a journal: a state was
	// written there before.
	found   bool
	journal Journal
	// prevRecs are the records that turned snapshot serial-1 into serial;
	// prevValid says they are complete, so the next journal can start at
	// serial-1 and recover the backup. curRecs are the durable records
	// appended since snapshot serial; curComplete is cleared when a change
	// reached memory but not the journal.
	prevRecs    []Record
	prevHeld    *JournalContents // holds prevRecs undecoded when set
	prevValid   bool
	curRecs     []Record
	curComplete bool
	queue       []*commitReq
	committing  bool
	persisting  bool
	dirty       bool
	closed      bool
	flushErr    error
	warnings    []string
	// pendingEpoch is, for each operation in flight when the state was
	// loaded, the latest snapshot serial before its intent was recorded: a
	// state of this lineage with a greater serial was made by a run that
	// knew of the intent (Push).
	pendingEpoch map[string]uint64

	stopFlush chan struct{}
	stopOnce  sync.Once
	flushDone chan struct{}
}

type commitReq struct {
	rec  Record
	done chan error
}

// Open takes the lock of the state in b (unless opts.ReadOnly), reads the
// snapshot and replays the journal. A damaged snapshot is replaced by its
// backup when the journal can bring that up to date; otherwise Open fails
// and changes nothing. Operations that were in flight when a previous run
// died are listed by InFlight.
func Open(ctx context.Context, b Backend, opts OpenOptions) (*Manager, error) {
	m := &Manager{b: b, opts: opts, readOnly: opts.ReadOnly, curComplete: true}
	m.cond = sync.NewCond(&m.mu)
	if !opts.ReadOnly {
		info := LockInfo{
			ID:        NewLockID(),
			Operation: opts.Operation,
			Who:       opts.Who,
			Version:   opts.Version,
			Created:   time.Now().UTC().Truncate(time.Second),
			PID:       os.Getpid(),
		}
		if info.Who == "" {
			info.Who = currentWho()
		}
		unlock, err := lockWithTimeout(ctx, m.timed(), info, opts.LockTimeout)
		if err != nil {
			return nil, err
		}
		m.unlock = unlock
		m.lockID = info.ID
	}
	mustPersist, err := m.load(ctx)
	if err == nil && mustPersist && !m.readOnly {
		err = m.Persist(ctx)
	}
	if err != nil {
		if m.unlock != nil {
			_ = m.unlock(context.WithoutCancel(ctx))
		}
		return nil, err
	}
	interval := opts.FlushInterval
	if interval == 0 {
		interval = DefaultFlushInterval
	}
	if !m.readOnly && interval > 0 {
		m.stopFlush = make(chan struct{})
		m.flushDone = make(chan struct{})
		go m.flushLoop(interval)
	}
	return m, nil
}

func currentWho() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, _ := os.Hostname()
	return name + "@" + host
}

func lockWithTimeout(ctx context.Context, b Locker, info LockInfo, timeout time.Duration) (func(context.Context) error, error) {
	deadline := time.Now().Add(timeout)
	delay := 50 * time.Millisecond
	for {
		unlock, err := b.Lock(ctx, info)
		var le *LockedError
		if err == nil || !errors.As(err, &le) || timeout <= 0 || !time.Now().Before(deadline) {
			return unlock, err
		}
		wait := min(delay, time.Until(deadline))
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (stopped waiting: %v)", err, ctx.Err())
		case <-time.After(wait):
		}
		delay = min(2*delay, time.Second)
	}
}

// load reads the snapshot and journal and replays. It reports whether the
// result must be persisted at once (records were replayed, or the snapshot
// was recovered from its backup).
func (m *Manager) load(ctx context.Context) (bool, error) {
	for attempt := 0; ; attempt++ {
		mustPersist, err := m.loadOnce(ctx)
		var stale *staleReadError
		if errors.As(err, &stale) && m.readOnly && attempt < 3 {
			// Without the lock a writer may have moved on between our two
			// reads; read again.
			continue
		}
		return mustPersist, err
	}
}

type staleReadError struct{ err error }

func (e *staleReadError) Error() string { return e.err.Error() }
func (e *staleReadError) Unwrap() error { return e.err }

func (m *Manager) loadOnce(ctx context.Context) (bool, error) {
	m.warnings = nil
	var st *State
	serr := m.call(ctx, "reading the state snapshot", func(ctx context.Context) (err error) {
		st, err = m.b.ReadSnapshot(ctx)
		return err
	})
	var jc *JournalContents
	// With a sound snapshot and nothing in flight, the records below its
	// serial are not replayed: they are decoded only if this run writes
	// (they are carried into its journal; journalStartLocked).
	above, _ := m.b.(JournalAboveReader)
	var floor uint64
	if above != nil && serr == nil && st != nil && len(st.Pending) == 0 {
		floor = st.Serial
	}
	err := m.call(ctx, "reading the state journal", func(ctx context.Context) (err error) {
		if floor > 0 {
			jc, err = above.ReadJournalAbove(ctx, floor)
		} else {
			jc, err = m.b.ReadJournal(ctx)
		}
		return err
	})
	if err != nil {
		return false, fmt.Errorf("reading the state journal: %w", err)
	}
	if jc != nil && len(jc.Skipped) > 0 {
		m.warn("the state journal has damaged records at lines %v; they were skipped", jc.Skipped)
	}
	recovered := false
	m.found = st != nil || jc != nil || serr != nil
	switch {
	case serr != nil:
		var ce *CorruptError
		if !errors.As(serr, &ce) {
			return false, serr
		}
		if st, err = m.recoverFromBackup(ctx, serr, jc); err != nil {
			return false, err
		}
		recovered = true
		m.hasSnapshot = true
	case st == nil && jc != nil && jc.Header.BaseSerial > 0:
		return false, fmt.Errorf("there is no state snapshot, but the state journal applies to serial %d of lineage %s: the snapshot was deleted or moved; restore it (or its backup) before running indigo again",
			jc.Header.BaseSerial, jc.Header.Lineage)
	case st == nil && jc != nil:
		// A first run that died before its first snapshot.
		st = newWithLineage(jc.Header.Lineage)
	case st == nil:
		st = New()
	default:
		m.hasSnapshot = true
	}
	st.init()
	replayed := 0
	m.prevRecs, m.prevHeld, m.prevValid, m.curRecs = nil, nil, false, nil
	if jc != nil {
		if jc.Header.Lineage != st.Lineage {
			if n := len(jc.Records) + jc.Held(); n > 0 {
				// Its records may be the only trace of objects that
				// exist (an intent without a result): ignoring it, then
				// replacing it with a journal of our own, would lose
				// them.
				return false, &LineageMismatchError{JournalLineage: jc.Header.Lineage, StateLineage: st.Lineage, Records: n}
			}
		} else {
			n, problems, err := st.Replay(jc)
			if err != nil {
				return false, &staleReadError{fmt.Errorf("the state journal cannot be applied to the state snapshot (serial %d): %w; the snapshot may have been replaced by an older copy", st.Serial, err)}
			}
			for _, p := range problems {
				m.warn("a journaled change could not be replayed: %v", p)
			}
			replayed = n
			for _, r := range jc.Records {
				switch {
				case r.Epoch >= st.Serial:
					m.curRecs = append(m.curRecs, r)
				case st.Serial > 0 && r.Epoch == st.Serial-1:
					m.prevRecs = append(m.prevRecs, r)
				}
			}
			if jc.Held() > 0 {
				m.prevHeld = jc
			}
			m.prevValid = st.Serial > 0 && jc.covers(st.Lineage, st.Serial-1)
			if jc.Torn {
				m.warn("the last state journal record was incomplete (a run was interrupted while writing it) and was ignored")
			}
		}
	}
	if replayed > 0 {
		m.warn("replayed %d journaled changes left by an interrupted run", replayed)
	}
	if len(st.Pending) > 0 {
		m.warn("%d provider operations were in flight when a previous run stopped; they must be reconciled", len(st.Pending))
	}
	m.pendingEpoch = map[string]uint64{}
	for id := range st.Pending {
		if st.Serial > 0 {
			m.pendingEpoch[id] = st.Serial - 1
		}
	}
	if jc != nil && jc.Header.Lineage == st.Lineage {
		for _, r := range jc.Records {
			if r.Kind == RecordIntent && r.Intent != nil && st.Pending[r.Intent.ID] != nil {
				m.pendingEpoch[r.Intent.ID] = r.Epoch
			}
		}
	}
	m.st = st
	m.dirty = replayed > 0 || recovered
	return m.dirty, nil
}

func (m *Manager) recoverFromBackup(ctx context.Context, serr error, jc *JournalContents) (*State, error) {
	br, ok := m.b.(BackupReader)
	if !ok {
		return nil, fmt.Errorf("%w; this backend keeps no backup to recover from", serr)
	}
	bk, err := br.ReadBackup(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w; its backup cannot be used either: %v", serr, err)
	}
	if bk == nil {
		return nil, fmt.Errorf("%w; there is no backup to recover from", serr)
	}
	if !jc.covers(bk.Lineage, bk.Serial) {
		start := "there is no journal"
		if jc != nil {
			start = fmt.Sprintf("the journal starts at serial %d of lineage %s", jc.Header.BaseSerial, jc.Header.Lineage)
		}
		return nil, fmt.Errorf("%w; its backup (serial %d) cannot be brought up to date because %s. Nothing was changed: inspect the backup and, if it is right, adopt it with `indigo state push -force`",
			serr, bk.Serial, start)
	}
	m.warn("%v; recovered from the backup (serial %d) and the journal", serr, bk.Serial)
	return bk, nil
}

func (m *Manager) warn(format string, args ...any) {
	m.warnings = append(m.warnings, fmt.Sprintf(format, args...))
}

// Warnings returns what Open had to recover from (a damaged snapshot, a torn
// journal record, interrupted operations), for the user to see.
func (m *Manager) Warnings() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.warnings...)
}

// State returns a copy of the current state, for planning.
func (m *Manager) State() *State {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.st.DeepCopy()
}

// Found reports whether the backend held a state (a snapshot or a
// journal) when Open read it, rather than nothing at all.
func (m *Manager) Found() bool { return m.found }

// Serial returns the serial of the latest snapshot.
func (m *Manager) Serial() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.st.Serial
}

// Lineage returns the state's lineage.
func (m *Manager) Lineage() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.st.Lineage
}

// InFlight returns the provider operations whose intent is recorded but whose
// result is not, sorted by address. After a crash these must be reconciled
// with the provider (read the object, or find it by its planned identity)
// and closed with Result.
func (m *Manager) InFlight() []Intent {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.st.InFlight()
}

// Intent records that a provider operation is about to start. It returns
// once the intent is durable; call the provider only after it returned nil.
// An empty in.ID is filled with a new one, which is returned.
func (m *Manager) Intent(ctx context.Context, in Intent) (string, error) {
	switch in.Op {
	case OpCreate, OpUpdate, OpDelete:
	default:
		return "", fmt.Errorf("recording intent for %s: unknown op %q", in.Addr, in.Op)
	}
	if in.ID == "" {
		in.ID = NewIntentID()
	}
	if in.Started.IsZero() {
		in.Started = time.Now().UTC()
	}
	in = in.DeepCopy()
	added := false
	err := m.record(ctx, func(st *State) (Record, bool, error) {
		if _, dup := st.Pending[in.ID]; dup {
			return Record{}, false, fmt.Errorf("recording intent for %s: intent %s is already in flight", in.Addr, in.ID)
		}
		p := in
		st.Pending[in.ID] = &p
		added = true
		return Record{Kind: RecordIntent, Intent: &in}, true, nil
	})
	if err != nil && added {
		// The intent never became durable, so its operation does not
		// start: it must not stay in flight in memory (nor in a recovery
		// file made from it).
		m.mu.Lock()
		delete(m.st.Pending, in.ID)
		m.mu.Unlock()
	}
	return in.ID, err
}

// Result records the outcome of an intent's operation and applies it to the
// state: r.Object becomes the object at the intent's address (nil removes
// it). It returns once the result is durable.
func (m *Manager) Result(ctx context.Context, r Result) error {
	obj := r.Object.DeepCopy()
	return m.record(ctx, func(st *State) (Record, bool, error) {
		in := st.Pending[r.IntentID]
		if in == nil {
			return Record{}, false, fmt.Errorf("recording a result: no intent %s is in flight", r.IntentID)
		}
		delete(st.Pending, r.IntentID)
		st.setObject(in.Addr, in.Deposed, in.Provider, obj)
		return Record{Kind: RecordResult, IntentID: in.ID, Addr: in.Addr, Deposed: in.Deposed, Provider: in.Provider, Object: obj}, true, nil
	})
}

// SetObject records obj at addr without a provider operation (a refresh, an
// import, a data source read); deposed selects a deposed object, "" the
// current one; nil removes. Setting what is already recorded changes
// nothing.
func (m *Manager) SetObject(ctx context.Context, addr config.InstanceAddr, deposed string, provider config.ProviderConfigAddr, obj *Object) error {
	obj = obj.DeepCopy()
	return m.record(ctx, func(st *State) (Record, bool, error) {
		var cur *Object
		if inst := st.Instance(addr); inst != nil {
			cur = inst.Current
			if deposed != "" {
				cur = inst.Deposed[deposed]
			}
		}
		r := st.Resources[addr.ContainingResource()]
		if cur.Equal(obj) && (obj == nil || r.Provider == provider) {
			return Record{}, false, nil
		}
		st.setObject(addr, deposed, provider, obj)
		return Record{Kind: RecordSet, Addr: addr, Deposed: deposed, Provider: provider, Object: obj}, true, nil
	})
}

// RemoveInstance forgets the instance at addr, current and deposed objects
// alike (`indigo state rm`).
func (m *Manager) RemoveInstance(ctx context.Context, addr config.InstanceAddr) error {
	return m.record(ctx, func(st *State) (Record, bool, error) {
		if st.Instance(addr) == nil {
			return Record{}, false, nil
		}
		st.RemoveResourceInstance(addr)
		return Record{Kind: RecordSet, Addr: addr, Whole: true}, true, nil
	})
}

// Depose moves the current object at addr to a new deposed key, which it
// returns, before a create_before_destroy replacement creates the new one.
func (m *Manager) Depose(ctx context.Context, addr config.InstanceAddr) (string, error) {
	key := NewDeposedKey()
	err := m.record(ctx, func(st *State) (Record, bool, error) {
		if !st.Depose(addr, key) {
			return Record{}, false, fmt.Errorf("deposing %s: it has no current object", addr)
		}
		return Record{Kind: RecordDepose, Addr: addr, Deposed: key}, true, nil
	})
	return key, err
}

// Move moves the instance at from to to (a moved block, `indigo state mv`).
func (m *Manager) Move(ctx context.Context, from, to config.InstanceAddr) error {
	return m.record(ctx, func(st *State) (Record, bool, error) {
		if err := st.Move(from, to); err != nil {
			return Record{}, false, err
		}
		return Record{Kind: RecordMove, Addr: from, To: to}, true, nil
	})
}

// MoveReplacing moves the instance from to to, which is of another
// resource type, and records there obj, the object converted to that type
// by its provider (MoveResourceState), with provider: one journal record,
// so a crash leaves either the old object at from or the new one at to.
func (m *Manager) MoveReplacing(ctx context.Context, from, to config.InstanceAddr, provider config.ProviderConfigAddr, obj *Object) error {
	obj = obj.DeepCopy()
	return m.record(ctx, func(st *State) (Record, bool, error) {
		if err := st.Move(from, to); err != nil {
			return Record{}, false, err
		}
		st.setObject(to, "", provider, obj.DeepCopy())
		return Record{Kind: RecordMove, Addr: from, To: to, Provider: provider, Object: obj}, true, nil
	})
}

// MoveResource moves every instance of the resource from to to.
func (m *Manager) MoveResource(ctx context.Context, from, to config.AbsResource) error {
	return m.record(ctx, func(st *State) (Record, bool, error) {
		if err := st.MoveResource(from, to); err != nil {
			return Record{}, false, err
		}
		return Record{Kind: RecordMove, Addr: from.Instance(config.NoKey), To: to.Instance(config.NoKey), Whole: true}, true, nil
	})
}

// SetOutput records a root output value; nil removes it.
func (m *Manager) SetOutput(ctx context.Context, name string, o *Output) error {
	o = o.DeepCopy()
	return m.record(ctx, func(st *State) (Record, bool, error) {
		if st.Outputs[name].Equal(o) {
			return Record{}, false, nil
		}
		st.SetOutput(name, o)
		return Record{Kind: RecordOutput, Name: name, Output: o}, true, nil
	})
}

// SetPlacement records where a placed component went; nil removes it.
func (m *Manager) SetPlacement(ctx context.Context, addr config.ObjectAddr, p *Placement) error {
	p = p.DeepCopy()
	return m.record(ctx, func(st *State) (Record, bool, error) {
		if st.Placements[addr].Equal(p) {
			return Record{}, false, nil
		}
		st.SetPlacement(addr, p)
		return Record{Kind: RecordPlacement, Target: addr, Place: p}, true, nil
	})
}

// record applies a change to memory and journals it. mutate validates and
// applies the change and returns its record (or false when there is nothing
// to record). The change is in memory before it is durable, so a snapshot
// taken meanwhile may contain it: never less than what was acknowledged.
func (m *Manager) record(ctx context.Context, mutate func(*State) (Record, bool, error)) error {
	m.mu.Lock()
	if m.readOnly {
		m.mu.Unlock()
		return ErrReadOnly
	}
	for m.persisting {
		m.cond.Wait()
	}
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	rec, ok, err := mutate(m.st)
	if err != nil || !ok {
		m.mu.Unlock()
		return err
	}
	rec.Epoch = m.st.Serial
	m.dirty = true
	req := &commitReq{rec: rec, done: make(chan error, 1)}
	m.queue = append(m.queue, req)
	lead := !m.committing
	m.committing = true
	m.mu.Unlock()
	if lead {
		m.commit(context.WithoutCancel(ctx))
	}
	return <-req.done
}

// commit writes queued records to the journal until the queue is empty.
// Only one goroutine commits at a time; the others' records ride along in
// its batches (group commit).
func (m *Manager) commit(ctx context.Context) {
	for {
		m.mu.Lock()
		batch := m.queue
		m.queue = nil
		if len(batch) == 0 {
			m.committing = false
			m.cond.Broadcast()
			m.mu.Unlock()
			return
		}
		j := m.journal
		var hdr JournalHeader
		var carry []Record
		if j == nil {
			hdr, carry = m.journalStartLocked()
		}
		m.mu.Unlock()

		recs := make([]Record, len(batch))
		for i, r := range batch {
			recs[i] = r.rec
		}
		var err error
		if j == nil {
			err = m.call(ctx, "starting the state journal", func(ctx context.Context) (err error) {
				j, err = m.b.OpenJournal(ctx, hdr, carry)
				return err
			})
			if err != nil {
				err = fmt.Errorf("starting the state journal: %w", err)
			}
		}
		if err == nil {
			if err = m.call(ctx, "appending to the state journal", func(ctx context.Context) error { return j.Append(ctx, recs) }); err != nil {
				err = fmt.Errorf("appending to the state journal: %w", err)
			}
		}

		m.mu.Lock()
		if err == nil {
			m.journal = j
			m.curRecs = append(m.curRecs, recs...)
		} else {
			// The journal may end with a partial write now: start a new
			// one on the next append. These changes are in memory only.
			if j != nil {
				_ = j.Close()
			}
			m.journal = nil
			m.curComplete = false
		}
		m.mu.Unlock()
		for _, r := range batch {
			r.done <- err
		}
	}
}

// journalStartLocked returns the header and records of a new journal for the
// current snapshot: it starts one serial back when the records that built
// the snapshot are known, so the backup can be brought up to date too.
func (m *Manager) journalStartLocked() (JournalHeader, []Record) {
	if m.prevHeld != nil {
		recs, err := m.prevHeld.DecodeHeld(m.st.Serial - 1)
		m.prevHeld = nil
		if err != nil {
			// This snapshot stays sound; its backup can no longer be
			// brought up to date from the journal.
			m.warn("the records that built state snapshot %d cannot be carried into the new journal: %v", m.st.Serial, err)
			m.prevValid = false
		} else {
			m.prevRecs = append(recs, m.prevRecs...)
		}
	}
	h := JournalHeader{Lineage: m.st.Lineage, BaseSerial: m.st.Serial}
	carry := make([]Record, 0, len(m.prevRecs)+len(m.curRecs))
	if m.prevValid && m.st.Serial > 0 {
		h.BaseSerial = m.st.Serial - 1
		carry = append(carry, m.prevRecs...)
	}
	return h, append(carry, m.curRecs...)
}

// Persist writes a snapshot of the current state now (serial+1). The
// journal is restarted on the next change. It does nothing when nothing
// changed since the last snapshot.
func (m *Manager) Persist(ctx context.Context) error {
	m.mu.Lock()
	if m.readOnly {
		m.mu.Unlock()
		return ErrReadOnly
	}
	for m.committing || m.persisting {
		m.cond.Wait()
	}
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	if !m.dirty {
		m.mu.Unlock()
		return nil
	}
	m.persisting = true
	// Appenders wait while persisting, so m.st does not change until the
	// write is over and can be encoded without a copy.
	snap := *m.st
	snap.Serial++
	snap.IndigoVersion = m.opts.Version
	m.mu.Unlock()

	err := m.call(ctx, "writing the state snapshot", func(ctx context.Context) error { return m.b.WriteSnapshot(ctx, &snap) })

	m.mu.Lock()
	defer func() {
		m.persisting = false
		m.cond.Broadcast()
		m.mu.Unlock()
	}()
	if err != nil {
		return fmt.Errorf("writing the state snapshot: %w", err)
	}
	m.st.Serial = snap.Serial
	m.st.IndigoVersion = snap.IndigoVersion
	m.hasSnapshot = true
	m.prevRecs, m.prevHeld = relabel(m.curRecs, snap.Serial-1), nil
	m.prevValid = m.curComplete
	m.curRecs = nil
	m.curComplete = true
	if m.journal != nil {
		_ = m.journal.Close()
		m.journal = nil
	}
	m.dirty = false
	return nil
}

// relabel gives records that built snapshot serial+1 from serial the epoch
// serial: replaying them onto serial+1 or later must skip them.
func relabel(recs []Record, epoch uint64) []Record {
	out := make([]Record, len(recs))
	for i, r := range recs {
		r.Epoch = epoch
		out[i] = r
	}
	return out
}

// Push replaces the state by s (`indigo state push`) and writes it at once.
// A state of another lineage, an older serial of the same lineage, or a
// replacement while operations are in flight is refused unless force is
// set. A workspace that has a snapshot keeps its lineage; an empty one
// adopts s's.
func (m *Manager) Push(ctx context.Context, s *State, force bool) error {
	m.mu.Lock()
	if m.readOnly {
		m.mu.Unlock()
		return ErrReadOnly
	}
	for m.committing || m.persisting {
		m.cond.Wait()
	}
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	cur := m.st
	next := s.DeepCopy()
	next.init()
	var refuse error
	switch {
	case m.hasSnapshot && next.Lineage != cur.Lineage && !force:
		refuse = fmt.Errorf("refusing to replace the state: it has lineage %s, the pushed state %s (different infrastructure); force to replace it anyway", cur.Lineage, next.Lineage)
	case m.hasSnapshot && next.Lineage == cur.Lineage && next.Serial < cur.Serial && !force:
		refuse = fmt.Errorf("refusing to replace the state: the pushed state has serial %d, older than the current serial %d; force to replace it anyway", next.Serial, cur.Serial)
	case !force && m.unknownPending(next) > 0:
		refuse = fmt.Errorf("refusing to replace the state: %d provider operations are in flight and the pushed state (serial %d) is older than them, so it cannot know their outcome; run apply to reconcile them first, or force", m.unknownPending(next), next.Serial)
	}
	if refuse != nil {
		m.mu.Unlock()
		return refuse
	}
	if m.hasSnapshot {
		next.Lineage = cur.Lineage
	}
	next.Serial = max(cur.Serial, next.Serial) + 1
	next.IndigoVersion = m.opts.Version
	m.persisting = true
	m.mu.Unlock()

	err := m.call(ctx, "writing the pushed state", func(ctx context.Context) error { return m.b.WriteSnapshot(ctx, next) })

	m.mu.Lock()
	defer func() {
		m.persisting = false
		m.cond.Broadcast()
		m.mu.Unlock()
	}()
	if err != nil {
		return fmt.Errorf("writing the pushed state: %w", err)
	}
	if next.Lineage != cur.Lineage {
		// An empty workspace adopted another lineage: its journal (of a
		// first run that wrote no snapshot) no longer applies.
		if j, jerr := m.b.OpenJournal(ctx, JournalHeader{Lineage: next.Lineage, BaseSerial: next.Serial}, nil); jerr == nil {
			_ = j.Close()
		}
	}
	m.st = next
	m.hasSnapshot = true
	m.pendingEpoch = nil
	m.prevRecs, m.prevHeld, m.prevValid, m.curRecs, m.curComplete = nil, nil, false, nil, true
	if m.journal != nil {
		_ = m.journal.Close()
		m.journal = nil
	}
	m.dirty = false
	return nil
}

func (m *Manager) flushLoop(interval time.Duration) {
	defer close(m.flushDone)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-m.stopFlush:
			return
		case <-t.C:
			if err := m.Persist(context.Background()); err != nil && !errors.Is(err, ErrClosed) {
				m.mu.Lock()
				m.flushErr = err
				m.mu.Unlock()
			}
		}
	}
}

// Abandon releases the lock without writing a snapshot, as a crash would
// (a run stopping at once on a second interrupt). Every acknowledged change
// is in the journal and the next Open replays it.
func (m *Manager) Abandon(ctx context.Context) error {
	if !m.stopFlushing() {
		return nil
	}
	return m.finish(ctx, nil)
}

// Close writes a final snapshot if the state changed, closes the journal and
// releases the lock. A snapshot that cannot be written loses nothing (the
// journal holds every change) and is reported.
func (m *Manager) Close(ctx context.Context) error {
	if !m.stopFlushing() {
		return nil
	}
	var errs []error
	if !m.readOnly {
		if err := m.Persist(ctx); err != nil {
			errs = append(errs, err)
			m.mu.Lock()
			if m.flushErr != nil {
				errs = append(errs, fmt.Errorf("an earlier periodic snapshot also failed: %w", m.flushErr))
			}
			m.mu.Unlock()
		}
	}
	return m.finish(ctx, errs)
}

// stopFlushing stops the periodic snapshots; it reports false when the
// manager is already closed.
func (m *Manager) stopFlushing() bool {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return false
	}
	m.mu.Unlock()
	if m.stopFlush != nil {
		m.stopOnce.Do(func() { close(m.stopFlush) })
		<-m.flushDone
	}
	return true
}

// finish waits for writes in progress, closes the journal and releases the
// lock.
func (m *Manager) finish(ctx context.Context, errs []error) error {
	m.mu.Lock()
	for m.committing || m.persisting {
		m.cond.Wait()
	}
	if m.closed {
		m.mu.Unlock()
		return errors.Join(errs...)
	}
	m.closed = true
	if m.journal != nil {
		if err := m.journal.Close(); err != nil {
			errs = append(errs, fmt.Errorf("closing the state journal: %w", err))
		}
		m.journal = nil
	}
	m.mu.Unlock()
	if m.unlock != nil {
		if err := m.call(context.WithoutCancel(ctx), "releasing the state lock", m.unlock); err != nil {
			errs = append(errs, fmt.Errorf("%w (lock ID %s): %w", ErrLockNotReleased, m.lockID, err))
		}
	}
	return errors.Join(errs...)
}

// unknownPending counts the operations in flight in the current state that
// a pushed state next cannot account for: next is of another lineage, or
// older than the intent. A state of the same lineage with a greater serial
// than the snapshot an intent was recorded against was made by a run that
// had the intent (a recovery file of the run that recorded it): it holds
// the intent, or its outcome.
func (m *Manager) unknownPending(next *State) int {
	n := 0
	for id := range m.st.Pending {
		if _, still := next.Pending[id]; still {
			continue
		}
		epoch, known := m.pendingEpoch[id]
		if !known || next.Lineage != m.st.Lineage || next.Serial <= epoch {
			n++
		}
	}
	return n
}

// call runs one backend call under OpenOptions.BackendTimeout and says so
// when the backend, not the caller, ran out of time.
func (m *Manager) call(ctx context.Context, what string, fn func(context.Context) error) error {
	d := m.opts.BackendTimeout
	if d <= 0 {
		return fn(ctx)
	}
	cctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	err := fn(cctx)
	if err != nil && ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded) {
		return &BackendTimeoutError{What: what, After: d, Err: err}
	}
	return err
}

// timed returns the backend's Locker with its calls under BackendTimeout.
func (m *Manager) timed() Locker { return timedLocker{m} }

type timedLocker struct{ m *Manager }

func (t timedLocker) Lock(ctx context.Context, info LockInfo) (unlock func(context.Context) error, err error) {
	err = t.m.call(ctx, "taking the state lock", func(ctx context.Context) (err error) {
		unlock, err = t.m.b.Lock(ctx, info)
		return err
	})
	return unlock, err
}

func (t timedLocker) ForceUnlock(ctx context.Context, id string) error {
	return t.m.call(ctx, "breaking the state lock", func(ctx context.Context) error { return t.m.b.ForceUnlock(ctx, id) })
}

// BackendTimeoutError is a backend call that did not finish within
// OpenOptions.BackendTimeout.
type BackendTimeoutError struct {
	What  string
	After time.Duration
	Err   error
}

func (e *BackendTimeoutError) Error() string {
	return fmt.Sprintf("the state backend did not answer within %s while %s (%v); INDIGO_BACKEND_TIMEOUT sets the limit", e.After, e.What, e.Err)
}

func (e *BackendTimeoutError) Unwrap() error { return e.Err }

// Recovery returns what the run knows, for a recovery file when the state
// cannot be written: the state in memory, with the serial the next
// snapshot would have had, so that `indigo state push` of it is accepted
// over the last snapshot that was written, and of no other lineage.
func (m *Manager) Recovery() *State {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.st.DeepCopy()
	s.Serial++
	s.IndigoVersion = m.opts.Version
	return s
}

// LockID returns the ID of the lock the manager holds ("" when read-only).
func (m *Manager) LockID() string { return m.lockID }

// Unsaved reports whether the state in memory holds changes that no
// snapshot has (the last Persist or Close failed, or none ran yet).
func (m *Manager) Unsaved() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.dirty
}

// LineageMismatchError is returned by Open when the journal holds records of
// another lineage than the snapshot: a snapshot copied or restored from
// another workspace, or a journal that was. Nothing is changed.
type LineageMismatchError struct {
	JournalLineage, StateLineage string
	Records                      int
}

func (e *LineageMismatchError) Error() string {
	return fmt.Sprintf("the state journal belongs to lineage %s, not to the state snapshot's lineage %s (a snapshot or a journal copied from another workspace?). "+
		"Nothing was changed. Restore the snapshot this journal belongs to; or, if the snapshot is the right one, move the journal aside (its %d records may be the only record of objects of the other state)",
		e.JournalLineage, e.StateLineage, e.Records)
}
