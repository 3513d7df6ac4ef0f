package s3_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/encrypt"
	"github.com/indigo-cloud/indigo/state/s3"
	"github.com/indigo-cloud/indigo/state/statetest"
)

func TestMain(m *testing.M) { os.Exit(testsrv.Main(m)) }

// server starts MinIO with one bucket, "state".
func server(t *testing.T) (*testsrv.MinIO, s3.Config) {
	t.Helper()
	srv := testsrv.StartMinIO(t, testsrv.MinIOOptions{})
	if err := srv.Client(t).MakeBucket(context.Background(), "state", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	return srv, s3.Config{Bucket: "state", Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey}
}

func newBackend(t *testing.T, cfg s3.Config) *s3.Backend {
	t.Helper()
	b, err := s3.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestConformance(t *testing.T) {
	_, cfg := server(t)
	var n atomic.Int64
	statetest.RunWith(t, func(t *testing.T) state.Backend {
		c := cfg
		// Keys with a folder: every workspace its own objects.
		c.Key = fmt.Sprintf("ws-%d/indigo.state", n.Add(1))
		return newBackend(t, c)
	}, statetest.Options{Short: testing.Short()})
}

// TestConformanceErasureSet runs the suite (its short form) on a 4-drive
// erasure set, where MinIO's namespace locks that decide conditional
// writes are distributed over the drives.
func TestConformanceErasureSet(t *testing.T) {
	srv := testsrv.StartMinIO(t, testsrv.MinIOOptions{Drives: 4})
	if err := srv.Client(t).MakeBucket(context.Background(), "state", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg := s3.Config{Bucket: "state", Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey}
	var n atomic.Int64
	statetest.RunWith(t, func(t *testing.T) state.Backend {
		c := cfg
		c.Key = fmt.Sprintf("ws-%d/indigo.state", n.Add(1))
		return newBackend(t, c)
	}, statetest.Options{Short: true})
}

// TestConditionalWrites checks, on the real server, the two conditions the
// backend is built on: a create with If-None-Match: * fails with 412 when
// the object exists, and a write with If-Match fails with 412 when the
// object changed.
func TestConditionalWrites(t *testing.T) {
	srv, _ := server(t)
	c := minio.Core{Client: srv.Client(t)}
	ctx := context.Background()
	put := func(body string, opts minio.PutObjectOptions) (minio.UploadInfo, error) {
		return c.PutObject(ctx, "state", "obj", strings.NewReader(body), int64(len(body)), "", "", opts)
	}
	var create minio.PutObjectOptions
	create.SetMatchETagExcept("*")
	first, err := put("first", create)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	_, err = put("second", create)
	if r := minio.ToErrorResponse(err); r.StatusCode != http.StatusPreconditionFailed || r.Code != "PreconditionFailed" {
		t.Fatalf("second create: %v (status %d, code %q), want 412 PreconditionFailed", err, r.StatusCode, r.Code)
	}
	var match minio.PutObjectOptions
	match.SetMatchETag(first.ETag)
	if _, err := put("replaced", match); err != nil {
		t.Fatalf("write with the current ETag: %v", err)
	}
	_, err = put("stale", match)
	if r := minio.ToErrorResponse(err); r.StatusCode != http.StatusPreconditionFailed {
		t.Fatalf("write with a stale ETag: %v, want 412", err)
	}
}

// TestLockMessage: a second run is told at once who holds the lock and
// since when.
func TestLockMessage(t *testing.T) {
	_, cfg := server(t)
	b := newBackend(t, cfg)
	ctx := context.Background()
	created := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	unlock, err := b.Lock(ctx, state.LockInfo{ID: "run-1", Operation: "apply", Who: "alice@laptop", Created: created, PID: 42})
	if err != nil {
		t.Fatal(err)
	}
	defer unlock(ctx)
	began := time.Now()
	_, err = newBackend(t, cfg).Lock(ctx, state.LockInfo{ID: "run-2"})
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("the second Lock took %s", took)
	}
	var le *state.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second Lock: %v", err)
	}
	for _, want := range []string{"alice@laptop", `"apply"`, created.Local().Format(time.RFC3339), "s3://state/indigo.state at " + cfg.Endpoint, "indigo force-unlock run-1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not mention %q", err, want)
		}
	}
}

// TestForcedHolderStops: a run whose lock was forced cannot append to the
// journal once another run started its own, cannot overwrite the other
// run's snapshot, and its unlock leaves the new holder's lock alone.
func TestForcedHolderStops(t *testing.T) {
	_, cfg := server(t)
	ctx := context.Background()
	b := newBackend(t, cfg)
	opts := state.OpenOptions{Operation: "apply", Who: "old@host", FlushInterval: -1}
	old, err := state.Open(ctx, b, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := old.SetObject(ctx, statetest.Instance("a", nil), "", statetest.Provider, statetest.Object("a", 1)); err != nil {
		t.Fatal(err)
	}
	if err := old.Persist(ctx); err != nil {
		t.Fatal(err)
	}
	if err := old.SetObject(ctx, statetest.Instance("b", nil), "", statetest.Provider, statetest.Object("b", 1)); err != nil {
		t.Fatal(err)
	}
	_, err = state.Open(ctx, b, opts)
	var le *state.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second Open: %v", err)
	}
	if err := b.ForceUnlock(ctx, le.Holder.ID); err != nil {
		t.Fatalf("ForceUnlock: %v", err)
	}
	next, err := state.Open(ctx, newBackend(t, cfg), state.OpenOptions{Operation: "apply", Who: "new@host", FlushInterval: -1})
	if err != nil {
		t.Fatalf("Open after ForceUnlock: %v", err)
	}
	if err := next.SetObject(ctx, statetest.Instance("c", nil), "", statetest.Provider, statetest.Object("c", 1)); err != nil {
		t.Fatal(err)
	}
	if err := old.SetObject(ctx, statetest.Instance("d", nil), "", statetest.Provider, statetest.Object("d", 1)); err == nil || !strings.Contains(err.Error(), "restarted by another run") {
		t.Fatalf("append by the forced holder: %v, want a refusal", err)
	}
	if err := next.Persist(ctx); err != nil {
		t.Fatal(err)
	}
	err = old.Close(ctx)
	var ce *state.ConflictError
	if !errors.As(err, &ce) {
		t.Errorf("the forced holder's final snapshot: %v, want a *state.ConflictError", err)
	}
	if err == nil || !strings.Contains(err.Error(), "force-unlocked") {
		t.Errorf("the forced holder's unlock: %v, want it to say the lock was forced", err)
	}
	// The new holder still holds the lock.
	if _, err := b.Lock(ctx, state.LockInfo{ID: "third"}); !errors.As(err, &le) || le.Holder.Who != "new@host" {
		t.Fatalf("Lock while the new holder runs: %v", err)
	}
	if err := next.Close(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := b.ReadSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b", "c"} {
		if got.ResourceInstance(statetest.Instance(name, nil)) == nil {
			t.Errorf("%s is not recorded", name)
		}
	}
	if got.ResourceInstance(statetest.Instance("d", nil)) != nil {
		t.Errorf("the forced holder's refused change was recorded")
	}
}

// TestJournalObjects: appends are objects under the journal prefix, and a
// new journal removes the previous generation's.
func TestJournalObjects(t *testing.T) {
	srv, cfg := server(t)
	ctx := context.Background()
	b := newBackend(t, cfg)
	keys := func() []string {
		var out []string
		for o := range srv.Client(t).ListObjects(ctx, "state", minio.ListObjectsOptions{Prefix: b.JournalPrefix(), Recursive: true}) {
			if o.Err != nil {
				t.Fatal(o.Err)
			}
			out = append(out, strings.TrimPrefix(o.Key, b.JournalPrefix()))
		}
		return out
	}
	h := state.JournalHeader{Lineage: state.NewLineage(), BaseSerial: 1}
	rec := state.Record{Epoch: 1, Kind: state.RecordOutput, Name: "o"}
	j, err := b.OpenJournal(ctx, h, []state.Record{rec})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := j.Append(ctx, []state.Record{rec, rec}); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	first := keys()
	if len(first) != 4 || !strings.HasSuffix(first[0], "/00000000000000000000") || !strings.HasSuffix(first[3], "/00000000000000000003") {
		t.Fatalf("journal entries %q, want 4 of one generation numbered 0 to 3", first)
	}
	jc, err := b.ReadJournal(ctx)
	if err != nil || len(jc.Records) != 7 || jc.Header != h {
		t.Fatalf("ReadJournal: %+v, %v", jc, err)
	}
	j2, err := b.OpenJournal(ctx, state.JournalHeader{Lineage: h.Lineage, BaseSerial: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	if got := keys(); len(got) != 0 {
		t.Fatalf("after a new journal without carried records, entries %q remain", got)
	}
}

// TestServerDown: a backend whose server does not answer fails with an
// error naming the endpoint and the bucket, quickly, at New and at any
// later call; once the server is back, the backend works again.
func TestServerDown(t *testing.T) {
	port := testsrv.FreePort(t)
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	began := time.Now()
	_, err := s3.New(context.Background(), s3.Config{Bucket: "state", Endpoint: endpoint, AccessKey: "k", SecretKey: "secret-value"})
	if err == nil {
		t.Fatal("New against a closed port succeeded")
	}
	for _, want := range []string{endpoint, `"state"`, "cannot be reached"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "secret-value") {
		t.Errorf("error %q shows the secret key", err)
	}
	if took := time.Since(began); took > 15*time.Second {
		t.Errorf("New took %s to give up", took)
	}

	srv, cfg := server(t)
	b := newBackend(t, cfg)
	srv.Stop()
	ctx := context.Background()
	if _, err := b.ReadSnapshot(ctx); err == nil || !strings.Contains(err.Error(), "s3://state/indigo.state at "+cfg.Endpoint) {
		t.Errorf("ReadSnapshot with the server down: %v", err)
	}
	if _, err := b.Lock(ctx, state.LockInfo{ID: "x"}); err == nil || !strings.Contains(err.Error(), cfg.Endpoint) {
		t.Errorf("Lock with the server down: %v", err)
	}
	srv.Restart(t)
	if err := b.WriteSnapshot(ctx, statetest.Sample(2)); err != nil {
		t.Errorf("WriteSnapshot after a restart: %v", err)
	}
}

func TestWrongCredentials(t *testing.T) {
	_, cfg := server(t)
	cfg.SecretKey = "not-the-secret"
	_, err := s3.New(context.Background(), cfg)
	if err == nil {
		t.Fatal("New with a wrong secret key succeeded")
	}
	for _, want := range []string{cfg.Endpoint, `"state"`, "credentials"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), cfg.SecretKey) {
		t.Errorf("error %q shows the secret key", err)
	}
}

func TestMissingBucket(t *testing.T) {
	srv, cfg := server(t)
	cfg.Bucket = "missing"
	_, err := s3.New(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), `bucket "missing" does not exist at `+cfg.Endpoint) || !strings.Contains(err.Error(), "create_bucket = true") {
		t.Fatalf("New with a missing bucket: %v", err)
	}
	if ok, _ := srv.Client(t).BucketExists(context.Background(), "missing"); ok {
		t.Fatal("the bucket was created without create_bucket")
	}
	cfg.CreateBucket = true
	b := newBackend(t, cfg)
	if err := b.WriteSnapshot(context.Background(), statetest.Sample(1)); err != nil {
		t.Fatal(err)
	}
	if ok, _ := srv.Client(t).BucketExists(context.Background(), "missing"); !ok {
		t.Fatal("create_bucket did not create the bucket")
	}
}

func TestConfig(t *testing.T) {
	cfg := s3.Config{Bucket: "b", AccessKey: "AKIAEXAMPLE", SecretKey: "very-secret", SessionToken: "token-value"}
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(f, cfg)
		for _, secret := range []string{"AKIAEXAMPLE", "very-secret", "token-value"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s of a Config shows %q: %s", f, secret, out)
			}
		}
	}
	bad := []struct {
		cfg  s3.Config
		want string
	}{
		{s3.Config{Endpoint: "http://h:1", AccessKey: "a", SecretKey: "s"}, "no bucket"},
		{s3.Config{Bucket: "b", Endpoint: "ftp://h", AccessKey: "a", SecretKey: "s"}, "http or https"},
		{s3.Config{Bucket: "b", Endpoint: "http://h:1/bucket", AccessKey: "a", SecretKey: "s"}, "without a path"},
		{s3.Config{Bucket: "b", Endpoint: "http://user:pw@h:1", AccessKey: "a", SecretKey: "s"}, "must not carry credentials"},
		{s3.Config{Bucket: "b", Endpoint: "http://h:1"}, "no credentials"},
		{s3.Config{Bucket: "b", Key: "/abs", Endpoint: "http://h:1", AccessKey: "a", SecretKey: "s"}, "must not start or end with /"},
	}
	for _, c := range bad {
		_, err := s3.New(context.Background(), c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%v): %v, want an error saying %q", c.cfg, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "pw@") {
			t.Errorf("error %q shows the endpoint's password", err)
		}
	}
}

// TestDamagedSnapshot: a snapshot object damaged behind indigo's back is
// detected, and the next run recovers from the backup and the journal
// without losing what was acknowledged.
func TestDamagedSnapshot(t *testing.T) {
	srv, cfg := server(t)
	ctx := context.Background()
	b := newBackend(t, cfg)
	opts := state.OpenOptions{Operation: "apply", FlushInterval: -1}
	m, err := state.Open(ctx, b, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"a", "b", "c"} {
		if err := m.SetObject(ctx, statetest.Instance(name, nil), "", statetest.Provider, statetest.Object(name, i)); err != nil {
			t.Fatal(err)
		}
		if err := m.Persist(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.SetObject(ctx, statetest.Instance("d", nil), "", statetest.Provider, statetest.Object("d", 3)); err != nil {
		t.Fatal(err)
	}
	want := m.State()
	if err := m.Abandon(ctx); err != nil {
		t.Fatal(err)
	}
	garbage := `{"format_version": 1, "lineage": "torn`
	if _, err := srv.Client(t).PutObject(ctx, "state", b.Key(), strings.NewReader(garbage), int64(len(garbage)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	var ce *state.CorruptError
	if _, err := b.ReadSnapshot(ctx); !errors.As(err, &ce) {
		t.Fatalf("ReadSnapshot of a damaged object: %v, want a *state.CorruptError", err)
	}
	m2, err := state.Open(ctx, b, opts)
	if err != nil {
		t.Fatalf("Open with a damaged snapshot: %v", err)
	}
	defer m2.Close(ctx)
	got := m2.State()
	if w := strings.Join(m2.Warnings(), "\n"); !strings.Contains(w, "recovered from the backup") {
		t.Errorf("warnings %q do not say the backup was used", w)
	}
	want.Serial = got.Serial
	if !got.Equal(want) {
		t.Fatalf("recovered state differs:\n%s", statetest.Diff(want, got))
	}
}

func TestEncrypted(t *testing.T) {
	srv, cfg := server(t)
	client := srv.Client(t)
	key := func(ws string) string { return "enc-" + ws + "/indigo.state" }
	statetest.RunEncrypted(t, statetest.EncryptedOptions{
		New: func(t *testing.T, ws string, enc *encrypt.Target) state.Backend {
			c := cfg
			c.Key = key(ws)
			b := newBackend(t, c)
			b.SetEncryption(enc)
			return b
		},
		Stored: func(t *testing.T, ws string) []byte {
			ctx := context.Background()
			var all []byte
			for o := range client.ListObjects(ctx, "state", minio.ListObjectsOptions{Prefix: "enc-" + ws + "/", Recursive: true}) {
				if o.Err != nil {
					t.Fatal(o.Err)
				}
				obj, err := client.GetObject(ctx, "state", o.Key, minio.GetObjectOptions{})
				if err != nil {
					t.Fatal(err)
				}
				data, err := io.ReadAll(obj)
				obj.Close()
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, data...)
			}
			return all
		},
	})
}
