package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// TestAccessPoliciesPOSIX: on a local site, a policy becomes POSIX ACL
// entries for the local accounts the site maps identities to. Real
// accounts read (or not) the storage's files with runuser, and what they
// can do is what indigo can answers from the configuration alone.
func TestAccessPoliciesPOSIX(t *testing.T) {
	if os.Geteuid() != 0 {
		testsrv.Missing(t, "POSIX ACL tests create accounts and need root")
	}
	alice := testsrv.AddUser(t, "alice")
	bob := testsrv.AddUser(t, "bob")
	dir := t.TempDir()
	// The accounts must reach the site's root through the test's
	// directories, which t.TempDir makes 0700.
	for p := dir; p != os.TempDir() && p != "/"; p = filepath.Dir(p) {
		os.Chmod(p, 0o755)
	}
	config := func(extra string) string {
		return fmt.Sprintf(`
provider "indigo" {
  root = "site"
}

site "lab" {
  provider = indigo
  kind     = "local"
  settings {
    accounts = { "user:alice" = %q, "user:bob" = %q }
  }
}

group "analysts" {
  members = ["user:alice"]
}

storage "results" {
  force_destroy = true
  qos { copies = 1 }
}

policy "analysts_read" {
  principals = [group.analysts]
  actions    = ["read", "list"]
  resources  = [storage.results]
}
%s`, alice, bob, extra)
	}
	writeConfig(t, dir, config(""))
	if out, code := runIn(t, dir, "apply", "-auto-approve"); code != 0 {
		t.Fatalf("apply: %d\n%s", code, out)
	}
	data := filepath.Join(dir, "site", "storage", "results", "run-1.txt")
	if err := os.WriteFile(data, []byte("42\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	// A file written after the apply is covered at the next apply (the
	// refresh sees the new file's narrower rights as drift).
	if out, code := runIn(t, dir, "apply", "-auto-approve"); code != 0 {
		t.Fatalf("second apply: %d\n%s", code, out)
	}
	if out, code := runIn(t, dir, "plan", "-detailed-exitcode"); code != 0 {
		t.Fatalf("plan after apply: %d\n%s", code, out)
	}
	read := func(user string) bool {
		ok, _ := testsrv.RunAs(user, "cat", data)
		return ok
	}
	write := func(user string) bool {
		ok, _ := testsrv.RunAs(user, "sh", "-c", `echo more >> "$1"`, "sh", data)
		return ok
	}
	can := func(principal, action string) bool {
		_, code := runIn(t, dir, "can", principal, action, "storage.results")
		return code == 0
	}
	for _, q := range []struct {
		user, principal string
		op              func(string) bool
		action          string
	}{
		{alice, "user:alice", read, "read"},
		{bob, "user:bob", read, "read"},
		{alice, "user:alice", write, "write"},
		{bob, "user:bob", write, "write"},
	} {
		if did, may := q.op(q.user), can(q.principal, q.action); did != may {
			t.Errorf("%s %s: POSIX says %v, indigo can says %v", q.principal, q.action, did, may)
		}
	}
	if !read(alice) || read(bob) {
		t.Errorf("alice reads %v (want true), bob reads %v (want false)", read(alice), read(bob))
	}

	// An ACL entry removed by hand is drift; apply restores it.
	if out, err := exec.Command("setfacl", "-x", "u:"+alice, filepath.Dir(data)).CombinedOutput(); err != nil {
		t.Fatalf("setfacl -x: %v\n%s", err, out)
	}
	if read(alice) {
		t.Fatal("alice still reads with her entry removed")
	}
	if out, code := runIn(t, dir, "plan", "-detailed-exitcode"); code != 2 {
		t.Errorf("plan after a hand edit: exit %d, want 2\n%s", code, out)
	}
	if out, code := runIn(t, dir, "apply", "-auto-approve"); code != 0 {
		t.Fatalf("apply after the hand edit: %d\n%s", code, out)
	}
	if !read(alice) {
		t.Error("alice cannot read after the repair")
	}

	// The policy removed: the access goes with it.
	writeConfig(t, dir, config("")[:strings.Index(config(""), `policy "analysts_read"`)])
	if out, code := runIn(t, dir, "apply", "-auto-approve"); code != 0 {
		t.Fatalf("apply without the policy: %d\n%s", code, out)
	}
	if read(alice) {
		t.Error("alice still reads after the policy was removed")
	}
	if out, code := runIn(t, dir, "destroy", "-auto-approve"); code != 0 {
		t.Fatalf("destroy: %d\n%s", code, out)
	}
}
