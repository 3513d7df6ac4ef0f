package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/indigo-cloud/indigo/planner/rank"
)

// Defaults applied to a Source that leaves them zero, and to a Fetcher.
const (
	DefaultMaxAge   = 15 * time.Minute
	DefaultTimeout  = 5 * time.Second
	DefaultParallel = 8
	// maxBody bounds what is read from a file or an endpoint.
	maxBody = 8 << 20
)

// Format is the encoding of a metrics document.
type Format string

// The formats a source may have. FormatAuto decides by the file extension
// (.json; .prom or .txt) or the HTTP Content-Type, else by the first byte.
const (
	FormatAuto       Format = ""
	FormatJSON       Format = "json"
	FormatPrometheus Format = "prometheus"
)

// Source says where a site's observed figures come from.
type Source struct {
	// Path is a local file (relative paths are resolved by the caller,
	// against the configuration's directory). Exactly one of Path and URL
	// is set.
	Path string
	// URL is an http or https endpoint.
	URL    string
	Format Format
	// Match restricts Prometheus samples to those whose labels do not
	// contradict these (e.g. {"tenant": "indigo"}).
	Match map[string]string
	// Header is sent with the HTTP request (e.g. Authorization). Its
	// values are never put into messages.
	Header http.Header
	// MaxAge is how old the figures may be and still be used: 0 means
	// DefaultMaxAge, a negative value means no limit.
	MaxAge time.Duration
	// Timeout bounds an HTTP fetch: 0 means DefaultTimeout.
	Timeout time.Duration
}

// ParseSource reads the short form of a source, as a site's metrics =
// "..." attribute gives it: an http:// or https:// URL, a file:// URL or a
// path.
func ParseSource(s string) Source {
	switch {
	case strings.HasPrefix(s, "http://"), strings.HasPrefix(s, "https://"):
		return Source{URL: s}
	case strings.HasPrefix(s, "file://"):
		return Source{Path: strings.TrimPrefix(s, "file://")}
	}
	return Source{Path: s}
}

// String names the source for messages: the path, or the URL without its
// password.
func (s Source) String() string {
	if s.URL == "" {
		return s.Path
	}
	if u, err := url.Parse(s.URL); err == nil {
		return u.Redacted()
	}
	return s.URL
}

func (s Source) maxAge() time.Duration {
	switch {
	case s.MaxAge == 0:
		return DefaultMaxAge
	case s.MaxAge < 0:
		return 0
	}
	return s.MaxAge
}

func (s Source) timeout() time.Duration {
	if s.Timeout <= 0 {
		return DefaultTimeout
	}
	return s.Timeout
}

// Fetcher reads metrics sources. The zero Fetcher is ready to use.
type Fetcher struct {
	// Client is the HTTP client; nil means a plain client (the source's
	// timeout applies either way).
	Client *http.Client
	// Parallel bounds how many sources FetchAll reads at once; 0 means
	// DefaultParallel.
	Parallel int
}

// Fetch reads one source with a zero Fetcher.
func Fetch(ctx context.Context, src Source, now time.Time) *rank.Metrics {
	var f Fetcher
	return f.Fetch(ctx, src, now)
}

// Fetch reads one source. It never fails: when the figures cannot be read
// the result's Err says why. now is the time freshness is judged against.
func (f *Fetcher) Fetch(ctx context.Context, src Source, now time.Time) *rank.Metrics {
	m, err := f.fetch(ctx, src)
	if err != nil {
		return &rank.Metrics{Source: src.String(), MaxAge: src.maxAge(), Err: err.Error()}
	}
	m.Source = src.String()
	m.MaxAge = src.maxAge()
	if m.ObservedAt.IsZero() {
		m.ObservedAt = now
	}
	m.Stale = m.MaxAge > 0 && now.Sub(m.ObservedAt) > m.MaxAge
	return m
}

// FetchAll reads the sources of several sites, at most Parallel at a time,
// and returns their metrics by site name.
func (f *Fetcher) FetchAll(ctx context.Context, sources map[string]Source, now time.Time) map[string]*rank.Metrics {
	limit := f.Parallel
	if limit <= 0 {
		limit = DefaultParallel
	}
	sem := make(chan struct{}, limit)
	out := make(map[string]*rank.Metrics, len(sources))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for site, src := range sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				mu.Lock()
				out[site] = &rank.Metrics{Source: src.String(), MaxAge: src.maxAge(), Err: "not read: " + ctx.Err().Error()}
				mu.Unlock()
				return
			}
			m := f.Fetch(ctx, src, now)
			<-sem
			mu.Lock()
			out[site] = m
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

func (f *Fetcher) fetch(ctx context.Context, src Source) (*rank.Metrics, error) {
	switch {
	case src.Path != "" && src.URL != "":
		return nil, errors.New("both a path and a URL are set")
	case src.Path != "":
		return readFile(src)
	case src.URL != "":
		return f.get(ctx, src)
	}
	return nil, errors.New("no path or URL")
}

func readFile(src Source) (*rank.Metrics, error) {
	file, err := os.Open(src.Path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is already in the message
		}
		return nil, fmt.Errorf("reading %s: %w", src.Path, err)
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", src.Path, err)
	}
	body, err := readLimited(file)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", src.Path, err)
	}
	format := src.Format
	if format == FormatAuto {
		switch strings.ToLower(filepath.Ext(src.Path)) {
		case ".json":
			format = FormatJSON
		case ".prom", ".txt":
			format = FormatPrometheus
		}
	}
	m, err := decode(body, format, src.Match)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", src.Path, err)
	}
	if m.ObservedAt.IsZero() {
		m.ObservedAt = info.ModTime()
	}
	return m, nil
}

func (f *Fetcher) get(ctx context.Context, src Source) (*rank.Metrics, error) {
	name := src.String()
	u, err := url.Parse(src.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("metrics URL %q is not an http(s) URL", name)
	}
	timeout := src.timeout()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", name, err)
	}
	for k, vs := range src.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("Accept", "application/json, text/plain;version=0.0.4;q=0.9, */*;q=0.1")
	client := f.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("GET %s: no answer within %s", name, timeout)
		}
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL is already in the message, without its password
		}
		return nil, fmt.Errorf("GET %s: %w", name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", name, resp.Status)
	}
	body, err := readLimited(resp.Body)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("GET %s: body not read within %s", name, timeout)
		}
		return nil, fmt.Errorf("GET %s: %w", name, err)
	}
	format := src.Format
	if format == FormatAuto {
		ct := strings.ToLower(resp.Header.Get("Content-Type"))
		switch {
		case strings.Contains(ct, "json"):
			format = FormatJSON
		case strings.HasPrefix(ct, "text/plain"), strings.Contains(ct, "openmetrics"):
			format = FormatPrometheus
		}
	}
	m, err := decode(body, format, src.Match)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", name, err)
	}
	if m.ObservedAt.IsZero() {
		if t, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
			m.ObservedAt = t
		}
	}
	return m, nil
}

func readLimited(r io.Reader) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, maxBody+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("larger than %d MiB", maxBody>>20)
	}
	return body, nil
}

// decode reads a document in the given format, guessing it from the first
// byte when unknown.
func decode(body []byte, format Format, match map[string]string) (*rank.Metrics, error) {
	if format == FormatAuto {
		format = FormatPrometheus
		if t := strings.TrimSpace(string(body[:min(len(body), 64)])); strings.HasPrefix(t, "{") {
			format = FormatJSON
		}
	}
	switch format {
	case FormatJSON:
		return decodeJSON(body)
	case FormatPrometheus:
		return decodePrometheus(body, match)
	}
	return nil, fmt.Errorf("unknown metrics format %q (use json or prometheus)", format)
}
