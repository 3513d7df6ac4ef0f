package install

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"

	"github.com/indigo-cloud/indigo/lang/modsrc"
)

// maxRedirects bounds the chain of X-Terraform-Get indirections.
const maxRedirects = 5

// terraformGetMeta finds <meta name="terraform-get" content="..."> in a page.
var terraformGetMeta = regexp.MustCompile(`(?i)<meta\s+name="terraform-get"\s+content="([^"]+)"`)

// fetchHTTP downloads an HTTP(S) source into dest: an archive (by
// extension or archive=) is downloaded, checked against checksum= and
// unpacked; any other URL must answer with an X-Terraform-Get header (or
// a terraform-get meta tag) naming the source to fetch instead.
func (r *run) fetchHTTP(src modsrc.Source, dest string, depth int) error {
	format := archiveFormat(src.Archive, src.URL.Path)
	req, err := http.NewRequestWithContext(r.ctx, http.MethodGet, src.URL.String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "indigo")
	if format == "" {
		q := req.URL.Query()
		q.Set("terraform-get", "1")
		req.URL.RawQuery = q.Encode()
	}
	resp, err := r.in.client().Do(req)
	if err != nil {
		return fmt.Errorf("downloading %s failed: %s. Check the URL and the network", src.URL.Redacted(), unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("downloading %s: the server answered %s. Check the URL", src.URL.Redacted(), resp.Status)
	}
	if format == "" {
		loc := resp.Header.Get("X-Terraform-Get")
		if loc == "" {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, maxDocument))
			if m := terraformGetMeta.FindSubmatch(body); m != nil {
				loc = string(m[1])
			}
		}
		if loc == "" {
			return fmt.Errorf("%s is neither an archive (.zip, .tar.gz, .tgz, .tar, or archive= in the source) nor a page naming the module with X-Terraform-Get. Point the source at the archive", src.URL.Redacted())
		}
		if depth >= maxRedirects {
			return fmt.Errorf("%s: more than %d X-Terraform-Get indirections", src.URL.Redacted(), maxRedirects)
		}
		next, err := resolveLocation(src.URL, loc)
		if err != nil {
			return fmt.Errorf("%s names %q with X-Terraform-Get: %s", src.URL.Redacted(), loc, err)
		}
		target := dest
		if next.Subdir != "" {
			target = dest + ".full"
			defer os.RemoveAll(target)
		}
		switch next.Kind {
		case modsrc.HTTP:
			err = r.fetchHTTP(next, target, depth+1)
		case modsrc.Git:
			err = r.fetchGit(next, target)
		case modsrc.S3:
			err = r.fetchS3(next, target)
		default:
			return fmt.Errorf("%s names %q with X-Terraform-Get, which is not a package location", src.URL.Redacted(), loc)
		}
		if err != nil || next.Subdir == "" {
			return err
		}
		// The page named a directory inside the package: that is the package.
		if st, serr := os.Stat(filepath.Join(target, filepath.FromSlash(next.Subdir))); serr != nil || !st.IsDir() {
			return fmt.Errorf("%s names %q with X-Terraform-Get, and the package holds no directory %q", src.URL.Redacted(), loc, next.Subdir)
		}
		return os.Rename(filepath.Join(target, filepath.FromSlash(next.Subdir)), dest)
	}
	file := dest + ".archive"
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer os.Remove(file)
	_, err = io.Copy(f, io.LimitReader(resp.Body, maxArchive))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("downloading %s: %w", src.URL.Redacted(), err)
	}
	return r.unpackFile(src, format, file, dest)
}

// unpackFile checks the downloaded archive against checksum= and unpacks it.
func (r *run) unpackFile(src modsrc.Source, format, file, dest string) error {
	if err := checkSum(src, file); err != nil {
		return err
	}
	if err := unpack(format, file, dest); err != nil {
		return fmt.Errorf("unpacking %s: %w", src.URL.Redacted(), err)
	}
	return nil
}

// unwrapURLError drops the "Get URL:" prefix of a client error; the
// message around it names the URL already, without its secrets.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
