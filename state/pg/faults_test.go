package pg_test

import (
	"context"
	"testing"

	"github.com/indigo-cloud/indigo/internal/faults"
	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/pg"
	"github.com/indigo-cloud/indigo/state/statetest"
)

// TestSessionTerminated: when the server ends the backend's session
// (pg_terminate_backend, as a failover does), the next statement is run
// again on a new connection instead of failing the run, and the lock,
// whose session ended too, is free for the next holder.
func TestSessionTerminated(t *testing.T) {
	ctx := context.Background()
	conn := testsrv.Postgres(t)
	b, err := pg.New(ctx, pg.Config{ConnString: conn, Workspace: "terminated"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)
	unlock, err := b.Lock(ctx, state.LockInfo{ID: "first", Operation: "apply"})
	if err != nil {
		t.Fatal(err)
	}
	s := statetest.Sample(2)
	s.Serial = 1
	if err := b.WriteSnapshot(ctx, s); err != nil {
		t.Fatal(err)
	}
	if n, err := faults.TerminateSessions(ctx, conn); err != nil || n < 2 {
		t.Fatalf("terminated %d sessions: %v", n, err)
	}
	s.Serial = 2
	if err := b.WriteSnapshot(ctx, s); err != nil {
		t.Fatalf("writing after the session was terminated: %v", err)
	}
	got, err := b.ReadSnapshot(ctx)
	if err != nil || got.Serial != 2 {
		t.Fatalf("read back serial %v: %v", got, err)
	}
	if err := unlock(ctx); err == nil {
		t.Errorf("unlocking a lock whose session was terminated should say it was lost")
	}
	other, err := pg.New(ctx, pg.Config{ConnString: conn, Workspace: "terminated"})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	unlock2, err := other.Lock(ctx, state.LockInfo{ID: "second", Operation: "apply"})
	if err != nil {
		t.Fatalf("the lock of a terminated session is not free: %v", err)
	}
	_ = unlock2(ctx)
}
