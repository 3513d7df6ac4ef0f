package admin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// recorder is an httptest server that keeps the last request and answers
// with status and body.
type recorder struct {
	method, path, query string
	header              http.Header
	body                []byte
	status              int
	answer              string
}

func (r *recorder) start(t *testing.T) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.method, r.path, r.query, r.header = req.Method, req.URL.Path, req.URL.RawQuery, req.Header
		r.body, _ = io.ReadAll(req.Body)
		if r.status != 0 {
			w.WriteHeader(r.status)
		}
		io.WriteString(w, r.answer)
	}))
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, "AKIA", "secret", "", srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRequestsAreSigned(t *testing.T) {
	r := &recorder{answer: `{"quota":0,"size":1048576,"quotatype":"hard"}`}
	c := r.start(t)
	if err := c.SetBucketQuota(context.Background(), "data", 1<<20); err != nil {
		t.Fatal(err)
	}
	if r.method != http.MethodPut || r.path != "/minio/admin/v3/set-bucket-quota" || r.query != "bucket=data" {
		t.Errorf("request %s %s?%s", r.method, r.path, r.query)
	}
	sum := sha256.Sum256(r.body)
	if got := r.header.Get("X-Amz-Content-Sha256"); got != hex.EncodeToString(sum[:]) {
		t.Errorf("X-Amz-Content-Sha256 = %q, want the body's SHA-256", got)
	}
	auth := r.header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIA/") || !strings.Contains(auth, "/us-east-1/s3/aws4_request") ||
		!strings.Contains(auth, "x-amz-content-sha256") {
		t.Errorf("Authorization = %q, want SigV4 for service s3 in us-east-1 covering the content hash", auth)
	}
	var q map[string]any
	if err := json.Unmarshal(r.body, &q); err != nil {
		t.Fatal(err)
	}
	if q["quota"] != float64(1<<20) || q["size"] != float64(1<<20) || q["quotatype"] != "hard" {
		t.Errorf("quota body = %s", r.body)
	}
	got, err := c.BucketQuota(context.Background(), "data")
	if err != nil || got != 1<<20 {
		t.Errorf("BucketQuota = %d, %v", got, err)
	}
}

func TestRemoteTargetBodyIsEncrypted(t *testing.T) {
	r := &recorder{answer: `"arn:minio:replication::abc:dst"`}
	c := r.start(t)
	arn, err := c.SetRemoteTarget(context.Background(), "src", RemoteTarget{
		Endpoint: "127.0.0.1:9102", TargetBucket: "dst",
		Credentials: &Credentials{AccessKey: "bk", SecretKey: "bsecret"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if arn != "arn:minio:replication::abc:dst" {
		t.Errorf("ARN = %q", arn)
	}
	if strings.Contains(string(r.body), "bsecret") {
		t.Fatal("the remote's secret key travels in clear")
	}
	plain, err := Decrypt("secret", r.body)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(plain, &m); err != nil {
		t.Fatal(err)
	}
	creds, _ := m["credentials"].(map[string]any)
	if m["endpoint"] != "127.0.0.1:9102" || m["targetbucket"] != "dst" || m["type"] != "replication" ||
		m["secure"] != false || creds["accessKey"] != "bk" || creds["secretKey"] != "bsecret" {
		t.Errorf("remote target body = %s", plain)
	}
}

func TestTierBody(t *testing.T) {
	r := &recorder{}
	c := r.start(t)
	err := c.AddTier(context.Background(), NewMinIOTier("WARM", MinIOTier{
		Endpoint: "http://127.0.0.1:9103", AccessKey: "ck", SecretKey: "csecret", Bucket: "cold", Prefix: "p/",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if r.method != http.MethodPut || r.path != "/minio/admin/v3/tier" {
		t.Errorf("request %s %s", r.method, r.path)
	}
	plain, err := Decrypt("secret", r.body)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Version":"v1","Type":"minio","Name":"WARM","MinIO":{"Endpoint":"http://127.0.0.1:9103","AccessKey":"ck","SecretKey":"csecret","Bucket":"cold","Prefix":"p/"}}`
	if string(plain) != want {
		t.Errorf("tier body\n got %s\nwant %s", plain, want)
	}
}

func TestErrorResponse(t *testing.T) {
	r := &recorder{status: http.StatusForbidden, answer: `{"Code":"InvalidAccessKeyId","Message":"The Access Key Id you provided does not exist in our records."}`}
	c := r.start(t)
	_, err := c.Tiers(context.Background())
	if ErrorCode(err) != "InvalidAccessKeyId" || !strings.Contains(err.Error(), "does not exist") || !strings.Contains(err.Error(), "403") {
		t.Errorf("error = %v", err)
	}
}
