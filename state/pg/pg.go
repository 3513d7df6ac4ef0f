// Package pg is the PostgreSQL state backend, for teams: several people (or
// several `indigo serve` replicas) share workspaces stored in one database.
//
// Each workspace (a name; "default" unless configured) has one row of
// indigo_snapshots (the snapshot and the previous one as its backup, both in
// the documented JSON format with its checksum), a head row in
// indigo_journal_heads and one indigo_journal row per journal record. Tables
// are created on first use, in Schema when one is configured.
//
// Locking uses a session-level advisory lock, taken on a connection opened
// for that purpose and held for the run: PostgreSQL releases it when the
// session ends, so a run that dies (or whose machine dies) never leaves a
// lock behind once its connection is gone. The holder's details are kept in
// indigo_locks for the message a second run prints. ForceUnlock terminates
// the holder's session (pg_terminate_backend), which needs the right to
// signal it (the same role, or pg_signal_backend).
//
// Snapshot writes are compare-and-swap in one transaction (the row is
// locked FOR UPDATE, the lineage and serial checked, then replaced). Journal
// appends are transactions: committed rows are durable, there are no torn
// records. A journal replaced by another run (its generation changed)
// refuses further appends.
//
// This package does not pool connections: the Manager serialises its
// snapshot and journal calls, so one connection per backend suffices.
package pg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/encrypt"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Config configures the backend.
type Config struct {
	// ConnString is a PostgreSQL connection string (URL or key=value).
	ConnString string
	// Workspace names the state within the database; "default" when empty.
	Workspace string
	// Schema, when set, holds indigo's tables (created if missing);
	// otherwise they go to the connection's search_path.
	Schema string
}

// lockNamespace is the first key of indigo's advisory locks (the second is
// the workspace's id), so they do not collide with other applications'.
const lockNamespace int32 = 0x696e6469 // "indi"

// Backend is a PostgreSQL state backend for one workspace.
type Backend struct {
	cfg   Config
	where string

	enc *encrypt.Target

	mu   sync.Mutex // guards conn and wsID
	conn *pgx.Conn
	wsID int32
}

var (
	_ state.Backend      = (*Backend)(nil)
	_ state.BackupReader = (*Backend)(nil)
)

// SetEncryption makes the backend seal snapshots and journal records with
// t, and open them with it (nil: in clear).
func (b *Backend) SetEncryption(t *encrypt.Target) { b.enc = t }

// New connects to the database, creates indigo's tables when missing and
// registers the workspace.
func New(ctx context.Context, cfg Config) (*Backend, error) {
	if cfg.Workspace == "" {
		cfg.Workspace = "default"
	}
	if _, err := pgx.ParseConfig(cfg.ConnString); err != nil {
		return nil, fmt.Errorf("pg backend: %w", err)
	}
	b := &Backend{cfg: cfg, where: fmt.Sprintf("workspace %q in PostgreSQL", cfg.Workspace)}
	if err := b.withConn(ctx, b.setup); err != nil {
		b.Close(ctx)
		return nil, err
	}
	return b, nil
}

// Close closes the backend's connection. Locks are released by their own
// unlock functions.
func (b *Backend) Close(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.conn == nil {
		return nil
	}
	err := b.conn.Close(ctx)
	b.conn = nil
	return err
}

// Workspace returns the workspace name.
func (b *Backend) Workspace() string { return b.cfg.Workspace }

// table returns the quoted name of one of indigo's tables.
func (b *Backend) table(name string) string {
	if b.cfg.Schema == "" {
		return pgx.Identifier{name}.Sanitize()
	}
	return pgx.Identifier{b.cfg.Schema, name}.Sanitize()
}

// sql replaces {name} by the quoted table name.
func (b *Backend) sql(q string) string {
	for _, t := range []string{"indigo_workspaces", "indigo_snapshots", "indigo_journal_heads", "indigo_journal", "indigo_locks"} {
		q = strings.ReplaceAll(q, "{"+t+"}", b.table(t))
	}
	return q
}

// connect opens a connection named after this process (application_name
// "indigo pid PID"), so that force-unlock can end every session of a holder
// that hangs, with synchronous commits, and with
// idle_in_transaction_session_timeout set: indigo
// never waits inside a transaction, so a client that stops there (frozen,
// cut off) has its transaction rolled back and its row locks freed by the
// server instead of blocking every other run.
func (b *Backend) connect(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(b.cfg.ConnString)
	if err != nil {
		return nil, err
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["application_name"] = appName
	// A journal record must be durable when its commit returns: a server
	// tuned with synchronous_commit=off acknowledges commits it can still
	// lose if it crashes, which would lose an intent whose operation ran.
	cfg.RuntimeParams["synchronous_commit"] = "on"
	if _, set := cfg.RuntimeParams["idle_in_transaction_session_timeout"]; !set {
		cfg.RuntimeParams["idle_in_transaction_session_timeout"] = "30s"
	}
	return pgx.ConnectConfig(ctx, cfg)
}

// appName is the application_name of this process's sessions.
var appName = fmt.Sprintf("indigo pid %d", os.Getpid())

// withConn runs fn with the backend's connection, reconnecting when it was
// closed or broken.
func (b *Backend) withConn(ctx context.Context, fn func(context.Context, *pgx.Conn) error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.conn == nil || b.conn.IsClosed() {
		c, err := b.connect(ctx)
		if err != nil {
			return fmt.Errorf("connecting to PostgreSQL for %s: %w", b.where, err)
		}
		b.conn = c
	}
	err := fn(ctx, b.conn)
	if err != nil && sessionEnded(err) && ctx.Err() == nil {
		// The server ended the session before it ran anything we sent
		// (pg_terminate_backend, a restart) or the connection broke
		// before the request left: nothing was applied, and an open
		// transaction was rolled back. Once more on a new connection.
		_ = b.conn.Close(context.WithoutCancel(ctx))
		b.conn = nil
		c, cerr := b.connect(ctx)
		if cerr != nil {
			return fmt.Errorf("%w (reconnecting to PostgreSQL for %s: %v)", err, b.where, cerr)
		}
		b.conn = c
		err = fn(ctx, b.conn)
	}
	if err != nil && (b.conn.PgConn().IsBusy() || b.conn.IsClosed()) {
		// A cancelled query can leave the connection unusable: start over.
		_ = b.conn.Close(context.WithoutCancel(ctx))
		b.conn = nil
	}
	return err
}

// sessionEnded reports whether err says that the server ended the session
// (admin_shutdown, crash_shutdown) or that the request was never sent,
// both of which leave nothing applied.
func sessionEnded(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == "57P01" || pe.Code == "57P02") {
		return true
	}
	return pgconn.SafeToRetry(err)
}

func (b *Backend) setup(ctx context.Context, c *pgx.Conn) error {
	tx, err := c.Begin(ctx)
	if err != nil {
		return fmt.Errorf("creating the state tables: %w", err)
	}
	defer tx.Rollback(ctx)
	// Concurrent CREATE ... IF NOT EXISTS can still collide; serialise.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, 0)`, lockNamespace); err != nil {
		return fmt.Errorf("creating the state tables: %w", err)
	}
	stmts := []string{
		`CREATE TABLE IF NOT EXISTS {indigo_workspaces} (
			id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			name text NOT NULL UNIQUE)`,
		`CREATE TABLE IF NOT EXISTS {indigo_snapshots} (
			workspace integer PRIMARY KEY REFERENCES {indigo_workspaces} (id),
			lineage text NOT NULL,
			serial bigint NOT NULL,
			data bytea NOT NULL,
			backup_serial bigint,
			backup_data bytea,
			written_at timestamptz NOT NULL DEFAULT now())`,
		`CREATE TABLE IF NOT EXISTS {indigo_journal_heads} (
			workspace integer PRIMARY KEY REFERENCES {indigo_workspaces} (id),
			lineage text NOT NULL,
			base_serial bigint NOT NULL,
			generation bigint NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS {indigo_journal} (
			workspace integer NOT NULL REFERENCES {indigo_workspaces} (id),
			seq bigint NOT NULL,
			epoch bigint NOT NULL,
			record bytea NOT NULL,
			PRIMARY KEY (workspace, seq))`,
		`CREATE TABLE IF NOT EXISTS {indigo_locks} (
			workspace integer PRIMARY KEY REFERENCES {indigo_workspaces} (id),
			id text NOT NULL,
			info jsonb NOT NULL,
			backend_pid integer NOT NULL)`,
	}
	if b.cfg.Schema != "" {
		stmts = append([]string{`CREATE SCHEMA IF NOT EXISTS ` + pgx.Identifier{b.cfg.Schema}.Sanitize()}, stmts...)
	}
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, b.sql(s)); err != nil {
			return fmt.Errorf("creating the state tables: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, b.sql(`INSERT INTO {indigo_workspaces} (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`), b.cfg.Workspace); err != nil {
		return fmt.Errorf("registering %s: %w", b.where, err)
	}
	if err := tx.QueryRow(ctx, b.sql(`SELECT id FROM {indigo_workspaces} WHERE name = $1`), b.cfg.Workspace).Scan(&b.wsID); err != nil {
		return fmt.Errorf("registering %s: %w", b.where, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("creating the state tables: %w", err)
	}
	return nil
}

// Lock takes the workspace's advisory lock on a connection of its own,
// without waiting, and records info.
func (b *Backend) Lock(ctx context.Context, info state.LockInfo) (func(context.Context) error, error) {
	c, err := b.connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("connecting to PostgreSQL to lock %s: %w", b.where, err)
	}
	// A holder records its name just after taking the lock, so a run that
	// comes in between finds a lock with no name: it tries again for a
	// moment, until the name appears or the lock is free.
	deadline := time.Now().Add(state.HolderNameWait)
	for {
		var got bool
		if err := c.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, lockNamespace, b.wsID).Scan(&got); err != nil {
			c.Close(ctx)
			return nil, fmt.Errorf("locking %s: %w", b.where, err)
		}
		if got {
			break
		}
		holder := b.holder(ctx, c)
		if holder.ID != "" || !time.Now().Before(deadline) || ctx.Err() != nil {
			c.Close(ctx)
			return nil, &state.LockedError{Holder: holder, Where: b.where}
		}
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
	data, _ := json.Marshal(info)
	_, err = c.Exec(ctx, b.sql(`INSERT INTO {indigo_locks} (workspace, id, info, backend_pid) VALUES ($1, $2, $3, pg_backend_pid())
		ON CONFLICT (workspace) DO UPDATE SET id = excluded.id, info = excluded.info, backend_pid = excluded.backend_pid`),
		b.wsID, info.ID, data)
	if err != nil {
		c.Close(ctx)
		return nil, fmt.Errorf("recording the holder of the lock on %s: %w", b.where, err)
	}
	var once sync.Once
	return func(ctx context.Context) error {
		var uerr error
		once.Do(func() {
			defer c.Close(ctx)
			if c.IsClosed() {
				uerr = fmt.Errorf("unlocking %s: the lock's connection was lost (was it force-unlocked?)", b.where)
				return
			}
			if _, err := c.Exec(ctx, b.sql(`DELETE FROM {indigo_locks} WHERE workspace = $1 AND id = $2`), b.wsID, info.ID); err != nil {
				uerr = fmt.Errorf("unlocking %s: %w (the lock ends with its connection anyway)", b.where, err)
				return
			}
			var released bool
			if err := c.QueryRow(ctx, `SELECT pg_advisory_unlock($1, $2)`, lockNamespace, b.wsID).Scan(&released); err != nil {
				uerr = fmt.Errorf("unlocking %s: %w", b.where, err)
			} else if !released {
				uerr = fmt.Errorf("unlocking %s: the lock was no longer held", b.where)
			}
		})
		return uerr
	}, nil
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// holder reads the recorded lock holder; a zero LockInfo when unknown. A
// row is believed only while its session holds the advisory lock: a
// holder that died leaves its row behind, and the next holder replaces
// it only after taking the lock.
func (b *Backend) holder(ctx context.Context, q querier) state.LockInfo {
	var info state.LockInfo
	var data []byte
	if err := q.QueryRow(ctx, b.sql(`SELECT l.info FROM {indigo_locks} l WHERE l.workspace = $1 AND EXISTS (
		SELECT 1 FROM pg_locks p WHERE p.locktype = 'advisory' AND p.granted AND p.pid = l.backend_pid
			AND p.classid::bigint = $2 AND p.objid::bigint = $1 AND p.objsubid = 2)`), b.wsID, lockNamespace).Scan(&data); err == nil {
		_ = json.Unmarshal(data, &info)
	}
	return info
}

// ForceUnlock ends the session that holds the lock with the given ID.
func (b *Backend) ForceUnlock(ctx context.Context, id string) error {
	return b.withConn(ctx, func(ctx context.Context, c *pgx.Conn) error {
		var gotID string
		err := c.QueryRow(ctx, b.sql(`SELECT id FROM {indigo_locks} WHERE workspace = $1`), b.wsID).Scan(&gotID)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && gotID != id) {
			return fmt.Errorf("force-unlocking %s: no lock with ID %q is held: %w", b.where, id, state.ErrNotLocked)
		}
		if err != nil {
			return fmt.Errorf("force-unlocking %s: %w", b.where, err)
		}
		for attempt := 0; ; attempt++ {
			var pid int32
			err := c.QueryRow(ctx, `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
				AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 2`, lockNamespace, b.wsID).Scan(&pid)
			if errors.Is(err, pgx.ErrNoRows) {
				break
			}
			if err != nil {
				return fmt.Errorf("force-unlocking %s: finding the holder: %w", b.where, err)
			}
			if attempt == 0 {
				// The holder's other sessions first (its snapshot and
				// journal writes): one stuck inside a transaction would
				// hold row locks every other run waits for.
				_, _ = c.Exec(ctx, `SELECT pg_terminate_backend(a.pid) FROM pg_stat_activity a, pg_stat_activity h
					WHERE h.pid = $1 AND a.application_name = h.application_name AND a.application_name LIKE 'indigo pid %'
					AND a.client_addr IS NOT DISTINCT FROM h.client_addr AND a.pid <> $1 AND a.pid <> pg_backend_pid()`, pid)
				var ok bool
				if err := c.QueryRow(ctx, `SELECT pg_terminate_backend($1)`, pid).Scan(&ok); err != nil || !ok {
					return fmt.Errorf("force-unlocking %s: ending the holder's session %d: %v: %w", b.where, pid, err, state.ErrCannotForceUnlock)
				}
			}
			if attempt > 100 {
				return fmt.Errorf("force-unlocking %s: the holder's session %d did not end", b.where, pid)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
		if _, err := c.Exec(ctx, b.sql(`DELETE FROM {indigo_locks} WHERE workspace = $1 AND id = $2`), b.wsID, id); err != nil {
			return fmt.Errorf("force-unlocking %s: %w", b.where, err)
		}
		return nil
	})
}

// ReadSnapshot reads and verifies the workspace's snapshot.
func (b *Backend) ReadSnapshot(ctx context.Context) (*state.State, error) {
	return b.readSnapshot(ctx, "data", b.where)
}

// ReadBackup reads and verifies the previous snapshot.
func (b *Backend) ReadBackup(ctx context.Context) (*state.State, error) {
	return b.readSnapshot(ctx, "backup_data", "the backup of "+b.where)
}

func (b *Backend) readSnapshot(ctx context.Context, column, name string) (*state.State, error) {
	var data []byte
	err := b.withConn(ctx, func(ctx context.Context, c *pgx.Conn) error {
		return c.QueryRow(ctx, b.sql(`SELECT `+column+` FROM {indigo_snapshots} WHERE workspace = $1`), b.wsID).Scan(&data)
	})
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && data == nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading state %s: %w", name, err)
	}
	return state.DecodeSealed(name, data, b.enc)
}

// WriteSnapshot replaces the snapshot in one transaction after the
// compare-and-swap check; the verified previous snapshot becomes the
// backup.
func (b *Backend) WriteSnapshot(ctx context.Context, s *state.State) error {
	data, err := state.EncodeSealed(s, b.enc)
	if err != nil {
		return err
	}
	return b.withConn(ctx, func(ctx context.Context, c *pgx.Conn) error {
		tx, err := c.Begin(ctx)
		if err != nil {
			return fmt.Errorf("writing state %s: %w", b.where, err)
		}
		defer tx.Rollback(ctx)
		var cur, backup []byte
		err = tx.QueryRow(ctx, b.sql(`SELECT data, backup_data FROM {indigo_snapshots} WHERE workspace = $1 FOR UPDATE`), b.wsID).Scan(&cur, &backup)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			_, err = tx.Exec(ctx, b.sql(`INSERT INTO {indigo_snapshots} (workspace, lineage, serial, data) VALUES ($1, $2, $3, $4)`),
				b.wsID, s.Lineage, int64(s.Serial), data)
			var pe *pgconn.PgError
			if errors.As(err, &pe) && pe.Code == "23505" {
				// Another first writer won the race.
				return &state.ConflictError{Where: b.where, AttemptedLineage: s.Lineage, AttemptedSerial: s.Serial, StoredLineage: s.Lineage, StoredSerial: s.Serial}
			}
		case err != nil:
		default:
			lineage, serial, verr := state.VerifySealed(b.where, cur, b.enc)
			var se *state.SealError
			if errors.As(verr, &se) {
				return verr
			}
			curOK := verr == nil
			if !curOK {
				// Compare with the backup, which the Manager recovered from.
				if lineage, serial, verr = state.VerifySealed(b.where, backup, b.enc); verr != nil {
					lineage, serial = "", 0
				}
			}
			if err := state.CheckWrite(b.where, lineage, serial, s); err != nil {
				return err
			}
			if curOK {
				_, err = tx.Exec(ctx, b.sql(`UPDATE {indigo_snapshots} SET backup_serial = serial, backup_data = data,
					lineage = $2, serial = $3, data = $4, written_at = now() WHERE workspace = $1`), b.wsID, s.Lineage, int64(s.Serial), data)
			} else {
				_, err = tx.Exec(ctx, b.sql(`UPDATE {indigo_snapshots} SET lineage = $2, serial = $3, data = $4, written_at = now()
					WHERE workspace = $1`), b.wsID, s.Lineage, int64(s.Serial), data)
			}
		}
		if err != nil {
			return fmt.Errorf("writing state %s: %w", b.where, err)
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("writing state %s: %w", b.where, err)
		}
		return nil
	})
}

// ReadJournal reads the journal head and its records in one consistent
// snapshot of the database.
func (b *Backend) ReadJournal(ctx context.Context) (*state.JournalContents, error) {
	var jc *state.JournalContents
	err := b.withConn(ctx, func(ctx context.Context, c *pgx.Conn) error {
		tx, err := c.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		var h state.JournalHeader
		var base int64
		err = tx.QueryRow(ctx, b.sql(`SELECT lineage, base_serial FROM {indigo_journal_heads} WHERE workspace = $1`), b.wsID).Scan(&h.Lineage, &base)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		h.BaseSerial = uint64(base)
		rows, err := tx.Query(ctx, b.sql(`SELECT seq, record FROM {indigo_journal} WHERE workspace = $1 ORDER BY seq`), b.wsID)
		if err != nil {
			return err
		}
		defer rows.Close()
		out := &state.JournalContents{Header: h}
		for rows.Next() {
			var seq int64
			var data []byte
			if err := rows.Scan(&seq, &data); err != nil {
				return err
			}
			r, err := state.UnmarshalRecordSealed(data, b.enc)
			if err != nil {
				return fmt.Errorf("record %d: %w", seq, err)
			}
			out.Records = append(out.Records, r)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		jc = out
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the journal of %s: %w", b.where, err)
	}
	return jc, nil
}

// OpenJournal replaces the journal in one transaction and returns it open
// for appending.
func (b *Backend) OpenJournal(ctx context.Context, h state.JournalHeader, carry []state.Record) (state.Journal, error) {
	j := &journal{b: b}
	err := b.withConn(ctx, func(ctx context.Context, c *pgx.Conn) error {
		tx, err := c.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		var gen int64
		err = tx.QueryRow(ctx, b.sql(`INSERT INTO {indigo_journal_heads} (workspace, lineage, base_serial, generation) VALUES ($1, $2, $3, 1)
			ON CONFLICT (workspace) DO UPDATE SET lineage = excluded.lineage, base_serial = excluded.base_serial,
			generation = {indigo_journal_heads}.generation + 1 RETURNING generation`), b.wsID, h.Lineage, int64(h.BaseSerial)).Scan(&gen)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, b.sql(`DELETE FROM {indigo_journal} WHERE workspace = $1`), b.wsID); err != nil {
			return err
		}
		j.gen = gen
		if err := j.insert(ctx, tx, carry); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("starting the journal of %s: %w", b.where, err)
	}
	return j, nil
}

// journal appends records as rows of the generation it was opened with.
type journal struct {
	b      *Backend
	gen    int64
	mu     sync.Mutex
	next   int64
	closed bool
}

func (j *journal) insert(ctx context.Context, tx pgx.Tx, recs []state.Record) error {
	if len(recs) == 0 {
		return nil
	}
	seqs := make([]int64, len(recs))
	epochs := make([]int64, len(recs))
	datas := make([][]byte, len(recs))
	for i, r := range recs {
		data, err := state.MarshalRecordSealed(r, j.b.enc)
		if err != nil {
			return fmt.Errorf("encoding journal record: %w", err)
		}
		seqs[i], epochs[i], datas[i] = j.next+int64(i), int64(r.Epoch), data
	}
	_, err := tx.Exec(ctx, j.b.sql(`INSERT INTO {indigo_journal} (workspace, seq, epoch, record)
		SELECT $1, s, e, r FROM unnest($2::bigint[], $3::bigint[], $4::bytea[]) AS t(s, e, r)`), j.b.wsID, seqs, epochs, datas)
	if err != nil {
		return err
	}
	j.next += int64(len(recs))
	return nil
}

// Append commits recs in one transaction, after checking that the journal
// was not replaced since it was opened.
func (j *journal) Append(ctx context.Context, recs []state.Record) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return fmt.Errorf("appending to the journal of %s: it is closed", j.b.where)
	}
	next := j.next
	err := j.b.withConn(ctx, func(ctx context.Context, c *pgx.Conn) error {
		tx, err := c.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		var gen int64
		if err := tx.QueryRow(ctx, j.b.sql(`SELECT generation FROM {indigo_journal_heads} WHERE workspace = $1 FOR UPDATE`), j.b.wsID).Scan(&gen); err != nil {
			return err
		}
		if gen != j.gen {
			return errors.New("the journal was restarted by another run")
		}
		if err := j.insert(ctx, tx, recs); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
	if err != nil {
		j.next = next
		return fmt.Errorf("appending to the journal of %s: %w", j.b.where, err)
	}
	return nil
}

// Close marks the journal closed; it holds no resources of its own.
func (j *journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.closed = true
	return nil
}
