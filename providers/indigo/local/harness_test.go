package local_test

import (
	"testing"

	"github.com/indigo-cloud/indigo/providers/indigo"
	"github.com/indigo-cloud/indigo/providers/indigo/internal/protoharness"
)

// newHarness starts the provider's server in process, configured with root.
func newHarness(t testing.TB, root string) *protoharness.Harness {
	t.Helper()
	return protoharness.New(t, indigo.NewProtocol6Server("test")(), map[string]any{"root": root})
}
