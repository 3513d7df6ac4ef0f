package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// copyExample copies an example's files (not its state) into a fresh
// directory, so a test runs exactly the example without writing into the
// repository.
func copyExample(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join("..", "..", "examples", name)
	dir := t.TempDir()
	err := filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if info.IsDir() {
			if strings.HasPrefix(info.Name(), ".indigo") || strings.HasPrefix(info.Name(), "sites") && rel != "." {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		if strings.HasPrefix(info.Name(), "indigo.state") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestStorageQoSExample runs examples/storage-qos as its README says,
// against two real MinIO servers, and checks what exists on them.
func TestStorageQoSExample(t *testing.T) {
	const user, secret = "indigo-example", "example-secret-42"
	a := testsrv.StartMinIO(t, testsrv.MinIOOptions{AccessKey: user, SecretKey: secret})
	b := testsrv.StartMinIO(t, testsrv.MinIOOptions{AccessKey: user, SecretKey: secret})
	dir := copyExample(t, "storage-qos")
	vars := []string{
		"-var", fmt.Sprintf(`endpoints={a=%q,b=%q}`, a.Endpoint, b.Endpoint),
		"-var", "access_key=" + user, "-var", "secret_key=" + secret,
	}
	run := func(want int, args ...string) string {
		t.Helper()
		out, code := runIn(t, dir, append(args, vars...)...)
		if code != want {
			t.Fatalf("indigo %s: exit %d, want %d\n%s", strings.Join(args, " "), code, want, out)
		}
		return out
	}
	if out, code := runIn(t, dir, "validate"); code != 0 {
		t.Fatalf("validate: %d\n%s", code, out)
	}
	run(0, "plan")
	run(0, "apply", "-auto-approve")
	run(0, "plan", "-detailed-exitcode")

	out, code := runIn(t, dir, "output", "-json", "buckets")
	if code != 0 {
		t.Fatalf("output: %d\n%s", code, out)
	}
	var buckets map[string]string
	if err := json.Unmarshal([]byte(out), &buckets); err != nil {
		t.Fatalf("output buckets: %v\n%s", err, out)
	}
	if buckets["a"] == "" || buckets["b"] == "" {
		t.Fatalf("buckets = %v", buckets)
	}
	// Credentials never reach the state.
	for _, f := range []string{"indigo.state", "indigo.state.journal"} {
		if data, err := os.ReadFile(filepath.Join(dir, f)); err == nil && bytes.Contains(data, []byte(secret)) {
			t.Errorf("%s holds the secret key", f)
		}
	}

	ctx := context.Background()
	ca, cb := a.Client(t), b.Client(t)
	for site, c := range map[string]*minio.Client{"a": ca, "b": cb} {
		v, err := c.GetBucketVersioning(ctx, buckets[site])
		if err != nil || !v.Enabled() {
			t.Errorf("bucket on %s: versioning %+v, %v", site, v, err)
		}
		tags, err := c.GetBucketTagging(ctx, buckets[site])
		if err != nil || tags.ToMap()["indigo-storage"] != "storage.archive" {
			t.Errorf("bucket on %s: tags %v, %v", site, tags, err)
		}
	}
	// The lifecycle rule is readable through the S3 API on a.
	lc, err := ca.GetBucketLifecycle(ctx, buckets["a"])
	if err != nil || len(lc.Rules) != 1 || lc.Rules[0].NoncurrentVersionExpiration.NoncurrentDays != 30 {
		t.Errorf("lifecycle on a: %+v, %v", lc, err)
	}

	// What is written to a reaches b, with the same content.
	body := bytes.Repeat([]byte("indigo storage qos\n"), 1000)
	if _, err := ca.PutObject(ctx, buckets["a"], "data/run-1.txt", bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(body)
	deadline := time.Now().Add(60 * time.Second)
	for {
		obj, err := cb.GetObject(ctx, buckets["b"], "data/run-1.txt", minio.GetObjectOptions{})
		if err == nil {
			got, rerr := io.ReadAll(obj)
			obj.Close()
			if rerr == nil && sha256.Sum256(got) == want {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the object never reached the replica on b: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// A replication rule removed by hand is drift; apply puts it back.
	if err := ca.RemoveBucketReplication(ctx, buckets["a"]); err != nil {
		t.Fatal(err)
	}
	out = run(2, "plan", "-detailed-exitcode")
	if !strings.Contains(out, "indigo_s3_replication.replica_b") {
		t.Errorf("the plan does not repair the replication:\n%s", out)
	}
	out = run(0, "apply", "-auto-approve")
	if cfg, err := ca.GetBucketReplication(ctx, buckets["a"]); err != nil || len(cfg.Rules) == 0 {
		t.Errorf("replication not restored: %+v, %v\n%s", cfg, err, out)
	}
	run(0, "plan", "-detailed-exitcode")

	// Destroy leaves nothing.
	run(0, "destroy", "-auto-approve")
	for site, c := range map[string]*minio.Client{"a": ca, "b": cb} {
		if ok, err := c.BucketExists(ctx, buckets[site]); err != nil || ok {
			t.Errorf("bucket on %s after destroy: exists %v, %v", site, ok, err)
		}
	}
}
