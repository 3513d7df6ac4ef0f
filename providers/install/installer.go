package install

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
)

// DefaultDir is where a working directory's providers are installed,
// relative to it.
const DefaultDir = ".indigo/providers"

// Installer finds, fetches, checks and installs provider packages. It
// holds no state between calls; one Installer may serve concurrent calls
// for different directories.
type Installer struct {
	// Sources says where providers come from.
	Sources Sources
	// Dir is the install directory, normally DefaultDir under the working
	// directory. Packages go to Dir/HOSTNAME/NAMESPACE/TYPE/VERSION/OS_ARCH.
	Dir string
	// CacheDir is the shared plugin cache (plugin_cache_dir), "" for none.
	// A package found there is linked into Dir instead of fetched; a
	// fetched package is stored there first.
	CacheDir string
	// CacheMayBreakLockFile allows using a cached package that the lock
	// file has no checksum for.
	CacheMayBreakLockFile bool
	// HTTPClient does every network request; nil means a default client.
	HTTPClient *http.Client
	// Logger receives debug output (URLs, never credentials); nil is
	// silent.
	Logger hclog.Logger
	// Platform is the target platform; zero means CurrentPlatform.
	Platform Platform
}

// InstallOptions tune one Install call.
type InstallOptions struct {
	// Upgrade selects the newest version the constraints allow even when
	// the lock file has another one ("indigo init -upgrade").
	Upgrade bool
	// Progress, if set, is called for each step, in order.
	Progress func(Event)
}

// Installed describes a provider ready to start.
type Installed struct {
	Provider Provider
	// Version is zero for built-in and dev-override providers.
	Version Version
	// Dir is the package directory; Executable the plugin binary in it.
	// Both are empty for a built-in provider.
	Dir        string
	Executable string
	Builtin    bool
	// DevOverride is true when the package is a development build from
	// the CLI configuration's dev_overrides; it was neither version-checked
	// nor hash-checked, which Warnings says.
	DevOverride bool
	// Auth says how the package was authenticated when it was fetched in
	// this run ("signed, key ID ...", "verified checksum",
	// "unauthenticated"); empty when an installed or cached package was
	// reused (it was checked against the lock file instead).
	Auth string
	// Warnings are messages to show the user.
	Warnings []string
	// Hash is the package's h1: hash, checked against the lock file by
	// Find; empty when nothing was checked (built-in and dev-override
	// providers, packages installed in this run).
	Hash Hash
}

func (i *Installer) platform() Platform {
	if i.Platform == (Platform{}) {
		return CurrentPlatform
	}
	return i.Platform
}

func (i *Installer) logger() hclog.Logger {
	if i.Logger == nil {
		return hclog.NewNullLogger()
	}
	return i.Logger
}

func (i *Installer) httpClient() *http.Client {
	if i.HTTPClient != nil {
		return i.HTTPClient
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = 60 * time.Second
	return &http.Client{Transport: t}
}

// PackageDir returns where v of p for the installer's platform is (or
// would be) installed.
func (i *Installer) PackageDir(p Provider, v Version) string {
	return packageDir(i.Dir, p, v, i.platform())
}

func packageDir(root string, p Provider, v Version, plat Platform) string {
	return filepath.Join(root, hostForDisplay(p.Hostname), p.Namespace, p.Type, v.String(), plat.String())
}

// run is the state of one Install call: the sources, built lazily so that
// a method never consulted never touches the network.
type run struct {
	inst    *Installer
	opts    InstallOptions
	fetch   *fetcher
	sources map[int]source
}

func (i *Installer) newRun(opts InstallOptions) *run {
	return &run{
		inst:    i,
		opts:    opts,
		fetch:   &fetcher{client: i.httpClient(), sources: i.Sources, log: i.logger()},
		sources: make(map[int]source),
	}
}

func (r *run) emit(e Event) {
	if r.opts.Progress != nil {
		r.opts.Progress(e)
	}
}

func (r *run) source(idx int, m Method) (source, error) {
	if s, ok := r.sources[idx]; ok {
		return s, nil
	}
	var s source
	switch m.Kind {
	case FilesystemMirror:
		s = fsMirror{method: m}
	case NetworkMirror:
		nm, err := newNetMirror(m, r.fetch)
		if err != nil {
			return nil, err
		}
		s = nm
	case Direct:
		s = newRegistry(m, r.fetch)
	default:
		return nil, fmt.Errorf("unknown installation method %q", m.Kind)
	}
	r.sources[idx] = s
	return s, nil
}

// methodsFor returns the indexes of the methods that may serve p.
func (r *run) methodsFor(p Provider) []int {
	var out []int
	for idx, m := range r.inst.Sources.Methods {
		if m.Allows(p) {
			out = append(out, idx)
		}
	}
	return out
}

// Install makes every required provider ready to start and returns the
// lock file content to write (the caller writes it with Locks.WriteFile)
// and what was installed, in address order.
//
// For each provider it selects the locked version (unless opts.Upgrade) or
// the newest version the constraints allow among all the methods that may
// serve it; reuses the installed package, or the cached one, when its hash
// is in the lock; otherwise fetches it from the first method that has it,
// authenticates it (signature, listed checksums) and checks it against the
// lock's hashes. Built-in providers and dev overrides are reported but not
// installed nor locked.
//
// A provider that fails does not stop the others: the error joins every
// failure, and the returned locks keep the failed providers' old entries.
func (i *Installer) Install(ctx context.Context, reqs Requirements, locks *Locks, opts InstallOptions) (*Locks, []Installed, error) {
	if locks == nil {
		locks = NewLocks()
	}
	r := i.newRun(opts)
	newLocks := NewLocks()
	var installed []Installed
	var errs []error
	for _, p := range reqs.sorted() {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		c := reqs[p]
		switch {
		case p.IsBuiltin():
			r.emit(Event{Kind: EventBuiltin, Provider: p})
			installed = append(installed, Installed{Provider: p, Builtin: true})
			continue
		case i.Sources.DevOverrides[p] != "":
			inst, err := i.devOverride(p)
			if err != nil {
				errs = append(errs, err)
			} else {
				r.emit(Event{Kind: EventDevOverride, Provider: p, Location: inst.Dir})
				installed = append(installed, inst)
			}
			if lp := locks.Provider(p); lp != nil {
				newLocks.providers[p] = lp
			}
			continue
		}
		inst, lp, err := r.installOne(ctx, p, c, locks.Provider(p))
		if err != nil {
			errs = append(errs, err)
			if old := locks.Provider(p); old != nil {
				newLocks.providers[p] = old
			}
			continue
		}
		newLocks.providers[p] = lp
		installed = append(installed, inst)
	}
	return newLocks, installed, errors.Join(errs...)
}

// devOverrideWarning is the warning every use of a dev override carries.
const devOverrideWarning = "Provider %s is overridden by dev_overrides in the CLI configuration: indigo uses the development build in %s " +
	"as is, without version selection, checksum verification or a lock file entry. Remove the override to use released versions."

func (i *Installer) devOverride(p Provider) (Installed, error) {
	dir := i.Sources.DevOverrides[p]
	exe, err := findExecutable(dir, p)
	if err != nil {
		return Installed{}, fmt.Errorf("provider %s (dev_overrides): %w", p.ForDisplay(), err)
	}
	return Installed{
		Provider: p, Dir: dir, Executable: exe, DevOverride: true,
		Warnings: []string{fmt.Sprintf(devOverrideWarning, p.ForDisplay(), dir)},
	}, nil
}

// installOne selects, fetches and installs one provider and returns its
// new lock.
func (r *run) installOne(ctx context.Context, p Provider, c Constraints, locked *LockedProvider) (Installed, *LockedProvider, error) {
	plat := r.inst.platform()
	methods := r.methodsFor(p)
	if len(methods) == 0 {
		return Installed{}, nil, fmt.Errorf("provider %s: no installation method may install it; check the include and exclude patterns of provider_installation in the CLI configuration", p.ForDisplay())
	}

	v, err := r.chooseVersion(ctx, p, c, locked, methods)
	if err != nil {
		return Installed{}, nil, err
	}
	// Hashes recorded for this very version must match whatever we use.
	var lockedHashes []Hash
	if locked != nil && locked.Version.Same(v) {
		lockedHashes = knownHashes(locked.Hashes)
	}
	// The new lock keeps every hash recorded for this version (other
	// platforms', unknown schemes) and adds the ones learnt now.
	newLock := func(extra ...Hash) *LockedProvider {
		var hs []Hash
		if locked != nil && locked.Version.Same(v) {
			hs = slices.Clone(locked.Hashes)
		}
		return &LockedProvider{Provider: p, Version: v, Constraints: c, Hashes: normalizeHashes(append(hs, extra...))}
	}
	target := packageDir(r.inst.Dir, p, v, plat)

	// Already installed and matching the lock: nothing to do.
	if len(lockedHashes) > 0 && isDirFollow(target) {
		if h, err := installedHash(target); err == nil && slices.Contains(lockedHashes, h) {
			exe, err := findExecutable(target, p)
			if err == nil {
				r.emit(Event{Kind: EventUsingInstalled, Provider: p, Version: v})
				return Installed{Provider: p, Version: v, Dir: target, Executable: exe}, newLock(h), nil
			}
		}
	}

	// In the shared cache and acceptable.
	if r.inst.CacheDir != "" {
		cached := packageDir(r.inst.CacheDir, p, v, plat)
		if isDirFollow(cached) {
			h, err := HashDir(cached)
			// A cached package is trusted only through the lock; the
			// "may break" setting allows it for a provider not locked yet,
			// never against the lock.
			usable := slices.Contains(lockedHashes, h) || (len(lockedHashes) == 0 && r.inst.CacheMayBreakLockFile)
			if err == nil && usable {
				if err := linkOrCopy(cached, target); err != nil {
					return Installed{}, nil, fmt.Errorf("provider %s v%s: installing from the plugin cache: %w", p.ForDisplay(), v, err)
				}
				exe, err := findExecutable(target, p)
				if err != nil {
					return Installed{}, nil, fmt.Errorf("provider %s v%s: %w", p.ForDisplay(), v, err)
				}
				r.emit(Event{Kind: EventUsingCache, Provider: p, Version: v, Location: cached})
				return Installed{Provider: p, Version: v, Dir: target, Executable: exe}, newLock(h), nil
			}
		}
	}

	// Fetch it.
	meta, err := r.findPackage(ctx, p, v, plat, methods)
	if err != nil {
		return Installed{}, nil, err
	}
	r.emit(Event{Kind: EventInstalling, Provider: p, Version: v, Location: meta.method.String()})
	hashes, err := r.fetchAndPlace(ctx, meta, target, lockedHashes)
	if err != nil {
		return Installed{}, nil, err
	}
	exe, err := findExecutable(target, p)
	if err != nil {
		return Installed{}, nil, fmt.Errorf("provider %s v%s from %s: %w", p.ForDisplay(), v, meta.method, err)
	}
	auth := meta.authentication()
	r.emit(Event{Kind: EventInstalled, Provider: p, Version: v, Auth: auth})
	extra := append([]Hash{hashes.h1}, meta.signedHashes...)
	return Installed{Provider: p, Version: v, Dir: target, Executable: exe, Auth: auth}, newLock(extra...), nil
}

// chooseVersion returns the locked version unless upgrading, else the
// newest version the constraint allows.
func (r *run) chooseVersion(ctx context.Context, p Provider, c Constraints, locked *LockedProvider, methods []int) (Version, error) {
	if locked != nil && !r.opts.Upgrade {
		if !c.Allows(locked.Version) {
			return Version{}, fmt.Errorf("provider %s: the locked version %s does not match the configured constraint %q; run \"indigo init -upgrade\" to select a version that does", p.ForDisplay(), locked.Version, c.String())
		}
		r.emit(Event{Kind: EventReusingLocked, Provider: p, Version: locked.Version})
		return locked.Version, nil
	}
	r.emit(Event{Kind: EventQuerying, Provider: p, Constraints: c.String()})
	return r.selectVersion(ctx, p, c, methods)
}

// selectVersion returns the newest version allowed by c among every
// method's offer.
func (r *run) selectVersion(ctx context.Context, p Provider, c Constraints, methods []int) (Version, error) {
	var all []Version
	var consulted []Method
	for _, idx := range methods {
		m := r.inst.Sources.Methods[idx]
		consulted = append(consulted, m)
		src, err := r.source(idx, m)
		if err != nil {
			return Version{}, fmt.Errorf("provider %s: %w", p.ForDisplay(), err)
		}
		vs, err := src.versions(ctx, p)
		if err != nil {
			return Version{}, fmt.Errorf("provider %s: listing versions: %w", p.ForDisplay(), err)
		}
		all = append(all, vs...)
	}
	if len(all) == 0 {
		return Version{}, fmt.Errorf("provider %s: not found in %s", p.ForDisplay(), describeMethods(consulted))
	}
	v, ok := c.Newest(all)
	if !ok {
		return Version{}, fmt.Errorf("provider %s: no available version matches the constraint %q (available: %s)", p.ForDisplay(), c.String(), versionSummary(all))
	}
	return v, nil
}

// versionSummary lists versions newest first, at most ten.
func versionSummary(vs []Version) string {
	seen := make(map[string]bool)
	var uniq []Version
	for _, v := range vs {
		if !seen[v.String()] {
			seen[v.String()] = true
			uniq = append(uniq, v)
		}
	}
	slices.SortFunc(uniq, func(a, b Version) int {
		switch {
		case a.GreaterThan(b):
			return -1
		case b.GreaterThan(a):
			return 1
		}
		return 0
	})
	var s []string
	for i, v := range uniq {
		if i == 10 {
			s = append(s, fmt.Sprintf("and %d more", len(uniq)-10))
			break
		}
		s = append(s, v.String())
	}
	return strings.Join(s, ", ")
}

// findPackage asks the methods in order for the package.
func (r *run) findPackage(ctx context.Context, p Provider, v Version, plat Platform, methods []int) (*packageMeta, error) {
	var missing []string
	for _, idx := range methods {
		m := r.inst.Sources.Methods[idx]
		src, err := r.source(idx, m)
		if err != nil {
			return nil, fmt.Errorf("provider %s: %w", p.ForDisplay(), err)
		}
		meta, err := src.find(ctx, p, v, plat)
		if errors.Is(err, errNotAvailable) {
			missing = append(missing, strings.TrimPrefix(err.Error(), errNotAvailable.Error()+": "))
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("provider %s v%s: %w", p.ForDisplay(), v, err)
		}
		return meta, nil
	}
	return nil, fmt.Errorf("provider %s v%s for %s is not available: %s", p.ForDisplay(), v, plat, strings.Join(missing, "; "))
}

// fetchAndPlace gets the package into target (through the cache when
// there is one), authenticating it on the way, and returns its hashes.
func (r *run) fetchAndPlace(ctx context.Context, meta *packageMeta, target string, lockedHashes []Hash) (packageHashes, error) {
	p, v := meta.provider, meta.version
	fail := func(err error) (packageHashes, error) {
		return packageHashes{}, fmt.Errorf("provider %s v%s from %s: %w", p.ForDisplay(), v, meta.method, err)
	}
	checkLock := func(ph packageHashes) error {
		if len(lockedHashes) > 0 && !ph.matchesAny(lockedHashes) {
			computed := []Hash{ph.h1}
			if ph.zip != "" {
				computed = append(computed, ph.zip)
			}
			return &HashMismatchError{Provider: p, Version: v, Package: meta.location(), Computed: computed, Expected: lockedHashes}
		}
		return nil
	}

	// An unpacked mirror package is linked where it is, as Terraform does.
	if meta.dir != "" {
		h, err := HashDir(meta.dir)
		if err != nil {
			return fail(err)
		}
		ph := packageHashes{h1: h}
		if err := checkLock(ph); err != nil {
			return packageHashes{}, err
		}
		if err := linkOrCopy(meta.dir, target); err != nil {
			return fail(err)
		}
		return ph, nil
	}

	// Unpack into a staging directory beside the final place, so that the
	// last step is a rename.
	final := target
	if r.inst.CacheDir != "" {
		final = packageDir(r.inst.CacheDir, p, v, meta.platform)
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return fail(err)
	}
	staging, err := os.MkdirTemp(filepath.Dir(final), ".installing-*")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(staging)
	pkgDir, ph, err := r.unpack(ctx, meta, staging)
	if err != nil {
		return fail(err)
	}
	if err := checkLock(ph); err != nil {
		return packageHashes{}, err
	}
	if err := replaceDir(pkgDir, final); err != nil {
		return fail(err)
	}
	if final != target {
		if err := linkOrCopy(final, target); err != nil {
			return fail(err)
		}
	}
	return ph, nil
}

// unpack gets a zip package (downloading it if needed) and unpacks it into
// a new directory under staging, checking it against the checksums its
// source published. It returns the package directory and its hashes.
func (r *run) unpack(ctx context.Context, meta *packageMeta, staging string) (string, packageHashes, error) {
	var ph packageHashes
	pkgDir := filepath.Join(staging, "package")
	if err := os.Mkdir(pkgDir, 0o755); err != nil {
		return "", ph, err
	}
	zipPath := meta.zipPath
	var err error
	if meta.url != "" {
		u, err := parseURL(meta.url)
		if err != nil {
			return "", ph, err
		}
		zipPath = filepath.Join(staging, "package.zip")
		if ph.zip, err = r.fetch.download(ctx, u, zipPath); err != nil {
			return "", ph, err
		}
		if meta.wantZip != "" && ph.zip != meta.wantZip {
			return "", ph, fmt.Errorf("the downloaded archive has checksum %s, but the signed SHA256SUMS lists %s", ph.zip, meta.wantZip)
		}
	} else if ph.zip, err = HashZipFile(zipPath); err != nil {
		return "", ph, err
	}
	if err := unpackZip(zipPath, pkgDir); err != nil {
		return "", ph, err
	}
	if ph.h1, err = HashDir(pkgDir); err != nil {
		return "", ph, err
	}
	if len(meta.wantAny) > 0 && !ph.matchesAny(meta.wantAny) {
		return "", ph, fmt.Errorf("the package matches none of the checksums the mirror lists (computed %s and %s, listed %s)", ph.h1, ph.zip, joinHashes(meta.wantAny))
	}
	return pkgDir, ph, nil
}

func joinHashes(hs []Hash) string {
	s := make([]string, len(hs))
	for i, h := range hs {
		s[i] = string(h)
	}
	return strings.Join(s, ", ")
}

// replaceDir moves the directory src to dst, replacing what dst was.
func replaceDir(src, dst string) error {
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	return os.Rename(src, dst)
}

// linkOrCopy makes dst refer to the directory src: a symbolic link where
// the system allows it, a copy otherwise.
func linkOrCopy(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	abs, err := filepath.Abs(src)
	if err != nil {
		return err
	}
	if err := os.Symlink(abs, dst); err == nil {
		return nil
	}
	return copyDir(abs, dst)
}

// copyDir copies a package directory (regular files and directories).
func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		info, err := os.Stat(path)
		if err != nil {
			return err
		}
		return copyFile(path, to, info.Mode().Perm())
	})
}

// copyFile copies the file src to a new file dst with permissions perm.
func copyFile(src, dst string, perm os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// findExecutable returns the provider's plugin binary in dir: an
// executable file named terraform-provider-TYPE (with any suffix such as
// _v1.2.3 or .exe).
func findExecutable(dir string, p Provider) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("reading package directory: %w", err)
	}
	prefix := "terraform-provider-" + p.Type
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		path := filepath.Join(dir, name)
		st, err := os.Stat(path)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		if runtime.GOOS != "windows" && st.Mode().Perm()&0o111 == 0 {
			continue
		}
		return path, nil
	}
	return "", fmt.Errorf("the package in %s has no executable named %s*", dir, prefix)
}

// Find returns the installed package of p for this working directory,
// after checking it against the lock file (see Verify). A dev override is
// returned as is, with its warning; a built-in provider is returned with
// Builtin set. An error says what to run when the provider is not locked
// or not installed.
func (i *Installer) Find(ctx context.Context, p Provider, locks *Locks) (Installed, error) {
	if err := ctx.Err(); err != nil {
		return Installed{}, err
	}
	if p.IsBuiltin() {
		return Installed{Provider: p, Builtin: true}, nil
	}
	if i.Sources.DevOverrides[p] != "" {
		return i.devOverride(p)
	}
	lp := locks.Provider(p)
	if lp == nil {
		return Installed{}, fmt.Errorf("provider %s is not in the dependency lock file: run \"indigo init\"", p.ForDisplay())
	}
	dir := i.PackageDir(p, lp.Version)
	if !isDirFollow(dir) {
		return Installed{}, fmt.Errorf("provider %s v%s is locked but not installed for %s: run \"indigo init\"", p.ForDisplay(), lp.Version, i.platform())
	}
	h, err := verify(locks, p, dir)
	if err != nil {
		return Installed{}, err
	}
	exe, err := findExecutable(dir, p)
	if err != nil {
		return Installed{}, fmt.Errorf("provider %s v%s: %w", p.ForDisplay(), lp.Version, err)
	}
	return Installed{Provider: p, Version: lp.Version, Dir: dir, Executable: exe, Hash: h}, nil
}
