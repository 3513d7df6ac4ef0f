package s3_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/minio/minio-go/v7"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/providers/indigo/internal/protoharness"
)

func put(t testing.TB, c *minio.Client, bucket, key string, data []byte) {
	t.Helper()
	if _, err := c.PutObject(context.Background(), bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
		t.Fatalf("putting %s/%s: %v", bucket, key, err)
	}
}

func TestBucket(t *testing.T) {
	ctx := context.Background()
	a := testsrv.StartMinIO(t, testsrv.MinIOOptions{})
	c := a.Client(t)
	h := newHarness(t, providerFor(a, nil))
	cfg := map[string]any{
		"name":  "data",
		"tags":  map[string]string{"indigo-storage": "storage.archive"},
		"quota": 1 << 20,
	}
	state := h.Create("indigo_s3_bucket", cfg)

	// What the server holds, seen through the S3 API.
	if v, err := c.GetBucketVersioning(ctx, "data"); err != nil || !v.Enabled() {
		t.Errorf("versioning on the server: %+v, %v; want enabled by default", v, err)
	}
	if tg, err := c.GetBucketTagging(ctx, "data"); err != nil || tg.ToMap()["indigo-storage"] != "storage.archive" {
		t.Errorf("tags on the server: %v, %v", tg, err)
	}
	// The quota is enforced: an object bigger than it is refused.
	big := bytes.Repeat([]byte("x"), 2<<20)
	if _, err := c.PutObject(ctx, "data", "big", bytes.NewReader(big), int64(len(big)), minio.PutObjectOptions{}); err == nil {
		t.Error("a 2 MiB object went into a bucket with a 1 MiB hard quota")
	}
	put(t, c, "data", "a", []byte("hello"))
	put(t, c, "data", "a", []byte("hello again")) // a second version
	put(t, c, "data", "b/c", []byte("x"))

	state = h.Read("indigo_s3_bucket", state)
	if got := protoharness.GetInt(t, state, "quota"); got != 1<<20 {
		t.Errorf("quota read back = %d, want %d", got, 1<<20)
	}
	if got, want := protoharness.GetInt(t, state, "objects"), int64(2); got != want {
		t.Errorf("objects = %d, want %d", got, want)
	}
	if got, want := protoharness.GetInt(t, state, "bytes"), int64(5+11+1); got != want {
		t.Errorf("bytes = %d, want %d (all versions)", got, want)
	}
	if p, err := h.Plan("indigo_s3_bucket", state, cfg); err != nil || !p.Noop() {
		t.Errorf("plan right after create is not empty (%v):\nplanned %v\nstate   %v", err, p.Planned, state)
	}

	// Drift: tags removed, versioning suspended and quota cleared by hand.
	if err := c.RemoveBucketTagging(ctx, "data"); err != nil {
		t.Fatal(err)
	}
	if err := c.SuspendVersioning(ctx, "data"); err != nil {
		t.Fatal(err)
	}
	state = h.Read("indigo_s3_bucket", state)
	if protoharness.GetBool(t, state, "versioning") {
		t.Error("Read does not see versioning suspended by hand")
	}
	if tg := protoharness.Get(t, state, "tags"); !tg.IsNull() && tg.String() != tftypes.NewValue(tg.Type(), map[string]tftypes.Value{}).String() {
		t.Errorf("Read does not see the tags removed by hand: %v", tg)
	}
	p, err := h.Plan("indigo_s3_bucket", state, cfg)
	if err != nil || p.Noop() || len(p.Replace) > 0 {
		t.Fatalf("drift must plan an in-place update: %v, replace %v", err, p.Replace)
	}
	if state, err = h.Apply("indigo_s3_bucket", p); err != nil {
		t.Fatal(err)
	}
	if v, _ := c.GetBucketVersioning(ctx, "data"); !v.Enabled() {
		t.Error("update did not turn versioning back on")
	}
	if tg, err := c.GetBucketTagging(ctx, "data"); err != nil || tg.ToMap()["indigo-storage"] != "storage.archive" {
		t.Errorf("update did not put the tags back: %v, %v", tg, err)
	}

	// Quota change and removal, in place.
	delete(cfg, "quota")
	state = h.Update("indigo_s3_bucket", state, cfg)
	if got := protoharness.GetInt(t, h.Read("indigo_s3_bucket", state), "quota"); got != -1 {
		t.Errorf("quota after removing it = %d, want none", got)
	}

	// Not empty: delete refuses and says what to do.
	err = h.Destroy("indigo_s3_bucket", state)
	if err == nil || !strings.Contains(err.Error(), "force_destroy") || !strings.Contains(err.Error(), `"data"`) || !strings.Contains(err.Error(), a.Endpoint) {
		t.Fatalf("deleting a non-empty bucket: %v; want an error naming the bucket, the endpoint and force_destroy", err)
	}
	if ok, _ := c.BucketExists(ctx, "data"); !ok {
		t.Fatal("the bucket went despite the refusal")
	}
	cfg["force_destroy"] = true
	state = h.Update("indigo_s3_bucket", state, cfg)
	if err := h.Destroy("indigo_s3_bucket", state); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.BucketExists(ctx, "data"); ok {
		t.Error("bucket still there after a forced destroy")
	}
	// Gone: Read drops it, so the next plan creates it.
	if got := h.Read("indigo_s3_bucket", state); !got.IsNull() {
		t.Errorf("Read of a deleted bucket = %v, want null", got)
	}
}

func TestBucketUnversionedAndImport(t *testing.T) {
	ctx := context.Background()
	a := testsrv.StartMinIO(t, testsrv.MinIOOptions{})
	c := a.Client(t)
	h := newHarness(t, providerFor(a, nil))
	state := h.Create("indigo_s3_bucket", map[string]any{"name": "plain", "versioning": false})
	if v, _ := c.GetBucketVersioning(ctx, "plain"); v.Enabled() {
		t.Error("versioning = false still enabled versioning")
	}
	if err := h.Destroy("indigo_s3_bucket", state); err != nil {
		t.Fatalf("deleting an empty bucket: %v", err)
	}

	if err := c.MakeBucket(ctx, "existing", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	put(t, c, "existing", "k", []byte("v"))
	state, err := h.ImportState("indigo_s3_bucket", "existing")
	if err != nil {
		t.Fatal(err)
	}
	if protoharness.GetBool(t, state, "versioning") || protoharness.GetInt(t, state, "objects") != 1 || protoharness.GetBool(t, state, "force_destroy") {
		t.Errorf("imported state = %v", state)
	}
	p, err := h.Plan("indigo_s3_bucket", state, map[string]any{"name": "existing", "versioning": false})
	if err != nil || !p.Noop() {
		t.Errorf("plan after import is not empty (%v):\nplanned %v\nstate   %v", err, p.Planned, state)
	}
	if _, err := h.ImportState("indigo_s3_bucket", "nope"); err == nil {
		t.Error("importing a missing bucket succeeded")
	}
}

func TestBucketFaults(t *testing.T) {
	ctx := context.Background()
	a := testsrv.StartMinIO(t, testsrv.MinIOOptions{})
	c := a.Client(t)

	t.Run("name taken", func(t *testing.T) {
		if err := c.MakeBucket(ctx, "taken", minio.MakeBucketOptions{}); err != nil {
			t.Fatal(err)
		}
		h := newHarness(t, providerFor(a, nil))
		_, err := h.TryCreate("indigo_s3_bucket", map[string]any{"name": "taken"})
		t.Log(err)
		if err == nil || !strings.Contains(err.Error(), "name taken") || !strings.Contains(err.Error(), `"taken"`) || !strings.Contains(err.Error(), "import") {
			t.Errorf("creating a bucket whose name is taken: %v", err)
		}
	})
	t.Run("wrong credentials", func(t *testing.T) {
		cfg := providerFor(a, nil)
		cfg["s3"].(map[string]any)["secret_key"] = "wrong-secret"
		h := newHarness(t, cfg)
		_, err := h.TryCreate("indigo_s3_bucket", map[string]any{"name": "creds"})
		t.Log(err)
		if err == nil || !strings.Contains(err.Error(), "credentials rejected") || !strings.Contains(err.Error(), a.Endpoint) || !strings.Contains(err.Error(), "secret_key") {
			t.Errorf("wrong secret key: %v; want an error naming the endpoint and the setting to fix", err)
		}
	})
	t.Run("no s3 block", func(t *testing.T) {
		h := newHarness(t, map[string]any{})
		_, err := h.TryCreate("indigo_s3_bucket", map[string]any{"name": "nowhere"})
		t.Log(err)
		if err == nil || !strings.Contains(err.Error(), "s3 block") || !strings.Contains(err.Error(), "endpoint") {
			t.Errorf("bucket on a provider without s3: %v", err)
		}
	})
	t.Run("bad provider config", func(t *testing.T) {
		t.Setenv("AWS_ACCESS_KEY_ID", "")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "")
		_, err := tryHarness(t, map[string]any{"s3": map[string]any{"endpoint": "127.0.0.1:9000"}})
		if err == nil || !strings.Contains(err.Error(), "http://host:port") || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
			t.Errorf("endpoint without scheme and no keys: %v", err)
		}
		t.Setenv("AWS_ACCESS_KEY_ID", a.AccessKey)
		t.Setenv("AWS_SECRET_ACCESS_KEY", a.SecretKey)
		h := newHarness(t, map[string]any{"s3": map[string]any{"endpoint": a.Endpoint}})
		state := h.Create("indigo_s3_bucket", map[string]any{"name": "fromenv"})
		if err := h.Destroy("indigo_s3_bucket", state); err != nil {
			t.Error(err)
		}
		_, err = tryHarness(t, map[string]any{"s3": map[string]any{"endpoint": a.Endpoint}, "s3_remote": []map[string]any{
			{"name": "b", "endpoint": a.Endpoint, "access_key": "x", "secret_key": "y"},
			{"name": "b", "endpoint": a.Endpoint, "access_key": "x", "secret_key": "y"},
		}})
		if err == nil || !strings.Contains(err.Error(), "Duplicate s3_remote") {
			t.Errorf("two remotes named b: %v", err)
		}
	})
	t.Run("invalid name", func(t *testing.T) {
		h := newHarness(t, providerFor(a, nil))
		if _, err := h.Plan("indigo_s3_bucket", tftypes.Value{}, map[string]any{"name": "Bad_Name"}); err == nil || !strings.Contains(err.Error(), "bucket name") {
			t.Errorf("invalid bucket name: %v", err)
		}
	})
	t.Run("endpoint down", func(t *testing.T) {
		h := newHarness(t, providerFor(a, nil))
		state := h.Create("indigo_s3_bucket", map[string]any{"name": "down"})
		a.Stop()
		_, err := h.TryRead("indigo_s3_bucket", state)
		t.Log(err)
		if err == nil || !strings.Contains(err.Error(), "unreachable") || !strings.Contains(err.Error(), a.Endpoint) || !strings.Contains(err.Error(), `"down"`) {
			t.Errorf("reading with the server down: %v; want an error naming the endpoint and the bucket", err)
		}
	})
}
