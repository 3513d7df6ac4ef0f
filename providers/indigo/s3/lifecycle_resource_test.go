package s3_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/lifecycle"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/providers/indigo/internal/protoharness"
)

func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	a := testsrv.StartMinIO(t, testsrv.MinIOOptions{})
	c := a.Client(t)
	h := newHarness(t, providerFor(a, nil))
	h.Create("indigo_s3_bucket", map[string]any{"name": "logs"})
	cfg := map[string]any{
		"bucket": "logs",
		"rule": []map[string]any{
			{"id": "tmp", "prefix": "tmp/", "expiration_days": 7},
			{"id": "old-versions", "noncurrent_expiration_days": 30},
		},
	}
	state := h.Create("indigo_s3_lifecycle", cfg)

	// Readable through the S3 API, as the server holds it.
	lc, err := c.GetBucketLifecycle(ctx, "logs")
	if err != nil || len(lc.Rules) != 2 {
		t.Fatalf("lifecycle on the server: %+v, %v", lc, err)
	}
	byID := map[string]lifecycle.Rule{}
	for _, r := range lc.Rules {
		byID[r.ID] = r
	}
	if r := byID["tmp"]; r.Status != "Enabled" || r.Expiration.Days != 7 || r.RuleFilter.Prefix != "tmp/" {
		t.Errorf("rule tmp on the server: %+v", r)
	}
	if r := byID["old-versions"]; r.NoncurrentVersionExpiration.NoncurrentDays != 30 {
		t.Errorf("rule old-versions on the server: %+v", r)
	}
	if p, err := h.Plan("indigo_s3_lifecycle", h.Read("indigo_s3_lifecycle", state), cfg); err != nil || !p.Noop() {
		t.Errorf("plan after create is not empty (%v):\nplanned %v\nstate   %v", err, p.Planned, p.Prior)
	}

	// Rules deleted by hand: drift, and the update puts them back.
	if err := c.SetBucketLifecycle(ctx, "logs", lifecycle.NewConfiguration()); err != nil {
		t.Fatal(err)
	}
	state = h.Read("indigo_s3_lifecycle", state)
	p, err := h.Plan("indigo_s3_lifecycle", state, cfg)
	if err != nil || p.Noop() {
		t.Fatalf("rules deleted by hand must plan an update: %v", err)
	}
	if state, err = h.Apply("indigo_s3_lifecycle", p); err != nil {
		t.Fatal(err)
	}
	if lc, err := c.GetBucketLifecycle(ctx, "logs"); err != nil || len(lc.Rules) != 2 {
		t.Errorf("after the update: %+v, %v", lc, err)
	}

	// One rule changed, one removed: in place.
	cfg["rule"] = []map[string]any{{"id": "tmp", "prefix": "tmp/", "expiration_days": 1}}
	state = h.Update("indigo_s3_lifecycle", state, cfg)
	if lc, err := c.GetBucketLifecycle(ctx, "logs"); err != nil || len(lc.Rules) != 1 || lc.Rules[0].Expiration.Days != 1 {
		t.Errorf("after changing the rules: %+v, %v", lc, err)
	}

	imported, err := h.ImportState("indigo_s3_lifecycle", "logs")
	if err != nil {
		t.Fatal(err)
	}
	if p, err := h.Plan("indigo_s3_lifecycle", imported, cfg); err != nil || !p.Noop() {
		t.Errorf("plan after import is not empty (%v)", err)
	}

	if err := h.Destroy("indigo_s3_lifecycle", state); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBucketLifecycle(ctx, "logs"); minio.ToErrorResponse(err).Code != "NoSuchLifecycleConfiguration" {
		t.Errorf("lifecycle after delete: %v", err)
	}
}

func TestLifecycleValidation(t *testing.T) {
	a := testsrv.StartMinIO(t, testsrv.MinIOOptions{})
	h := newHarness(t, providerFor(a, nil))
	for _, tc := range []struct {
		name  string
		rules []map[string]any
		want  string
	}{
		{"no rule", nil, "at least 1"},
		{"no action", []map[string]any{{"id": "x"}}, "without action"},
		{"transition without class", []map[string]any{{"id": "x", "transition_days": 3}}, "transition_storage_class"},
		{"duplicate id", []map[string]any{{"id": "x", "expiration_days": 1}, {"id": "x", "expiration_days": 2}}, "Duplicate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.Plan("indigo_s3_lifecycle", tftypes.Value{}, map[string]any{"bucket": "bkt1", "rule": tc.rules})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
	// A transition to a tier the server does not have: the server's refusal,
	// named.
	h.Create("indigo_s3_bucket", map[string]any{"name": "bkt1"})
	_, err := h.TryCreate("indigo_s3_lifecycle", map[string]any{"bucket": "bkt1", "rule": []map[string]any{
		{"id": "x", "transition_days": 1, "transition_storage_class": "NOWHERE"},
	}})
	t.Log(err)
	if err == nil || !strings.Contains(err.Error(), `"bkt1"`) || !strings.Contains(err.Error(), a.Endpoint) || !strings.Contains(err.Error(), "indigo_s3_tier") {
		t.Errorf("transition to a missing tier: %v", err)
	}
}

// TestTierTransition: a third server as a tier of a, and a transition
// rule that moves objects there.
func TestTierTransition(t *testing.T) {
	ctx := context.Background()
	a := testsrv.StartMinIO(t, testsrv.MinIOOptions{})
	cold := testsrv.StartMinIO(t, testsrv.MinIOOptions{})
	ca, cc := a.Client(t), cold.Client(t)
	h := newHarness(t, providerFor(a, map[string]*testsrv.MinIO{"cold": cold}))
	newHarness(t, providerFor(cold, nil)).Create("indigo_s3_bucket", map[string]any{"name": "tier-store", "versioning": false})

	tierCfg := map[string]any{"name": "WARM", "remote": "cold", "bucket": "tier-store", "prefix": "a/"}
	tier := h.Create("indigo_s3_tier", tierCfg)
	tier = h.Read("indigo_s3_tier", tier)
	if protoharness.GetString(t, tier, "endpoint") != cold.Endpoint || protoharness.GetString(t, tier, "bucket") != "tier-store" || protoharness.GetString(t, tier, "prefix") != "a/" {
		t.Errorf("tier as read back: %v", tier)
	}
	if p, err := h.Plan("indigo_s3_tier", tier, tierCfg); err != nil || !p.Noop() {
		t.Errorf("plan after create is not empty (%v):\nplanned %v\nstate   %v", err, p.Planned, tier)
	}
	if _, err := h.TryCreate("indigo_s3_tier", tierCfg); err == nil || !strings.Contains(err.Error(), "WARM") {
		t.Errorf("adding the same tier twice: %v", err)
	}
	if _, err := h.Plan("indigo_s3_tier", tftypes.Value{}, map[string]any{"name": "warm", "remote": "cold", "bucket": "tier-store"}); err == nil || !strings.Contains(err.Error(), "WARM") {
		t.Errorf("lowercase tier name: %v", err)
	}
	imported, err := h.ImportState("indigo_s3_tier", "WARM")
	if err != nil {
		t.Fatal(err)
	}
	if p, err := h.Plan("indigo_s3_tier", imported, tierCfg); err != nil || !p.Noop() {
		t.Errorf("plan after import is not empty (%v):\nplanned %v\nstate   %v", err, p.Planned, imported)
	}

	h.Create("indigo_s3_bucket", map[string]any{"name": "hot"})
	lcCfg := map[string]any{"bucket": "hot", "rule": []map[string]any{
		{"id": "to-warm", "transition_days": 0, "transition_storage_class": "WARM"},
	}}
	lc := h.Create("indigo_s3_lifecycle", lcCfg)
	if p, err := h.Plan("indigo_s3_lifecycle", h.Read("indigo_s3_lifecycle", lc), lcCfg); err != nil || !p.Noop() {
		t.Errorf("plan after create is not empty (%v)", err)
	}
	got, err := ca.GetBucketLifecycle(ctx, "hot")
	if err != nil || len(got.Rules) != 1 || got.Rules[0].Transition.StorageClass != "WARM" {
		t.Fatalf("transition rule on the server: %+v, %v", got, err)
	}

	// The transition itself: MinIO moves the object's data to the tier's
	// bucket and keeps serving it from a.
	put(t, ca, "hot", "big-result", []byte("archived data"))
	waitFor(t, "the object to move to the tier", 90*time.Second, func() bool {
		info, err := ca.StatObject(ctx, "hot", "big-result", minio.StatObjectOptions{})
		// minio-go leaves ObjectInfo.StorageClass empty on a stat.
		return err == nil && info.Metadata.Get("X-Amz-Storage-Class") == "WARM"
	})
	var onTier int
	for o := range cc.ListObjects(ctx, "tier-store", minio.ListObjectsOptions{Recursive: true, Prefix: "a/"}) {
		if o.Err == nil {
			onTier++
		}
	}
	if onTier == 0 {
		t.Error("nothing arrived in the tier's bucket on the third server")
	}
	if got := content(t, ca, "hot", "big-result"); got != "archived data" {
		t.Errorf("transitioned object reads %q", got)
	}

	// The tier is in use: removing it fails with a clear error.
	if err := h.Destroy("indigo_s3_tier", tier); err == nil {
		t.Error("removing a tier that holds objects succeeded")
	} else {
		t.Log(err)
	}
}
