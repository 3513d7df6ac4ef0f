package steps

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

var lookPath = exec.LookPath

// hash is the SHA-256 of the runner, the implementation and every regular
// file of the roles, each with its name: what changes what the step does.
func (f *stepFiles) hash() (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "runner %s\n", f.runner)
	if err := hashFile(h, "implementation", f.impl); err != nil {
		return "", err
	}
	for _, role := range f.roles {
		err := filepath.WalkDir(role, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			rel, _ := filepath.Rel(role, p)
			return hashFile(h, filepath.Base(role)+"/"+filepath.ToSlash(rel), p)
		})
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashFile(h io.Writer, name, p string) error {
	b, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	fmt.Fprintf(h, "%s %d\n", name, len(b))
	_, err = h.Write(b)
	return err
}

// execution is one run of a step's script or playbook.
type execution struct {
	runner string
	impl   string
	roles  []string
	inputs map[string]string
	target string // the working directory (inside rootfs when set)
	rootfs string // a container's root file system to run in, or ""
	dir    string // the step's own directory (log, extra-vars)
	log    string
}

// tailLines is how much of a failed step's log its error shows.
const tailLines = 20

// run runs the step, its output appended to the log, killed after limit
// (0: no limit).
func (e *execution) run(ctx context.Context, limit time.Duration) (err error) {
	logf, err := os.OpenFile(e.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	if limit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, limit)
		defer cancel()
		defer func() {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				err = fmt.Errorf("killed after its timeout of %s", limit)
			}
		}()
	}
	return e.start(ctx, logf)
}

// start runs the step's command with its output in logf.
func (e *execution) start(ctx context.Context, logf *os.File) error {
	if e.rootfs != "" {
		return e.runInside(ctx, logf)
	}
	var cmd *exec.Cmd
	env := os.Environ()
	switch e.runner {
	case RunnerAnsible:
		bin, err := lookPath("ansible-playbook")
		if err != nil {
			return fmt.Errorf("ansible-playbook not found (install it: %s)", AnsibleInstall)
		}
		vars := map[string]string{"indigo_target": e.target}
		for k, v := range e.inputs {
			vars[k] = v
		}
		// The inputs may be secret: they go in a file only this
		// user can read, removed after the run, never on the
		// command line.
		varsPath := filepath.Join(e.dir, "extra-vars.json")
		b, _ := json.Marshal(vars)
		if err := os.WriteFile(varsPath, b, 0o600); err != nil {
			return err
		}
		defer os.Remove(varsPath)
		rolesDir, err := e.linkRoles()
		if err != nil {
			return err
		}
		cmd = exec.CommandContext(ctx, bin, "-i", "localhost,", "-c", "local", "-e", "@"+varsPath, e.impl)
		env = append(env,
			"ANSIBLE_ROLES_PATH="+rolesDir,
			"ANSIBLE_HOME="+filepath.Join(e.dir, "ansible"),
			"ANSIBLE_LOCAL_TEMP="+filepath.Join(e.dir, "ansible", "tmp"),
			"ANSIBLE_RETRY_FILES_ENABLED=0",
			"ANSIBLE_NOCOLOR=1",
			"ANSIBLE_PYTHON_INTERPRETER=auto_silent",
			"PYTHONUNBUFFERED=1",
		)
	default:
		bin, err := lookPath("bash")
		if err != nil {
			return fmt.Errorf("bash not found: %w", err)
		}
		cmd = exec.CommandContext(ctx, bin, e.impl)
		for k, v := range e.inputs {
			env = append(env, k+"="+v)
		}
		env = append(env, "INDIGO_TARGET="+e.target, "INDIGO_STEP_DIR="+e.dir)
	}
	cmd.Dir = e.target
	cmd.Env = env
	cmd.Stdout = logf
	cmd.Stderr = logf
	return e.exec(ctx, cmd)
}

// runMark is the environment variable that names the step directory of
// a running step's processes, so that killRun kills only them.
const runMark = "INDIGO_STEP_RUN"

// exec runs cmd in a process group of its own, its pid kept in the step's
// directory while it runs: an apply killed meanwhile leaves it there for
// the next create or delete of the step to stop it (killRun). When ctx
// ends (a timeout, a cancelled apply) the whole group is killed, and exec
// returns only once every process of it is gone: the kill is delivered
// asynchronously, and a step's background child outlives its shell by a
// moment.
func (e *execution) exec(ctx context.Context, cmd *exec.Cmd) error {
	cmd.Env = append(cmd.Env, runMark+"="+e.dir)
	ownGroup(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	pidFile := filepath.Join(e.dir, "pid")
	_ = os.WriteFile(pidFile, []byte(strconv.Itoa(cmd.Process.Pid)), 0o600)
	defer os.Remove(pidFile)
	err := cmd.Wait()
	if ctx.Err() != nil {
		if gerr := endGroup(cmd.Process.Pid); gerr != nil {
			return errors.Join(err, gerr)
		}
	}
	return err
}

// runInside runs a Bash step inside a container's root file system with
// proot: the image's own shell, this step's directory bound at
// /.indigo-step, a clean environment.
func (e *execution) runInside(ctx context.Context, logf *os.File) error {
	bin, err := lookPath("proot")
	if err != nil {
		return fmt.Errorf("proot not found (install it: %s)", ProotInstall)
	}
	b, err := os.ReadFile(e.impl)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(e.dir, "step.sh"), b, 0o600); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, "-r", e.rootfs, "-b", "/dev", "-b", "/proc", "-b", e.dir+":/.indigo-step", "-w", e.target, "/bin/sh", "/.indigo-step/step.sh")
	env := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "PROOT_NO_SECCOMP=1"}
	for k, v := range e.inputs {
		env = append(env, k+"="+v)
	}
	env = append(env, "INDIGO_TARGET="+e.target, "INDIGO_STEP_DIR=/.indigo-step")
	cmd.Env, cmd.Stdout, cmd.Stderr = env, logf, logf
	return e.exec(ctx, cmd)
}

// linkRoles makes the step's roles directory: one symbolic link per role,
// named as the playbook names it (the directory's base name).
func (e *execution) linkRoles() (string, error) {
	dir := filepath.Join(e.dir, "roles")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	for _, r := range e.roles {
		link := filepath.Join(dir, filepath.Base(r))
		_ = os.Remove(link)
		if err := os.Symlink(r, link); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// failure says why the step failed: on its first line the log's last
// line and where the log is, then the log's last lines.
func (e *execution) failure(err error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s) failed: %v", e.impl, e.runner, err)
	tail := logTail(e.log, tailLines)
	if n := len(tail); n > 0 {
		fmt.Fprintf(&b, ": %s", strings.TrimSpace(tail[n-1]))
	}
	fmt.Fprintf(&b, " (log: %s)", e.log)
	if len(tail) > 0 {
		fmt.Fprintf(&b, "\nIts last lines:\n  %s", strings.Join(tail, "\n  "))
	}
	return b.String()
}

// logTail returns the last n non-empty lines of a log.
func logTail(p string, n int) []string {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return lines
}
