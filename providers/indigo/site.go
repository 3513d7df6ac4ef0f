package indigo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/indigo-cloud/indigo/providers/indigo/engine"
	"github.com/indigo-cloud/indigo/providers/indigo/kubernetes"
	"github.com/indigo-cloud/indigo/providers/indigo/s3"
	"github.com/indigo-cloud/indigo/providers/indigo/slurm"
)

// site is what the provider configuration gives every resource: the root
// directory and whether it is known to be writable, and the s3 target's
// endpoints.
type site struct {
	root        string
	unknownRoot bool
	s3          *s3.Site         // the s3 target's endpoints (providers/indigo/s3)
	slurm       *slurm.Site      // the slurm target's cluster (providers/indigo/slurm)
	engine      *engine.Site     // the engine room's state backend (providers/indigo/engine)
	kube        *kubernetes.Site // the kubernetes target's cluster (providers/indigo/kubernetes)

	mu       sync.Mutex
	writable bool // root exists and a file could be created in it
}

// errUnknownRoot is returned when a resource needs the root before it is known.
var errUnknownRoot = errors.New("the provider's root is not known yet (it depends on a value computed during apply)")

// resolve turns a path from the configuration into an absolute, clean path:
// relative paths resolve under the root.
func (s *site) resolve(p string) (string, error) {
	if filepath.IsAbs(p) {
		return filepath.Clean(p), nil
	}
	if s.unknownRoot {
		return "", errUnknownRoot
	}
	return filepath.Join(s.root, p), nil
}

// inRoot reports whether abs is the root or below it.
func (s *site) inRoot(abs string) bool {
	rel, err := filepath.Rel(s.root, abs)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// prepareWrite makes sure the root exists and is writable before something is
// written at abs under it. Success is remembered; failure is not, so a root
// fixed by hand works on the next attempt.
func (s *site) prepareWrite(abs string) error {
	if s.unknownRoot {
		return errUnknownRoot
	}
	if !s.inRoot(abs) {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writable {
		return nil
	}
	if err := os.MkdirAll(s.root, 0o755); err != nil {
		return fmt.Errorf("the site root %s cannot be created: %w", s.root, err)
	}
	probe, err := os.CreateTemp(s.root, ".indigo-probe-*")
	if err != nil {
		return fmt.Errorf("the site root %s is not writable: %w", s.root, err)
	}
	name := probe.Name()
	probe.Close()
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("the site root %s is not writable: removing %s: %w", s.root, name, err)
	}
	s.writable = true
	return nil
}

// writeFileAtomic replaces name with data: a temporary file in the same
// directory is written, given perm, fsynced and renamed over name, and the
// directory is fsynced, so a crash leaves either the old or the new content.
// Missing parent directories are created with dirPerm (less the umask).
func writeFileAtomic(name string, data []byte, perm, dirPerm fs.FileMode) (err error) {
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return fmt.Errorf("creating directory %s: %w", dir, err)
	}
	// A write that a crash interrupted leaves its temporary file behind;
	// the next write of the same file clears it.
	removeStaleTemps(dir, filepath.Base(name))
	tmp, err := os.CreateTemp(dir, tempPrefix(filepath.Base(name))+"*")
	if err != nil {
		return fmt.Errorf("creating a temporary file in %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", tmp.Name(), err)
	}
	// Chmod on the open file is not subject to the umask, so the mode is
	// exactly the one asked for and Read does not see drift.
	if err := tmp.Chmod(perm); err != nil {
		return fmt.Errorf("setting the mode of %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("renaming %s to %s: %w", tmp.Name(), name, err)
	}
	syncDir(dir)
	return nil
}

// tempPrefix is the name prefix of writeFileAtomic's temporary files for a
// file named base.
func tempPrefix(base string) string { return "." + base + ".tmp-" }

// removeStaleTemps removes the temporary files writeFileAtomic left in dir
// when it was killed: those of base, or every one when base is "". Only
// files of that exact shape are touched.
func removeStaleTemps(dir, base string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		n := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(n, ".") {
			continue
		}
		i := strings.LastIndex(n, ".tmp-")
		if i <= 1 || strings.Trim(n[i+len(".tmp-"):], "0123456789") != "" {
			continue
		}
		if base != "" && n[:i+len(".tmp-")] != tempPrefix(base) {
			continue
		}
		os.Remove(filepath.Join(dir, n))
	}
}

// syncDir makes a rename in dir durable. Failure is ignored: some file
// systems do not support fsync on directories and the rename has happened.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	d.Close()
}

// ResolvePath is resolve for the provider's target packages
// (providers/indigo/local), which see the site through an interface.
func (s *site) ResolvePath(p string) (string, error) { return s.resolve(p) }

// PrepareWrite is prepareWrite for the provider's target packages.
func (s *site) PrepareWrite(abs string) error { return s.prepareWrite(abs) }

// InRoot reports whether abs, an existing path, is the root or below it
// once symbolic links in both are resolved, for resources that must not
// reach outside the site (providers/indigo/local's indigo_posix_acl).
func (s *site) InRoot(abs string) (bool, error) {
	if s.unknownRoot {
		return false, errUnknownRoot
	}
	root, err := filepath.EvalSymlinks(s.root)
	if err != nil {
		return false, fmt.Errorf("the site root %s: %w", s.root, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return false, err
	}
	rel, err := filepath.Rel(root, real)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)), nil
}
