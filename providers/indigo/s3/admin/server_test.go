package admin

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

func TestMain(m *testing.M) { os.Exit(testsrv.Main(m)) }

// TestAgainstMinIO runs every call against a real server, and decrypts a
// response the server encrypted (list-users), so both directions of the
// encryption are checked against MinIO's own.
func TestAgainstMinIO(t *testing.T) {
	ctx := context.Background()
	a := testsrv.StartMinIO(t, testsrv.MinIOOptions{})
	b := testsrv.StartMinIO(t, testsrv.MinIOOptions{})
	for _, s := range []struct {
		m *testsrv.MinIO
		n string
	}{{a, "src"}, {b, "dst"}, {b, "tier"}} {
		c := s.m.Client(t)
		if err := c.MakeBucket(ctx, s.n, minio.MakeBucketOptions{}); err != nil {
			t.Fatal(err)
		}
		if s.n != "tier" {
			if err := c.EnableVersioning(ctx, s.n); err != nil {
				t.Fatal(err)
			}
		}
	}
	c, err := New(a.Endpoint, a.AccessKey, a.SecretKey, "", nil)
	if err != nil {
		t.Fatal(err)
	}

	// Quota.
	if err := c.SetBucketQuota(ctx, "src", 5<<20); err != nil {
		t.Fatal(err)
	}
	if q, err := c.BucketQuota(ctx, "src"); err != nil || q != 5<<20 {
		t.Errorf("BucketQuota = %d, %v", q, err)
	}
	if err := c.SetBucketQuota(ctx, "src", 0); err != nil {
		t.Fatal(err)
	}
	if q, err := c.BucketQuota(ctx, "src"); err != nil || q != 0 {
		t.Errorf("BucketQuota after clearing = %d, %v", q, err)
	}

	// Remote targets (encrypted request body).
	target := RemoteTarget{Endpoint: b.Host, TargetBucket: "dst", Credentials: &Credentials{AccessKey: b.AccessKey, SecretKey: b.SecretKey}}
	arn, err := c.SetRemoteTarget(ctx, "src", target)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.SetRemoteTarget(ctx, "src", target)
	if err != nil || again != arn {
		t.Errorf("registering the same target again: %q, %v; want the same ARN %q", again, err, arn)
	}
	ts, err := c.RemoteTargets(ctx, "src", ReplicationTarget)
	if err != nil || len(ts) != 1 || ts[0].ARN != arn || ts[0].Endpoint != b.Host || ts[0].TargetBucket != "dst" {
		t.Errorf("RemoteTargets = %+v, %v", ts, err)
	}
	if err := c.RemoveRemoteTarget(ctx, "src", arn); err != nil {
		t.Fatal(err)
	}
	if ts, err := c.RemoteTargets(ctx, "src", ReplicationTarget); err != nil || len(ts) != 0 {
		t.Errorf("RemoteTargets after removal = %+v, %v", ts, err)
	}

	// Tiers (encrypted request body).
	err = c.AddTier(ctx, NewMinIOTier("COLD", MinIOTier{Endpoint: b.Endpoint, AccessKey: b.AccessKey, SecretKey: b.SecretKey, Bucket: "tier", Prefix: "p/"}))
	if err != nil {
		t.Fatal(err)
	}
	tiers, err := c.Tiers(ctx)
	if err != nil || len(tiers) != 1 || tiers[0].Name != "COLD" || tiers[0].Type != "minio" || tiers[0].MinIO == nil ||
		tiers[0].MinIO.Bucket != "tier" || tiers[0].MinIO.Prefix != "p/" || tiers[0].MinIO.Endpoint != b.Endpoint {
		t.Errorf("Tiers = %+v, %v", tiers, err)
	}
	if err := c.RemoveTier(ctx, "COLD", false); err != nil {
		t.Fatal(err)
	}
	if tiers, err := c.Tiers(ctx); err != nil || len(tiers) != 0 {
		t.Errorf("Tiers after removal = %+v, %v", tiers, err)
	}

	// A response the server encrypts with the caller's secret key.
	enc, err := c.do(ctx, http.MethodGet, "list-users", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Decrypt(a.SecretKey, enc)
	if err != nil {
		t.Fatalf("decrypting the server's list-users answer (algorithm %#x): %v", enc[32], err)
	}
	var users map[string]any
	if err := json.Unmarshal(plain, &users); err != nil {
		t.Errorf("list-users decrypted to %q: %v", plain, err)
	}

	// Wrong credentials: the server's error code comes through.
	bad, _ := New(a.Endpoint, a.AccessKey, "wrong", "", nil)
	if _, err := bad.Tiers(ctx); ErrorCode(err) != "SignatureDoesNotMatch" {
		t.Errorf("wrong secret key: %v (code %q)", err, ErrorCode(err))
	}
	// An unknown bucket.
	if _, err := c.BucketQuota(ctx, "nope"); ErrorCode(err) != "NoSuchBucket" {
		t.Errorf("quota of a missing bucket: %v (code %q)", err, ErrorCode(err))
	}
}
