package install

import (
	"archive/tar"
	"compress/gzip"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/indigo-cloud/indigo/lang/modsrc"
	provinstall "github.com/indigo-cloud/indigo/providers/install"
)

// maxArchive bounds what an archive unpacks to.
const maxArchive = 1 << 30

// archiveFormat is the format of an archive at urlPath: the archive=
// argument, else the file's extension; "" when it is no archive.
func archiveFormat(arg, urlPath string) string {
	if arg != "" {
		if arg == "false" {
			return ""
		}
		return arg
	}
	p := strings.ToLower(urlPath)
	for _, ext := range []string{"tar.gz", "tgz", "zip", "tar"} {
		if strings.HasSuffix(p, "."+ext) {
			return ext
		}
	}
	return ""
}

// checkSum compares the file at p with the checksum= argument of src.
func checkSum(src modsrc.Source, p string) error {
	if src.Checksum == "" {
		return nil
	}
	typ, want, err := modsrc.ParseChecksum(src.Checksum)
	if err != nil {
		return err
	}
	var h hash.Hash
	switch typ {
	case "md5":
		h = md5.New()
	case "sha1":
		h = sha1.New()
	case "sha256":
		h = sha256.New()
	default:
		h = sha512.New()
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("the archive %s does not match its checksum: checksum= says %s:%s, the download has %s:%s. "+
			"Nothing was installed. If the archive was changed on purpose, update checksum= in the source; otherwise do not use it", src.URL.Redacted(), typ, want, typ, got)
	}
	return nil
}

// unpack unpacks the archive file at p, of format, into dest.
func unpack(format, p, dest string) error {
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return err
	}
	switch format {
	case "zip":
		return provinstall.UnpackZip(p, dest)
	case "tar.gz", "tgz", "tar":
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		var rd io.Reader = f
		if format != "tar" {
			gz, err := gzip.NewReader(f)
			if err != nil {
				return fmt.Errorf("the archive is not gzip-compressed: %w (say archive=tar if it is a plain tar)", err)
			}
			defer gz.Close()
			rd = gz
		}
		return untar(tar.NewReader(rd), dest)
	}
	return fmt.Errorf("archive=%s is not a format indigo unpacks (zip, tar.gz, tgz, tar)", format)
}

// untar writes the regular files and directories of tr under dest; an
// entry that would land outside dest, a link or a device is refused.
func untar(tr *tar.Reader, dest string) error {
	var total int64
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading the archive: %w", err)
		}
		name := path.Clean(strings.TrimPrefix(h.Name, "./"))
		if name == "." || h.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		if path.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") || strings.Contains(h.Name, `\`) {
			return fmt.Errorf("the archive has an entry %q outside its root", h.Name)
		}
		target := filepath.Join(dest, filepath.FromSlash(name))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			total += h.Size
			if total > maxArchive {
				return fmt.Errorf("the archive unpacks to more than %d bytes", maxArchive)
			}
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			perm := os.FileMode(0o644)
			if h.Mode&0o111 != 0 {
				perm = 0o755
			}
			f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, perm)
			if err != nil {
				return err
			}
			_, err = io.Copy(f, io.LimitReader(tr, h.Size))
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		default:
			return fmt.Errorf("the archive entry %q is not a file or directory; module archives hold only those", h.Name)
		}
	}
}
