package container

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/indigo-cloud/indigo/providers/indigo/internal/supervise"
)

// imageRef is a parsed image reference.
type imageRef struct {
	transport string // "oci", "oci-archive" or "docker"
	path      string // the layout or archive path for oci and oci-archive, as written
	tag       string // the tag of oci and oci-archive (may be empty)
	docker    string // the registry reference for docker
}

// parseImage reads oci:PATH[:TAG], oci-archive:PATH[:TAG], docker://REF,
// or a bare registry reference (read as docker://REF, as TOSCA templates
// write Docker images).
func parseImage(s string) (imageRef, error) {
	if s == "" || strings.TrimSpace(s) != s || strings.ContainsAny(s, "\x00\n") {
		return imageRef{}, fmt.Errorf("%q is not an image reference", s)
	}
	for _, t := range []string{"oci-archive", "oci"} {
		if rest, ok := strings.CutPrefix(s, t+":"); ok {
			p, tag, _ := strings.Cut(rest, ":")
			if p == "" {
				return imageRef{}, fmt.Errorf("%q names no path: write %s:DIR:TAG", s, t)
			}
			return imageRef{transport: t, path: p, tag: tag}, nil
		}
	}
	ref := strings.TrimPrefix(s, "docker://")
	if ref == "" || strings.Contains(ref, "://") || strings.ContainsAny(ref, " \t") {
		return imageRef{}, fmt.Errorf("%q is not an image reference: use oci:DIR:TAG, oci-archive:FILE:TAG or docker://REGISTRY/NAME:TAG", s)
	}
	return imageRef{transport: "docker", docker: ref}, nil
}

// skopeoRef is the reference skopeo reads, with a relative oci or
// oci-archive path resolved under the provider's root.
func (r imageRef) skopeoRef(s site) (string, error) {
	if r.transport == "docker" {
		return "docker://" + r.docker, nil
	}
	p, err := s.ResolvePath(r.path)
	if err != nil {
		return "", err
	}
	if r.tag == "" {
		return r.transport + ":" + p, nil
	}
	return r.transport + ":" + p + ":" + r.tag, nil
}

// toolEnv is the environment skopeo and umoci run with: the provider's,
// without its plugin handshake variables.
func toolEnv() []string { return supervise.Env(os.Environ(), nil) }

// run runs a tool and returns its standard output; its error carries what
// the tool said on standard error, and how to install it when it is missing.
func run(ctx context.Context, name string, args ...string) ([]byte, error) {
	if _, err := exec.LookPath(name); err != nil {
		return nil, fmt.Errorf("%s is not installed; install it with: apt-get install -y %s", name, name)
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = toolEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("%s %s: %s", name, strings.Join(args, " "), msg)
	}
	return out, nil
}

// resolveDigest returns the digest ("sha256:<hex>") of the manifest the
// reference points at now: read from the layout for oci:, asked of skopeo
// (`skopeo inspect --raw`, hashed) for the other transports.
func resolveDigest(ctx context.Context, ref string) (string, error) {
	if rest, ok := strings.CutPrefix(ref, "oci:"); ok {
		dir, tag, _ := strings.Cut(rest, ":")
		return layoutDigest(dir, tag)
	}
	raw, err := run(ctx, "skopeo", "inspect", "--raw", ref)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// cache is the content-addressed image cache under the provider's root:
// images/<hex>/ is an OCI layout holding the image whose manifest digest is
// sha256:<hex> under the tag "image". images/.lock serialises pulls and
// removals (an flock, which also excludes other goroutines that open it).
type cache struct {
	root string // the provider's root
}

func (c cache) dir() string                  { return filepath.Join(c.root, "images") }
func (c cache) layout(digest string) string  { return filepath.Join(c.dir(), digestHex(digest)) }
func (c cache) containers() string           { return filepath.Join(c.root, "containers") }
func digestHex(digest string) string         { return strings.TrimPrefix(digest, "sha256:") }
func (c cache) bundleDir(name string) string { return filepath.Join(c.containers(), name) }

// rootLocks holds a mutex per site root: the goroutines of one provider
// process take it before the lock file. release removes the lock file with
// the cache when nothing is left, so a goroutine waiting on the old file
// and one opening a new file could otherwise both hold "the" lock.
var rootLocks sync.Map // root → *sync.Mutex

// lock takes the cache's lock: the process's mutex for the root, then the
// lock file, which other processes on the same root respect.
func (c cache) lock() (unlock func(), err error) {
	mv, _ := rootLocks.LoadOrStore(c.root, &sync.Mutex{})
	mu := mv.(*sync.Mutex)
	mu.Lock()
	defer func() {
		if err != nil {
			mu.Unlock()
		}
	}()
	if err := os.MkdirAll(c.dir(), 0o755); err != nil {
		return nil, fmt.Errorf("creating the image cache %s: %w", c.dir(), err)
	}
	f, err := os.OpenFile(filepath.Join(c.dir(), ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the image cache's lock: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("locking the image cache: %w", err)
	}
	return func() { f.Close(); mu.Unlock() }, nil
}

// pull makes sure the image with digest is in the cache, copying ref with
// skopeo when it is not. The caller holds the lock. A copy is made in a
// temporary layout and renamed into place, so the cache never holds half
// an image; temporary layouts a killed pull left are removed first.
func (c cache) pull(ctx context.Context, ref, digest string) error {
	dst := c.layout(digest)
	if _, err := os.Stat(filepath.Join(dst, "index.json")); err == nil {
		return nil
	}
	tmp := dst + ".tmp"
	if err := removeTree(tmp); err != nil {
		return err
	}
	if err := removeTree(dst); err != nil {
		return err
	}
	if _, err := run(ctx, "skopeo", "copy", "--quiet", ref, "oci:"+tmp+":image"); err != nil {
		removeTree(tmp)
		return err
	}
	// The tag may have moved between the plan's look and the copy: the
	// cache must hold what its name says.
	got, err := resolveDigest(ctx, ref)
	if err != nil {
		removeTree(tmp)
		return err
	}
	if got != digest {
		removeTree(tmp)
		return fmt.Errorf("%s changed while it was copied (now %s, planned %s); plan again", ref, got, digest)
	}
	return os.Rename(tmp, dst)
}

// unpack unpacks the cached image with digest into dir/bundle: its root
// file system with `umoci raw unpack --rootless` (umoci unpack without the
// mtree manifest, which only `umoci repack` needs and which costs a hash of
// every file), and beside it config.json with what the image runs. It
// goes through a temporary bundle renamed into place, so an existing
// bundle/rootfs is always complete.
func (c cache) unpack(ctx context.Context, digest, dir string) error {
	tmp := filepath.Join(dir, "bundle.tmp")
	if err := removeTree(tmp); err != nil {
		return err
	}
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return err
	}
	proc, err := layoutProcess(c.layout(digest), "image")
	if err == nil {
		_, err = run(ctx, "umoci", "raw", "unpack", "--rootless", "--image", c.layout(digest)+":image", filepath.Join(tmp, "rootfs"))
	}
	if err == nil {
		var b []byte
		b, err = json.MarshalIndent(map[string]any{"process": proc}, "", "  ")
		if err == nil {
			err = os.WriteFile(filepath.Join(tmp, "config.json"), b, 0o644)
		}
	}
	if err != nil {
		removeTree(tmp)
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, "bundle"))
}

// makeBundleDir creates the directory of a new container (exclusive: it
// must not exist) or of one started again, under the cache's lock, so
// that a release does not remove the containers directory under it.
func (c cache) makeBundleDir(dir string, exclusive bool) error {
	unlock, err := c.lock()
	if err != nil {
		return err
	}
	defer unlock()
	if err := os.MkdirAll(c.containers(), 0o755); err != nil {
		return fmt.Errorf("creating the containers directory: %w", err)
	}
	if exclusive {
		return os.Mkdir(dir, 0o755)
	}
	return os.MkdirAll(dir, 0o755)
}

// release removes, under the cache's lock, the directory of a container
// that is going (leaving, "" for none; its record is removed already),
// the cached image with digest when no container under the root records it
// any more, and the cache and containers directories when they are empty.
// The image goes before the container's directory: a delete killed in
// between leaves the directory, so the container still exists and the
// next delete finishes; the other way round, nothing would release the
// image.
func (c cache) release(digest, leaving string) error {
	unlock, err := c.lock()
	if err != nil {
		return err
	}
	defer unlock()
	if digest != "" && !c.inUse(digest) {
		if err := removeTree(c.layout(digest)); err != nil {
			return err
		}
	}
	if leaving != "" {
		if err := removeTree(leaving); err != nil {
			return err
		}
	}
	entries, _ := os.ReadDir(c.dir())
	for _, e := range entries {
		// Pulls hold the lock, so a temporary layout seen now is what a
		// killed pull left.
		if strings.HasSuffix(e.Name(), ".tmp") {
			removeTree(filepath.Join(c.dir(), e.Name()))
		}
	}
	entries, _ = os.ReadDir(c.dir())
	if len(entries) == 1 && entries[0].Name() == ".lock" {
		// Nothing cached: leave nothing behind. Another provider process
		// on the same root could hold the lock file now; one provider per
		// root is the rule (indigo's state lock).
		os.Remove(filepath.Join(c.dir(), ".lock"))
		os.Remove(c.dir())
	}
	os.Remove(c.containers()) // only when empty
	return nil
}

// inUse reports whether a container's record names digest.
func (c cache) inUse(digest string) bool {
	entries, _ := os.ReadDir(c.containers())
	for _, e := range entries {
		rec, err := readRecord(filepath.Join(c.containers(), e.Name()))
		if err == nil && rec.Digest == digest {
			return true
		}
	}
	return false
}

// removeTree removes a directory tree that umoci may have unpacked with
// modes that forbid writing (read-only directories of an image): it makes
// directories writable and tries again. A missing tree is no error.
func removeTree(dir string) error {
	err := os.RemoveAll(dir)
	if err == nil {
		return nil
	}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o700)
		}
		return nil
	})
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("removing %s: %w", dir, err)
	}
	return nil
}
