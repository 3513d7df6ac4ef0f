//go:build unix

package steps

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ownGroup runs cmd in a process group of its own, killed whole when the
// context ends, so a cancelled apply leaves no step's child running.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}

// killRun kills the process group of a run of the step in dir that an
// interrupted apply left running: the pid in dir/pid, if that process is
// still the step's (its environment names dir; Linux's /proc tells).
func killRun(dir string) {
	b, err := os.ReadFile(filepath.Join(dir, "pid"))
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		return
	}
	env, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "environ"))
	if err != nil || !bytes.Contains(append([]byte{0}, env...), []byte("\x00"+runMark+"="+dir+"\x00")) {
		return
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}
