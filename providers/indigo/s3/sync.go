package s3

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/minio/minio-go/v7"
)

// syncReport is what a comparison of a bucket with its replica found,
// looking at current object versions (keys and ETags).
type syncReport struct {
	// missing are the keys the replica lacks, or holds with other
	// content, that replication will not deliver by itself: replicated
	// before and since lost, failed, or never to be replicated.
	missing []string
	// pending and failed count objects the replica lacks while the
	// source's replication status says PENDING or FAILED (failed ones are
	// also in missing).
	pending, failed int64
}

func (r syncReport) inSync() bool { return len(r.missing) == 0 }

// replicationStatus is the source object's replication status, from the
// metadata a listing with metadata carries.
func replicationStatus(o minio.ObjectInfo) string {
	if o.ReplicationStatus != "" {
		return o.ReplicationStatus
	}
	for k, v := range o.UserMetadata {
		if strings.EqualFold(k, "X-Amz-Replication-Status") {
			return v
		}
	}
	return ""
}

// compareReplica lists src and dst and reports what dst misses. existing
// says whether replication covers objects that predate the rule: then an
// object with no status yet is still on its way.
func compareReplica(ctx context.Context, src *minio.Client, srcBucket string, dst *minio.Client, dstBucket string, existing bool) (syncReport, error) {
	d, err := diffReplica(ctx, src, srcBucket, dst, dstBucket)
	if err != nil {
		return syncReport{}, err
	}
	return d.report(existing), nil
}

// replicaDiff is the source's current objects that the replica lacks or
// holds with another ETag, with their replication status.
type replicaDiff []struct{ key, status string }

// diffReplica lists dst and src at the same time (one listing each; the
// source's with metadata, for replication status) and returns what dst
// lacks. An error listing either is returned as it came, so NoSuchBucket
// can be told apart.
func diffReplica(ctx context.Context, src *minio.Client, srcBucket string, dst *minio.Client, dstBucket string) (replicaDiff, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	have := map[string]string{}
	var dstErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		for o := range dst.ListObjects(ctx, dstBucket, minio.ListObjectsOptions{Recursive: true}) {
			if o.Err != nil {
				dstErr = fmt.Errorf("listing the replica: %w", o.Err)
				cancel()
				return
			}
			have[o.Key] = o.ETag
		}
	}()
	// The source's objects, kept until the replica's listing is complete.
	type object struct{ key, etag, status string }
	var objects []object
	var srcErr error
	for o := range src.ListObjects(ctx, srcBucket, minio.ListObjectsOptions{Recursive: true, WithMetadata: true}) {
		if o.Err != nil {
			srcErr = fmt.Errorf("listing the source: %w", o.Err)
			cancel()
			break
		}
		objects = append(objects, object{o.Key, o.ETag, replicationStatus(o)})
	}
	<-done
	switch {
	case srcErr != nil && !errors.Is(srcErr, context.Canceled):
		return nil, srcErr
	case dstErr != nil && !errors.Is(dstErr, context.Canceled):
		return nil, dstErr
	case srcErr != nil:
		return nil, srcErr
	case dstErr != nil:
		return nil, dstErr
	}
	var d replicaDiff
	for _, o := range objects {
		if etag, ok := have[o.key]; !ok || etag != o.etag {
			d = append(d, struct{ key, status string }{o.key, o.status})
		}
	}
	return d, nil
}

// report classifies what the replica lacks; existing as for
// compareReplica.
func (d replicaDiff) report(existing bool) syncReport {
	var r syncReport
	for _, o := range d {
		switch {
		case o.status == "PENDING", o.status == "" && existing:
			r.pending++
		case o.status == "FAILED":
			r.failed++
			r.missing = append(r.missing, o.key)
		default:
			r.missing = append(r.missing, o.key)
		}
	}
	sort.Strings(r.missing)
	return r
}

// copyObjects copies the current versions of keys from src to dst, a few
// at a time, with their content type and user metadata.
func copyObjects(ctx context.Context, src *minio.Client, srcBucket string, dst *minio.Client, dstBucket string, keys []string) error {
	const workers = 4
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan string)
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for key := range work {
				if err := copyObject(ctx, src, srcBucket, dst, dstBucket, key); err != nil {
					mu.Lock()
					if first == nil {
						first = err
						cancel()
					}
					mu.Unlock()
				}
			}
		}()
	}
feed:
	for _, k := range keys {
		select {
		case work <- k:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	return first
}

func copyObject(ctx context.Context, src *minio.Client, srcBucket string, dst *minio.Client, dstBucket, key string) error {
	obj, err := src.GetObject(ctx, srcBucket, key, minio.GetObjectOptions{})
	if err != nil {
		return fmt.Errorf("reading %s from the source: %w", key, err)
	}
	defer obj.Close()
	info, err := obj.Stat()
	if err != nil {
		if minio.ToErrorResponse(err).StatusCode == http.StatusNotFound {
			return nil // deleted since the comparison: nothing to copy
		}
		return fmt.Errorf("reading %s from the source: %w", key, err)
	}
	meta := map[string]string{}
	for k, v := range info.UserMetadata {
		meta[k] = v
	}
	_, err = dst.PutObject(ctx, dstBucket, key, obj, info.Size, minio.PutObjectOptions{
		ContentType:  info.ContentType,
		UserMetadata: meta,
	})
	if err != nil {
		return fmt.Errorf("writing %s to the replica: %w", key, err)
	}
	return nil
}
