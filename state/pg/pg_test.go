package pg_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/encrypt"
	"github.com/indigo-cloud/indigo/state/pg"
	"github.com/indigo-cloud/indigo/state/statetest"
	"github.com/jackc/pgx/v5"
)

func TestConformance(t *testing.T) {
	conn := testsrv.Postgres(t)
	var n atomic.Int64
	newBackend := func(schema string) func(t *testing.T) state.Backend {
		return func(t *testing.T) state.Backend {
			ctx := context.Background()
			b, err := pg.New(ctx, pg.Config{ConnString: conn, Schema: schema, Workspace: fmt.Sprintf("ws-%d", n.Add(1))})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close(ctx) })
			return b
		}
	}
	t.Run("public", func(t *testing.T) {
		statetest.RunWith(t, newBackend(""), statetest.Options{Short: testing.Short()})
	})
	t.Run("schema", func(t *testing.T) {
		statetest.RunWith(t, newBackend("indigo state"), statetest.Options{Short: true})
	})
}

// TestWorkspacesAreSeparate: two workspaces in one database have their own
// locks and snapshots.
func TestWorkspacesAreSeparate(t *testing.T) {
	conn := testsrv.Postgres(t)
	ctx := context.Background()
	a, err := pg.New(ctx, pg.Config{ConnString: conn, Workspace: "a"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(ctx)
	b, err := pg.New(ctx, pg.Config{ConnString: conn, Workspace: "b"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)
	ma, err := state.Open(ctx, a, state.OpenOptions{Operation: "apply", FlushInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	mb, err := state.Open(ctx, b, state.OpenOptions{Operation: "apply", FlushInterval: -1})
	if err != nil {
		t.Fatalf("locking workspace b while a is locked: %v", err)
	}
	if err := ma.SetObject(ctx, statetest.Instance("only_a", nil), "", statetest.Provider, statetest.Object("a", 1)); err != nil {
		t.Fatal(err)
	}
	if err := ma.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := mb.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if s, err := b.ReadSnapshot(ctx); err != nil || s != nil {
		t.Fatalf("workspace b sees a snapshot: %v, %v", s, err)
	}
	_, err = state.Open(ctx, a, state.OpenOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBadConnString(t *testing.T) {
	_, err := pg.New(context.Background(), pg.Config{ConnString: "postgres://127.0.0.1:1/x?connect_timeout=1"})
	if err == nil || !strings.Contains(err.Error(), "connecting to PostgreSQL") {
		t.Fatalf("New with an unreachable server: %v", err)
	}
}

func TestForceUnlockEndsTheHoldersSession(t *testing.T) {
	conn := testsrv.Postgres(t)
	ctx := context.Background()
	b, err := pg.New(ctx, pg.Config{ConnString: conn})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)
	info := state.LockInfo{ID: "stuck-run", Operation: "apply", Who: "alice@laptop"}
	unlock, err := b.Lock(ctx, info)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.ForceUnlock(ctx, "stuck-run"); err != nil {
		t.Fatalf("ForceUnlock: %v", err)
	}
	u2, err := b.Lock(ctx, state.LockInfo{ID: "next-run"})
	if err != nil {
		t.Fatalf("Lock after ForceUnlock: %v", err)
	}
	defer u2(ctx)
	if err := unlock(ctx); err == nil {
		t.Errorf("the force-unlocked holder's unlock reports success")
	}
}

const childEnv = "INDIGO_PG_LOCK_CHILD"

// TestLockChild holds a lock until it is killed; it is started by
// TestLockReleasedWhenHolderDies.
func TestLockChild(t *testing.T) {
	conn := os.Getenv(childEnv)
	if conn == "" {
		t.Skip("helper process for TestLockReleasedWhenHolderDies")
	}
	ctx := context.Background()
	b, err := pg.New(ctx, pg.Config{ConnString: conn})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Lock(ctx, state.LockInfo{ID: "child", Operation: "apply", Who: "child@test", PID: os.Getpid()}); err != nil {
		t.Fatal(err)
	}
	fmt.Println("LOCKED")
	select {}
}

func TestLockReleasedWhenHolderDies(t *testing.T) {
	conn := testsrv.Postgres(t)
	ctx := context.Background()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+conn)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "LOCKED\n" {
		cmd.Process.Kill()
		t.Fatalf("child: %q, %v", line, err)
	}
	b, err := pg.New(ctx, pg.Config{ConnString: conn})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)
	_, err = b.Lock(ctx, state.LockInfo{ID: "parent"})
	var le *state.LockedError
	if !errors.As(err, &le) || le.Holder.Who != "child@test" || le.Holder.PID != cmd.Process.Pid {
		t.Fatalf("Lock while the child holds it: %v", err)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	// The server notices the closed connection; no force-unlock needed.
	deadline := time.Now().Add(30 * time.Second)
	for {
		u, err := b.Lock(ctx, state.LockInfo{ID: "parent"})
		if err == nil {
			u(ctx)
			return
		}
		if !errors.As(err, &le) || time.Now().After(deadline) {
			t.Fatalf("the lock of a killed holder was not released: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestEncrypted(t *testing.T) {
	conn := testsrv.Postgres(t)
	ctx := context.Background()
	statetest.RunEncrypted(t, statetest.EncryptedOptions{
		New: func(t *testing.T, ws string, enc *encrypt.Target) state.Backend {
			b, err := pg.New(ctx, pg.Config{ConnString: conn, Workspace: "enc-" + ws})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close(ctx) })
			b.SetEncryption(enc)
			return b
		},
		Stored: func(t *testing.T, ws string) []byte {
			c, err := pgx.Connect(ctx, conn)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close(ctx)
			rows, err := c.Query(ctx, `SELECT coalesce(s.data, ''::bytea) || coalesce(s.backup_data, ''::bytea) FROM indigo_snapshots s JOIN indigo_workspaces w ON w.id = s.workspace WHERE w.name = $1
				UNION ALL SELECT j.record FROM indigo_journal j JOIN indigo_workspaces w ON w.id = j.workspace WHERE w.name = $1`, "enc-"+ws)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var all []byte
			for rows.Next() {
				var b []byte
				if err := rows.Scan(&b); err != nil {
					t.Fatal(err)
				}
				all = append(all, b...)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return all
		},
	})
}
