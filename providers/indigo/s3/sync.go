package s3

import (
	"context"
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

// compareReplica lists src and dst (one listing each; the source's with
// metadata, for replication status) and reports what dst misses. existing
// says whether replication covers objects that predate the rule: then an
// object with no status yet is still on its way.
func compareReplica(ctx context.Context, src *minio.Client, srcBucket string, dst *minio.Client, dstBucket string, existing bool) (syncReport, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	have := map[string]string{}
	for o := range dst.ListObjects(ctx, dstBucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			return syncReport{}, fmt.Errorf("listing the replica: %w", o.Err)
		}
		have[o.Key] = o.ETag
	}
	var r syncReport
	for o := range src.ListObjects(ctx, srcBucket, minio.ListObjectsOptions{Recursive: true, WithMetadata: true}) {
		if o.Err != nil {
			return syncReport{}, fmt.Errorf("listing the source: %w", o.Err)
		}
		if etag, ok := have[o.Key]; ok && etag == o.ETag {
			continue
		}
		switch status := replicationStatus(o); {
		case status == "PENDING", status == "" && existing:
			r.pending++
		case status == "FAILED":
			r.failed++
			r.missing = append(r.missing, o.Key)
		default:
			r.missing = append(r.missing, o.Key)
		}
	}
	sort.Strings(r.missing)
	return r, nil
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
