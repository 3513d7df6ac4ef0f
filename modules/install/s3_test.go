package install

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

func TestS3Sources(t *testing.T) {
	m := testsrv.StartMinIO(t, testsrv.MinIOOptions{})
	c := m.Client(t)
	ctx := context.Background()
	if err := c.MakeBucket(ctx, "modules", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	put := func(key string, body []byte) {
		if _, err := c.PutObject(ctx, "modules", key, bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	put("net/v1.zip", zipOf(t, module("s3-zip")))
	put("net/v2.tar.gz", tarGz(t, module("s3-tgz")))
	put("plain/main.tf", []byte(module("s3-prefix").get("main.tf")))
	put("plain/nested/main.tf", []byte(module("s3-prefix-nested").get("main.tf")))

	env := map[string]string{"AWS_ACCESS_KEY_ID": m.AccessKey, "AWS_SECRET_ACCESS_KEY": m.SecretKey}
	in := &Installer{Getenv: func(k string) string { return env[k] }}
	for _, tc := range []struct{ source, want string }{
		{"s3::" + m.Endpoint + "/modules/net/v1.zip", "s3-zip"},
		{"s3::" + m.Endpoint + "/modules/net/v2.tar.gz", "s3-tgz"},
		{"s3::" + m.Endpoint + "/modules/plain", "s3-prefix"},
		{"s3::" + m.Endpoint + "/modules/plain//nested", "s3-prefix-nested"},
	} {
		dir := root(t, fmt.Sprintf("  source = %q", tc.source))
		if _, diags := install(t, in, dir, Options{}); diags.HasErrors() {
			t.Fatalf("%s: %s", tc.source, diags.Error())
		}
		if got := from(t, loadInstalled(t, dir), "m"); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.source, got, tc.want)
		}
	}

	dir := root(t, fmt.Sprintf("  source = %q", "s3::"+m.Endpoint+"/modules/net/v3.zip"))
	_, diags := install(t, in, dir, Options{})
	wantError(t, diags, dir, "no such object")
	dir = root(t, fmt.Sprintf("  source = %q", "s3::"+m.Endpoint+"/nobucket/net/v1.zip"))
	_, diags = install(t, in, dir, Options{})
	wantError(t, diags, dir, `bucket "nobucket" does not exist`)
	env["AWS_SECRET_ACCESS_KEY"] = "wrong-secret"
	dir = root(t, fmt.Sprintf("  source = %q", "s3::"+m.Endpoint+"/modules/net/v1.zip"))
	_, diags = install(t, in, dir, Options{})
	wantError(t, diags, dir, "access denied", "AWS_ACCESS_KEY_ID")
}
