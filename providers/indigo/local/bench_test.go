package local_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/providers/indigo/internal/protoharness"
)

// benchSource writes n small files (1 KiB, ten per directory) under root/src.
func benchSource(b *testing.B, root string, n int) string {
	b.Helper()
	src := filepath.Join(root, "src")
	for i := range n {
		writeFile(b, src, fmt.Sprintf("d%03d/f%04d", i/10, i), strings.Repeat(fmt.Sprintf("%07d\n", i), 128), 0o644)
	}
	return src
}

// BenchmarkSync1000 is a replica's first sync from a primary of 1,000
// small files: create = mkdir, compare, copy (temporary file, fsync,
// rename) of every file.
func BenchmarkSync1000(b *testing.B) {
	root := b.TempDir()
	h := newHarness(b, root)
	src := benchSource(b, root, 1000)
	cfg := map[string]any{"path": "replica", "source": src}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		if err := os.RemoveAll(filepath.Join(root, "replica")); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		state := h.Create(copyType, cfg)
		if n := protoharness.GetInt(b, state, "files"); n != 1000 {
			b.Fatalf("%d files", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/sync")
}

// BenchmarkRead1000 is what every plan pays per replica of 1,000 small
// files in sync: both trees listed and every file hashed on both sides.
func BenchmarkRead1000(b *testing.B) {
	root := b.TempDir()
	h := newHarness(b, root)
	src := benchSource(b, root, 1000)
	state := h.Create(copyType, map[string]any{"path": "replica", "source": src})
	b.ReportAllocs()
	for b.Loop() {
		v := h.Read(copyType, state)
		if !protoharness.GetBool(b, v, "in_sync") {
			b.Fatal("not in sync")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/read")
}
