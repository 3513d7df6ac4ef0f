package s3_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/providers/indigo/internal/protoharness"
)

// pair is two MinIO servers, a and b, and a harness whose provider acts on
// a with b as s3_remote "b".
type pair struct {
	a, b   *testsrv.MinIO
	ca, cb *minio.Client
	h      *protoharness.Harness
}

func startPair(t testing.TB) *pair {
	t.Helper()
	p := &pair{a: testsrv.StartMinIO(t, testsrv.MinIOOptions{}), b: testsrv.StartMinIO(t, testsrv.MinIOOptions{})}
	p.ca, p.cb = p.a.Client(t), p.b.Client(t)
	p.h = newHarness(t, providerFor(p.a, map[string]*testsrv.MinIO{"b": p.b}))
	return p
}

// buckets makes the versioned source bucket on a (through the provider)
// and the versioned replica bucket on b (through a provider acting on b).
func (p *pair) buckets(t testing.TB, src, dst string) {
	t.Helper()
	p.h.Create("indigo_s3_bucket", map[string]any{"name": src})
	hb := newHarness(t, providerFor(p.b, nil))
	hb.Create("indigo_s3_bucket", map[string]any{"name": dst})
}

// replicaConverges waits until dst on b holds every object of src on a
// with the same content, or fails the test after timeout.
func replicaConverges(t testing.TB, src *minio.Client, srcBucket string, dst *minio.Client, dstBucket string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		missing := missingOnReplica(t, src, srcBucket, dst, dstBucket)
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v the replica still misses %d objects, e.g. %s", timeout, len(missing), missing[0])
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func missingOnReplica(t testing.TB, src *minio.Client, srcBucket string, dst *minio.Client, dstBucket string) []string {
	t.Helper()
	ctx := context.Background()
	have := map[string]string{}
	for o := range dst.ListObjects(ctx, dstBucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		have[o.Key] = o.ETag
	}
	var missing []string
	for o := range src.ListObjects(ctx, srcBucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		if have[o.Key] != o.ETag {
			missing = append(missing, o.Key)
		}
	}
	return missing
}

func content(t testing.TB, c *minio.Client, bucket, key string) string {
	t.Helper()
	o, err := c.GetObject(context.Background(), bucket, key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	b, err := io.ReadAll(o)
	if err != nil {
		t.Fatalf("reading %s/%s: %v", bucket, key, err)
	}
	return string(b)
}

func TestReplication(t *testing.T) {
	ctx := context.Background()
	p := startPair(t)
	p.buckets(t, "src", "dst")
	// Objects from before the rule: existing_objects backfills them.
	for i := range 10 {
		put(t, p.ca, "src", fmt.Sprintf("before/%02d", i), []byte(fmt.Sprintf("written before the rule %d", i)))
	}
	cfg := map[string]any{"bucket": "src", "target": "b", "target_bucket": "dst"}
	state := p.h.Create("indigo_s3_replication", cfg)
	arn := protoharness.GetString(t, state, "arn")
	if !strings.HasPrefix(arn, "arn:minio:replication:") || protoharness.GetString(t, state, "id") != "src:"+arn {
		t.Errorf("arn %q, id %q", arn, protoharness.GetString(t, state, "id"))
	}
	r, err := p.ca.GetBucketReplication(ctx, "src")
	if err != nil || len(r.Rules) != 1 || r.Rules[0].Destination.Bucket != arn ||
		r.Rules[0].DeleteReplication.Status != "Enabled" || r.Rules[0].DeleteMarkerReplication.Status != "Enabled" ||
		r.Rules[0].ExistingObjectReplication.Status != "Enabled" {
		t.Fatalf("replication configuration on the server: %+v, %v", r, err)
	}

	for i := range 100 {
		put(t, p.ca, "src", fmt.Sprintf("obj/%03d", i), []byte(fmt.Sprintf("object %d", i)))
	}
	replicaConverges(t, p.ca, "src", p.cb, "dst", 2*time.Minute)
	if got := content(t, p.cb, "dst", "obj/042"); got != "object 42" {
		t.Errorf("replica content = %q", got)
	}
	if got := content(t, p.cb, "dst", "before/07"); got != "written before the rule 7" {
		t.Errorf("backfilled content = %q", got)
	}
	state = p.h.Read("indigo_s3_replication", state)
	if !protoharness.GetBool(t, state, "in_sync") || protoharness.GetInt(t, state, "pending") != 0 || protoharness.GetInt(t, state, "failed") != 0 {
		t.Errorf("after convergence: in_sync %v pending %d failed %d", protoharness.GetBool(t, state, "in_sync"), protoharness.GetInt(t, state, "pending"), protoharness.GetInt(t, state, "failed"))
	}
	if pl, err := p.h.Plan("indigo_s3_replication", state, cfg); err != nil || !pl.Noop() {
		t.Errorf("plan after convergence is not empty (%v):\nplanned %v\nstate   %v", err, pl.Planned, state)
	}

	// Deletes replicate (delete_replication): a delete marker reaches b.
	if err := p.ca.RemoveObject(ctx, "src", "obj/000", minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the delete to reach the replica", time.Minute, func() bool {
		_, err := p.cb.StatObject(ctx, "dst", "obj/000", minio.StatObjectOptions{})
		return minio.ToErrorResponse(err).StatusCode == 404
	})

	// The rule removed by hand: drift, and an update puts it back.
	if err := p.ca.RemoveBucketReplication(ctx, "src"); err != nil {
		t.Fatal(err)
	}
	state = p.h.Read("indigo_s3_replication", state)
	if protoharness.GetBool(t, state, "enabled") {
		t.Error("Read does not notice the rule removed by hand")
	}
	pl, err := p.h.Plan("indigo_s3_replication", state, cfg)
	if err != nil || pl.Noop() || len(pl.Replace) > 0 {
		t.Fatalf("a removed rule must plan an in-place update: %v, replace %v", err, pl.Replace)
	}
	if state, err = p.h.Apply("indigo_s3_replication", pl); err != nil {
		t.Fatal(err)
	}
	// MinIO drops the remote target with the rules, so the target may have
	// been registered again under a new ARN.
	arn = protoharness.GetString(t, state, "arn")
	if r, err := p.ca.GetBucketReplication(ctx, "src"); err != nil || len(r.Rules) != 1 || r.Rules[0].Destination.Bucket != arn {
		t.Fatalf("the update did not put the rule back (state's ARN %s): %+v, %v", arn, r, err)
	}
	put(t, p.ca, "src", "after-repair", []byte("replicates again"))
	replicaConverges(t, p.ca, "src", p.cb, "dst", time.Minute)

	// An object deleted on the replica: in_sync false, the update copies it back.
	if err := p.cb.RemoveObject(ctx, "dst", "obj/017", minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	state = p.h.Read("indigo_s3_replication", state)
	if protoharness.GetBool(t, state, "in_sync") {
		t.Fatal("Read says in_sync with an object missing on the replica")
	}
	pl, err = p.h.Plan("indigo_s3_replication", state, cfg)
	if err != nil || pl.Noop() {
		t.Fatalf("a replica missing objects must plan an update: %v", err)
	}
	if state, err = p.h.Apply("indigo_s3_replication", pl); err != nil {
		t.Fatal(err)
	}
	if got := content(t, p.cb, "dst", "obj/017"); got != "object 17" {
		t.Errorf("repaired object = %q", got)
	}
	if state = p.h.Read("indigo_s3_replication", state); !protoharness.GetBool(t, state, "in_sync") {
		t.Error("still not in sync after the repair")
	}

	// Import by bucket:arn gives the same state.
	imported, err := p.h.ImportState("indigo_s3_replication", "src:"+arn)
	if err != nil {
		t.Fatal(err)
	}
	if pl, err := p.h.Plan("indigo_s3_replication", imported, cfg); err != nil || !pl.Noop() {
		t.Errorf("plan after import is not empty (%v):\nplanned %v\nstate   %v", err, pl.Planned, imported)
	}

	// Delete removes the rule and the remote target.
	if err := p.h.Destroy("indigo_s3_replication", state); err != nil {
		t.Fatal(err)
	}
	if r, err := p.ca.GetBucketReplication(ctx, "src"); err != nil || len(r.Rules) != 0 {
		t.Errorf("rules after delete: %+v, %v", r, err)
	}
	if got := p.h.Read("indigo_s3_replication", state); protoharness.GetString(t, got, "arn") != "" {
		t.Errorf("the remote target survived the delete: %v", got)
	}
}

func TestReplicationNeedsVersioning(t *testing.T) {
	p := startPair(t)
	p.h.Create("indigo_s3_bucket", map[string]any{"name": "src"})
	newHarness(t, providerFor(p.b, nil)).Create("indigo_s3_bucket", map[string]any{"name": "dst", "versioning": false})
	_, err := p.h.TryCreate("indigo_s3_replication", map[string]any{"bucket": "src", "target": "b", "target_bucket": "dst"})
	if err == nil || !strings.Contains(err.Error(), "versioning") || !strings.Contains(err.Error(), `"dst"`) || !strings.Contains(err.Error(), p.b.Endpoint) {
		t.Errorf("replicating to an unversioned bucket: %v", err)
	}
	_, err = p.h.TryCreate("indigo_s3_replication", map[string]any{"bucket": "src", "target": "c", "target_bucket": "dst"})
	if err == nil || !strings.Contains(err.Error(), `no s3_remote named "c"`) || !strings.Contains(err.Error(), `"b"`) {
		t.Errorf("replicating to an unknown remote: %v", err)
	}
}

// TestReplicationWrongRemoteCredentials: the remote's keys are wrong; the
// server refuses the target and the error says which endpoint.
func TestReplicationWrongRemoteCredentials(t *testing.T) {
	p := startPair(t)
	p.buckets(t, "src", "dst")
	cfg := providerFor(p.a, map[string]*testsrv.MinIO{"b": p.b})
	cfg["s3_remote"].([]map[string]any)[0]["secret_key"] = "not-the-secret"
	h := newHarness(t, cfg)
	_, err := h.TryCreate("indigo_s3_replication", map[string]any{"bucket": "src", "target": "b", "target_bucket": "dst"})
	t.Log(err)
	if err == nil || !strings.Contains(err.Error(), p.b.Endpoint) {
		t.Errorf("wrong remote credentials: %v", err)
	}
}

func waitFor(t testing.TB, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", timeout, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestReplicationBucketsGone: the replica's bucket deleted by hand is
// drift (in_sync false), not an error; the source's bucket deleted takes
// the replication with it.
func TestReplicationBucketsGone(t *testing.T) {
	ctx := context.Background()
	p := startPair(t)
	p.buckets(t, "src", "dst")
	state := p.h.Create("indigo_s3_replication", map[string]any{"bucket": "src", "target": "b", "target_bucket": "dst"})
	if err := p.cb.RemoveBucket(ctx, "dst"); err != nil {
		t.Fatal(err)
	}
	got, err := p.h.TryRead("indigo_s3_replication", state)
	if err != nil {
		t.Fatalf("Read with the replica's bucket gone: %v", err)
	}
	if protoharness.GetBool(t, got, "in_sync") {
		t.Error("Read says in_sync with the replica's bucket gone")
	}
	if err := p.ca.RemoveBucketReplication(ctx, "src"); err != nil {
		t.Fatal(err)
	}
	if err := p.ca.RemoveBucket(ctx, "src"); err != nil {
		t.Fatal(err)
	}
	if got := p.h.Read("indigo_s3_replication", state); !got.IsNull() {
		t.Errorf("Read with the source's bucket gone = %v, want null", got)
	}
}
