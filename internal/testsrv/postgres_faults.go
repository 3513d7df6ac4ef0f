package testsrv

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// StopPostgres stops the package's PostgreSQL server the way a crash does
// (immediate shutdown: every session is cut, nothing is flushed), keeping
// its data, and returns the function that starts it again on the same
// port. Every test of the package shares the server: restart it before the
// test ends (StopPostgres registers the restart in t.Cleanup too, in case
// the test fails first).
func StopPostgres(t testing.TB) (restart func()) {
	t.Helper()
	pgServer.Lock()
	srv := pgServer.srv
	pgServer.Unlock()
	if srv == nil {
		t.Fatal("StopPostgres: no PostgreSQL server is running (call Postgres first)")
	}
	_ = srv.proc.Process.Signal(syscall.SIGQUIT)
	select {
	case <-srv.exited:
	case <-time.After(15 * time.Second):
		_ = srv.proc.Process.Kill()
		<-srv.exited
	}
	restarted := false
	restart = func() {
		t.Helper()
		if restarted {
			return
		}
		restarted = true
		var err error
		for range 20 {
			var p *postgres
			p, err = runPostgres(srv.command, srv.server, srv.dir, filepath.Join(srv.dir, "data"), filepath.Join(srv.dir, "server.log"), srv.port)
			if err == nil {
				pgServer.Lock()
				srv.proc, srv.exited = p.proc, p.exited
				pgServer.Unlock()
				return
			}
			time.Sleep(250 * time.Millisecond)
		}
		t.Fatalf("restarting PostgreSQL: %v", err)
	}
	t.Cleanup(restart)
	return restart
}
