package install

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// maxUnpackedSize bounds what one provider package may unpack to. The
// largest real providers are a few hundred megabytes; the bound stops a
// hostile archive from filling the disk.
const maxUnpackedSize = 4 << 30

// unpackZip extracts the zip at src into the existing directory dest.
//
// It is written for archives that come from the network: an entry whose
// name is absolute, contains "..", a backslash or a drive letter, or that
// is a symbolic link or device is refused rather than skipped, so a package
// never unpacks to something other than what its hash describes. Regular
// files keep their executable bit; everything else gets 0644 / 0755.
func unpackZip(src, dest string) error {
	r, err := zip.OpenReader(src)
	if err != nil {
		return fmt.Errorf("opening archive %s: %w", src, err)
	}
	defer r.Close()

	var total uint64
	for _, f := range r.File {
		name := f.Name
		if err := checkZipName(name); err != nil {
			return fmt.Errorf("unpacking %s: %w", src, err)
		}
		mode := f.Mode()
		target := filepath.Join(dest, filepath.FromSlash(strings.TrimSuffix(name, "/")))
		switch {
		case mode.IsDir() || strings.HasSuffix(name, "/"):
			if err := os.MkdirAll(target, 0o755); err != nil {
				return fmt.Errorf("unpacking %s: %w", src, err)
			}
			continue
		case !mode.IsRegular():
			return fmt.Errorf("unpacking %s: entry %q is not a regular file (%s); packages hold only files", src, name, mode.Type())
		}
		total += f.UncompressedSize64
		if total > maxUnpackedSize {
			return fmt.Errorf("unpacking %s: archive unpacks to more than %d bytes", src, uint64(maxUnpackedSize))
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return fmt.Errorf("unpacking %s: %w", src, err)
		}
		perm := os.FileMode(0o644)
		if mode&0o111 != 0 {
			perm = 0o755
		}
		if err := extractZipFile(f, target, perm); err != nil {
			return fmt.Errorf("unpacking %s: %w", src, err)
		}
	}
	return nil
}

func extractZipFile(f *zip.File, target string, perm os.FileMode) error {
	in, err := f.Open()
	if err != nil {
		return fmt.Errorf("entry %q: %w", f.Name, err)
	}
	defer in.Close()
	// O_EXCL: two entries with one name would otherwise let the second
	// silently replace the first.
	out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("entry %q: %w", f.Name, err)
	}
	// archive/zip checks the CRC and the declared size at EOF; the limit
	// covers an entry that lies about its size.
	n, err := io.Copy(out, io.LimitReader(in, int64(f.UncompressedSize64)+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && uint64(n) != f.UncompressedSize64 {
		err = errors.New("size does not match the archive's directory")
	}
	if err != nil {
		return fmt.Errorf("entry %q: %w", f.Name, err)
	}
	// The umask may have removed bits from perm; set them exactly.
	return os.Chmod(target, perm)
}

// checkZipName refuses entry names that could escape the destination.
func checkZipName(name string) error {
	clean := strings.TrimSuffix(name, "/")
	switch {
	case clean == "":
		return fmt.Errorf("entry with an empty name")
	case strings.Contains(name, `\`):
		return fmt.Errorf("entry %q contains a backslash", name)
	case !filepath.IsLocal(filepath.FromSlash(clean)) || strings.HasPrefix(clean, "/"):
		return fmt.Errorf("entry %q points outside the package directory", name)
	}
	for _, part := range strings.Split(clean, "/") {
		if part == ".." || part == "." || part == "" {
			return fmt.Errorf("entry %q points outside the package directory", name)
		}
	}
	return nil
}

// UnpackZip unpacks the zip archive src into dest with unpackZip's
// checks; modules/install uses it for module archives.
func UnpackZip(src, dest string) error { return unpackZip(src, dest) }
