package install

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkHashDir measures the h1: hash of a 64 MiB package: Find pays it
// before every provider start (Verify).
func BenchmarkHashDir(b *testing.B) {
	dir := b.TempDir()
	body := make([]byte, 64<<20)
	rand.Read(body)
	if err := os.WriteFile(filepath.Join(dir, "terraform-provider-big_v1.0.0"), body, 0o755); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := HashDir(dir); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseLocks measures reading a lock file of 100 providers.
func BenchmarkParseLocks(b *testing.B) {
	locks := NewLocks()
	for i := range 100 {
		p := Provider{Hostname: DefaultRegistryHost, Namespace: "acme", Type: fmt.Sprintf("p%03d", i)}
		var hs []Hash
		for j := range 12 {
			hs = append(hs, Hash(fmt.Sprintf("zh:%064x", i*100+j)))
		}
		locks.SetProvider(p, MustParseVersionForTest("1.2.3"), MustParseConstraints(">= 1.0, < 2.0"), hs)
	}
	src := locks.Bytes()
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, diags := ParseLocks(src, "bench.hcl"); diags.HasErrors() {
			b.Fatal(diags)
		}
	}
}

// BenchmarkConstraintsNewest measures selecting among 1000 versions.
func BenchmarkConstraintsNewest(b *testing.B) {
	var vs []Version
	for i := range 1000 {
		vs = append(vs, MustParseVersionForTest(fmt.Sprintf("%d.%d.%d", i/100, (i/10)%10, i%10)))
	}
	c := MustParseConstraints(">= 2.0, < 8.0, != 5.5.5, ~> 7.1")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := c.Newest(vs); !ok {
			b.Fatal("no version")
		}
	}
}
