package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/providers/indigo/s3/admin"
)

// TestAccessPoliciesMinIOUsers: on an s3 site, a group with explicit
// members becomes a MinIO group of the site's own users with the group's
// policy attached, and a policy naming a user is attached to that user.
// The users are MinIO's (the test makes them as the site's administrator
// would); each reads, lists and writes with their own keys.
func TestAccessPoliciesMinIOUsers(t *testing.T) {
	ctx := context.Background()
	m := testsrv.StartMinIO(t, testsrv.MinIOOptions{AccessKey: s3User, SecretKey: s3Secret})
	adm, err := admin.New(m.Endpoint, s3User, s3Secret, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob"} {
		if err := adm.AddUser(ctx, u, u+"-secret-key"); err != nil {
			t.Fatal(err)
		}
	}
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
	const opsRead = `
policy "ops_read" {
  principals = [group.ops]
  actions    = ["read", "list"]
  resources  = [storage.archive]
}
`
	const bobList = `
policy "bob_list" {
  principals = ["user:bob"]
  actions    = ["list"]
  resources  = [storage.archive]
}
`
	config := func(members, policies string) string {
		return fmt.Sprintf(`
variable "key" {
  type      = string
  sensitive = true
}
variable "secret" {
  type      = string
  sensitive = true
}

site "s3" {
  kind     = "s3"
  location = "IT"
  settings {
    endpoint   = %q
    access_key = var.key
    secret_key = var.secret
  }
}

group "ops" {
  members = [%s]
}

storage "archive" {
  force_destroy = true
  qos { copies = 1 }
}

output "bucket" {
  value = storage.archive.copies["s3"].bucket
}
%s`, m.Endpoint, members, policies)
	}

	// A member MinIO does not have: the apply fails and says who and what
	// to do.
	writeConfig(t, dir, config(`"user:alice", "user:carol"`, opsRead))
	out := run(1, "apply", "-auto-approve")
	if !strings.Contains(out, "MinIO user not found") || !strings.Contains(out, `user "carol" does not exist`) ||
		!strings.Contains(out, "does not create users") || !strings.Contains(out, `in group "ops"`) {
		t.Errorf("apply with a member MinIO does not have:\n%s", out)
	}

	writeConfig(t, dir, config(`"user:alice"`, opsRead))
	out = run(0, "apply", "-auto-approve")
	if !strings.Contains(out, "indigo_s3_group.access_s3_ops") {
		t.Errorf("the apply does not name the group resource:\n%s", out)
	}
	run(0, "plan", "-detailed-exitcode")
	out, _ = runIn(t, dir, "output", "-json", "bucket")
	var bucket string
	if err := json.Unmarshal([]byte(out), &bucket); err != nil || bucket == "" {
		t.Fatalf("output bucket: %q, %v", out, err)
	}
	body := []byte("ops data\n")
	if _, err := m.Client(t).PutObject(ctx, bucket, "run/1.txt", bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}

	type can struct{ list, read, write bool }
	check := func(when, user string, want can) {
		t.Helper()
		c, err := minio.New(m.Host, &minio.Options{Creds: credentials.NewStaticV4(user, user+"-secret-key", ""), MaxRetries: 1})
		if err != nil {
			t.Fatal(err)
		}
		var got can
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
		if got != want {
			t.Errorf("%s: %s can %+v, want %+v", when, user, got, want)
		}
	}
	check("after apply", "alice", can{list: true, read: true})
	check("after apply", "bob", can{})
	// What indigo can says agrees.
	for _, q := range []struct {
		principal, action string
		want              int
	}{{"user:alice", "read", 0}, {"user:alice", "write", 2}, {"user:bob", "read", 2}} {
		if out, code := runIn(t, dir, "can", q.principal, q.action, "storage.archive"); code != q.want {
			t.Errorf("indigo can %s %s: exit %d, want %d\n%s", q.principal, q.action, code, q.want, out)
		}
	}

	// alice taken out of the group by hand: drift, and apply repairs it.
	if err := adm.RemoveGroupMembers(ctx, "ops", []string{"alice"}); err != nil {
		t.Fatal(err)
	}
	check("taken out of ops by hand", "alice", can{})
	run(2, "plan", "-detailed-exitcode")
	run(0, "apply", "-auto-approve")
	check("after the repair", "alice", can{list: true, read: true})
	run(0, "plan", "-detailed-exitcode")

	// A policy naming a user: attached to that MinIO user.
	writeConfig(t, dir, config(`"user:alice"`, opsRead+bobList))
	run(0, "apply", "-auto-approve")
	check("with bob_list", "bob", can{list: true})
	if u, err := adm.User(ctx, "bob"); err != nil || !slices.Equal(u.Policies, []string{"indigo-user-bob"}) {
		t.Errorf("bob's policies = %+v, %v", u, err)
	}
	run(0, "plan", "-detailed-exitcode")

	// ops_read removed: alice is refused, and the group goes with it.
	writeConfig(t, dir, config(`"user:alice"`, bobList))
	run(0, "apply", "-auto-approve")
	check("with ops_read removed", "alice", can{})
	check("with ops_read removed", "bob", can{list: true})
	if _, err := adm.Group(ctx, "ops"); admin.ErrorCode(err) != admin.CodeNoSuchGroup {
		t.Errorf("group ops after its only policy was removed: %v", err)
	}
	if _, err := adm.CannedPolicy(ctx, "indigo-group-ops"); admin.ErrorCode(err) != admin.CodeNoSuchPolicy {
		t.Errorf("policy indigo-group-ops after its removal: %v", err)
	}
	run(0, "plan", "-detailed-exitcode")

	// Destroy: the attachment and the policy go; MinIO's users stay.
	run(0, "destroy", "-auto-approve")
	if groups, err := adm.Groups(ctx); err != nil || len(groups) != 0 {
		t.Errorf("groups after destroy: %v, %v", groups, err)
	}
	if u, err := adm.User(ctx, "bob"); err != nil || len(u.Policies) != 0 {
		t.Errorf("bob after destroy = %+v, %v; want the user, without policies", u, err)
	}
	if _, err := adm.CannedPolicy(ctx, "indigo-user-bob"); admin.ErrorCode(err) != admin.CodeNoSuchPolicy {
		t.Errorf("policy indigo-user-bob after destroy: %v", err)
	}
	if ok, _ := m.Client(t).BucketExists(ctx, bucket); ok {
		t.Errorf("bucket %s left after destroy", bucket)
	}
}
