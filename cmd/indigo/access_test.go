package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/providers/indigo/s3/admin"
)

// TestAccessPoliciesExample runs examples/access-policies against a real
// Dex (OpenID Connect) and a MinIO that reads Dex's groups claim, and
// checks what users can really do: a cms member lists and reads the
// archive and cannot write; an atlas member gets nothing; a deny overrides
// the allow; a policy edited by hand is drift that apply repairs; and
// once the policy is removed, the cms member is refused too.
func TestAccessPoliciesExample(t *testing.T) {
	dex := testsrv.StartDex(t, testsrv.DexOptions{Users: []testsrv.DexUser{
		{Email: "alice@example.org", Password: "alice-pw", Groups: []string{"cms"}},
		{Email: "bob@example.org", Password: "bob-pw", Groups: []string{"atlas"}},
	}})
	m := testsrv.StartMinIO(t, testsrv.MinIOOptions{AccessKey: s3User, SecretKey: s3Secret,
		Env: testsrv.OpenIDEnv(dex, dex.ClientID, dex.ClientSecret)})
	dir := copyExample(t, "access-policies")
	vars := []string{"-var", "endpoint=" + m.Endpoint, "-var", "access_key=" + s3User, "-var", "secret_key=" + s3Secret, "-var", "oidc_issuer=" + dex.Issuer}
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
	out, _ := runIn(t, dir, "output", "-json", "bucket")
	var bucket string
	if err := json.Unmarshal([]byte(out), &bucket); err != nil || bucket == "" {
		t.Fatalf("output bucket: %q, %v", out, err)
	}
	ctx := context.Background()
	body := []byte("cms data\n")
	if _, err := m.Client(t).PutObject(ctx, bucket, "run/1.txt", bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}

	// as returns a client with the STS credentials of a Dex user, or the
	// error of getting them.
	as := func(email, password string) (*minio.Client, error) {
		token := dex.IDToken(t, email, password)
		creds, err := credentials.NewSTSWebIdentity(m.Endpoint, func() (*credentials.WebIdentityToken, error) {
			return &credentials.WebIdentityToken{Token: token}, nil
		})
		if err != nil {
			return nil, err
		}
		if _, err := creds.Get(); err != nil {
			return nil, err
		}
		return minio.New(m.Host, &minio.Options{Creds: creds, MaxRetries: 1})
	}
	type can struct{ list, read, write bool }
	check := func(when, email, password string, want can) {
		t.Helper()
		c, err := as(email, password)
		got := can{}
		if err == nil {
			for obj := range c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
				got.list = obj.Err == nil
				break
			}
			if o, err := c.GetObject(ctx, bucket, "run/1.txt", minio.GetObjectOptions{}); err == nil {
				_, rerr := o.Stat()
				got.read = rerr == nil
				o.Close()
			}
			_, werr := c.PutObject(ctx, bucket, "run/2.txt", bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{})
			got.write = werr == nil
		}
		if got != want {
			t.Errorf("%s: %s can %+v (credentials: %v), want %+v", when, email, got, err, want)
		}
	}
	check("after apply", "alice@example.org", "alice-pw", can{list: true, read: true})
	check("after apply", "bob@example.org", "bob-pw", can{})

	// What indigo can says, from the configuration alone, is what MinIO
	// really does for a member of cms, action by action.
	agree := func(when string) {
		t.Helper()
		c, err := as("alice@example.org", "alice-pw")
		did := map[string]bool{}
		if err == nil {
			for obj := range c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
				did["list"] = obj.Err == nil
				break
			}
			if o, err := c.GetObject(ctx, bucket, "run/1.txt", minio.GetObjectOptions{}); err == nil {
				_, rerr := o.Stat()
				did["read"] = rerr == nil
				o.Close()
			}
			_, werr := c.PutObject(ctx, bucket, "agree.txt", bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{})
			did["write"] = werr == nil
			// Deleting a key that may not exist still needs the right.
			did["delete"] = c.RemoveObject(ctx, bucket, "agree-missing.txt", minio.RemoveObjectOptions{}) == nil
		}
		for _, action := range []string{"list", "read", "write", "delete"} {
			_, code := runIn(t, dir, "can", "group:cms", action, "storage.archive")
			if may := code == 0; may != did[action] {
				t.Errorf("%s: a cms member %s on MinIO: %v; indigo can says %v", when, action, did[action], may)
			}
		}
	}
	agree("after apply")

	// A policy edited by hand is drift; apply writes it back.
	adm, err := admin.New(m.Endpoint, s3User, s3Secret, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	edited := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::*"]}]}`
	if err := adm.AddCannedPolicy(ctx, "cms", []byte(edited)); err != nil {
		t.Fatal(err)
	}
	check("after the hand edit", "alice@example.org", "alice-pw", can{list: true, read: true, write: true})
	run(2, "plan", "-detailed-exitcode")
	run(0, "apply", "-auto-approve")
	check("after the repair", "alice@example.org", "alice-pw", can{list: true, read: true})

	// A deny overrides the allow.
	main := filepath.Join(dir, "main.hcl")
	orig, _ := os.ReadFile(main)
	deny := string(orig) + `
policy "cms_no_read" {
  effect     = "deny"
  principals = [group.cms]
  actions    = ["read"]
  resources  = [storage.archive]
}
`
	if err := os.WriteFile(main, []byte(deny), 0o644); err != nil {
		t.Fatal(err)
	}
	run(0, "apply", "-auto-approve")
	check("with the deny", "alice@example.org", "alice-pw", can{list: true})
	agree("with the deny")
	if _, code := runIn(t, dir, "can", "group:cms", "read", "storage.archive"); code != 2 {
		t.Errorf("indigo can says cms may still read with the deny")
	}

	// Without any policy, cms gets nothing.
	without := strings.Replace(string(orig), `policy "cms_read" {
  principals = [group.cms]
  actions    = ["read", "list"]
  resources  = [storage.archive]
}`, "", 1)
	if err := os.WriteFile(main, []byte(without), 0o644); err != nil {
		t.Fatal(err)
	}
	run(0, "apply", "-auto-approve")
	check("with the policy removed", "alice@example.org", "alice-pw", can{})
	run(0, "plan", "-detailed-exitcode")

	run(0, "destroy", "-auto-approve")
	if ok, _ := m.Client(t).BucketExists(ctx, bucket); ok {
		t.Errorf("bucket %s left after destroy", bucket)
	}
	if _, err := adm.CannedPolicy(ctx, "cms"); err == nil {
		t.Errorf("policy cms left after destroy")
	}
}
