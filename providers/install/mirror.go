package install

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// Mirror writes into dir, for every platform in platforms, the package of
// each required provider at the version the lock selects (the newest its
// constraint allows when it is not locked, or with opts.Upgrade): what
// "terraform providers mirror" does. dir gets the packed layout, which
// filesystem mirrors read, with the JSON index files of the network mirror
// protocol beside the archives, so that dir may also be served over HTTPS
// as a network mirror:
//
//	HOSTNAME/NAMESPACE/TYPE/terraform-provider-TYPE_VERSION_OS_ARCH.zip
//	HOSTNAME/NAMESPACE/TYPE/index.json    {"versions": {"VERSION": {}}}
//	HOSTNAME/NAMESPACE/TYPE/VERSION.json  {"archives": {"OS_ARCH": {"url": ..., "hashes": ["h1:..."]}}}
//
// Index files already there keep their other versions and platforms. The
// packages come from the installer's sources and are authenticated as
// Install authenticates them; a package of a locked version must match one
// of the lock's hashes. A package found unpacked (an unpacked filesystem
// mirror) is zipped; its h1: hash is the same. Built-in providers and dev
// overrides are skipped. Failures are joined; what succeeded stays.
func (i *Installer) Mirror(ctx context.Context, reqs Requirements, locks *Locks, platforms []Platform, dir string, opts InstallOptions) error {
	if len(platforms) == 0 {
		return errors.New("no platform to mirror")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating the mirror directory: %w", err)
	}
	r := i.newRun(opts)
	var errs []error
	for _, p := range reqs.sorted() {
		if p.IsBuiltin() || i.Sources.DevOverrides[p] != "" {
			continue
		}
		if err := r.mirrorOne(ctx, p, reqs[p], locks.Provider(p), platforms, dir); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (r *run) mirrorOne(ctx context.Context, p Provider, c Constraints, locked *LockedProvider, platforms []Platform, dir string) error {
	methods := r.methodsFor(p)
	if len(methods) == 0 {
		return fmt.Errorf("provider %s: no installation method may install it; check the include and exclude patterns of provider_installation in the CLI configuration", p.ForDisplay())
	}
	v, err := r.chooseVersion(ctx, p, c, locked, methods)
	if err != nil {
		return err
	}
	var lockedHashes []Hash
	if locked != nil && locked.Version.Same(v) {
		lockedHashes = locked.Hashes
	}
	provDir := filepath.Join(dir, hostForDisplay(p.Hostname), p.Namespace, p.Type)
	if err := os.MkdirAll(provDir, 0o755); err != nil {
		return fmt.Errorf("provider %s: %w", p.ForDisplay(), err)
	}
	var errs []error
	archives := map[string]mirrorArchive{}
	for _, plat := range platforms {
		meta, err := r.findPackage(ctx, p, v, plat, methods)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r.emit(Event{Kind: EventInstalling, Provider: p, Version: v, Platform: plat, Location: meta.method.String()})
		name := fmt.Sprintf("terraform-provider-%s_%s_%s.zip", p.Type, v, plat)
		h1, err := r.mirrorPackage(ctx, meta, filepath.Join(provDir, name), lockedHashes)
		if err != nil {
			errs = append(errs, fmt.Errorf("provider %s v%s for %s from %s: %w", p.ForDisplay(), v, plat, meta.method, err))
			continue
		}
		archives[plat.String()] = mirrorArchive{URL: name, Hashes: []string{string(h1)}}
		r.emit(Event{Kind: EventInstalled, Provider: p, Version: v, Platform: plat, Auth: meta.authentication()})
	}
	if len(archives) > 0 {
		if err := writeMirrorIndex(provDir, v, archives); err != nil {
			errs = append(errs, fmt.Errorf("provider %s: %w", p.ForDisplay(), err))
		}
	}
	return errors.Join(errs...)
}

// mirrorPackage writes meta's package as the zip target, checked against
// its source's checksums and against lockedHashes when there are any, and
// returns its h1: hash.
func (r *run) mirrorPackage(ctx context.Context, meta *packageMeta, target string, lockedHashes []Hash) (Hash, error) {
	staging, err := os.MkdirTemp(filepath.Dir(target), ".mirroring-*")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(staging)
	zipPath := filepath.Join(staging, "package.zip")
	var ph packageHashes
	switch {
	case meta.dir != "":
		if ph.h1, err = HashDir(meta.dir); err != nil {
			return "", err
		}
		if err := zipDir(meta.dir, zipPath); err != nil {
			return "", fmt.Errorf("zipping %s: %w", meta.dir, err)
		}
		if ph.zip, err = HashZipFile(zipPath); err != nil {
			return "", err
		}
	default:
		// unpack downloads a remote package to staging/package.zip and
		// checks it, the zip and its contents, against its source.
		if _, ph, err = r.unpack(ctx, meta, staging); err != nil {
			return "", err
		}
		if meta.zipPath != "" {
			if err := copyFile(meta.zipPath, zipPath, 0o644); err != nil {
				return "", err
			}
		}
	}
	if len(lockedHashes) > 0 && !ph.matchesAny(lockedHashes) {
		return "", &HashMismatchError{Provider: meta.provider, Version: meta.version, Package: meta.location(), Computed: []Hash{ph.h1, ph.zip}, Expected: lockedHashes}
	}
	if err := os.Rename(zipPath, target); err != nil {
		return "", err
	}
	return ph.h1, nil
}

// mirrorArchive is one platform's entry of a VERSION.json file.
type mirrorArchive struct {
	URL    string   `json:"url"`
	Hashes []string `json:"hashes,omitempty"`
}

// writeMirrorIndex adds v to provDir's index.json and archives to its
// VERSION.json, keeping what they held.
func writeMirrorIndex(provDir string, v Version, archives map[string]mirrorArchive) error {
	var index struct {
		Versions map[string]struct{} `json:"versions"`
	}
	if err := readJSONIfExists(filepath.Join(provDir, "index.json"), &index); err != nil {
		return err
	}
	if index.Versions == nil {
		index.Versions = map[string]struct{}{}
	}
	index.Versions[v.String()] = struct{}{}
	var version struct {
		Archives map[string]mirrorArchive `json:"archives"`
	}
	versionFile := filepath.Join(provDir, v.String()+".json")
	if err := readJSONIfExists(versionFile, &version); err != nil {
		return err
	}
	if version.Archives == nil {
		version.Archives = map[string]mirrorArchive{}
	}
	for plat, a := range archives {
		version.Archives[plat] = a
	}
	if err := writeJSON(versionFile, version); err != nil {
		return err
	}
	return writeJSON(filepath.Join(provDir, "index.json"), index)
}

func readJSONIfExists(path string, v any) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s is not a mirror index file (%v): move it away or fix it", path, err)
	}
	return nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'), 0o644)
}

// zipDir writes the files under dir (following symbolic links, as the
// installer does when it hashes a package) into a new zip at path, sorted
// by name, keeping their permission bits.
func zipDir(dir, path string) error {
	dir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	var names []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		names = append(names, rel)
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(names)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	for _, rel := range names {
		if err := addZipFile(zw, filepath.Join(dir, rel), filepath.ToSlash(rel)); err != nil {
			f.Close()
			return err
		}
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func addZipFile(zw *zip.Writer, path, name string) error {
	src, err := os.Open(path) // follows a symbolic link
	if err != nil {
		return err
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	hdr := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: fi.ModTime()}
	hdr.SetMode(fi.Mode().Perm())
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, src)
	return err
}
