package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"io"

	"github.com/minio/minio-go/v7"
)

// object is what get returns: the body and what identifies this version.
type object struct {
	data     []byte
	etag     string
	metadata map[string]string
}

// get reads a whole object with one GET; found is false when it does not
// exist.
func (b *Backend) get(ctx context.Context, key string) (obj object, found bool, err error) {
	rc, info, _, err := b.core.GetObject(ctx, b.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		if isNotFound(err) {
			return object{}, false, nil
		}
		return object{}, false, explain(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return object{}, false, explain(err)
	}
	return object{data: data, etag: info.ETag, metadata: info.UserMetadata}, true, nil
}

// stat returns an object's ETag; found is false when it does not exist.
func (b *Backend) stat(ctx context.Context, key string) (etag string, found bool, err error) {
	info, err := b.client.StatObject(ctx, b.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		if isNotFound(err) {
			return "", false, nil
		}
		return "", false, explain(err)
	}
	return info.ETag, true, nil
}

// Conditions of put.
const (
	always   = ""  // no condition
	ifAbsent = "*" // If-None-Match: *
)

// put writes data at key with one PUT (never a multipart upload, whose
// conditions apply differently), with Content-MD5 so the server rejects a
// damaged body. cond is always, ifAbsent, or an ETag the object must still
// have (If-Match). It returns the new ETag.
func (b *Backend) put(ctx context.Context, key string, data []byte, cond string, meta map[string]string) (string, error) {
	opts := minio.PutObjectOptions{ContentType: "application/json", UserMetadata: meta}
	switch cond {
	case always:
	case ifAbsent:
		opts.SetMatchETagExcept("*")
	default:
		opts.SetMatchETag(cond)
	}
	sum := md5.Sum(data)
	info, err := b.core.PutObject(ctx, b.bucket, key, bytes.NewReader(data), int64(len(data)),
		base64.StdEncoding.EncodeToString(sum[:]), "", opts)
	if err != nil {
		return "", err
	}
	return info.ETag, nil
}

// remove deletes key; when etag is not empty, only while the object still
// has it (on servers that implement conditional deletes).
func (b *Backend) remove(ctx context.Context, key, etag string) error {
	if etag != "" {
		ctx = withIfMatch(ctx, etag)
	}
	err := b.client.RemoveObject(ctx, b.bucket, key, minio.RemoveObjectOptions{})
	if err != nil && !isNotFound(err) {
		return err
	}
	return nil
}
