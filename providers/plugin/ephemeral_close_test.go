package plugin

import (
	"context"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
	"google.golang.org/grpc"

	"github.com/indigo-cloud/indigo/providers/plugin/internal/tfplugin5"
)

// badResultClient5 opens an ephemeral resource but answers with a result
// that does not decode, and records what it is asked to close.
type badResultClient5 struct {
	fakeClient5
	closed *[]string
}

func (badResultClient5) GetSchema(context.Context, *tfplugin5.GetProviderSchema_Request, ...grpc.CallOption) (*tfplugin5.GetProviderSchema_Response, error) {
	return &tfplugin5.GetProviderSchema_Response{
		Provider: &tfplugin5.Schema{Block: &tfplugin5.Schema_Block{}},
		EphemeralResourceSchemas: map[string]*tfplugin5.Schema{"legacy_token": {Block: &tfplugin5.Schema_Block{Attributes: []*tfplugin5.Schema_Attribute{
			{Name: "value", Type: []byte(`"string"`), Computed: true},
		}}}},
	}, nil
}

func (badResultClient5) OpenEphemeralResource(context.Context, *tfplugin5.OpenEphemeralResource_Request, ...grpc.CallOption) (*tfplugin5.OpenEphemeralResource_Response, error) {
	// 0xc1 is never valid msgpack.
	return &tfplugin5.OpenEphemeralResource_Response{Result: &tfplugin5.DynamicValue{Msgpack: []byte{0xc1}}, Private: []byte("handle-1")}, nil
}

func (c badResultClient5) CloseEphemeralResource(_ context.Context, req *tfplugin5.CloseEphemeralResource_Request, _ ...grpc.CallOption) (*tfplugin5.CloseEphemeralResource_Response, error) {
	*c.closed = append(*c.closed, string(req.GetPrivate()))
	return &tfplugin5.CloseEphemeralResource_Response{}, nil
}

// TestEphemeralOpenedButUnreadableIsClosed: when the provider opened an
// ephemeral resource but its result cannot be read, the open fails and the
// resource is closed, since no caller receives what it would take to close
// it.
func TestEphemeralOpenedButUnreadableIsClosed(t *testing.T) {
	var closed []string
	p := fakeProvider(badResultClient5{closed: &closed})
	resp := p.OpenEphemeralResource(context.Background(), OpenEphemeralRequest{
		Addr: "ephemeral.legacy_token.t", TypeName: "legacy_token",
		Config: cty.ObjectVal(map[string]cty.Value{"value": cty.NullVal(cty.String)}),
	})
	if !resp.Diagnostics.HasErrors() {
		t.Fatalf("open of an unreadable result succeeded: %#v", resp)
	}
	if strings.Join(closed, ",") != "handle-1" {
		t.Errorf("closed %q, want the opened handle-1 closed once", closed)
	}
}
