package s3

import (
	"context"
	"io"
	"sort"
	"strings"

	"github.com/minio/minio-go/v7"
)

// Workspaces lists the names of the workspaces stored under prefix (as
// Terraform's s3 backend lays them out: PREFIX/NAME/KEY), sorted. key is
// the configured state key; the default workspace, stored at key itself,
// is not listed.
func (b *Backend) Workspaces(ctx context.Context, prefix, key string) ([]string, error) {
	keys, err := b.list(ctx, prefix+"/")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, k := range keys {
		rest := strings.TrimPrefix(k, prefix+"/")
		name, tail, ok := strings.Cut(rest, "/")
		if ok && name != "" && (tail == key || strings.HasPrefix(tail, key+".")) {
			seen[name] = true
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// Delete removes every object of this backend's state: the snapshot, its
// backup, the journal and the lock.
func (b *Backend) Delete(ctx context.Context) error {
	keys, err := b.list(ctx, b.key)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if k != b.key && !strings.HasPrefix(k, b.key+".") {
			continue
		}
		if err := b.remove(ctx, k, ""); err != nil {
			return explain(err)
		}
	}
	return nil
}

// ReadRaw returns the bytes stored at the state's key, whatever format
// they are in (a Terraform state the key held before indigo, say); found
// is false when there is no object.
func (b *Backend) ReadRaw(ctx context.Context) (data []byte, found bool, err error) {
	obj, found, err := b.get(ctx, b.key)
	return obj.data, found, err
}

// ReadHead returns the first n bytes stored at the state's key (fewer when
// the object is shorter): enough to tell which format it is in without
// reading a large state. found is false when there is no object.
func (b *Backend) ReadHead(ctx context.Context, n int64) (data []byte, found bool, err error) {
	opts := minio.GetObjectOptions{}
	if err := opts.SetRange(0, n-1); err != nil {
		return nil, false, err
	}
	rc, _, _, err := b.core.GetObject(ctx, b.bucket, b.key, opts)
	if err != nil {
		if isNotFound(err) || minio.ToErrorResponse(err).Code == "InvalidRange" {
			return nil, false, nil
		}
		return nil, false, explain(err)
	}
	defer rc.Close()
	data, err = io.ReadAll(rc)
	if err != nil {
		return nil, false, explain(err)
	}
	return data, true, nil
}

// MoveAside copies the object at the state's key to the key with suffix
// added, then removes the original, so that a state in another format
// (Terraform's) is kept while indigo's takes its place.
func (b *Backend) MoveAside(ctx context.Context, suffix string) error {
	obj, found, err := b.get(ctx, b.key)
	if err != nil || !found {
		return err
	}
	if _, err := b.put(ctx, b.key+suffix, obj.data, always, nil); err != nil {
		return explain(err)
	}
	return b.remove(ctx, b.key, obj.etag)
}
