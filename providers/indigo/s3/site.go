package s3

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"sync"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/indigo-cloud/indigo/providers/indigo/s3/admin"
)

// Site is what the provider configuration gives s3 resources: the endpoint
// they act on and the remotes they may replicate or tier to.
type Site struct {
	main    *Endpoint // nil: the provider has no s3 block
	remotes map[string]*Endpoint
	// unknown is set when the configuration holds values not known until
	// apply; resources then fail when they need an endpoint.
	unknown bool

	mu      sync.Mutex
	buckets map[string]*sync.Mutex // per-bucket locks, see lockBucket
}

// lockBucket serialises read-modify-write changes of one bucket's
// configuration documents (replication rules, lifecycle rules): resources
// that share a bucket are applied in parallel by the walk. It returns the
// unlock function.
func (s *Site) lockBucket(bucket string) func() {
	s.mu.Lock()
	if s.buckets == nil {
		s.buckets = map[string]*sync.Mutex{}
	}
	m, ok := s.buckets[bucket]
	if !ok {
		m = &sync.Mutex{}
		s.buckets[bucket] = m
	}
	s.mu.Unlock()
	m.Lock()
	return m.Unlock
}

// siteHolder is what resources expect the provider's resource data to be.
type siteHolder interface{ S3Site() *Site }

// siteOf returns the Site in a resource's provider data, or nil.
func siteOf(providerData any) *Site {
	if h, ok := providerData.(siteHolder); ok {
		return h.S3Site()
	}
	return nil
}

var errNoS3Block = errors.New(`this resource needs an S3 endpoint, and the indigo provider has no s3 block. ` +
	`Add one to the provider configuration: s3 { endpoint = "http://host:port", access_key = "...", secret_key = "..." } ` +
	`(access_key and secret_key default to AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)`)

var errUnknownConfig = errors.New("the indigo provider's s3 settings are not known yet (they depend on values computed during apply)")

// endpoint returns the endpoint resources act on.
func (s *Site) endpoint() (*Endpoint, error) {
	switch {
	case s == nil:
		return nil, errors.New("the indigo provider is not configured")
	case s.unknown:
		return nil, errUnknownConfig
	case s.main == nil:
		return nil, errNoS3Block
	}
	return s.main, nil
}

// remote returns the s3_remote named name.
func (s *Site) remote(name string) (*Endpoint, error) {
	if s == nil {
		return nil, errors.New("the indigo provider is not configured")
	}
	if s.unknown {
		return nil, errUnknownConfig
	}
	if r, ok := s.remotes[name]; ok {
		return r, nil
	}
	names := make([]string, 0, len(s.remotes))
	for n := range s.remotes {
		names = append(names, fmt.Sprintf("%q", n))
	}
	sort.Strings(names)
	known := "it has none"
	if len(names) > 0 {
		known = fmt.Sprintf("it has %v", names)
	}
	return nil, fmt.Errorf(`the indigo provider has no s3_remote named %q (%s). Add s3_remote { name = %q endpoint = "..." access_key = "..." secret_key = "..." } to the provider configuration`, name, known, name)
}

// remoteAt returns the name of the s3_remote whose endpoint has host
// (host:port) and scheme, or "".
func (s *Site) remoteAt(host string, secure bool) string {
	if s == nil {
		return ""
	}
	var found []string
	for name, r := range s.remotes {
		if r.u.Host == host && r.secure() == secure {
			found = append(found, name)
		}
	}
	sort.Strings(found)
	if len(found) == 0 {
		return ""
	}
	return found[0]
}

// wrapTransport, when set (by tests), wraps the transport of each endpoint
// initialised afterwards.
var wrapTransport func(http.RoundTripper) http.RoundTripper

// Endpoint is one S3 server and the credentials to use there. Its clients
// are made on first use; making them does not touch the network.
type Endpoint struct {
	label     string // how messages name it: `s3` or `s3_remote "b"`
	u         *url.URL
	accessKey string
	secretKey string
	region    string

	once   sync.Once
	client *minio.Client
	admin  *admin.Client
	err    error
}

// String names the endpoint the way messages do: its block and URL.
func (e *Endpoint) String() string { return fmt.Sprintf("%s endpoint %s", e.label, e.u) }

func (e *Endpoint) secure() bool { return e.u.Scheme == "https" }

func (e *Endpoint) init() {
	e.once.Do(func() {
		transport, err := minio.DefaultTransport(e.secure())
		if err != nil {
			e.err = fmt.Errorf("%s: %w", e, err)
			return
		}
		var rt http.RoundTripper = transport
		if wrapTransport != nil {
			rt = wrapTransport(transport)
		}
		e.client, e.err = minio.New(e.u.Host, &minio.Options{
			Creds:  credentials.NewStaticV4(e.accessKey, e.secretKey, ""),
			Secure: e.secure(),
			// A region given to the client spares a bucket-location
			// request per bucket per process (every command starts the
			// provider afresh), and is what admin calls are signed with
			// anyway.
			Region:    cmp.Or(e.region, "us-east-1"),
			Transport: rt,
			// A server that is down should fail a plan in seconds, not
			// after minio-go's ten retries.
			MaxRetries: 2,
		})
		if e.err != nil {
			e.err = fmt.Errorf("%s: %w", e, e.err)
			return
		}
		e.admin, e.err = admin.New(e.u.String(), e.accessKey, e.secretKey, e.region, &http.Client{Transport: rt})
	})
}

// S3 returns the endpoint's minio-go client.
func (e *Endpoint) S3() (*minio.Client, error) {
	e.init()
	return e.client, e.err
}

// Admin returns the endpoint's MinIO admin client.
func (e *Endpoint) Admin() (*admin.Client, error) {
	e.init()
	return e.admin, e.err
}
