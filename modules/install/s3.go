package install

import (
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/indigo-cloud/indigo/lang/modsrc"
)

// s3Location is an S3 source taken apart.
type s3Location struct {
	endpoint string // host[:port]
	secure   bool
	bucket   string
	key      string
	region   string
}

// parseS3 reads the URL forms of an s3:: source:
//
//	https://ENDPOINT/BUCKET/KEY              (path style: MinIO, Ceph, any endpoint)
//	https://BUCKET.s3[.-]REGION.amazonaws.com/KEY
//	https://s3[.-]REGION.amazonaws.com/BUCKET/KEY
//	s3://BUCKET/KEY                          (endpoint from AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL)
//
// with an optional region= argument.
func (in *Installer) parseS3(u *url.URL) (s3Location, error) {
	loc := s3Location{region: u.Query().Get("region"), secure: u.Scheme != "http"}
	p := strings.TrimPrefix(u.Path, "/")
	host := u.Host
	switch {
	case u.Scheme == "s3":
		ep := in.getenv("AWS_ENDPOINT_URL_S3")
		if ep == "" {
			ep = in.getenv("AWS_ENDPOINT_URL")
		}
		if ep == "" {
			ep = "https://s3.amazonaws.com"
		}
		e, err := url.Parse(ep)
		if err != nil || e.Host == "" {
			return loc, fmt.Errorf("AWS_ENDPOINT_URL %q is not a URL", ep)
		}
		loc.endpoint, loc.secure, loc.bucket, loc.key = e.Host, e.Scheme != "http", u.Host, p
	case strings.HasSuffix(host, ".amazonaws.com") && strings.Contains(host, ".s3"):
		b, rest, _ := strings.Cut(host, ".s3")
		loc.bucket, loc.key, loc.endpoint = b, p, "s3"+rest
	default:
		b, k, _ := strings.Cut(p, "/")
		loc.endpoint, loc.bucket, loc.key = host, b, k
	}
	if loc.bucket == "" {
		return loc, fmt.Errorf("s3::%s names no bucket: write s3::https://ENDPOINT/BUCKET/KEY", u.Redacted())
	}
	if loc.region == "" {
		loc.region = in.getenv("AWS_REGION")
	}
	return loc, nil
}

// fetchS3 downloads an S3 source into dest: an object that is an archive
// (by extension or archive=) is checked and unpacked; otherwise the key is
// a prefix whose objects are copied as the module's files. Credentials
// come from the source's aws_access_key_id/aws_access_key_secret/
// aws_access_token arguments or from the AWS_* environment variables.
func (r *run) fetchS3(src modsrc.Source, dest string) error {
	loc, err := r.in.parseS3(src.URL)
	if err != nil {
		return err
	}
	q := src.URL.Query()
	id, secret, token := q.Get("aws_access_key_id"), q.Get("aws_access_key_secret"), q.Get("aws_access_token")
	if id == "" {
		id, secret, token = r.in.getenv("AWS_ACCESS_KEY_ID"), r.in.getenv("AWS_SECRET_ACCESS_KEY"), r.in.getenv("AWS_SESSION_TOKEN")
	}
	var creds *credentials.Credentials
	if id != "" {
		creds = credentials.NewStaticV4(id, secret, token)
	} else {
		creds = credentials.NewChainCredentials([]credentials.Provider{&credentials.EnvAWS{}, &credentials.FileAWSCredentials{}, &credentials.IAM{}})
	}
	opts := &minio.Options{Creds: creds, Secure: loc.secure, Region: loc.region}
	if tr := r.in.client().Transport; tr != nil {
		opts.Transport = tr
	}
	client, err := minio.New(loc.endpoint, opts)
	if err != nil {
		return fmt.Errorf("S3 endpoint %s: %w", loc.endpoint, err)
	}
	where := fmt.Sprintf("s3://%s/%s at %s", loc.bucket, loc.key, loc.endpoint)
	explain := func(err error) error {
		resp := minio.ToErrorResponse(err)
		switch resp.Code {
		case "NoSuchBucket":
			return fmt.Errorf("%s: the bucket %q does not exist. Check the source", where, loc.bucket)
		case "NoSuchKey":
			return fmt.Errorf("%s: no such object. Check the key in the source", where)
		case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch":
			return fmt.Errorf("%s: access denied (%s). Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to credentials that may read it", where, resp.Code)
		}
		return fmt.Errorf("%s: %s", where, unwrapURLError(err))
	}
	if format := archiveFormat(src.Archive, loc.key); format != "" {
		file := dest + ".archive"
		defer os.Remove(file)
		if err := client.FGetObject(r.ctx, loc.bucket, loc.key, file, minio.GetObjectOptions{}); err != nil {
			return explain(err)
		}
		return r.unpackFile(src, format, file, dest)
	}
	prefix := strings.TrimSuffix(loc.key, "/")
	if prefix != "" {
		prefix += "/"
	}
	n := 0
	for obj := range client.ListObjects(r.ctx, loc.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			return explain(obj.Err)
		}
		rel := path.Clean(strings.TrimPrefix(obj.Key, prefix))
		if strings.HasSuffix(obj.Key, "/") || rel == "." {
			continue
		}
		if strings.HasPrefix(rel, "../") || path.IsAbs(rel) {
			return fmt.Errorf("%s: object %q lies outside the prefix", where, obj.Key)
		}
		if err := client.FGetObject(r.ctx, loc.bucket, obj.Key, filepath.Join(dest, filepath.FromSlash(rel)), minio.GetObjectOptions{}); err != nil {
			return explain(err)
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("%s: no objects under this prefix. Point the source at an archive object (.zip, .tar.gz) or at a prefix holding the module's files", where)
	}
	return nil
}
