package planfile

import (
	"bytes"
	"testing"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/planner/plan/plantest"
)

// A change made by an instance of a provider with for_each keeps the
// instance's key through a plan file; the others keep none.
func TestFileProviderInstanceKey(t *testing.T) {
	p := plantest.Sample()
	p.Changes[0].Provider.Alias = "by_region"
	p.Changes[0].Provider.Key = config.StringKey("eu")
	p.Changes[1].Provider.Key = config.IntKey(2)
	got, err := Read(bytes.NewReader(encode(t, p)))
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	for i, c := range p.Changes {
		if got.Changes[i].Provider != c.Provider {
			t.Errorf("change %d: provider %s, want %s", i, got.Changes[i].Provider, c.Provider)
		}
	}
}
