package s3_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/providers/indigo/internal/protoharness"
	"github.com/indigo-cloud/indigo/providers/indigo/s3/admin"
)

// oidcWorld is a Dex with users of groups cms and atlas, and a MinIO that
// takes policy names from Dex's groups claim.
type oidcWorld struct {
	dex   *testsrv.Dex
	minio *testsrv.MinIO
	root  *minio.Client
	admin *admin.Client
}

const (
	cmsUser   = "carla@cms.example.org"
	atlasUser = "arno@atlas.example.org"
)

func startOIDC(t *testing.T) *oidcWorld {
	t.Helper()
	d := testsrv.StartDex(t, testsrv.DexOptions{
		Users: []testsrv.DexUser{
			{Email: cmsUser, Password: "cms-pw", Groups: []string{"cms"}},
			{Email: atlasUser, Password: "atlas-pw", Groups: []string{"atlas"}},
		},
		ClientID: "minio",
	})
	m := testsrv.StartMinIO(t, testsrv.MinIOOptions{Env: testsrv.OpenIDEnv(d, d.ClientID, d.ClientSecret)})
	adm, err := admin.New(m.Endpoint, m.AccessKey, m.SecretKey, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return &oidcWorld{dex: d, minio: m, root: m.Client(t), admin: adm}
}

// assumeRole exchanges user's id_token for STS credentials with
// AssumeRoleWithWebIdentity (minio-go's client) and returns an S3 client
// with them, or the STS error.
func (w *oidcWorld) assumeRole(t *testing.T, user, password string) (*minio.Client, error) {
	t.Helper()
	token := w.dex.IDToken(t, user, password)
	creds, err := credentials.NewSTSWebIdentity(w.minio.Endpoint, func() (*credentials.WebIdentityToken, error) {
		return &credentials.WebIdentityToken{Token: token}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := creds.Get(); err != nil {
		return nil, err
	}
	return minio.New(w.minio.Host, &minio.Options{Creds: creds, MaxRetries: 1})
}

// assumeRoleStatus does AssumeRoleWithWebIdentity by hand and returns the
// HTTP status and body, for what minio-go's error hides (the status).
func (w *oidcWorld) assumeRoleStatus(t *testing.T, user, password string) (int, string) {
	t.Helper()
	form := url.Values{
		"Action":           {"AssumeRoleWithWebIdentity"},
		"Version":          {"2011-06-15"},
		"WebIdentityToken": {w.dex.IDToken(t, user, password)},
		"DurationSeconds":  {"900"},
	}
	resp, err := http.PostForm(w.minio.Endpoint, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// access is what a client may do with bucket: list, read key, write.
type access struct{ list, read, write error }

func tryAccess(c *minio.Client, bucket, key string) access {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var a access
	for o := range c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			a.list = o.Err
			break
		}
	}
	if obj, err := c.GetObject(ctx, bucket, key, minio.GetObjectOptions{}); err != nil {
		a.read = err
	} else {
		_, a.read = io.ReadAll(obj)
		obj.Close()
	}
	body := "written by a test"
	_, a.write = c.PutObject(ctx, bucket, "new-object", strings.NewReader(body), int64(len(body)), minio.PutObjectOptions{})
	return a
}

func isAccessDenied(err error) bool {
	return err != nil && minio.ToErrorResponse(err).Code == "AccessDenied"
}

// readPolicy is the cms group's policy: read and list one bucket. Written
// with single values where the server stores lists, and keys in another
// order, so Read sees the server's re-encoding.
const readPolicy = `{
  "Statement": [
    {"Resource": "arn:aws:s3:::archive/*", "Action": "s3:GetObject", "Effect": "Allow"},
    {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"], "Resource": "arn:aws:s3:::archive", "Sid": ""}
  ],
  "Version": "2012-10-17"
}`

func TestPolicyEnforcedThroughOpenIDGroups(t *testing.T) {
	ctx := context.Background()
	w := startOIDC(t)
	if err := w.root.MakeBucket(ctx, "archive", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	put(t, w.root, "archive", "run1/data.root", []byte("events"))

	// Before any policy, nobody gets credentials.
	if _, err := w.assumeRole(t, cmsUser, "cms-pw"); err == nil {
		t.Fatal("the cms user got STS credentials before there was a cms policy")
	}

	h := newHarness(t, providerFor(w.minio, nil))
	cfg := map[string]any{"name": "cms", "document": readPolicy}
	state := h.Create("indigo_s3_policy", cfg)
	if got := protoharness.GetString(t, state, "id"); got != "cms" {
		t.Errorf("id = %q, want cms", got)
	}
	// The server re-encodes the document; reading it back shows no change.
	state = h.Read("indigo_s3_policy", state)
	if got := protoharness.GetString(t, state, "document"); got != readPolicy {
		t.Errorf("Read replaced the configured document by an equal one:\n%s", got)
	}
	if p, err := h.Plan("indigo_s3_policy", state, cfg); err != nil || !p.Noop() {
		t.Fatalf("plan right after create is not empty (%v):\nplanned %v\nstate   %v", err, p.Planned, state)
	}

	// The cms user: credentials from STS, may list and read, not write.
	cms, err := w.assumeRole(t, cmsUser, "cms-pw")
	if err != nil {
		t.Fatalf("the cms user got no STS credentials under policy cms: %v", err)
	}
	a := tryAccess(cms, "archive", "run1/data.root")
	if a.list != nil || a.read != nil {
		t.Errorf("the cms user may not list (%v) or read (%v) the archive", a.list, a.read)
	}
	if !isAccessDenied(a.write) {
		t.Errorf("the cms user writing to the archive: %v, want AccessDenied", a.write)
	}

	// The atlas user: no policy is named atlas, so STS gives nothing.
	status, body := w.assumeRoleStatus(t, atlasUser, "atlas-pw")
	if status != http.StatusBadRequest || !strings.Contains(body, "InvalidParameterValue") {
		t.Errorf("AssumeRoleWithWebIdentity for the atlas user: HTTP %d %s; want 400 InvalidParameterValue", status, body)
	}
	_, err = w.assumeRole(t, atlasUser, "atlas-pw")
	var stsErr credentials.ErrorResponse
	if !errors.As(err, &stsErr) || stsErr.STSError.Code != "InvalidParameterValue" {
		t.Errorf("the atlas user through minio-go: %v; want InvalidParameterValue", err)
	}

	// A hand edit (write access added) is drift, and apply restores it.
	grantWrite := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::archive","arn:aws:s3:::archive/*"]}]}`
	if err := w.admin.AddCannedPolicy(ctx, "cms", []byte(grantWrite)); err != nil {
		t.Fatal(err)
	}
	if a := tryAccess(cms, "archive", "run1/data.root"); a.write != nil {
		t.Fatalf("the hand edit did not take effect: write %v", a.write)
	}
	state = h.Read("indigo_s3_policy", state)
	p, err := h.Plan("indigo_s3_policy", state, cfg)
	if err != nil || p.Noop() || len(p.Replace) > 0 {
		t.Fatalf("a hand-edited policy must plan an in-place update: %v, replace %v, state %v", err, p.Replace, state)
	}
	if state, err = h.Apply("indigo_s3_policy", p); err != nil {
		t.Fatal(err)
	}
	if a := tryAccess(cms, "archive", "run1/data.root"); !isAccessDenied(a.write) || a.read != nil {
		t.Errorf("after apply restored the policy: read %v, write %v; want read allowed, write AccessDenied", a.read, a.write)
	}
	if p, err := h.Plan("indigo_s3_policy", h.Read("indigo_s3_policy", state), cfg); err != nil || !p.Noop() {
		t.Errorf("plan after the repair is not empty: %v", err)
	}

	// Import by name reads the same policy.
	imported, err := h.ImportState("indigo_s3_policy", "cms")
	if err != nil || protoharness.GetString(t, imported, "name") != "cms" || protoharness.GetString(t, imported, "id") != "cms" {
		t.Errorf("import: %v, %v", imported, err)
	}

	// Deleting the policy revokes the access: the credentials already
	// handed out stop working, and STS gives no new ones.
	if err := h.Destroy("indigo_s3_policy", state); err != nil {
		t.Fatal(err)
	}
	if a := tryAccess(cms, "archive", "run1/data.root"); !isAccessDenied(a.read) || !isAccessDenied(a.list) {
		t.Errorf("after the policy was deleted the cms user's old credentials: list %v, read %v; want AccessDenied", a.list, a.read)
	}
	if status, body := w.assumeRoleStatus(t, cmsUser, "cms-pw"); status != http.StatusBadRequest || !strings.Contains(body, "InvalidParameterValue") {
		t.Errorf("AssumeRoleWithWebIdentity for the cms user after the delete: HTTP %d %s; want 400 InvalidParameterValue", status, body)
	}
	// Gone: Read drops it, so the next plan creates it.
	if got := h.Read("indigo_s3_policy", state); !got.IsNull() {
		t.Errorf("Read of a deleted policy = %v, want null", got)
	}
	// Deleting again is not an error.
	if err := h.Destroy("indigo_s3_policy", state); err != nil {
		t.Errorf("deleting a policy already gone: %v", err)
	}
}

func TestPolicyDenyOverridesAllow(t *testing.T) {
	ctx := context.Background()
	w := startOIDC(t)
	if err := w.root.MakeBucket(ctx, "archive", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	put(t, w.root, "archive", "public/readme", []byte("hello"))
	put(t, w.root, "archive", "embargoed/result", []byte("secret"))
	h := newHarness(t, providerFor(w.minio, nil))
	h.Create("indigo_s3_policy", map[string]any{"name": "cms", "document": `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::archive","arn:aws:s3:::archive/*"]},
		{"Effect":"Deny","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::archive/embargoed/*"]}]}`})
	cms, err := w.assumeRole(t, cmsUser, "cms-pw")
	if err != nil {
		t.Fatal(err)
	}
	if a := tryAccess(cms, "archive", "public/readme"); a.read != nil || a.list != nil {
		t.Errorf("allowed part: list %v, read %v", a.list, a.read)
	}
	if a := tryAccess(cms, "archive", "embargoed/result"); !isAccessDenied(a.read) {
		t.Errorf("reading what an explicit Deny covers: %v, want AccessDenied", a.read)
	}
}

func TestPolicyValidation(t *testing.T) {
	m := testsrv.StartMinIO(t, testsrv.MinIOOptions{})
	h := newHarness(t, providerFor(m, nil))
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"a,b", readPolicy, "Invalid policy name"},
		{"cms", `{"Statement": [`, "Invalid policy document"},
		{"cms", `["not", "an", "object"]`, "Invalid policy document"},
		{"cms", `{"Version": "2012-10-17"}`, "Statement"},
	} {
		if _, err := h.Plan("indigo_s3_policy", tftypes.Value{}, map[string]any{"name": tc.name, "document": tc.doc}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("name %q document %s: %v; want an error mentioning %q", tc.name, tc.doc, err, tc.want)
		}
	}
	// What only the server knows (an unknown action) fails the apply at
	// the document, with the server's words.
	_, err := h.TryCreate("indigo_s3_policy", map[string]any{"name": "cms",
		"document": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Teleport"],"Resource":["*"]}]}`})
	if err == nil || !strings.Contains(err.Error(), "s3:Teleport") || !strings.Contains(err.Error(), "document") {
		t.Errorf("an unknown action: %v; want the server's refusal at document", err)
	}
}
