package install

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// NewInstaller returns an Installer for the working directory workDir
// configured by the CLI configuration: its sources (or the implied ones)
// and its plugin cache. As in Terraform, the plugin cache is used only if
// its directory exists.
func NewInstaller(cfg *CLIConfig, env CLIEnv, workDir string) *Installer {
	inst := &Installer{
		Sources:               cfg.Sources(env),
		Dir:                   filepath.Join(workDir, DefaultDir),
		CacheMayBreakLockFile: cfg.PluginCacheMayBreakLockFile,
	}
	if cfg.PluginCacheDir != "" && isDirFollow(cfg.PluginCacheDir) {
		inst.CacheDir = cfg.PluginCacheDir
	}
	return inst
}

// LockPlatforms adds to the lock the hashes of each required provider's
// package for every platform in platforms, without installing anything:
// what "terraform providers lock -platform=..." does. A lock written on
// one platform from a mirror holds only that platform's h1: hash, and
// another platform's install would refuse its own package; locking every
// platform the team uses avoids that.
//
// A locked provider keeps its version (unless opts.Upgrade); an unlocked
// one gets the newest version its constraint allows. Every package is
// authenticated as Install does. Built-in providers and dev overrides are
// skipped. The result holds the required providers only; failures are
// joined and leave those providers' old entries in place.
func (i *Installer) LockPlatforms(ctx context.Context, reqs Requirements, locks *Locks, platforms []Platform, opts InstallOptions) (*Locks, error) {
	if len(platforms) == 0 {
		return nil, errors.New("no platform to lock")
	}
	r := i.newRun(opts)
	newLocks := NewLocks()
	var errs []error
	for _, p := range reqs.sorted() {
		if p.IsBuiltin() || i.Sources.DevOverrides[p] != "" {
			if lp := locks.Provider(p); lp != nil {
				newLocks.providers[p] = lp
			}
			continue
		}
		lp, err := r.lockOne(ctx, p, reqs[p], locks.Provider(p), platforms)
		if err != nil {
			errs = append(errs, err)
			if old := locks.Provider(p); old != nil {
				newLocks.providers[p] = old
			}
			continue
		}
		newLocks.providers[p] = lp
	}
	return newLocks, errors.Join(errs...)
}

func (r *run) lockOne(ctx context.Context, p Provider, c Constraints, locked *LockedProvider, platforms []Platform) (*LockedProvider, error) {
	methods := r.methodsFor(p)
	if len(methods) == 0 {
		return nil, fmt.Errorf("provider %s: no installation method may install it; check the include and exclude patterns of provider_installation in the CLI configuration", p.ForDisplay())
	}
	v, err := r.chooseVersion(ctx, p, c, locked, methods)
	if err != nil {
		return nil, err
	}
	var hashes []Hash
	if locked != nil && locked.Version.Same(v) {
		hashes = append(hashes, locked.Hashes...)
	}
	for _, plat := range platforms {
		meta, err := r.findPackage(ctx, p, v, plat, methods)
		if err != nil {
			return nil, err
		}
		ph, err := r.hashPackage(ctx, meta)
		if err != nil {
			return nil, fmt.Errorf("provider %s v%s for %s from %s: %w", p.ForDisplay(), v, plat, meta.method, err)
		}
		hashes = append(hashes, ph.h1)
		hashes = append(hashes, meta.signedHashes...)
		r.emit(Event{Kind: EventLocked, Provider: p, Version: v, Platform: plat, Auth: meta.authentication()})
	}
	return &LockedProvider{Provider: p, Version: v, Constraints: c, Hashes: normalizeHashes(hashes)}, nil
}

// hashPackage returns the hashes of a package without installing it.
func (r *run) hashPackage(ctx context.Context, meta *packageMeta) (packageHashes, error) {
	if meta.dir != "" {
		h, err := HashDir(meta.dir)
		return packageHashes{h1: h}, err
	}
	staging, err := os.MkdirTemp("", "indigo-lock-*")
	if err != nil {
		return packageHashes{}, err
	}
	defer os.RemoveAll(staging)
	_, ph, err := r.unpack(ctx, meta, staging)
	return ph, err
}
