package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// benchStorages is a configuration of sites a and b (two MinIO servers)
// and n storages, each in two copies (a bucket on a replicated to a bucket
// on b) with a lifecycle rule, as examples/storage-qos has one.
func benchStorages(a, b *testsrv.MinIO, n int) string {
	var storages strings.Builder
	for i := range n {
		fmt.Fprintf(&storages, `
storage "s%03d" {
  force_destroy = true
  qos { copies = 2 }
  lifecycle {
    after      = "30d"
    expire     = true
    noncurrent = true
  }
  placement {
    sites  = [site.a, site.b]
    prefer = [site.a]
  }
}
`, i)
	}
	return twoS3Sites(a, b, storages.String())
}

// benchRun runs indigo in dir with the s3 credentials and fails b unless it
// exits with want.
func benchRun(b *testing.B, dir string, want int, args ...string) {
	b.Helper()
	args = append(args, "-var", "key="+s3User, "-var", "secret="+s3Secret)
	if out, code := runIn(b, dir, args...); code != want {
		b.Fatalf("indigo %s: exit %d, want %d\n%s", strings.Join(args, " "), code, want, out)
	}
}

// putObjects writes n objects of size bytes named prefix0000... into
// bucket, w at a time.
func putObjects(b *testing.B, c *minio.Client, bucket, prefix string, n, size, w int) {
	b.Helper()
	payload := bytes.Repeat([]byte{'x'}, size)
	keys := make(chan string)
	var wg sync.WaitGroup
	for range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range keys {
				_, err := c.PutObject(context.Background(), bucket, k, bytes.NewReader(payload), int64(size), minio.PutObjectOptions{})
				if err != nil {
					b.Errorf("putting %s/%s: %v", bucket, k, err)
				}
			}
		}()
	}
	for i := range n {
		keys <- fmt.Sprintf("%s%04d", prefix, i)
	}
	close(keys)
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
}

// replicaHolds reports whether bucket dst holds every current object of
// src with the same ETag.
func replicaHolds(ctx context.Context, src *minio.Client, srcBucket string, dst *minio.Client, dstBucket string) (bool, error) {
	have := map[string]string{}
	for o := range dst.ListObjects(ctx, dstBucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			return false, o.Err
		}
		have[o.Key] = o.ETag
	}
	for o := range src.ListObjects(ctx, srcBucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			return false, o.Err
		}
		if have[o.Key] != o.ETag {
			return false, nil
		}
	}
	return true, nil
}

// waitReplica waits until dst holds every object of src, or fails b after
// limit.
func waitReplica(b *testing.B, src *minio.Client, srcBucket string, dst *minio.Client, dstBucket string, limit time.Duration) {
	b.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(limit)
	for {
		ok, err := replicaHolds(ctx, src, srcBucket, dst, dstBucket)
		if err != nil {
			b.Fatalf("comparing %s with %s: %v", srcBucket, dstBucket, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s did not reach %s within %s", srcBucket, dstBucket, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cpuTime is the CPU time (user and system) of this process and of its
// children that have exited: indigo run in-process and the provider
// processes each command starts, not the MinIO servers, which run until
// the benchmark ends.
func cpuTime(b *testing.B) time.Duration {
	var total time.Duration
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if err := syscall.Getrusage(who, &ru); err != nil {
			b.Fatal(err)
		}
		total += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return total
}

// BenchmarkStorageRefresh100 is the refresh a user waits for: `indigo plan`
// of 100 storages in two copies over two MinIO servers, each storage
// holding 10 objects, with nothing to change. The plan refreshes 200
// buckets (objects and bytes counted), 100 replications (rule, remote
// target, and the replica compared with its source) and 100 lifecycles,
// with indigo's default parallelism, the built-in provider started as a
// plugin as every command starts it. Reported per bucket (200) and per
// storage.
func BenchmarkStorageRefresh100(b *testing.B) {
	const storages, objects = 100, 10
	opts := testsrv.MinIOOptions{AccessKey: s3User, SecretKey: s3Secret}
	sa, sb := testsrv.StartMinIO(b, opts), testsrv.StartMinIO(b, opts)
	ca, cb := sa.Client(b), sb.Client(b)
	dir := b.TempDir()
	writeConfig(b, dir, benchStorages(sa, sb, storages))
	benchRun(b, dir, 0, "apply", "-auto-approve")
	for i := range storages {
		putObjects(b, ca, fmt.Sprintf("indigo-s%03d-a", i), "k", objects, 1024, 4)
	}
	for i := range storages {
		waitReplica(b, ca, fmt.Sprintf("indigo-s%03d-a", i), cb, fmt.Sprintf("indigo-s%03d-b", i), time.Minute)
	}
	benchRun(b, dir, 0, "plan", "-detailed-exitcode") // warm: the provider binary, the page cache
	cpu0 := cpuTime(b)
	b.ResetTimer()
	for range b.N {
		benchRun(b, dir, 0, "plan", "-detailed-exitcode")
	}
	b.StopTimer()
	ms := float64(b.Elapsed().Microseconds()) / 1000 / float64(b.N)
	b.ReportMetric(ms/(2*storages), "ms/bucket")
	b.ReportMetric(ms/storages, "ms/storage")
	b.ReportMetric(ms, "ms/plan")
	// On a shared machine the wall time says as much about the neighbours
	// as about indigo; the CPU indigo and its providers used does not.
	b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/plan")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkStorageConvergence is how long the second copy of a storage
// takes to hold what was written to the first: 1,000 objects of 1 KiB put
// into the primary bucket (16 at a time) of a storage that indigo applied
// with copies = 2, timed from the first write until the replica holds them
// all with the same ETags.
func BenchmarkStorageConvergence(b *testing.B) {
	const objects, size, writers = 1000, 1024, 16
	opts := testsrv.MinIOOptions{AccessKey: s3User, SecretKey: s3Secret}
	sa, sb := testsrv.StartMinIO(b, opts), testsrv.StartMinIO(b, opts)
	ca, cb := sa.Client(b), sb.Client(b)
	dir := b.TempDir()
	writeConfig(b, dir, benchStorages(sa, sb, 1))
	benchRun(b, dir, 0, "apply", "-auto-approve")
	var write, converge time.Duration
	b.ResetTimer()
	for n := range b.N {
		start := time.Now()
		putObjects(b, ca, "indigo-s000-a", fmt.Sprintf("run%d/", n), objects, size, writers)
		write += time.Since(start)
		waitReplica(b, ca, "indigo-s000-a", cb, "indigo-s000-b", 10*time.Minute)
		converge += time.Since(start)
	}
	b.StopTimer()
	benchRun(b, dir, 0, "plan", "-detailed-exitcode")
	b.ReportMetric(write.Seconds()/float64(b.N), "s-to-write")
	b.ReportMetric(converge.Seconds()/float64(b.N), "s-to-converge")
	b.ReportMetric(0, "ns/op")
}
