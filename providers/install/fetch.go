package install

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"

	"github.com/hashicorp/go-hclog"
)

// Limits on what a server may send, so a broken or hostile one cannot
// exhaust memory or disk.
const (
	maxMetadataSize = 8 << 20  // JSON documents, SHA256SUMS
	maxArchiveSize  = 2 << 30  // a provider zip
	userAgent       = "indigo" // servers see which client asks
)

// errNotFound is a 404 from a registry or mirror.
var errNotFound = errors.New("not found")

// fetcher does the HTTP requests of the network sources.
type fetcher struct {
	client  *http.Client
	sources Sources
	log     hclog.Logger
}

// request builds a GET request; withAuth adds the host's token, if any.
func (f *fetcher) request(ctx context.Context, u *url.URL, withAuth bool) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("requesting %s: %w", u.Redacted(), err)
	}
	req.Header.Set("User-Agent", userAgent)
	if withAuth {
		if tok := f.sources.token(u); tok != "" {
			req.Header.Set("Authorization", "Bearer "+string(tok))
		}
	}
	return req, nil
}

// get returns the body of u, at most limit bytes. A 404 is errNotFound.
func (f *fetcher) get(ctx context.Context, u *url.URL, limit int64, withAuth bool) ([]byte, error) {
	req, err := f.request(ctx, u, withAuth)
	if err != nil {
		return nil, err
	}
	f.log.Debug("GET", "url", u.Redacted())
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("requesting %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, fmt.Errorf("%s: %w", u.Redacted(), errNotFound)
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, fmt.Errorf("%s: %s (check the credentials for %s in the CLI configuration or TF_TOKEN_* variables)", u.Redacted(), resp.Status, u.Host)
	case resp.StatusCode/100 != 2:
		return nil, fmt.Errorf("%s: unexpected response %s", u.Redacted(), resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", u.Redacted(), err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("reading %s: response larger than %d bytes", u.Redacted(), limit)
	}
	return body, nil
}

// getJSON decodes the JSON document at u into v.
func (f *fetcher) getJSON(ctx context.Context, u *url.URL, v any) error {
	body, err := f.get(ctx, u, maxMetadataSize, true)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%s: invalid response: %w", u.Redacted(), err)
	}
	return nil
}

// download writes the archive at u to the file path and returns its
// zh: hash. Credentials are not sent: archives are often served from
// another host, and the protocols say they are fetched anonymously.
func (f *fetcher) download(ctx context.Context, u *url.URL, path string) (Hash, error) {
	req, err := f.request(ctx, u, false)
	if err != nil {
		return "", err
	}
	f.log.Debug("downloading", "url", u.Redacted())
	resp, err := f.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("downloading %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return "", fmt.Errorf("downloading %s: unexpected response %s", u.Redacted(), resp.Status)
	}
	out, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("downloading %s: %w", u.Redacted(), err)
	}
	sum := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, sum), io.LimitReader(resp.Body, maxArchiveSize+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > maxArchiveSize {
		err = fmt.Errorf("archive larger than %d bytes", int64(maxArchiveSize))
	}
	if err != nil {
		return "", fmt.Errorf("downloading %s: %w", u.Redacted(), err)
	}
	return Hash(SchemeZip + hex.EncodeToString(sum.Sum(nil))), nil
}

// resolve parses ref, which may be relative to base.
func resolve(base *url.URL, ref string) (*url.URL, error) {
	r, err := url.Parse(ref)
	if err != nil {
		return nil, fmt.Errorf("invalid URL %q: %w", ref, err)
	}
	u := base.ResolveReference(r)
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("invalid URL %q: only http and https are supported", ref)
	}
	return u, nil
}

// parseURL parses an absolute URL that indigo produced earlier.
func parseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("invalid URL %q: %w", s, err)
	}
	return u, nil
}
