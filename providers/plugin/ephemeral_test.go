package plugin

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
)

// TestEphemeralResource opens, renews and closes the test provider's
// indigotest_token over both protocols, and counts the RPCs the provider
// saw: what the provider received, not what the client meant to send.
func TestEphemeralResource(t *testing.T) {
	for _, protocol := range []int{5, 6} {
		t.Run(fmt.Sprintf("protocol%d", protocol), func(t *testing.T) {
			calls := filepath.Join(t.TempDir(), "calls")
			p := startProvider(t, protocol, "INDIGO_TESTPROVIDER_CALLS="+calls)
			ctx := context.Background()
			s, err := p.Schema(ctx)
			if err != nil {
				t.Fatal(err)
			}
			es, ok := s.EphemeralResources["indigotest_token"]
			if !ok {
				t.Fatalf("schema has no ephemeral indigotest_token; ephemeral types: %v", s.EphemeralResources)
			}
			if !es.Block.Attributes["value"].Sensitive || !es.Block.Attributes["value"].Computed {
				t.Errorf("value attribute: %+v, want computed and sensitive", es.Block.Attributes["value"])
			}
			if cd := p.ConfigureProvider(ctx, ConfigureRequest{Config: objectOf(s.Provider, map[string]cty.Value{"prefix": cty.StringVal("p-")})}); cd.HasErrors() {
				t.Fatalf("configure: %v", cd.Err())
			}
			cfg := objectOf(es.Block, map[string]cty.Value{"name": cty.StringVal("db"), "renew_ms": cty.NumberIntVal(50)})
			if d := p.ValidateEphemeralResourceConfig(ctx, ValidateRequest{Addr: "ephemeral.indigotest_token.t", TypeName: "indigotest_token", Config: cfg}); d.HasErrors() {
				t.Fatalf("validate: %v", d.Err())
			}
			before := time.Now()
			open := p.OpenEphemeralResource(ctx, OpenEphemeralRequest{Addr: "ephemeral.indigotest_token.t", TypeName: "indigotest_token", Config: cfg})
			if err := open.Diagnostics.Err(); err != nil {
				t.Fatalf("open: %v", err)
			}
			if got := open.Result.GetAttr("value"); !got.RawEquals(cty.StringVal("token-p-db")) {
				t.Errorf("value = %#v, want token-p-db", got)
			}
			if open.RenewAt.Before(before) || open.RenewAt.After(before.Add(10*time.Second)) {
				t.Errorf("renew_at = %v, want about 50ms after %v", open.RenewAt, before)
			}
			if len(open.Private) == 0 {
				t.Fatal("no private data from Open")
			}
			ref := EphemeralRef{Addr: "ephemeral.indigotest_token.t", TypeName: "indigotest_token", Private: open.Private}
			renew := p.RenewEphemeralResource(ctx, ref)
			if err := renew.Diagnostics.Err(); err != nil {
				t.Fatalf("renew: %v", err)
			}
			if renew.RenewAt.IsZero() || string(renew.Private) == string(open.Private) {
				t.Errorf("renew: renew_at %v, private unchanged %v", renew.RenewAt, string(renew.Private) == string(open.Private))
			}
			// A renewal without the private data is refused by the provider.
			if bad := p.RenewEphemeralResource(ctx, EphemeralRef{Addr: ref.Addr, TypeName: ref.TypeName}); !bad.Diagnostics.HasErrors() {
				t.Error("renew without private data: no error")
			}
			ref.Private = renew.Private
			if d := p.CloseEphemeralResource(ctx, ref); d.HasErrors() {
				t.Fatalf("close: %v", d.Err())
			}
			// An unknown type is refused before any call.
			if r := p.OpenEphemeralResource(ctx, OpenEphemeralRequest{TypeName: "indigotest_nope", Config: cfg}); !r.Diagnostics.HasErrors() {
				t.Error("open of an unknown type: no error")
			}
			raw, err := os.ReadFile(calls)
			if err != nil {
				t.Fatal(err)
			}
			count := map[string]int{}
			for _, l := range strings.Fields(string(raw)) {
				count[l]++
			}
			want := map[string]int{"OpenEphemeralResource": 1, "RenewEphemeralResource": 2, "CloseEphemeralResource": 1}
			for rpc, n := range want {
				if count[rpc] != n {
					t.Errorf("%s called %d times, want %d (calls: %v)", rpc, count[rpc], n, count)
				}
			}
		})
	}
}
