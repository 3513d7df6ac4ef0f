package local

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// reservedPrefix starts the names of what indigo itself keeps in a copy's
// directory: the planner's QoS manifest (.indigo-qos.json), directories such
// as .indigo-*, and this package's temporary files. They are not data:
// never copied, counted, expired or deleted as extra.
const reservedPrefix = ".indigo"

// tempPrefix starts the names of the temporary files a copy is written to
// before it is renamed to its real name. One left by a killed apply is
// removed by the next.
const tempPrefix = ".indigo-tmp-"

// reserved reports whether a directory entry named name is indigo's own.
// "..indigo" covers indigo_file's temporary files of a .indigo file (its
// manifest written by the planner), named ".<base>.tmp-N".
func reserved(name string) bool {
	return strings.HasPrefix(name, reservedPrefix) || strings.HasPrefix(name, "."+reservedPrefix)
}

// fileInfo is what a scan records of one regular file.
type fileInfo struct {
	size  int64
	mode  fs.FileMode // permission bits
	mtime time.Time
}

// inventory is the data in one copy's directory: its regular files and
// directories by slash-separated path relative to the directory, and the
// temporary files a killed apply left (absolute paths).
type inventory struct {
	dir   string
	files map[string]fileInfo
	dirs  map[string]bool
	temps []string
}

// scan lists dir. Symbolic links and other irregular files are not data
// and are skipped, as are reserved names (directories with all they hold).
func scan(ctx context.Context, dir string) (*inventory, error) {
	inv := &inventory{dir: dir, files: map[string]fileInfo{}, dirs: map[string]bool{}}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		name := d.Name()
		if reserved(name) {
			switch {
			case d.IsDir():
				return filepath.SkipDir
			case d.Type().IsRegular() && strings.HasPrefix(name, tempPrefix):
				inv.temps = append(inv.temps, p)
			}
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			inv.dirs[rel] = true
		case d.Type().IsRegular():
			info, err := d.Info()
			if errors.Is(err, fs.ErrNotExist) {
				return nil // deleted while we looked
			}
			if err != nil {
				return err
			}
			inv.files[rel] = fileInfo{size: info.Size(), mode: info.Mode().Perm(), mtime: info.ModTime()}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", dir, err)
	}
	return inv, nil
}

func (inv *inventory) abs(rel string) string { return filepath.Join(inv.dir, filepath.FromSlash(rel)) }

// expiryRule is one lifecycle rule that expires: files whose path starts
// with prefix are due once they are older than after.
type expiryRule struct {
	prefix string
	after  time.Duration
}

// due reports whether a file at rel last modified at mtime is due for
// expiry at now under any of rules.
func due(rules []expiryRule, rel string, mtime, now time.Time) bool {
	for _, r := range rules {
		if strings.HasPrefix(rel, r.prefix) && now.Sub(mtime) > r.after {
			return true
		}
	}
	return false
}

// report is how a copy differs from what it should hold. Each list holds
// slash-separated relative paths, sorted.
type report struct {
	missing []string // source files absent here or with other content
	modes   []string // source files here with the same content and another mode
	extra   []string // files here that the source does not have
	expired []string // files here due for expiry
}

// compare works out what the copy in dst lacks and holds too much of.
// With a source (src not nil) the copy should hold every file of the source
// that is not due for expiry, judged by the source file's age (a replica's
// data is as old as the primary's; copies keep the source's modification
// time anyway), and nothing else. Without one, only expiry applies, judged
// by the files' own age.
func compare(ctx context.Context, src, dst *inventory, rules []expiryRule, now time.Time) (*report, error) {
	r := &report{}
	for rel, f := range dst.files {
		switch {
		case src == nil:
			if due(rules, rel, f.mtime, now) {
				r.expired = append(r.expired, rel)
			}
		default:
			s, ok := src.files[rel]
			if !ok {
				r.extra = append(r.extra, rel)
			} else if due(rules, rel, s.mtime, now) {
				r.expired = append(r.expired, rel)
			}
		}
	}
	if src != nil {
		buf := make([]byte, 64<<10)
		for rel, s := range src.files {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if due(rules, rel, s.mtime, now) {
				continue
			}
			d, ok := dst.files[rel]
			if !ok || d.size != s.size {
				r.missing = append(r.missing, rel)
				continue
			}
			same, err := sameContent(src.abs(rel), dst.abs(rel), buf)
			if err != nil {
				return nil, err
			}
			switch {
			case !same:
				r.missing = append(r.missing, rel)
			case d.mode != s.mode:
				r.modes = append(r.modes, rel)
			}
		}
	}
	for _, l := range [][]string{r.missing, r.modes, r.extra, r.expired} {
		slices.Sort(l)
	}
	return r, nil
}

// sameContent compares two files by SHA-256. A file that vanished since
// the scan is simply different.
func sameContent(a, b string, buf []byte) (bool, error) {
	ha, err := hashFile(a, buf)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	hb, err := hashFile(b, buf)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return bytes.Equal(ha, hb), nil
}

// hashFile returns the SHA-256 of the file name, read through buf.
func hashFile(name string, buf []byte) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	// Hiding the file's WriteTo makes io.CopyBuffer use buf instead of a
	// buffer of its own per file: a Read hashes every file of both copies.
	if _, err := io.CopyBuffer(h, struct{ io.Reader }{f}, buf); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return h.Sum(nil), nil
}

// repair makes dst hold what r says it lacks and drops what it holds too
// much of: temporary files a killed apply left are removed, extra and
// expired files deleted, directories the source does not have removed once
// empty, missing files copied (temporary file, fsync, rename, so a kill
// leaves either the old file or the new one under the real name) and modes
// set. It returns dst's files as they are afterwards.
func repair(ctx context.Context, src, dst *inventory, r *report) (map[string]fileInfo, error) {
	after := make(map[string]fileInfo, len(dst.files))
	for rel, f := range dst.files {
		after[rel] = f
	}
	for _, t := range dst.temps {
		if err := os.Remove(t); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("removing the leftover temporary file %s: %w", t, err)
		}
	}
	touched := map[string]bool{} // directories whose entries changed, to fsync
	for _, l := range [][]string{r.extra, r.expired} {
		for _, rel := range l {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			name := dst.abs(rel)
			if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("deleting %s: %w", name, err)
			}
			delete(after, rel)
			touched[filepath.Dir(name)] = true
		}
	}
	if src != nil {
		// Deepest first, so a tree the source lost goes bottom-up. A
		// directory that still holds something (say a symbolic link) stays.
		var gone []string
		for rel := range dst.dirs {
			if !src.dirs[rel] {
				gone = append(gone, rel)
			}
		}
		slices.SortFunc(gone, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
		for _, rel := range gone {
			if os.Remove(dst.abs(rel)) == nil {
				touched[filepath.Dir(dst.abs(rel))] = true
			}
		}
		for _, rel := range r.missing {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			s := src.files[rel]
			name := dst.abs(rel)
			if err := copyFile(src.abs(rel), name, s); err != nil {
				return nil, err
			}
			after[rel] = s
			touched[filepath.Dir(name)] = true
		}
		for _, rel := range r.modes {
			s := src.files[rel]
			if err := os.Chmod(dst.abs(rel), s.mode); err != nil {
				return nil, fmt.Errorf("setting the mode of %s: %w", dst.abs(rel), err)
			}
			f := after[rel]
			f.mode = s.mode
			after[rel] = f
		}
	}
	for dir := range touched {
		syncDir(dir)
	}
	return after, nil
}

// copyFile copies the source file from to to, with the mode and
// modification time of s, through a temporary file in to's directory.
func copyFile(from, to string, s fileInfo) (err error) {
	dir := filepath.Dir(to)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating directory %s: %w", dir, err)
	}
	in, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("reading %s: %w", from, err)
	}
	defer in.Close()
	tmp, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return fmt.Errorf("creating a temporary file in %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, in); err != nil {
		return fmt.Errorf("copying %s to %s: %w", from, tmp.Name(), err)
	}
	// Chmod on the open file is not subject to the umask.
	if err := tmp.Chmod(s.mode); err != nil {
		return fmt.Errorf("setting the mode of %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmp.Name(), err)
	}
	if err := os.Chtimes(tmp.Name(), time.Time{}, s.mtime); err != nil {
		return fmt.Errorf("setting the modification time of %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), to); err != nil {
		return fmt.Errorf("renaming %s to %s: %w", tmp.Name(), to, err)
	}
	return nil
}

// syncDir makes renames and removals in dir durable. Failure is ignored:
// some file systems cannot fsync a directory, and the change has happened.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	d.Close()
}

// nested reports whether one of two clean absolute paths is the other or
// lies below it: a copy cannot be its own source or hold it.
func nested(a, b string) bool {
	within := func(p, dir string) bool {
		rel, err := filepath.Rel(dir, p)
		return err == nil && (rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))))
	}
	return within(a, b) || within(b, a)
}

// sample names up to three of paths, for messages.
func sample(paths []string) string {
	const n = 3
	if len(paths) <= n {
		return strings.Join(paths, ", ")
	}
	return strings.Join(paths[:n], ", ") + fmt.Sprintf(" and %d more", len(paths)-n)
}
