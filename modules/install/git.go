package install

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/indigo-cloud/indigo/lang/modsrc"
)

// fetchGit clones the repository of src into dest and checks out its ref
// (the default branch when there is none). The .git directory is removed:
// the copy is a module, not a working tree.
func (r *run) fetchGit(src modsrc.Source, dest string) error {
	git := r.in.Git
	if git == "" {
		p, err := exec.LookPath("git")
		if err != nil {
			return fmt.Errorf("git sources need the git command, which is not installed: install git (apt-get install git)")
		}
		git = p
	}
	repo := src.URL.String()
	args := []string{"clone", "--quiet"}
	if src.Depth != "" {
		args = append(args, "--depth", src.Depth)
		if src.Ref != "" {
			args = append(args, "--branch", src.Ref)
		}
	} else if src.Ref == "" {
		args = append(args, "--depth", "1")
	}
	args = append(args, "--", repo, dest)
	if out, err := r.runGit(git, "", args...); err != nil {
		if src.Depth != "" && src.Ref != "" && strings.Contains(out, "not found in upstream") {
			return fmt.Errorf("the repository %s has no branch or tag %q (with depth=, ref must name a branch or tag): check ref= in the source", redact(repo), src.Ref)
		}
		return fmt.Errorf("cloning %s failed: %s. Check the URL and that the repository is reachable with the credentials git uses", redact(repo), out)
	}
	if src.Ref != "" && src.Depth == "" {
		if _, err := r.runGit(git, dest, "rev-parse", "--verify", "--quiet", src.Ref+"^{commit}"); err != nil {
			// A tag or branch name of the remote, or a commit.
			if _, err2 := r.runGit(git, dest, "rev-parse", "--verify", "--quiet", "origin/"+src.Ref+"^{commit}"); err2 != nil {
				return fmt.Errorf("the repository %s has no branch, tag or commit %q: check ref= in the source", redact(repo), src.Ref)
			}
			src.Ref = "origin/" + src.Ref
		}
		if out, err := r.runGit(git, dest, "checkout", "--quiet", "--detach", src.Ref); err != nil {
			return fmt.Errorf("checking out %q of %s failed: %s", src.Ref, redact(repo), out)
		}
	}
	return os.RemoveAll(dest + "/.git")
}

func (r *run) runGit(git, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(r.ctx, git, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "GCM_INTERACTIVE=never")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if r.ctx.Err() != nil {
		return "", r.ctx.Err()
	}
	return strings.TrimSpace(strings.ReplaceAll(out.String(), args[len(args)-2], redact(args[len(args)-2]))), err
}

// redact hides a password in a URL.
func redact(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		if at := strings.Index(s[i+3:], "@"); at >= 0 {
			cred := s[i+3 : i+3+at]
			if u, _, ok := strings.Cut(cred, ":"); ok {
				return s[:i+3] + u + ":xxxxx" + s[i+3+at:]
			}
		}
	}
	return s
}
