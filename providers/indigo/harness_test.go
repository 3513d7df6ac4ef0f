package indigo

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/indigo-cloud/indigo/providers/indigo/internal/protoharness"
)

// newHarness starts the provider's protocol-6 server (NewProtocol6Server)
// in process, configured with root ("" to leave root unset).
func newHarness(t testing.TB, root string) *protoharness.Harness {
	t.Helper()
	return newHarnessWith(t, root, NewProtocol6Server("test")())
}

// newFrameworkHarness is newHarness without indigo_noop's fast path: the
// framework's server alone.
func newFrameworkHarness(t testing.TB, root string) *protoharness.Harness {
	t.Helper()
	srv, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	return newHarnessWith(t, root, srv)
}

func newHarnessWith(t testing.TB, root string, srv tfprotov6.ProviderServer) *protoharness.Harness {
	t.Helper()
	cfg := map[string]any{}
	if root != "" {
		cfg["root"] = root
	}
	return protoharness.New(t, srv, cfg)
}
