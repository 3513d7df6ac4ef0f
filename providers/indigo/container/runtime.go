package container

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
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
