package faults

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Process is a running process as /proc shows it.
type Process struct {
	PID  int
	PPID int
	// Exe is the base name of its executable.
	Exe string
}

// Descendants lists the processes below pid (children, grandchildren...).
func Descendants(pid int) []Process {
	all := processes()
	children := map[int][]Process{}
	for _, p := range all {
		children[p.PPID] = append(children[p.PPID], p)
	}
	var out []Process
	queue := []int{pid}
	for len(queue) > 0 {
		next := queue[0]
		queue = queue[1:]
		for _, c := range children[next] {
			out = append(out, c)
			queue = append(queue, c.PID)
		}
	}
	return out
}

// FindDescendant returns the first process below pid whose executable's
// base name starts with prefix.
func FindDescendant(pid int, prefix string) (Process, bool) {
	for _, p := range Descendants(pid) {
		if strings.HasPrefix(p.Exe, prefix) {
			return p, true
		}
	}
	return Process{}, false
}

// Kill sends SIGKILL to p.
func (p Process) Kill() error { return syscall.Kill(p.PID, syscall.SIGKILL) }

// Freeze stops p (SIGSTOP): it holds its connections and answers nothing,
// as a process stuck in a deadlock or a dead NFS mount does.
func (p Process) Freeze() error { return syscall.Kill(p.PID, syscall.SIGSTOP) }

// Thaw lets a frozen p run again.
func (p Process) Thaw() error { return syscall.Kill(p.PID, syscall.SIGCONT) }

// Alive reports whether p still exists (and is not a zombie).
func (p Process) Alive() bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(p.PID) + "/stat")
	if err != nil {
		return false
	}
	_, state, _ := parseStat(string(data))
	return state != "Z" && state != "X"
}

func processes() []Process {
	entries, _ := os.ReadDir("/proc")
	var out []Process
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		ppid, _, ok := parseStat(string(data))
		if !ok {
			continue
		}
		exe, _ := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		out = append(out, Process{PID: pid, PPID: ppid, Exe: filepath.Base(exe)})
	}
	return out
}

// parseStat reads the parent pid and state from /proc/PID/stat, whose
// second field (the command, in parentheses) may hold spaces.
func parseStat(s string) (ppid int, state string, ok bool) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, "", false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0, "", false
	}
	ppid, err := strconv.Atoi(f[1])
	return ppid, f[0], err == nil
}
