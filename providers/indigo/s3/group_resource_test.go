package s3_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/providers/indigo/internal/protoharness"
	"github.com/indigo-cloud/indigo/providers/indigo/s3/admin"
)

// usersWorld is a MinIO with built-in users alice and bob (made through
// the admin API, as a site's administrator would), a bucket "archive"
// holding one object, and a canned policy "archive-read" that lets its
// holder list and read it.
type usersWorld struct {
	m     *testsrv.MinIO
	admin *admin.Client
	h     *protoharness.Harness
}

const archiveRead = `{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::archive/*"]},
  {"Effect":"Allow","Action":["s3:ListBucket","s3:GetBucketLocation"],"Resource":["arn:aws:s3:::archive"]}]}`

func startUsers(t *testing.T) *usersWorld {
	t.Helper()
	ctx := context.Background()
	m := testsrv.StartMinIO(t, testsrv.MinIOOptions{})
	adm, err := admin.New(m.Endpoint, m.AccessKey, m.SecretKey, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob"} {
		if err := adm.AddUser(ctx, u, u+"-secret-key"); err != nil {
			t.Fatal(err)
		}
	}
	root := m.Client(t)
	if err := root.MakeBucket(ctx, "archive", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	put(t, root, "archive", "run1/data.root", []byte("events"))
	w := &usersWorld{m: m, admin: adm, h: newHarness(t, providerFor(m, nil))}
	w.h.Create("indigo_s3_policy", map[string]any{"name": "archive-read", "document": archiveRead})
	return w
}

// as is an S3 client with a built-in user's own keys.
func (w *usersWorld) as(t *testing.T, user string) *minio.Client {
	t.Helper()
	c, err := minio.New(w.m.Host, &minio.Options{Creds: credentials.NewStaticV4(user, user+"-secret-key", ""), MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// reads says whether user may read the archive's object, and fails the
// test when user may write: no policy here grants writes.
func (w *usersWorld) reads(t *testing.T, user string) bool {
	t.Helper()
	a := tryAccess(w.as(t, user), "archive", "run1/data.root")
	if !isAccessDenied(a.write) {
		t.Errorf("%s writing to the archive: %v, want AccessDenied", user, a.write)
	}
	if (a.read == nil) != (a.list == nil) {
		t.Errorf("%s: read %v but list %v", user, a.read, a.list)
	}
	if a.read != nil && !isAccessDenied(a.read) {
		t.Errorf("%s reading: %v, want success or AccessDenied", user, a.read)
	}
	return a.read == nil
}

func TestGroup(t *testing.T) {
	ctx := context.Background()
	w := startUsers(t)
	h := w.h
	if w.reads(t, "alice") || w.reads(t, "bob") {
		t.Fatal("a user may read the archive before any group")
	}

	cfg := map[string]any{"name": "ops", "members": []string{"alice"}, "policies": []string{"archive-read"}}
	state := h.Create("indigo_s3_group", cfg)
	if got := protoharness.GetString(t, state, "id"); got != "ops" {
		t.Errorf("id = %q", got)
	}
	if !protoharness.GetBool(t, state, "enabled") {
		t.Error("enabled defaults to false")
	}
	if !w.reads(t, "alice") {
		t.Error("alice, in group ops, may not read the archive")
	}
	if w.reads(t, "bob") {
		t.Error("bob, in no group, may read the archive")
	}
	g, err := w.admin.Group(ctx, "ops")
	if err != nil || !slices.Equal(g.Members, []string{"alice"}) || !slices.Equal(g.Policies, []string{"archive-read"}) {
		t.Errorf("the server holds %+v, %v", g, err)
	}
	state = h.Read("indigo_s3_group", state)
	if p, err := h.Plan("indigo_s3_group", state, cfg); err != nil || !p.Noop() {
		t.Fatalf("plan right after create is not empty (%v):\nplanned %v\nstate   %v", err, p.Planned, state)
	}

	// Hand edits are drift, and apply repairs each: a member removed and
	// another added, a policy detached, the group disabled.
	type edit struct {
		name string
		do   func() error
		attr string
	}
	for _, e := range []edit{
		{"alice removed", func() error { return w.admin.RemoveGroupMembers(ctx, "ops", []string{"alice"}) }, "members"},
		{"bob added", func() error { return w.admin.AddGroupMembers(ctx, "ops", []string{"bob"}) }, "members"},
		{"policy detached", func() error {
			return w.admin.DetachPolicies(ctx, admin.PolicyTarget{Group: "ops"}, []string{"archive-read"})
		}, "policies"},
		{"policy attached", func() error {
			return w.admin.AttachPolicies(ctx, admin.PolicyTarget{Group: "ops"}, []string{"readwrite"})
		}, "policies"},
		{"disabled", func() error { return w.admin.SetGroupStatus(ctx, "ops", false) }, "enabled"},
	} {
		if err := e.do(); err != nil {
			t.Fatalf("%s: %v", e.name, err)
		}
		drifted := h.Read("indigo_s3_group", state)
		if protoharness.Get(t, drifted, e.attr).Equal(protoharness.Get(t, state, e.attr)) {
			t.Errorf("%s: Read shows no change of %s", e.name, e.attr)
		}
		p, err := h.Plan("indigo_s3_group", drifted, cfg)
		if err != nil || p.Noop() || len(p.Replace) > 0 {
			t.Fatalf("%s: want an in-place update, got %v (replace %v)", e.name, err, p.Replace)
		}
		if state, err = h.Apply("indigo_s3_group", p); err != nil {
			t.Fatalf("%s: repairing: %v", e.name, err)
		}
		if !w.reads(t, "alice") || w.reads(t, "bob") {
			t.Errorf("%s: after the repair alice reads %v, bob %v; want true, false", e.name, w.reads(t, "alice"), w.reads(t, "bob"))
		}
		if p, err := h.Plan("indigo_s3_group", h.Read("indigo_s3_group", state), cfg); err != nil || !p.Noop() {
			t.Errorf("%s: plan after the repair is not empty: %v", e.name, err)
		}
	}

	// Changing the members: bob in, alice out.
	cfg["members"] = []string{"bob"}
	state = h.Update("indigo_s3_group", state, cfg)
	if w.reads(t, "alice") || !w.reads(t, "bob") {
		t.Error("after the members changed to bob: alice still reads, or bob does not")
	}

	// A member the server does not have: a clear error naming it, and
	// nothing changes.
	bad := map[string]any{"name": "ops", "members": []string{"bob", "carol"}, "policies": []string{"archive-read"}}
	p, err := h.Plan("indigo_s3_group", state, bad)
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.Apply("indigo_s3_group", p)
	if err == nil || !strings.Contains(err.Error(), "MinIO user not found") || !strings.Contains(err.Error(), `"carol"`) ||
		strings.Contains(err.Error(), `"bob" does`) || !strings.Contains(err.Error(), "[at AttributeName(\"members\")]") ||
		!strings.Contains(err.Error(), "mc admin user add") {
		t.Errorf("adding a user MinIO does not have: %v", err)
	}
	if g, _ := w.admin.Group(ctx, "ops"); !slices.Equal(g.Members, []string{"bob"}) {
		t.Errorf("after the failed update the group holds %v", g.Members)
	}
	// The same at create, where the group is not made at all.
	_, err = h.TryCreate("indigo_s3_group", map[string]any{"name": "physics", "members": []string{"carol", "dave"}})
	if err == nil || !strings.Contains(err.Error(), `users "carol", "dave" do not exist`) {
		t.Errorf("creating a group of users MinIO does not have: %v", err)
	}
	if _, err := w.admin.Group(ctx, "physics"); admin.ErrorCode(err) != admin.CodeNoSuchGroup {
		t.Errorf("a group was left behind: %v", err)
	}
	// A policy the server does not have.
	_, err = h.TryCreate("indigo_s3_group", map[string]any{"name": "physics", "members": []string{"alice"}, "policies": []string{"nope"}})
	if err == nil || !strings.Contains(err.Error(), "S3 policy not found") || !strings.Contains(err.Error(), "policies") {
		t.Errorf("attaching a policy MinIO does not have: %v", err)
	}

	// Names MinIO would split.
	if _, err := h.Plan("indigo_s3_group", state, map[string]any{"name": "ops", "members": []string{"bob,carol"}}); err == nil || !strings.Contains(err.Error(), "Invalid user name") {
		t.Errorf("a member name with a comma: %v", err)
	}
	if _, err := h.Plan("indigo_s3_user_policy", tftypes.Value{}, map[string]any{"user": "a b", "policies": []string{"p"}}); err == nil || !strings.Contains(err.Error(), "Invalid user name") {
		t.Errorf("a user name with a space: %v", err)
	}

	// A group that exists already is not adopted; import takes it.
	if err := w.admin.AddGroupMembers(ctx, "admins", []string{"alice"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.TryCreate("indigo_s3_group", map[string]any{"name": "admins", "members": []string{"alice"}}); err == nil || !strings.Contains(err.Error(), "S3 group name taken") {
		t.Errorf("creating a group that exists: %v", err)
	}
	imported, err := h.ImportState("indigo_s3_group", "admins")
	if err != nil || !slices.Equal(protoharness.GetStrings(t, imported, "members"), []string{"alice"}) || len(protoharness.GetStrings(t, imported, "policies")) != 0 {
		t.Errorf("import: %v, %v", imported, err)
	}

	// Delete: access goes, the group goes, the users and the policy stay;
	// a group disabled by hand too.
	if err := w.admin.SetGroupStatus(ctx, "ops", false); err != nil {
		t.Fatal(err)
	}
	if err := h.Destroy("indigo_s3_group", state); err != nil {
		t.Fatal(err)
	}
	if w.reads(t, "bob") {
		t.Error("bob still reads after the group was deleted")
	}
	if _, err := w.admin.Group(ctx, "ops"); admin.ErrorCode(err) != admin.CodeNoSuchGroup {
		t.Errorf("group ops after delete: %v", err)
	}
	if _, err := w.admin.User(ctx, "bob"); err != nil {
		t.Errorf("deleting the group removed its member: %v", err)
	}
	if got := h.Read("indigo_s3_group", state); !got.IsNull() {
		t.Errorf("Read of a deleted group = %v, want null", got)
	}
	if err := h.Destroy("indigo_s3_group", state); err != nil {
		t.Errorf("deleting a group already gone: %v", err)
	}
	// Nothing holds the policy any more: it can go.
	if err := w.admin.RemoveCannedPolicy(ctx, "archive-read"); err != nil {
		t.Errorf("removing the policy after the group: %v", err)
	}
}

func TestUserPolicy(t *testing.T) {
	ctx := context.Background()
	w := startUsers(t)
	h := w.h
	// bob has a policy of the site's own, which indigo leaves alone.
	if err := w.admin.AttachPolicies(ctx, admin.PolicyTarget{User: "bob"}, []string{"diagnostics"}); err != nil {
		t.Fatal(err)
	}
	cfg := map[string]any{"user": "bob", "policies": []string{"archive-read"}}
	state := h.Create("indigo_s3_user_policy", cfg)
	if !w.reads(t, "bob") || w.reads(t, "alice") {
		t.Fatal("after the attachment bob may not read, or alice may")
	}
	if u, _ := w.admin.User(ctx, "bob"); !slices.Equal(u.Policies, []string{"archive-read", "diagnostics"}) {
		t.Errorf("bob's policies = %v", u.Policies)
	}
	state = h.Read("indigo_s3_user_policy", state)
	if p, err := h.Plan("indigo_s3_user_policy", state, cfg); err != nil || !p.Noop() {
		t.Fatalf("plan right after create is not empty: %v", err)
	}

	// Detached by hand: drift, repaired.
	if err := w.admin.DetachPolicies(ctx, admin.PolicyTarget{User: "bob"}, []string{"archive-read"}); err != nil {
		t.Fatal(err)
	}
	drifted := h.Read("indigo_s3_user_policy", state)
	if got := protoharness.GetStrings(t, drifted, "policies"); len(got) != 0 {
		t.Errorf("policies after the detach = %v, want none", got)
	}
	p, err := h.Plan("indigo_s3_user_policy", drifted, cfg)
	if err != nil || p.Noop() {
		t.Fatalf("a detached policy plans no change: %v", err)
	}
	if state, err = h.Apply("indigo_s3_user_policy", p); err != nil {
		t.Fatal(err)
	}
	if !w.reads(t, "bob") {
		t.Error("the repair did not give bob his access back")
	}

	// A user the server does not have.
	_, err = h.TryCreate("indigo_s3_user_policy", map[string]any{"user": "carol", "policies": []string{"archive-read"}})
	if err == nil || !strings.Contains(err.Error(), "MinIO user not found") || !strings.Contains(err.Error(), `user "carol"`) ||
		!strings.Contains(err.Error(), "mc admin user add ALIAS carol") {
		t.Errorf("attaching to a missing user: %v", err)
	}

	// Import takes every policy the user has.
	imported, err := h.ImportState("indigo_s3_user_policy", "bob")
	if err != nil || !slices.Equal(protoharness.GetStrings(t, imported, "policies"), []string{"archive-read", "diagnostics"}) {
		t.Errorf("import: %v, %v", imported, err)
	}

	// Delete detaches what it attached, and only that.
	if err := h.Destroy("indigo_s3_user_policy", state); err != nil {
		t.Fatal(err)
	}
	if w.reads(t, "bob") {
		t.Error("bob still reads after the attachment was deleted")
	}
	if u, _ := w.admin.User(ctx, "bob"); !slices.Equal(u.Policies, []string{"diagnostics"}) {
		t.Errorf("bob's policies after delete = %v, want [diagnostics]", u.Policies)
	}
	// The user removed by hand: Read drops the attachment, Delete is no error.
	if err := w.admin.RemoveUser(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	if got := h.Read("indigo_s3_user_policy", state); !got.IsNull() {
		t.Errorf("Read with the user gone = %v, want null", got)
	}
	if err := h.Destroy("indigo_s3_user_policy", state); err != nil {
		t.Errorf("deleting with the user gone: %v", err)
	}
}
