package admin

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

func TestGroupAndAttachBodies(t *testing.T) {
	ctx := context.Background()
	r := &recorder{}
	c := r.start(t)
	if err := c.AddGroupMembers(ctx, "ops", []string{"alice"}); err != nil {
		t.Fatal(err)
	}
	if r.method != http.MethodPut || r.path != "/minio/admin/v3/update-group-members" || r.query != "" {
		t.Errorf("request %s %s?%s", r.method, r.path, r.query)
	}
	if want := `{"group":"ops","members":["alice"],"isRemove":false}`; string(r.body) != want {
		t.Errorf("update-group-members body\n got %s\nwant %s", r.body, want)
	}
	if err := c.RemoveGroup(ctx, "ops"); err != nil {
		t.Fatal(err)
	}
	if want := `{"group":"ops","members":[],"isRemove":true}`; string(r.body) != want {
		t.Errorf("removing a group: body\n got %s\nwant %s", r.body, want)
	}

	if err := c.AttachPolicies(ctx, PolicyTarget{Group: "ops"}, []string{"p1", "p2"}); err != nil {
		t.Fatal(err)
	}
	if r.method != http.MethodPost || r.path != "/minio/admin/v3/idp/builtin/policy/attach" {
		t.Errorf("request %s %s", r.method, r.path)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/octet-stream" {
		t.Errorf("attach Content-Type = %q, want application/octet-stream", ct)
	}
	plain, err := Decrypt("secret", r.body)
	if err != nil {
		t.Fatalf("the attach body is not encrypted with the secret key: %v", err)
	}
	if want := `{"policies":["p1","p2"],"group":"ops"}`; string(plain) != want {
		t.Errorf("attach body\n got %s\nwant %s", plain, want)
	}

	if err := c.AddUser(ctx, "alice", "alice-secret"); err != nil {
		t.Fatal(err)
	}
	if r.method != http.MethodPut || r.path != "/minio/admin/v3/add-user" || r.query != "accessKey=alice" {
		t.Errorf("request %s %s?%s", r.method, r.path, r.query)
	}
	if strings.Contains(string(r.body), "alice-secret") {
		t.Fatal("a user's secret key travels in clear")
	}
	plain, err = Decrypt("secret", r.body)
	if err != nil {
		t.Fatal(err)
	}
	var u map[string]string
	if err := json.Unmarshal(plain, &u); err != nil || u["secretKey"] != "alice-secret" || u["status"] != "enabled" {
		t.Errorf("add-user body %s: %v", plain, err)
	}
}

// TestUsersAndGroupsAgainstMinIO checks the calls and the error codes the
// s3 resources act on against a real server.
func TestUsersAndGroupsAgainstMinIO(t *testing.T) {
	ctx := context.Background()
	m := testsrv.StartMinIO(t, testsrv.MinIOOptions{})
	c, err := New(m.Endpoint, m.AccessKey, m.SecretKey, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	doc := []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/*"}]}`)
	for _, p := range []string{"p1", "p2"} {
		if err := c.AddCannedPolicy(ctx, p, doc); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []string{"alice", "bob"} {
		if err := c.AddUser(ctx, u, u+"-secret-key"); err != nil {
			t.Fatal(err)
		}
	}
	if u, err := c.User(ctx, "alice"); err != nil || u.Status != "enabled" || len(u.Policies) != 0 || len(u.MemberOf) != 0 {
		t.Errorf("User(alice) = %+v, %v", u, err)
	}
	if _, err := c.User(ctx, "nobody"); ErrorCode(err) != CodeNoSuchUser {
		t.Errorf("User(nobody): %v, want %s", err, CodeNoSuchUser)
	}

	// A member the server does not have: nothing happens, not even the group.
	if err := c.AddGroupMembers(ctx, "ops", []string{"alice", "nobody"}); ErrorCode(err) != CodeNoSuchUser {
		t.Errorf("adding a missing user: %v, want %s", err, CodeNoSuchUser)
	}
	if _, err := c.Group(ctx, "ops"); ErrorCode(err) != CodeNoSuchGroup {
		t.Errorf("Group(ops) after a failed add: %v, want %s", err, CodeNoSuchGroup)
	}
	if err := c.AddGroupMembers(ctx, "ops", []string{"bob", "alice"}); err != nil {
		t.Fatal(err)
	}
	g, err := c.Group(ctx, "ops")
	if err != nil || g.Name != "ops" || g.Status != "enabled" || !slices.Equal(g.Members, []string{"alice", "bob"}) || len(g.Policies) != 0 {
		t.Errorf("Group(ops) = %+v, %v", g, err)
	}
	if names, err := c.Groups(ctx); err != nil || !slices.Equal(names, []string{"ops"}) {
		t.Errorf("Groups = %v, %v", names, err)
	}

	// Attach and detach keep the other policies; a change with no net
	// effect is refused with its own code.
	ops := PolicyTarget{Group: "ops"}
	if err := c.AttachPolicies(ctx, ops, []string{"p1"}); err != nil {
		t.Fatal(err)
	}
	if err := c.AttachPolicies(ctx, ops, []string{"p1"}); ErrorCode(err) != CodePolicyChangeAlreadyApplied {
		t.Errorf("attaching again: %v, want %s", err, CodePolicyChangeAlreadyApplied)
	}
	if err := c.AttachPolicies(ctx, ops, []string{"p1", "p2"}); err != nil {
		t.Errorf("attaching p1 (already there) and p2: %v", err)
	}
	if g, _ := c.Group(ctx, "ops"); !slices.Equal(g.Policies, []string{"p1", "p2"}) {
		t.Errorf("group policies = %v, want [p1 p2]", g.Policies)
	}
	if err := c.DetachPolicies(ctx, ops, []string{"p2"}); err != nil {
		t.Fatal(err)
	}
	if g, _ := c.Group(ctx, "ops"); !slices.Equal(g.Policies, []string{"p1"}) {
		t.Errorf("group policies after detaching p2 = %v, want [p1]", g.Policies)
	}
	if err := c.AttachPolicies(ctx, ops, []string{"nope"}); ErrorCode(err) != CodeNoSuchPolicy {
		t.Errorf("attaching a missing policy: %v, want %s", err, CodeNoSuchPolicy)
	}
	if err := c.AttachPolicies(ctx, PolicyTarget{Group: "nogroup"}, []string{"p1"}); ErrorCode(err) != CodeNoSuchGroup {
		t.Errorf("attaching to a missing group: %v, want %s", err, CodeNoSuchGroup)
	}
	if err := c.AttachPolicies(ctx, PolicyTarget{User: "nobody"}, []string{"p1"}); ErrorCode(err) != CodeNoSuchUser {
		t.Errorf("attaching to a missing user: %v, want %s", err, CodeNoSuchUser)
	}
	if err := c.AttachPolicies(ctx, PolicyTarget{User: "alice"}, []string{"p2"}); err != nil {
		t.Fatal(err)
	}
	if u, err := c.User(ctx, "alice"); err != nil || !slices.Equal(u.Policies, []string{"p2"}) || !slices.Equal(u.MemberOf, []string{"ops"}) {
		t.Errorf("User(alice) = %+v, %v; want policies [p2], member of [ops]", u, err)
	}

	// A group with members cannot be removed; an empty one can, and stays
	// until it is.
	if err := c.RemoveGroup(ctx, "ops"); ErrorCode(err) != "XMinioAdminGroupNotEmpty" {
		t.Errorf("removing a group with members: %v", err)
	}
	if err := c.RemoveGroupMembers(ctx, "ops", []string{"alice", "bob"}); err != nil {
		t.Fatal(err)
	}
	if g, err := c.Group(ctx, "ops"); err != nil || len(g.Members) != 0 {
		t.Errorf("Group(ops) emptied = %+v, %v", g, err)
	}
	if err := c.SetGroupStatus(ctx, "ops", false); err != nil {
		t.Fatal(err)
	}
	if g, _ := c.Group(ctx, "ops"); g.Status != "disabled" {
		t.Errorf("status after disabling = %q", g.Status)
	}
	if err := c.RemoveGroup(ctx, "ops"); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveGroup(ctx, "ops"); ErrorCode(err) != CodeNoSuchGroup {
		t.Errorf("removing a group again: %v, want %s", err, CodeNoSuchGroup)
	}
	if err := c.RemoveUser(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.User(ctx, "bob"); ErrorCode(err) != CodeNoSuchUser {
		t.Errorf("User(bob) after RemoveUser: %v", err)
	}
}
