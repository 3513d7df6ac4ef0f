package s3

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/encrypt"
)

// DefaultKey is the snapshot's key when the configuration names none.
const DefaultKey = "indigo.state"

// DefaultEndpoint is Amazon S3.
const DefaultEndpoint = "https://s3.amazonaws.com"

// DefaultRegion is the region used when none is configured.
const DefaultRegion = "us-east-1"

// Config configures the backend. Its String form leaves the credentials
// out.
type Config struct {
	// Bucket holds the state; required.
	Bucket string
	// Key is the snapshot's object key; the other objects are named after
	// it. DefaultKey when empty.
	Key string
	// Endpoint is the server's URL, "http://127.0.0.1:9000" or
	// "https://s3.example.org"; a bare host[:port] means https.
	// DefaultEndpoint when empty.
	Endpoint string
	// Region is the bucket's region; DefaultRegion when empty.
	Region string
	// AccessKey, SecretKey and SessionToken are the credentials.
	AccessKey, SecretKey, SessionToken string
	// CreateBucket makes New create the bucket when it does not exist,
	// instead of failing.
	CreateBucket bool
}

// String describes the configuration without its credentials.
func (c Config) String() string {
	return fmt.Sprintf("s3 backend {bucket %q, key %q, endpoint %q, region %q}", c.Bucket, c.Key, c.Endpoint, c.Region)
}

// GoString is String: %#v must not print the credentials either.
func (c Config) GoString() string { return c.String() }

// Backend is an S3 state backend for one key in one bucket.
type Backend struct {
	client   *minio.Client
	core     minio.Core
	bucket   string
	key      string
	endpoint string // as shown to users: scheme://host[:port]
	where    string
	enc      *encrypt.Target
}

var (
	_ state.Backend      = (*Backend)(nil)
	_ state.BackupReader = (*Backend)(nil)
)

// SetEncryption makes the backend seal snapshots and journal records with
// t, and open them with it (nil: in clear).
func (b *Backend) SetEncryption(t *encrypt.Target) { b.enc = t }

// New checks the configuration, connects, and checks that the credentials
// are accepted and the bucket exists (creating it when cfg.CreateBucket is
// set).
func New(ctx context.Context, cfg Config) (*Backend, error) {
	if cfg.Key == "" {
		cfg.Key = DefaultKey
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	host, secure, shown, err := parseEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("s3 backend: %w", err)
	}
	if cfg.Bucket == "" {
		return nil, errors.New("s3 backend: no bucket is configured")
	}
	if strings.HasPrefix(cfg.Key, "/") || strings.HasSuffix(cfg.Key, "/") {
		return nil, fmt.Errorf("s3 backend: the key %q must not start or end with /", cfg.Key)
	}
	if cfg.AccessKey == "" || cfg.SecretKey == "" {
		return nil, fmt.Errorf("s3 backend for bucket %q at %s: no credentials: set access_key and secret_key in the backend block, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", cfg.Bucket, shown)
	}
	base, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, fmt.Errorf("s3 backend: %w", err)
	}
	client, err := minio.New(host, &minio.Options{
		Creds:     credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken),
		Secure:    secure,
		Region:    cfg.Region,
		Transport: &condTransport{base: base},
		// Fail within seconds when the server is down, yet ride out a
		// server that is briefly busy.
		MaxRetries: 5,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 backend for bucket %q at %s: %w", cfg.Bucket, shown, err)
	}
	b := &Backend{
		client:   client,
		core:     minio.Core{Client: client},
		bucket:   cfg.Bucket,
		key:      cfg.Key,
		endpoint: shown,
		where:    fmt.Sprintf("s3://%s/%s at %s", cfg.Bucket, cfg.Key, shown),
	}
	if err := b.checkBucket(ctx, cfg); err != nil {
		return nil, err
	}
	return b, nil
}

// parseEndpoint splits an endpoint into minio-go's host[:port] and TLS
// setting, and the form shown in messages.
func parseEndpoint(ep string) (host string, secure bool, shown string, err error) {
	if !strings.Contains(ep, "://") {
		ep = "https://" + ep
	}
	u, err := url.Parse(ep)
	if err != nil {
		return "", false, "", fmt.Errorf("endpoint %q is not a URL: %v", ep, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", false, "", fmt.Errorf("endpoint %q: the scheme must be http or https", ep)
	case u.Host == "":
		return "", false, "", fmt.Errorf("endpoint %q has no host", ep)
	case u.User != nil:
		return "", false, "", fmt.Errorf("endpoint %q must not carry credentials; set access_key and secret_key", u.Redacted())
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.Fragment != "":
		return "", false, "", fmt.Errorf("endpoint %q must be scheme://host[:port], without a path (the bucket and key are separate settings)", ep)
	}
	return u.Host, u.Scheme == "https", u.Scheme + "://" + u.Host, nil
}

// checkBucket is New's probe: the server answers, accepts the credentials,
// and has the bucket.
func (b *Backend) checkBucket(ctx context.Context, cfg Config) error {
	ok, err := b.client.BucketExists(ctx, b.bucket)
	if err != nil {
		return fmt.Errorf("s3 backend: checking bucket %q at %s: %w", b.bucket, b.endpoint, explain(err))
	}
	if ok {
		return nil
	}
	if !cfg.CreateBucket {
		return fmt.Errorf("s3 backend: bucket %q does not exist at %s; create it (for example `mc mb ALIAS/%s`, or `aws s3 mb s3://%s`), or set create_bucket = true in the backend block to have indigo create it",
			b.bucket, b.endpoint, b.bucket, b.bucket)
	}
	err = b.client.MakeBucket(ctx, b.bucket, minio.MakeBucketOptions{Region: cfg.Region})
	if code := errResponse(err).Code; code == "BucketAlreadyOwnedByYou" || code == "BucketAlreadyExists" {
		// Another run created it meanwhile; BucketExists said it did not,
		// so it is ours to use (a bucket of someone else's would have
		// answered AccessDenied).
		err = nil
	}
	if err != nil {
		return fmt.Errorf("s3 backend: creating bucket %q at %s: %w", b.bucket, b.endpoint, explain(err))
	}
	return nil
}

// Where names the state in messages: s3://BUCKET/KEY at ENDPOINT.
func (b *Backend) Where() string { return b.where }

// Bucket returns the bucket's name.
func (b *Backend) Bucket() string { return b.bucket }

// Key returns the snapshot's key.
func (b *Backend) Key() string { return b.key }

// BackupKey returns the key of the previous snapshot.
func (b *Backend) BackupKey() string { return b.key + ".backup" }

// LockKey returns the key of the lock object.
func (b *Backend) LockKey() string { return b.key + ".lock" }

// JournalKey returns the key of the journal head.
func (b *Backend) JournalKey() string { return b.key + ".journal" }

// JournalPrefix returns the prefix of the journal entries' keys.
func (b *Backend) JournalPrefix() string { return b.key + ".journal.d/" }

// explain turns an error of the S3 client into one that says what went
// wrong in a user's terms; the original stays reachable with errors.As.
func explain(err error) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	var ne net.Error
	if errors.As(err, &ue) || errors.As(err, &ne) {
		return fmt.Errorf("the server cannot be reached: %w", err)
	}
	resp := errResponse(err)
	switch resp.Code {
	case "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "TokenRefreshRequired":
		return fmt.Errorf("the server refused the credentials (%s); check access_key and secret_key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: %w", resp.Code, err)
	case "AccessDenied", "Forbidden":
		return fmt.Errorf("access denied: the credentials are wrong or may not use this bucket: %w", err)
	case "NoSuchBucket":
		return fmt.Errorf("the bucket does not exist (any more); create it: %w", err)
	}
	if resp.StatusCode == http.StatusForbidden {
		return fmt.Errorf("access denied: the credentials are wrong or may not use this bucket: %w", err)
	}
	return err
}

// errResponse returns the S3 error in err's chain (a zero one when none):
// minio.ToErrorResponse does not look through wrapping.
func errResponse(err error) minio.ErrorResponse {
	var r minio.ErrorResponse
	errors.As(err, &r)
	return r
}

func isPreconditionFailed(err error) bool {
	r := errResponse(err)
	return r.StatusCode == http.StatusPreconditionFailed || r.Code == "PreconditionFailed"
}

func isNotFound(err error) bool {
	r := errResponse(err)
	return r.Code == "NoSuchKey" || (r.StatusCode == http.StatusNotFound && r.Code != "NoSuchBucket")
}

// ifMatchKey carries, in a request's context, the ETag a DELETE is
// conditional on: minio-go's RemoveObject has no option for it.
type ifMatchKey struct{}

// withIfMatch returns a context whose DELETE requests carry If-Match: etag.
func withIfMatch(ctx context.Context, etag string) context.Context {
	return context.WithValue(ctx, ifMatchKey{}, etag)
}

// condTransport adds the If-Match header a context asks for to DELETE
// requests. It is not signed, which S3 allows for headers other than
// x-amz-*; servers that do not implement conditional deletes ignore it.
type condTransport struct{ base http.RoundTripper }

func (t *condTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if etag, ok := req.Context().Value(ifMatchKey{}).(string); ok && etag != "" && req.Method == http.MethodDelete {
		req = req.Clone(req.Context())
		req.Header.Set("If-Match", `"`+strings.Trim(etag, `"`)+`"`)
	}
	return t.base.RoundTrip(req)
}
