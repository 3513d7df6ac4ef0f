package testsrv

import (
	"crypto/rand"
	"encoding/hex"
	"os/exec"
	"strings"
	"testing"
)

// Local accounts for tests of POSIX permissions: created with useradd and
// groupadd (the tests run as root), each name with a random suffix so that
// parallel runs do not collide, and removed when the test ends. Without
// the tools, or without root, the test is skipped (or fails under
// INDIGO_TEST_REQUIRE=1) with what to install.

func needAccounts(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"useradd", "groupadd", "runuser", "setfacl", "getfacl"} {
		if _, err := exec.LookPath(tool); err != nil {
			Missing(t, tool+" is not installed: apt-get install -y passwd util-linux acl")
		}
	}
}

func accountSuffix(t testing.TB) string {
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func runTool(t testing.TB, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// AddGroup creates a local group named base-SUFFIX and returns its name.
func AddGroup(t testing.TB, base string) string {
	t.Helper()
	needAccounts(t)
	name := base + "-" + accountSuffix(t)
	runTool(t, "groupadd", name)
	t.Cleanup(func() { exec.Command("groupdel", name).Run() })
	return name
}

// AddUser creates a local account named base-SUFFIX, without a home or a
// login shell, member of groups, and returns its name.
func AddUser(t testing.TB, base string, groups ...string) string {
	t.Helper()
	needAccounts(t)
	name := base + "-" + accountSuffix(t)
	args := []string{"-M", "-N", "-s", "/usr/sbin/nologin"}
	if len(groups) > 0 {
		args = append(args, "-G", strings.Join(groups, ","))
	}
	runTool(t, "useradd", append(args, name)...)
	t.Cleanup(func() { exec.Command("userdel", name).Run() })
	return name
}

// RunAs runs a command as a local account (runuser) and reports whether
// it succeeded, with its output.
func RunAs(user string, args ...string) (bool, string) {
	out, err := exec.Command("runuser", append([]string{"-u", user, "--"}, args...)...).CombinedOutput()
	return err == nil, strings.TrimSpace(string(out))
}
