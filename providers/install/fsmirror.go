package install

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	tfaddr "github.com/hashicorp/terraform-registry-address"
	svchost "github.com/hashicorp/terraform-svchost"
)

// fsMirror reads a directory in one or both of Terraform's mirror layouts:
//
//	unpacked: HOSTNAME/NAMESPACE/TYPE/VERSION/OS_ARCH/ (the package's files)
//	packed:   HOSTNAME/NAMESPACE/TYPE/terraform-provider-TYPE_VERSION_OS_ARCH.zip
//
// When both hold the same package, the unpacked one is used.
type fsMirror struct {
	method Method
}

// mirrorPackage is one package found in a mirror.
type mirrorPackage struct {
	dir     string
	zipPath string
}

// providerDirs returns the candidate directories for p: the hostname as
// users write it and, if different, in its ASCII form.
func (m fsMirror) providerDirs(p Provider) []string {
	display := hostForDisplay(p.Hostname)
	dirs := []string{filepath.Join(m.method.Location, display, p.Namespace, p.Type)}
	if display != p.Hostname {
		dirs = append(dirs, filepath.Join(m.method.Location, p.Hostname, p.Namespace, p.Type))
	}
	return dirs
}

// scan lists every package of p in the mirror.
func (m fsMirror) scan(p Provider) (map[Version]map[Platform]mirrorPackage, error) {
	out := make(map[Version]map[Platform]mirrorPackage)
	add := func(v Version, plat Platform, pkg mirrorPackage) {
		if out[v] == nil {
			out[v] = make(map[Platform]mirrorPackage)
		}
		if prev, ok := out[v][plat]; ok && prev.dir != "" {
			return // unpacked wins
		}
		out[v][plat] = pkg
	}
	zipPrefix := "terraform-provider-" + p.Type + "_"
	for _, dir := range m.providerDirs(p) {
		entries, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", m.method, err)
		}
		for _, e := range entries {
			name := e.Name()
			path := filepath.Join(dir, name)
			if isDirFollow(path) {
				v, err := ParseVersion(name)
				if err != nil {
					continue
				}
				plats, err := os.ReadDir(path)
				if err != nil {
					return nil, fmt.Errorf("reading %s: %w", m.method, err)
				}
				for _, pe := range plats {
					plat, err := ParsePlatform(pe.Name())
					if err != nil || !isDirFollow(filepath.Join(path, pe.Name())) {
						continue
					}
					add(v, plat, mirrorPackage{dir: filepath.Join(path, pe.Name())})
				}
				continue
			}
			rest, ok := strings.CutPrefix(name, zipPrefix)
			if !ok {
				continue
			}
			rest, ok = strings.CutSuffix(rest, ".zip")
			if !ok {
				continue
			}
			// VERSION_OS_ARCH: a version never contains "_".
			parts := strings.Split(rest, "_")
			if len(parts) != 3 {
				continue
			}
			v, err := ParseVersion(parts[0])
			if err != nil {
				continue
			}
			plat, err := ParsePlatform(parts[1] + "_" + parts[2])
			if err != nil {
				continue
			}
			add(v, plat, mirrorPackage{zipPath: path})
		}
	}
	return out, nil
}

func (m fsMirror) versions(_ context.Context, p Provider) ([]Version, error) {
	pkgs, err := m.scan(p)
	if err != nil {
		return nil, err
	}
	vs := make([]Version, 0, len(pkgs))
	for v := range pkgs {
		vs = append(vs, v)
	}
	return vs, nil
}

func (m fsMirror) find(_ context.Context, p Provider, v Version, plat Platform) (*packageMeta, error) {
	pkgs, err := m.scan(p)
	if err != nil {
		return nil, err
	}
	for have, byPlat := range pkgs {
		if !have.Same(v) {
			continue
		}
		pkg, ok := byPlat[plat]
		if !ok {
			return nil, notAvailablef("%s has %s v%s only for %s", m.method, p.ForDisplay(), v, platformList(byPlat))
		}
		return &packageMeta{provider: p, version: v, platform: plat, method: m.method, dir: pkg.dir, zipPath: pkg.zipPath}, nil
	}
	return nil, notAvailablef("%s has no %s v%s", m.method, p.ForDisplay(), v)
}

func platformList(m map[Platform]mirrorPackage) string {
	var s []string
	for p := range m {
		s = append(s, p.String())
	}
	slices.Sort(s)
	return strings.Join(s, ", ")
}

// isDirFollow reports whether path is a directory, following links.
func isDirFollow(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// mirrorProviders lists the providers a mirror directory holds (those with
// a HOSTNAME/NAMESPACE/TYPE directory that is not empty).
func mirrorProviders(dir string) []Provider {
	var out []Provider
	hosts, _ := os.ReadDir(dir)
	for _, h := range hosts {
		host, err := svchost.ForComparison(h.Name())
		if err != nil {
			continue
		}
		nss, _ := os.ReadDir(filepath.Join(dir, h.Name()))
		for _, ns := range nss {
			namespace, err := tfaddr.ParseProviderPart(ns.Name())
			if err != nil {
				continue
			}
			types, _ := os.ReadDir(filepath.Join(dir, h.Name(), ns.Name()))
			for _, t := range types {
				typ, err := tfaddr.ParseProviderPart(t.Name())
				if err != nil {
					continue
				}
				if inner, _ := os.ReadDir(filepath.Join(dir, h.Name(), ns.Name(), t.Name())); len(inner) > 0 {
					out = append(out, Provider{Hostname: string(host), Namespace: namespace, Type: typ})
				}
			}
		}
	}
	return out
}
