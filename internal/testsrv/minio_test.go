package testsrv

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// putGet stores an object with the given storage class and reads it back,
// returning the storage class the server reports for it.
func putGet(t *testing.T, m *MinIO, bucket, class string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := m.Client(t)
	if err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("MakeBucket: %v", err)
	}
	body := []byte("hello from " + t.Name())
	if _, err := c.PutObject(ctx, bucket, "greeting", bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{StorageClass: class}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	obj, err := c.GetObject(ctx, bucket, "greeting", minio.GetObjectOptions{})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	defer obj.Close()
	got, err := io.ReadAll(obj)
	if err != nil {
		t.Fatalf("reading the object: %v", err)
	}
	if !bytes.Equal(got, body) {
		t.Fatalf("read %q, stored %q", got, body)
	}
	info, err := c.StatObject(ctx, bucket, "greeting", minio.StatObjectOptions{})
	if err != nil {
		t.Fatalf("StatObject: %v", err)
	}
	// StatObject leaves ObjectInfo.StorageClass empty; the header has it.
	return info.Metadata.Get("X-Amz-Storage-Class")
}

func TestMinIOOneDrive(t *testing.T) {
	m := StartMinIO(t, MinIOOptions{})
	if len(m.Dirs) != 1 {
		t.Fatalf("Dirs = %v, want one drive", m.Dirs)
	}
	if !strings.HasPrefix(m.Endpoint, "http://127.0.0.1:") || m.Endpoint != "http://"+m.Host {
		t.Errorf("Endpoint %q, Host %q", m.Endpoint, m.Host)
	}
	putGet(t, m, "one", "")
}

func TestMinIOFourDrives(t *testing.T) {
	m := StartMinIO(t, MinIOOptions{Drives: 4})
	if len(m.Dirs) != 4 {
		t.Fatalf("Dirs = %v, want four drives", m.Dirs)
	}
	// Only an erasure set honours REDUCED_REDUNDANCY (and says so).
	if class := putGet(t, m, "four", "REDUCED_REDUNDANCY"); class != "REDUCED_REDUNDANCY" {
		t.Errorf("storage class %q, want REDUCED_REDUNDANCY", class)
	}
}

// TestMinIOStopRestart: a stopped server refuses calls and leaves no
// process; a restarted one serves what it stored before, on the same
// endpoint.
func TestMinIOStopRestart(t *testing.T) {
	m := StartMinIO(t, MinIOOptions{})
	putGet(t, m, "kept", "")
	pid := m.proc.Process.Pid
	m.Stop()
	m.Stop() // idempotent
	if alive(pid) {
		t.Errorf("minio (pid %d) still running after Stop", pid)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	_, err := m.Client(t).ListBuckets(ctx)
	cancel()
	if err == nil {
		t.Error("ListBuckets succeeded on a stopped server")
	}
	endpoint := m.Endpoint
	m.Restart(t)
	if m.Endpoint != endpoint {
		t.Errorf("endpoint moved from %s to %s", endpoint, m.Endpoint)
	}
	ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := m.Client(t).StatObject(ctx, "kept", "greeting", minio.StatObjectOptions{}); err != nil {
		t.Errorf("the object stored before the restart: %v", err)
	}
}

// alive reports whether ps still lists pid (as anything but a zombie).
func alive(pid int) bool {
	out, err := exec.Command("ps", "-o", "stat=", "-p", strconv.Itoa(pid)).Output()
	return err == nil && !strings.HasPrefix(strings.TrimSpace(string(out)), "Z")
}
