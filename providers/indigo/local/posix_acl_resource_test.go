package local_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/providers/indigo/internal/protoharness"
	"github.com/indigo-cloud/indigo/providers/indigo/local"
)

const aclType = "indigo_posix_acl"

// needAccounts skips (or fails, see testsrv.Missing) unless the test can
// set ACLs and create and use local accounts.
func needAccounts(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"setfacl", "getfacl"} {
		if _, err := exec.LookPath(tool); err != nil {
			testsrv.Missing(t, tool+" not found; install it with: "+local.ACLInstall)
		}
	}
	for _, tool := range []string{"useradd", "groupadd", "userdel", "groupdel", "runuser"} {
		if _, err := exec.LookPath(tool); err != nil {
			testsrv.Missing(t, tool+" not found; install it with: apt-get install -y passwd util-linux")
		}
	}
	if os.Geteuid() != 0 {
		testsrv.Missing(t, "creating local accounts (useradd) needs root; run the tests as root")
	}
}

// The accounts come from internal/testsrv.
var (
	addGroup = func(t *testing.T, base string) string { return testsrv.AddGroup(t, base) }
	addUser  = func(t *testing.T, base string, groups ...string) string { return testsrv.AddUser(t, base, groups...) }
	as       = testsrv.RunAs
)

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func canRead(user, file string) bool {
	ok, _ := as(user, "cat", file)
	return ok
}

func canWrite(user, file string) bool {
	ok, _ := as(user, "sh", "-c", `echo more >> "$1"`, "sh", file)
	return ok
}

func getfacl(t *testing.T, p string) string {
	t.Helper()
	out, err := exec.Command("getfacl", "-p", p).CombinedOutput()
	if err != nil {
		t.Fatalf("getfacl %s: %v\n%s", p, err, out)
	}
	return string(out)
}

func entriesOf(t *testing.T, v tftypes.Value) []string {
	t.Helper()
	var l []tftypes.Value
	if err := protoharness.Get(t, v, "entries").As(&l); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range l {
		var s string
		if err := e.As(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// aclSite is a site root that every account may traverse, holding
// data/ (0750), data/file (0640), data/sub/ (0750) and data/sub/deep
// (0640), all owned by root: only ACLs let other accounts in.
func aclSite(t *testing.T) string {
	t.Helper()
	root, err := os.MkdirTemp("", "indigo-acl-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "data", "sub"), 0o750); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"data", "data/sub"} {
		if err := os.Chmod(filepath.Join(root, d), 0o750); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, root, "data/file", "top secret\n", 0o640)
	writeFile(t, root, "data/sub/deep", "deeper secret\n", 0o640)
	writeFile(t, root, "data/run.sh", "#!/bin/sh\necho ran\n", 0o750)
	return root
}

func TestPOSIXACLGrantsOnlyWhatItSays(t *testing.T) {
	needAccounts(t)
	cms := addGroup(t, "cms")
	alice := addUser(t, "alice")
	bob := addUser(t, "bob")
	carol := addUser(t, "carol", cms)
	root := aclSite(t)
	file, deep := filepath.Join(root, "data/file"), filepath.Join(root, "data/sub/deep")

	// Before: only root.
	for _, u := range []string{alice, bob, carol} {
		if canRead(u, file) {
			t.Fatalf("%s reads %s before any ACL: the test's base permissions are wrong", u, file)
		}
	}

	h := newHarness(t, root)
	cfg := map[string]any{
		"path":      "data",
		"entries":   []string{"u:" + alice + ":r-X", "g:" + cms + ":rwX"},
		"recursive": true,
		"default":   true,
	}
	state := h.Create(aclType, cfg)
	if got := protoharness.GetString(t, state, "id"); got != filepath.Join(root, "data") {
		t.Errorf("id = %q", got)
	}

	if read := h.Read(aclType, state); true {
		if p, err := h.Plan(aclType, read, cfg); err != nil || !p.Planned.Equal(p.Prior) {
			t.Fatalf("plan right after create is not empty (%v):\nplanned %v\nstate   %v", err, p.Planned, read)
		}
	}

	// alice reads everywhere and writes nowhere; bob has no entry; carol
	// writes through her group.
	if !canRead(alice, file) || !canRead(alice, deep) {
		t.Errorf("alice (r-X) cannot read: %s %v, %s %v", file, canRead(alice, file), deep, canRead(alice, deep))
	}
	if ok, out := as(alice, "ls", filepath.Join(root, "data/sub")); !ok || !strings.Contains(out, "deep") {
		t.Errorf("alice cannot list data/sub: %s", out)
	}
	if canWrite(alice, file) {
		t.Error("alice (r-X) can write")
	}
	if canRead(bob, file) || canRead(bob, deep) {
		t.Error("bob, who has no entry, can read")
	}
	if !canWrite(carol, deep) {
		t.Errorf("carol (group %s: rwX) cannot write %s", cms, deep)
	}
	// X: execute on directories and on what was executable already, not
	// on plain files.
	if ok, out := as(alice, filepath.Join(root, "data/run.sh")); !ok || out != "ran" {
		t.Errorf("alice cannot run data/run.sh (executable by its owner, so X gives x): %v %s", ok, out)
	}
	if acl := getfacl(t, file); !strings.Contains(acl, "user:"+alice+":r--") {
		t.Errorf("X gave a plain file execute:\n%s", acl)
	}

	// Default entries: a file created later is readable by alice.
	later := filepath.Join(root, "data/sub/later")
	if err := os.WriteFile(later, []byte("new\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if !canRead(alice, later) {
		t.Errorf("alice cannot read a file created after the apply (default ACL):\n%s", getfacl(t, later))
	}

	// The new file's mask comes from its creation mode (0640: r--), so
	// the group's rwX gives only r-- there: Read reports it, and the
	// update gives carol write access to the new file too.
	if canWrite(carol, later) {
		t.Fatal("carol can write a file created 0640 under a default ACL: the mask should stop her")
	}
	state = h.Read(aclType, state)
	if got := entriesOf(t, state); !slices.Equal(got, []string{"u:" + alice + ":r-X", "g:" + cms + ":r--"}) {
		t.Errorf("Read after a file was created under the default ACL: %v; want alice's entry as written, the group's as found on the new file", got)
	}
	state = h.Update(aclType, state, cfg)
	if !canWrite(carol, later) {
		t.Errorf("the update did not give carol write access to the new file:\n%s", getfacl(t, later))
	}
	state = h.Read(aclType, state)
	if p, err := h.Plan(aclType, state, cfg); err != nil || !p.Planned.Equal(p.Prior) {
		t.Fatalf("plan right after the update is not empty (%v):\nplanned %v\nstate   %v", err, p.Planned, state)
	}

	// Drift: alice's entry removed by hand from one file deep down.
	run(t, "setfacl", "-x", "u:"+alice, deep)
	if canRead(alice, deep) {
		t.Fatal("removing the entry by hand did not take alice's access")
	}
	state = h.Read(aclType, state)
	if got := entriesOf(t, state); slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, alice) }) {
		t.Errorf("Read does not see alice's entry gone from %s: %v", deep, got)
	}
	p, err := h.Plan(aclType, state, cfg)
	if err != nil || p.Planned.Equal(p.Prior) || len(p.Replace) > 0 {
		t.Fatalf("a removed entry must plan an in-place update: %v", err)
	}
	if state, err = h.Apply(aclType, p); err != nil {
		t.Fatal(err)
	}
	if !canRead(alice, deep) {
		t.Error("apply did not give alice her entry back")
	}

	// Drift: a chmod narrows the mask, so the entries give nothing.
	if err := os.Chmod(file, 0o600); err != nil {
		t.Fatal(err)
	}
	if canRead(alice, file) {
		t.Fatal("chmod 0600 did not narrow the mask")
	}
	state = h.Read(aclType, state)
	if got := entriesOf(t, state); !slices.Contains(got, "u:"+alice+":---") {
		t.Errorf("Read after the mask was narrowed: %v; want alice's effective rights (---)", got)
	}
	state = h.Update(aclType, state, cfg)
	if !canRead(alice, file) {
		t.Error("apply did not restore alice's effective rights")
	}

	// Update: the group's entry goes, alice's stays.
	cfg["entries"] = []string{"u:" + alice + ":r-X"}
	state = h.Update(aclType, state, cfg)
	if canWrite(carol, deep) || canRead(carol, deep) {
		t.Error("carol still has access after her group's entry was removed")
	}
	if acl := getfacl(t, filepath.Join(root, "data/sub")); strings.Contains(acl, cms) {
		t.Errorf("the group's entries (access and default) are still there:\n%s", acl)
	}

	// Update: no longer recursive nor default: only data itself keeps
	// alice's entry.
	cfg["recursive"], cfg["default"] = false, false
	state = h.Update(aclType, state, cfg)
	if canRead(alice, file) {
		t.Error("alice still reads data/file after recursive was turned off")
	}
	if acl := getfacl(t, filepath.Join(root, "data")); !strings.Contains(acl, "user:"+alice+":r-x") || strings.Contains(acl, "default:user:"+alice) {
		t.Errorf("data's ACL after turning off recursive and default:\n%s", acl)
	}
	state = h.Read(aclType, state)
	if p, err := h.Plan(aclType, state, cfg); err != nil || !p.Planned.Equal(p.Prior) {
		t.Errorf("plan after the update is not empty: %v", err)
	}

	// Delete: the entries it set go, the modes stay.
	if err := h.Destroy(aclType, state); err != nil {
		t.Fatal(err)
	}
	if acl := getfacl(t, filepath.Join(root, "data")); strings.Contains(acl, alice) {
		t.Errorf("alice's entry is still there after delete:\n%s", acl)
	}
	if info, err := os.Stat(filepath.Join(root, "data")); err != nil || info.Mode().Perm() != 0o750 {
		t.Errorf("data's mode after delete: %v, %v; want 0750", info.Mode().Perm(), err)
	}
	// Gone: Read drops a resource whose path is gone.
	if err := os.RemoveAll(filepath.Join(root, "data")); err != nil {
		t.Fatal(err)
	}
	if got := h.Read(aclType, state); !got.IsNull() {
		t.Errorf("Read of a removed path = %v, want null", got)
	}
}

func TestPOSIXACLRefusals(t *testing.T) {
	needAccounts(t)
	root := aclSite(t)
	h := newHarness(t, root)
	for _, tc := range []struct {
		entries []string
		want    string
	}{
		{[]string{"o::r"}, "file's mode"},
		{[]string{"m::rwx"}, "file's mode"},
		{[]string{"u::rwx"}, "file's mode"},
		{[]string{"d:u:root:r"}, "default = true"},
		{[]string{"u:root:rwq"}, "PERMS"},
		{[]string{"u:root:r", "user:root:rw"}, "Duplicate"},
		{[]string{}, "at least one"},
	} {
		if _, err := h.Plan(aclType, tftypes.Value{}, map[string]any{"path": "data", "entries": tc.entries}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("entries %q: %v; want an error mentioning %q", tc.entries, err, tc.want)
		}
	}
	apply := func(cfg map[string]any) error {
		p, err := h.Plan(aclType, tftypes.Value{}, cfg)
		if err != nil {
			return err
		}
		_, err = h.Apply(aclType, p)
		return err
	}
	err := apply(map[string]any{"path": "data", "entries": []string{"u:no-such-user-4f1c2e:r"}})
	if err == nil || !strings.Contains(err.Error(), "no local user") || !strings.Contains(err.Error(), "useradd") {
		t.Errorf("an unknown user: %v", err)
	}
	outside := t.TempDir()
	if err := apply(map[string]any{"path": outside, "entries": []string{"u:root:r"}}); err == nil || !strings.Contains(err.Error(), "not under the provider's root") {
		t.Errorf("a path outside the root: %v", err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "escape")); err != nil {
		t.Fatal(err)
	}
	if err := apply(map[string]any{"path": "escape", "entries": []string{"u:root:r"}}); err == nil || !strings.Contains(err.Error(), "not under the provider's root") {
		t.Errorf("a symbolic link out of the root: %v", err)
	}
	if err := apply(map[string]any{"path": "nothing-here", "entries": []string{"u:root:r"}}); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("a missing path: %v", err)
	}
	if acl := getfacl(t, outside); strings.Contains(acl, "user:root:") {
		t.Errorf("an ACL was set outside the root:\n%s", acl)
	}
}
