package s3_test

import (
	"os"
	"sort"
	"testing"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/providers/indigo"
	"github.com/indigo-cloud/indigo/providers/indigo/internal/protoharness"
)

func TestMain(m *testing.M) { os.Exit(testsrv.Main(m)) }

// newHarness starts the indigo provider's server in process, configured
// with cfg (attributes and blocks of the provider block).
func newHarness(t testing.TB, cfg map[string]any) *protoharness.Harness {
	t.Helper()
	return protoharness.New(t, indigo.NewProtocol6Server("test")(), cfg)
}

// tryHarness is newHarness returning the configuration error.
func tryHarness(t testing.TB, cfg map[string]any) (*protoharness.Harness, error) {
	t.Helper()
	return protoharness.TryNew(t, indigo.NewProtocol6Server("test")(), cfg)
}

// endpoint is the provider configuration block for server m.
func endpoint(m *testsrv.MinIO) map[string]any {
	return map[string]any{"endpoint": m.Endpoint, "access_key": m.AccessKey, "secret_key": m.SecretKey}
}

// providerFor returns a provider configuration acting on main with the
// given remotes.
func providerFor(main *testsrv.MinIO, remotes map[string]*testsrv.MinIO) map[string]any {
	cfg := map[string]any{"s3": endpoint(main)}
	var rs []map[string]any
	for name, m := range remotes {
		r := endpoint(m)
		r["name"] = name
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i]["name"].(string) < rs[j]["name"].(string) })
	if len(rs) > 0 {
		cfg["s3_remote"] = rs
	}
	return cfg
}
