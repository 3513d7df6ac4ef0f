// Package modsrc parses module source addresses, the value of a module
// block's source argument, into typed values: a local directory, a module
// registry address, a git repository, an HTTP(S) URL (an archive, or a page
// naming where the module is) or an S3 object. It does no I/O; fetching is
// modules/install's job.
//
// The syntax is Terraform's: an optional forced getter ("git::", "s3::"),
// a "//subdir" after the package address, and query arguments "ref" and
// "depth" (git), "archive" (the archive format, or "false") and "checksum"
// ("sha256:HEX", also md5, sha1 and sha512). github.com/OWNER/REPO and
// git@HOST:PATH are shorthands for git repositories.
package modsrc

import (
	"fmt"
	"net/url"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	tfaddr "github.com/hashicorp/terraform-registry-address"
)

// Kind is the kind of a source address.
type Kind int

// The kinds of source addresses.
const (
	Local Kind = iota
	Registry
	Git
	HTTP
	S3
)

func (k Kind) String() string {
	return [...]string{"local directory", "module registry", "git repository", "HTTP URL", "S3 object"}[k]
}

// Source is a parsed module source address.
type Source struct {
	Kind Kind
	// Raw is the address as written.
	Raw string
	// Path is the directory of a Local source, as written.
	Path string
	// Module is the registry address of a Registry source.
	Module tfaddr.ModulePackage
	// URL is the package location of Git, HTTP and S3 sources, without
	// the subdirectory and without the arguments below.
	URL *url.URL
	// Ref and Depth are git's ref= and depth= arguments.
	Ref   string
	Depth string
	// Archive is the archive= argument: "zip", "tar.gz", "tgz", "tar",
	// "false", or "" to infer it from the URL's path.
	Archive string
	// Checksum is the checksum= argument: "sha256:HEX" and the like.
	Checksum string
	// Subdir is the directory inside the package, "" for its root.
	Subdir string
}

// String is the address in its normal form.
func (s Source) String() string {
	switch s.Kind {
	case Local:
		return s.Path
	case Registry:
		if s.Subdir != "" {
			return s.Module.ForDisplay() + "//" + s.Subdir
		}
		return s.Module.ForDisplay()
	}
	return s.Package() + subdirSuffix(s.Subdir) + s.query()
}

// Package is the address of what is downloaded, without the
// subdirectory: two sources with the same package share one download.
func (s Source) Package() string {
	switch s.Kind {
	case Local:
		return s.Path
	case Registry:
		return s.Module.String()
	case Git:
		return "git::" + s.URL.String()
	case S3:
		return "s3::" + s.URL.String()
	}
	return s.URL.String()
}

func subdirSuffix(d string) string {
	if d == "" {
		return ""
	}
	return "//" + d
}

func (s Source) query() string {
	q := url.Values{}
	for k, v := range map[string]string{"ref": s.Ref, "depth": s.Depth, "archive": s.Archive, "checksum": s.Checksum} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// IsLocal reports whether raw is a local directory address (./ or ../).
func IsLocal(raw string) bool {
	return raw == "." || raw == ".." || strings.HasPrefix(raw, "./") || strings.HasPrefix(raw, "../") ||
		strings.HasPrefix(raw, `.\`) || strings.HasPrefix(raw, `..\`)
}

// Parse parses a source address. Its errors are sentences that say what
// form is expected.
func Parse(raw string) (Source, error) {
	s := Source{Raw: raw}
	if raw == "" {
		return s, fmt.Errorf("the source is empty: give a local path (./modules/x), a registry address (NAMESPACE/NAME/SYSTEM), a git::URL, an https:// archive URL or an s3:: URL")
	}
	if !utf8.ValidString(raw) || strings.ContainsFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return s, fmt.Errorf("%q holds spaces, control characters or invalid UTF-8, which no source address has", raw)
	}
	if IsLocal(raw) {
		s.Kind, s.Path = Local, path.Clean(strings.ReplaceAll(raw, `\`, "/"))
		if !IsLocal(s.Path) {
			s.Path = "./" + s.Path
		}
		return s, nil
	}
	if strings.HasPrefix(raw, "/") {
		return s, fmt.Errorf("%q is an absolute path: local module sources are relative to the calling module and start with ./ or ../", raw)
	}
	forced, rest, hasForced := strings.Cut(raw, "::")
	if !hasForced || strings.Contains(forced, "/") {
		forced, rest = "", raw
		rest = expandShorthand(rest)
		if f, r, ok := strings.Cut(rest, "::"); ok {
			forced, rest = f, r
		}
	}
	switch forced {
	case "":
	case "git":
		s.Kind = Git
	case "s3":
		s.Kind = S3
	case "http", "https":
		s.Kind = HTTP
	case "hg", "gcs", "github", "bitbucket":
		return s, fmt.Errorf("%q: indigo fetches modules from registries, git, HTTP(S) archives and S3; %s:: sources are not supported: mirror the module into a git repository or an archive", raw, forced)
	default:
		return s, fmt.Errorf("%q: unknown source kind %q (known: git::, s3::, https::)", raw, forced+"::")
	}
	if forced == "" {
		if !strings.Contains(rest, "://") {
			m, err := tfaddr.ParseModuleSource(rest)
			if err != nil {
				return s, fmt.Errorf("%q is neither a local path (./ or ../), a URL nor a registry address NAMESPACE/NAME/SYSTEM: %s", raw, err)
			}
			s.Kind, s.Module, s.Subdir = Registry, m.Package, m.Subdir
			return s, nil
		}
		s.Kind = HTTP
		if strings.HasPrefix(rest, "s3://") {
			s.Kind = S3
		}
	}
	if s.Kind == Git && strings.HasPrefix(rest, "git@") {
		rest = scpToURL(rest)
	}
	pkg, sub := splitSubdir(rest)
	u, err := url.Parse(pkg)
	if err != nil {
		return s, fmt.Errorf("%q: invalid URL: %s", raw, err)
	}
	if u.Scheme == "" || (u.Host == "" && u.Scheme != "file") {
		return s, fmt.Errorf("%q: a %s source needs a URL with a scheme and a host, such as https://example.com/x", raw, s.Kind)
	}
	switch s.Kind {
	case HTTP:
		if u.Scheme != "http" && u.Scheme != "https" {
			return s, fmt.Errorf("%q: scheme %s is not fetched over HTTP: use git:: for repositories, s3:: for buckets", raw, u.Scheme)
		}
	case S3:
		if u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "s3" {
			return s, fmt.Errorf("%q: s3:: sources are https://ENDPOINT/BUCKET/KEY or s3://BUCKET/KEY", raw)
		}
	}
	q := u.Query()
	take := func(k string) string { v := q.Get(k); q.Del(k); return v }
	s.Checksum, s.Archive = take("checksum"), take("archive")
	if s.Kind == Git {
		s.Ref, s.Depth = take("ref"), take("depth")
		q.Del("sshkey")
	}
	u.RawQuery = q.Encode()
	s.URL = u
	if sub != "" {
		clean := path.Clean(sub)
		if clean == ".." || strings.HasPrefix(clean, "../") || strings.HasPrefix(clean, "/") {
			return s, fmt.Errorf("%q: the subdirectory %q leads outside the package", raw, sub)
		}
		if clean != "." {
			s.Subdir = clean
		}
	}
	if s.Checksum != "" {
		if _, _, err := ParseChecksum(s.Checksum); err != nil {
			return s, fmt.Errorf("%q: %s", raw, err)
		}
	}
	switch s.Archive {
	case "", "zip", "tar.gz", "tgz", "tar", "false":
	default:
		return s, fmt.Errorf("%q: archive=%s is not a format indigo unpacks (zip, tar.gz, tgz, tar, or false)", raw, s.Archive)
	}
	return s, nil
}

// ParseChecksum splits "TYPE:HEX" and checks the length of HEX.
func ParseChecksum(c string) (typ, sum string, err error) {
	typ, sum, ok := strings.Cut(c, ":")
	if !ok {
		return "", "", fmt.Errorf("checksum=%s: write it as TYPE:HEX, e.g. sha256:3b1f...", c)
	}
	want := map[string]int{"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}[typ]
	if want == 0 {
		return "", "", fmt.Errorf("checksum=%s: the type %q is not one of md5, sha1, sha256, sha512 (a checksum file URL is not supported)", c, typ)
	}
	if len(sum) != want {
		return "", "", fmt.Errorf("checksum=%s: a %s checksum has %d hex digits, this one %d", c, typ, want, len(sum))
	}
	return typ, strings.ToLower(sum), nil
}

// splitSubdir splits "URL//sub/dir?query" into "URL?query" and "sub/dir",
// ignoring the "//" of the scheme.
func splitSubdir(s string) (pkg, sub string) {
	query := ""
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s, query = s[:i], s[i:]
	}
	start := 0
	if i := strings.Index(s, "://"); i >= 0 {
		start = i + 3
	}
	i := strings.Index(s[start:], "//")
	if i < 0 {
		return s + query, ""
	}
	return s[:start+i] + query, s[start+i+2:]
}

// expandShorthand turns the forms Terraform detects without a prefix
// into explicit ones: github.com/OWNER/REPO, bitbucket.org/OWNER/REPO and
// git@HOST:PATH are git; BUCKET.s3*.amazonaws.com/KEY is S3.
func expandShorthand(s string) string {
	switch {
	case strings.HasPrefix(s, "git@"):
		return "git::" + s
	case strings.HasPrefix(s, "github.com/"), strings.HasPrefix(s, "bitbucket.org/"):
		pkg, rest := s, ""
		if i := strings.IndexAny(s, "?"); i >= 0 {
			pkg, rest = s[:i], s[i:]
		}
		parts := strings.SplitN(pkg, "/", 4)
		if len(parts) < 3 {
			return s
		}
		repo := parts[0] + "/" + parts[1] + "/" + strings.TrimSuffix(parts[2], ".git") + ".git"
		if len(parts) == 4 {
			sub := strings.TrimPrefix(parts[3], "/")
			repo += "//" + sub
		}
		return "git::https://" + repo + rest
	}
	host, _, _ := strings.Cut(s, "/")
	if strings.Contains(host, ".s3") && strings.HasSuffix(host, ".amazonaws.com") {
		return "s3::https://" + s
	}
	return s
}

// scpToURL turns git@HOST:PATH into ssh://git@HOST/PATH.
func scpToURL(s string) string {
	userHost, p, ok := strings.Cut(s, ":")
	if !ok || strings.HasPrefix(p, "//") {
		return s
	}
	return "ssh://" + userHost + "/" + p
}
