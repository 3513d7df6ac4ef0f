package container

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/indigo-cloud/indigo/providers/indigo/internal/supervise"
)

const (
	runtimeProot = "proot"
	runtimeBwrap = "bwrap"
)

// bwrapWorks reports, once per provider process, whether bubblewrap can
// set up a container here (it needs user namespaces when not root).
var bwrapWorks = sync.OnceValue(func() bool {
	if _, err := exec.LookPath("bwrap"); err != nil {
		return false
	}
	cmd := exec.Command("bwrap", "--bind", "/", "/", "--dev-bind", "/dev", "/dev", "--bind", "/proc", "/proc", "true")
	cmd.Env = toolEnv()
	return cmd.Run() == nil
})

// defaultRuntime is bubblewrap when it works here, else proot.
func defaultRuntime() string {
	if bwrapWorks() {
		return runtimeBwrap
	}
	return runtimeProot
}

// imageProcess is what the unpacked image says to run: umoci writes the
// image's entrypoint and command, environment and working directory into
// the bundle's config.json (an OCI runtime spec).
type imageProcess struct {
	Args []string `json:"args"`
	Env  []string `json:"env"`
	Cwd  string   `json:"cwd"`
}

func readImageProcess(bundle string) (imageProcess, error) {
	var spec struct {
		Process imageProcess `json:"process"`
	}
	b, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		return spec.Process, err
	}
	if err := json.Unmarshal(b, &spec); err != nil {
		return spec.Process, fmt.Errorf("%s: %w", filepath.Join(bundle, "config.json"), err)
	}
	return spec.Process, nil
}

// hostFiles are bound into every container when the host has them, so
// names resolve as on the host (the container shares its network).
var hostFiles = []string{"/etc/resolv.conf", "/etc/hosts"}

// argv is the command line that runs args in rootfs with runtime: the
// host's /dev, /proc and /sys, the host files, the volumes, and cwd.
func argv(runtime, rootfs, cwd string, vols []volume, args []string) ([]string, error) {
	var out []string
	switch runtime {
	case runtimeProot:
		out = []string{"proot", "-r", rootfs, "-b", "/dev", "-b", "/proc", "-b", "/sys"}
		for _, f := range hostFiles {
			if _, err := os.Stat(f); err == nil {
				out = append(out, "-b", f)
			}
		}
		for _, v := range vols {
			out = append(out, "-b", v.HostPath+":"+v.ContainerPath)
		}
		out = append(out, "-w", cwd)
	case runtimeBwrap:
		out = []string{"bwrap", "--bind", rootfs, "/", "--dev-bind", "/dev", "/dev", "--bind", "/proc", "/proc", "--ro-bind", "/sys", "/sys"}
		for _, f := range hostFiles {
			out = append(out, "--ro-bind-try", f, f)
		}
		for _, v := range vols {
			out = append(out, "--bind", v.HostPath, v.ContainerPath)
		}
		out = append(out, "--chdir", cwd, "--")
	default:
		return nil, fmt.Errorf("unknown runtime %q", runtime)
	}
	if _, err := exec.LookPath(out[0]); err != nil {
		pkg := out[0]
		if pkg == runtimeBwrap {
			pkg = "bubblewrap"
		}
		return nil, fmt.Errorf("%s is not installed; install it with: apt-get install -y %s", out[0], pkg)
	}
	return append(out, args...), nil
}

// runtimeProcess is a live runtime process (proot or bwrap) found by the
// root file system it runs.
type runtimeProcess struct {
	pid   int
	ticks uint64
}

// runtimeProcesses lists the live proot and bwrap processes whose command
// line names rootfs as the root they run (proot -r ROOTFS, bwrap --bind
// ROOTFS /). Each was started in a session of its own, so its pid is its
// process group. A container whose start was cut short after its process
// started and before its record named the pid is found this way, so it is
// adopted by Read and stopped by Update and Delete, never left running
// unrecorded.
func runtimeProcesses(rootfs string) []runtimeProcess {
	var found []runtimeProcess
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || len(raw) == 0 {
			continue
		}
		args := strings.Split(strings.TrimSuffix(string(raw), "\x00"), "\x00")
		if !runsRoot(args, rootfs) {
			continue
		}
		state, ticks, err := supervise.ReadProcStat(pid)
		if err != nil || state == 'Z' || state == 'X' {
			continue
		}
		found = append(found, runtimeProcess{pid: pid, ticks: ticks})
	}
	return found
}

// runsRoot reports whether args is a proot or bwrap command line that
// argv builds for rootfs.
func runsRoot(args []string, rootfs string) bool {
	if len(args) < 3 {
		return false
	}
	switch filepath.Base(args[0]) {
	case runtimeProot:
		return args[1] == "-r" && args[2] == rootfs
	case runtimeBwrap:
		return len(args) >= 4 && args[1] == "--bind" && args[2] == rootfs && args[3] == "/"
	}
	return false
}
