package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

const s3User, s3Secret = "indigo-storage", "storage-secret-42"

// s3Site is an s3 site block whose keys come from var.key and var.secret,
// with extra settings lines.
func s3Site(name, location, endpoint, extra string) string {
	return fmt.Sprintf(`
site %q {
  kind     = "s3"
  location = %q
  settings {
    endpoint   = %q
    access_key = var.key
    secret_key = var.secret
%s  }
}
`, name, location, endpoint, extra)
}

// s3Keys declares the variables s3Site reads.
const s3Keys = `
variable "key" {
  type      = string
  sensitive = true
}
variable "secret" {
  type      = string
  sensitive = true
}
`

// twoS3Sites is a configuration with s3 sites a (IT) and b (DE), and more.
func twoS3Sites(a, b *testsrv.MinIO, more string) string {
	return s3Keys + s3Site("a", "IT", a.Endpoint, "") + s3Site("b", "DE", b.Endpoint, "") + more
}

// s3Config is a configuration with s3 sites a (IT), b (DE) and c (FR, a
// tape tier of a), and a storage whose body is given.
func s3Config(a, b, c *testsrv.MinIO, storage string) string {
	return s3Keys + s3Site("a", "IT", a.Endpoint, `    tiers = { COLD = { site = "c", media = ["tape"], latency = "nearline" } }
`) + s3Site("b", "DE", b.Endpoint, "") + s3Site("c", "FR", c.Endpoint, "") + storage
}

func writeConfig(t testing.TB, dir, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestStorageOnS3 goes through what a storage's QoS does on real S3
// servers: copies added (the new replica backfilled) and removed, a
// lifecycle transition to a tier on a third server, and the QoS and
// lifecycle problems that are errors before anything is touched.
func TestStorageOnS3(t *testing.T) {
	opts := testsrv.MinIOOptions{AccessKey: s3User, SecretKey: s3Secret}
	a, b, c := testsrv.StartMinIO(t, opts), testsrv.StartMinIO(t, opts), testsrv.StartMinIO(t, opts)
	ca, cb := a.Client(t), b.Client(t)
	ctx := context.Background()
	dir := t.TempDir()
	vars := []string{"-var", "key=" + s3User, "-var", "secret=" + s3Secret}
	run := func(want int, args ...string) string {
		t.Helper()
		out, code := runIn(t, dir, append(args, vars...)...)
		if code != want {
			t.Fatalf("indigo %s: exit %d, want %d\n%s", strings.Join(args, " "), code, want, out)
		}
		return out
	}
	storage := func(copies int, extra string) string {
		return fmt.Sprintf(`
storage "data" {
  force_destroy = true
  qos { copies = %d }
  placement {
    sites  = [site.a, site.b]
    prefer = [site.a]
  }
%s}
`, copies, extra)
	}

	// One copy, with data in it.
	writeConfig(t, dir, s3Config(a, b, c, storage(1, "")))
	run(0, "apply", "-auto-approve")
	for i := range 5 {
		body := []byte(fmt.Sprintf("object %d\n", i))
		if _, err := ca.PutObject(ctx, "indigo-data-a", fmt.Sprintf("k/%d", i), bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if ok, _ := cb.BucketExists(ctx, "indigo-data-b"); ok {
		t.Fatal("a second copy exists with copies = 1")
	}

	// Two copies: the new replica holds what was written before.
	writeConfig(t, dir, s3Config(a, b, c, storage(2, "")))
	run(0, "apply", "-auto-approve")
	waitFor(t, time.Minute, "the replica to be backfilled", func() bool {
		n := 0
		for obj := range cb.ListObjects(ctx, "indigo-data-b", minio.ListObjectsOptions{Recursive: true}) {
			if obj.Err == nil {
				n++
			}
		}
		return n == 5
	})
	run(0, "plan", "-detailed-exitcode")

	// Back to one copy: the rule and the replica's bucket go.
	writeConfig(t, dir, s3Config(a, b, c, storage(1, "")))
	run(0, "apply", "-auto-approve")
	if ok, _ := cb.BucketExists(ctx, "indigo-data-b"); ok {
		t.Error("the replica's bucket is still there with copies = 1")
	}
	if cfg, err := ca.GetBucketReplication(ctx, "indigo-data-a"); err == nil && len(cfg.Rules) > 0 {
		t.Errorf("the replication rule is still there with copies = 1: %+v", cfg.Rules)
	}
	run(0, "plan", "-detailed-exitcode")

	// A transition to tape goes to a's tier, whose data is on c.
	writeConfig(t, dir, s3Config(a, b, c, storage(1, `
  lifecycle {
    after      = "30d"
    transition = { media = ["tape"] }
  }
`)))
	run(0, "apply", "-auto-approve")
	lc, err := ca.GetBucketLifecycle(ctx, "indigo-data-a")
	if err != nil || len(lc.Rules) != 1 || lc.Rules[0].Transition.StorageClass != "COLD_DATA" || lc.Rules[0].Transition.Days != 30 {
		t.Errorf("the transition rule on a: %+v, %v", lc, err)
	}
	if ok, err := c.Client(t).BucketExists(ctx, "indigo-data-c-tier-cold"); err != nil || !ok {
		t.Errorf("the tier's bucket on c: %v, %v", ok, err)
	}
	run(0, "plan", "-detailed-exitcode")
	run(0, "destroy", "-auto-approve")
	for _, bucket := range []string{"indigo-data-a", "indigo-data-b"} {
		if ok, _ := ca.BucketExists(ctx, bucket); ok {
			t.Errorf("%s left after destroy", bucket)
		}
	}

	// Problems that are errors before anything is touched.
	for _, tc := range []struct {
		name, storage, want string
	}{
		{"no site offers the medium", strings.Replace(storage(1, ""), "qos { copies = 1 }", `qos {
    copies = 1
    media  = ["nvme"]
  }`, 1), "site a: offers media disk, not nvme"},
		{"a lifecycle shorter than a day", storage(1, `
  lifecycle {
    after  = "12h"
    expire = true
  }
`), "Lifecycle delay shorter than a day"},
		{"a transition no tier takes", strings.Replace(storage(1, `
  lifecycle {
    after      = "30d"
    transition = { media = ["ssd"] }
  }
`), "sites  = [site.a, site.b]", "sites  = [site.b]", 1), "has no tier offering media ssd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			writeConfig(t, dir, s3Config(a, b, c, tc.storage))
			out := run(1, "plan")
			if !strings.Contains(out, tc.want) {
				t.Errorf("plan does not say %q:\n%s", tc.want, out)
			}
			if vout, code := runIn(t, dir, "validate"); code != 1 || !strings.Contains(vout, tc.want) {
				t.Errorf("validate (exit %d) does not say %q:\n%s", code, tc.want, vout)
			}
		})
	}
}

func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestStorageRedundancyClass: qos redundancy picks the storage class of
// the replicas, which a 4-drive MinIO erasure set honours; a site that does
// not list the class is ruled out.
func TestStorageRedundancyClass(t *testing.T) {
	a := testsrv.StartMinIO(t, testsrv.MinIOOptions{AccessKey: s3User, SecretKey: s3Secret})
	b := testsrv.StartMinIO(t, testsrv.MinIOOptions{AccessKey: s3User, SecretKey: s3Secret, Drives: 4})
	dir := t.TempDir()
	vars := []string{"-var", "key=" + s3User, "-var", "secret=" + s3Secret}
	cfg := func(classesB string) string {
		return s3Keys +
			s3Site("a", "IT", a.Endpoint, "    storage_classes = [\"STANDARD\", \"REDUCED_REDUNDANCY\"]\n") +
			s3Site("b", "DE", b.Endpoint, "    storage_classes = "+classesB+"\n") + `
storage "scratch" {
  force_destroy = true
  qos {
    copies     = 2
    redundancy = "REDUCED_REDUNDANCY"
  }
  placement { prefer = [site.a] }
}
`
	}
	writeConfig(t, dir, cfg(`["STANDARD"]`))
	out, code := runIn(t, dir, append([]string{"plan"}, vars...)...)
	if code != 1 || !strings.Contains(out, "site b: offers the storage classes STANDARD, not REDUCED_REDUNDANCY") {
		t.Fatalf("a site without the class is not ruled out (exit %d):\n%s", code, out)
	}
	writeConfig(t, dir, cfg(`["STANDARD", "REDUCED_REDUNDANCY"]`))
	if out, code := runIn(t, dir, append([]string{"apply", "-auto-approve"}, vars...)...); code != 0 {
		t.Fatalf("apply: %d\n%s", code, out)
	}
	ctx := context.Background()
	body := []byte("scratch data\n")
	if _, err := a.Client(t).PutObject(ctx, "indigo-scratch-a", "x", bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	cb := b.Client(t)
	var class string
	waitFor(t, time.Minute, "the object to reach the erasure-coded replica", func() bool {
		info, err := cb.StatObject(ctx, "indigo-scratch-b", "x", minio.StatObjectOptions{})
		// minio-go leaves StorageClass empty on a HEAD; the header says.
		class = info.Metadata.Get("X-Amz-Storage-Class")
		return err == nil
	})
	if class != "REDUCED_REDUNDANCY" {
		t.Errorf("the replica's storage class is %q, want REDUCED_REDUNDANCY", class)
	}
	if out, code := runIn(t, dir, append([]string{"destroy", "-auto-approve"}, vars...)...); code != 0 {
		t.Fatalf("destroy: %d\n%s", code, out)
	}
}

// TestStorageFaults: wrong keys, an endpoint that is down and a bucket
// name someone else took are clear errors, and the state records exactly
// the buckets that exist afterwards: nothing half-created is lost.
func TestStorageFaults(t *testing.T) {
	opts := testsrv.MinIOOptions{AccessKey: s3User, SecretKey: s3Secret}
	a, b := testsrv.StartMinIO(t, opts), testsrv.StartMinIO(t, opts)
	ctx := context.Background()
	clients := map[string]*minio.Client{"a": a.Client(t), "b": b.Client(t)}
	dir := t.TempDir()
	writeConfig(t, dir, twoS3Sites(a, b, `
storage "f" {
  force_destroy = true
  qos { copies = 2 }
  placement { prefer = [site.a] }
}
`))
	apply := func(secret string) string {
		t.Helper()
		out, code := runIn(t, dir, "apply", "-auto-approve", "-var", "key="+s3User, "-var", "secret="+secret)
		if code != 1 {
			t.Fatalf("apply: exit %d, want 1\n%s", code, out)
		}
		return out
	}
	// recordedMatches checks that the state holds exactly the buckets
	// that exist (but for one someone else made).
	foreign := ""
	recordedMatches := func(when string) {
		t.Helper()
		st, _ := runIn(t, dir, "state", "list")
		for site, c := range clients {
			if "indigo-f-"+site == foreign {
				if strings.Contains(st, "indigo_s3_bucket.bucket_"+site) {
					t.Errorf("%s: someone else's bucket is recorded\n%s", when, st)
				}
				continue
			}
			name := "indigo-f-" + site
			ok, err := c.BucketExists(ctx, name)
			if err != nil {
				continue // the server is down
			}
			if rec := strings.Contains(st, "indigo_s3_bucket.bucket_"+site); rec != ok {
				t.Errorf("%s: bucket %s exists %v, recorded %v\n%s", when, name, ok, rec, st)
			}
		}
	}

	out := apply("not-the-secret")
	if !strings.Contains(out, "S3 credentials rejected") || strings.Contains(out, "not-the-secret") {
		t.Errorf("wrong keys:\n%s", out)
	}
	recordedMatches("after wrong keys")

	clients["b"].MakeBucket(ctx, "indigo-f-b", minio.MakeBucketOptions{})
	foreign = "indigo-f-b"
	out = apply(s3Secret)
	if !strings.Contains(out, "S3 bucket name taken") || !strings.Contains(out, "indigo-f-b") {
		t.Errorf("bucket name taken:\n%s", out)
	}
	recordedMatches("after a name taken")
	clients["b"].RemoveBucket(ctx, "indigo-f-b")
	foreign = ""

	b.Stop()
	out = apply(s3Secret)
	if !strings.Contains(out, "S3 endpoint unreachable") || !strings.Contains(out, b.Endpoint) {
		t.Errorf("endpoint down:\n%s", out)
	}
	recordedMatches("with b down")

	// Once the fault is gone, the next apply converges.
	b.Restart(t)
	if out, code := runIn(t, dir, "apply", "-auto-approve", "-var", "key="+s3User, "-var", "secret="+s3Secret); code != 0 {
		t.Fatalf("apply after the faults: %d\n%s", code, out)
	}
	recordedMatches("after recovery")
	if out, code := runIn(t, dir, "plan", "-detailed-exitcode", "-var", "key="+s3User, "-var", "secret="+s3Secret); code != 0 {
		t.Errorf("plan after recovery: %d\n%s", code, out)
	}
}
