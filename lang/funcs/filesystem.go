package funcs

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// resolvePath turns a path given to a file function into the path to open:
// a leading ~ is the user's home directory, and a relative path is relative
// to baseDir.
func resolvePath(baseDir, p string) (string, error) {
	p, err := expandHome(p)
	if err != nil {
		return "", err
	}
	if !filepath.IsAbs(p) && baseDir != "" {
		p = filepath.Join(baseDir, p)
	}
	return filepath.Clean(p), nil
}

// expandHome replaces a leading "~" (alone or followed by a separator) with
// the user's home directory.
func expandHome(p string) (string, error) {
	if !strings.HasPrefix(p, "~") {
		return p, nil
	}
	if len(p) > 1 && p[1] != '/' && p[1] != filepath.Separator {
		return "", fmt.Errorf("%q names another user's home directory; only ~ and ~/... can be expanded", p)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("expanding %q: %w", p, err)
	}
	return filepath.Join(home, p[1:]), nil
}

func fileError(full string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		return fmt.Errorf("no file exists at %s; file functions read files that are part of the configuration, so a file this run creates must be read from the resource that creates it", full)
	case errors.Is(err, syscall.EISDIR):
		return fmt.Errorf("%s is a directory, not a file", full)
	}
	return fmt.Errorf("reading %s: %w", full, err)
}

// fileFunc builds a function of one path argument that returns a string
// computed from the file's content.
func fileFunc(baseDir, description string, fn func(full string, content []byte) (string, error)) function.Function {
	return function.New(&function.Spec{
		Description: description,
		Params: []function.Parameter{
			{Name: "path", Type: cty.String},
		},
		Type:         function.StaticReturnType(cty.String),
		RefineResult: refineNotNull,
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			full, err := resolvePath(baseDir, args[0].AsString())
			if err != nil {
				return cty.NilVal, function.NewArgError(0, err)
			}
			b, err := os.ReadFile(full)
			if err != nil {
				return cty.NilVal, function.NewArgError(0, fileError(full, err))
			}
			s, err := fn(full, b)
			if err != nil {
				return cty.NilVal, function.NewArgError(0, err)
			}
			return cty.StringVal(s), nil
		},
	})
}

// MakeFileFunc returns file(path): the content of a UTF-8 text file, with
// relative paths resolved against baseDir.
func MakeFileFunc(baseDir string) function.Function {
	return fileFunc(baseDir, "Reads the content of a UTF-8 text file.", func(full string, b []byte) (string, error) {
		if !utf8.Valid(b) {
			return "", fmt.Errorf("%s is not UTF-8 text; use filebase64 to read binary data, or filesha256 and friends to hash it", full)
		}
		return string(b), nil
	})
}

// MakeFileBase64Func returns filebase64(path): the content of any file as
// standard Base64.
func MakeFileBase64Func(baseDir string) function.Function {
	return fileFunc(baseDir, "Reads the content of a file as standard Base64.", func(_ string, b []byte) (string, error) {
		return base64.StdEncoding.EncodeToString(b), nil
	})
}

func fileHashFunc(baseDir, algo string, newHash func() hash.Hash, encode func([]byte) string) function.Function {
	return fileFunc(baseDir, fmt.Sprintf("Returns the %s digest of a file's content.", algo), func(_ string, b []byte) (string, error) {
		h := newHash()
		h.Write(b)
		return encode(h.Sum(nil)), nil
	})
}

// MakeFileMD5Func returns filemd5(path): the MD5 digest of a file, in hex.
func MakeFileMD5Func(baseDir string) function.Function {
	return fileHashFunc(baseDir, "MD5", md5.New, hex.EncodeToString)
}

// MakeFileSHA1Func returns filesha1(path): the SHA-1 digest of a file, in
// hex.
func MakeFileSHA1Func(baseDir string) function.Function {
	return fileHashFunc(baseDir, "SHA-1", sha1.New, hex.EncodeToString)
}

// MakeFileSHA256Func returns filesha256(path): the SHA-256 digest of a
// file, in hex.
func MakeFileSHA256Func(baseDir string) function.Function {
	return fileHashFunc(baseDir, "SHA-256", sha256.New, hex.EncodeToString)
}

// MakeFileSHA512Func returns filesha512(path): the SHA-512 digest of a
// file, in hex.
func MakeFileSHA512Func(baseDir string) function.Function {
	return fileHashFunc(baseDir, "SHA-512", sha512.New, hex.EncodeToString)
}

// MakeFileBase64SHA256Func returns filebase64sha256(path): the SHA-256
// digest of a file, as Base64 of the raw digest (what AWS Lambda's
// source_code_hash expects).
func MakeFileBase64SHA256Func(baseDir string) function.Function {
	return fileHashFunc(baseDir, "SHA-256", sha256.New, base64.StdEncoding.EncodeToString)
}

// MakeFileBase64SHA512Func returns filebase64sha512(path): the SHA-512
// digest of a file, as Base64 of the raw digest.
func MakeFileBase64SHA512Func(baseDir string) function.Function {
	return fileHashFunc(baseDir, "SHA-512", sha512.New, base64.StdEncoding.EncodeToString)
}

// MakeFileExistsFunc returns fileexists(path): whether a file exists at the
// path. A directory or other non-regular file there is an error rather than
// false, since the caller almost certainly mistyped the path.
func MakeFileExistsFunc(baseDir string) function.Function {
	return function.New(&function.Spec{
		Description: "Reports whether a file exists at the given path.",
		Params: []function.Parameter{
			{Name: "path", Type: cty.String},
		},
		Type:         function.StaticReturnType(cty.Bool),
		RefineResult: refineNotNull,
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			full, err := resolvePath(baseDir, args[0].AsString())
			if err != nil {
				return cty.NilVal, function.NewArgError(0, err)
			}
			fi, err := os.Stat(full)
			switch {
			case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
				return cty.False, nil
			case err != nil:
				return cty.NilVal, function.NewArgErrorf(0, "cannot tell whether %s exists: %s", full, err)
			case fi.Mode().IsRegular():
				return cty.True, nil
			case fi.IsDir():
				return cty.NilVal, function.NewArgErrorf(0, "%s is a directory, not a file", full)
			}
			return cty.NilVal, function.NewArgErrorf(0, "%s is not a regular file (it is a %s)", full, fi.Mode().Type())
		},
	})
}

// MakeFileSetFunc returns fileset(path, pattern): the set of regular files
// under path matching a glob pattern (with ** for any number of
// directories and {a,b} alternatives), as paths relative to path with
// forward slashes. A directory that does not exist gives an empty set.
func MakeFileSetFunc(baseDir string) function.Function {
	return function.New(&function.Spec{
		Description: "Returns the set of file paths under a directory that match a glob pattern.",
		Params: []function.Parameter{
			{Name: "path", Type: cty.String},
			{Name: "pattern", Type: cty.String},
		},
		Type:         function.StaticReturnType(cty.Set(cty.String)),
		RefineResult: refineNotNull,
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			dir, err := resolvePath(baseDir, args[0].AsString())
			if err != nil {
				return cty.NilVal, function.NewArgError(0, err)
			}
			matches, err := globFiles(dir, args[1].AsString())
			if err != nil {
				return cty.NilVal, function.NewArgError(1, err)
			}
			if len(matches) == 0 {
				return cty.SetValEmpty(cty.String), nil
			}
			vals := make([]cty.Value, len(matches))
			for i, m := range matches {
				vals[i] = cty.StringVal(m)
			}
			return cty.SetVal(vals), nil
		},
	})
}

// globFiles lists the regular files (symbolic links followed) under dir
// that match pattern, relative to dir with forward slashes. The pattern is
// relative to dir even when it starts with "/", as in Terraform, and may
// climb out of it with leading "../".
func globFiles(dir, pattern string) ([]string, error) {
	clean := path.Clean(strings.TrimPrefix(filepath.ToSlash(pattern), "/"))
	root := dir
	for clean == ".." || strings.HasPrefix(clean, "../") {
		root = filepath.Join(root, "..")
		clean = strings.TrimPrefix(strings.TrimPrefix(clean, ".."), "/")
		if clean == "" {
			clean = "."
		}
	}
	if !doublestar.ValidatePattern(clean) {
		return nil, fmt.Errorf("%q is not a valid glob pattern", pattern)
	}
	fsys := os.DirFS(root)
	found, err := doublestar.Glob(fsys, clean)
	if err != nil {
		return nil, fmt.Errorf("matching %q under %s: %w", pattern, root, err)
	}
	var out []string
	for _, m := range found {
		fi, err := fs.Stat(fsys, m)
		if err != nil || !fi.Mode().IsRegular() {
			// Broken links and anything that is not a file are skipped.
			continue
		}
		rel, err := filepath.Rel(dir, filepath.Join(root, filepath.FromSlash(m)))
		if err != nil {
			return nil, fmt.Errorf("matching %q under %s: %w", pattern, dir, err)
		}
		out = append(out, filepath.ToSlash(rel))
	}
	return out, nil
}

// MakeAbsPathFunc returns abspath(path): the absolute form of a path, with a
// relative path taken relative to baseDir, and forward slashes.
func MakeAbsPathFunc(baseDir string) function.Function {
	return function.New(&function.Spec{
		Description: "Returns the absolute form of a path, with forward slashes.",
		Params: []function.Parameter{
			{Name: "path", Type: cty.String},
		},
		Type:         function.StaticReturnType(cty.String),
		RefineResult: refineNotNull,
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := args[0].AsString()
			if !filepath.IsAbs(p) && baseDir != "" {
				p = filepath.Join(baseDir, p)
			}
			abs, err := filepath.Abs(p)
			if err != nil {
				return cty.NilVal, function.NewArgErrorf(0, "cannot make %q absolute: %s", p, err)
			}
			return cty.StringVal(filepath.ToSlash(abs)), nil
		},
	})
}

// BasenameFunc is basename(path): the last element of a path.
var BasenameFunc = stringToString(
	"Returns the last element of a path.",
	func(p string) (string, error) { return filepath.Base(p), nil },
)

// DirnameFunc is dirname(path): all but the last element of a path.
var DirnameFunc = stringToString(
	"Returns all but the last element of a path.",
	func(p string) (string, error) { return filepath.Dir(p), nil },
)

// PathExpandFunc is pathexpand(path): replaces a leading ~ with the current
// user's home directory; other paths are returned unchanged.
var PathExpandFunc = stringToString(
	"Replaces a leading ~ in a path with the current user's home directory.",
	expandHome,
)
