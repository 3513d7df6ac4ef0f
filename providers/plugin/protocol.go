package plugin

import (
	"context"
	"errors"

	"github.com/hashicorp/go-plugin"
	"github.com/zclconf/go-cty/cty"
	"google.golang.org/grpc"

	"github.com/indigo-cloud/indigo/providers/plugin/internal/tfplugin5"
	"github.com/indigo-cloud/indigo/providers/plugin/internal/tfplugin6"
)

// protocol is the version-specific half of a Provider: one implementation
// per major protocol version (protocol5, protocol6), each translating between
// these wire-neutral calls and its generated gRPC client. Values travel
// encoded (dynamicValue); Provider does the cty side once for both.
//
// An error returned here is a failed call (transport, or a response that
// does not make sense); what the provider reports is in the Diagnostics.
type protocol interface {
	getMetadata(ctx context.Context) (*metadata, error)
	// getProviderSchema returns the GetProviderSchema response as protobuf
	// bytes: the form the schema cache stores, parsed by parseSchema.
	getProviderSchema(ctx context.Context) ([]byte, error)
	parseSchema(raw []byte) (*Schema, Diagnostics, error)
	validateProviderConfig(ctx context.Context, cfg *dynamicValue) (prepared *dynamicValue, diags Diagnostics, err error)
	validateResourceConfig(ctx context.Context, typeName string, cfg *dynamicValue) (Diagnostics, error)
	validateDataResourceConfig(ctx context.Context, typeName string, cfg *dynamicValue) (Diagnostics, error)
	upgradeResourceState(ctx context.Context, c upgradeCall) (*dynamicValue, Diagnostics, error)
	// getResourceIdentitySchemas returns the GetResourceIdentitySchemas
	// response as protobuf bytes, parsed by parseIdentitySchemas (empty
	// bytes: no identities).
	getResourceIdentitySchemas(ctx context.Context) ([]byte, error)
	parseIdentitySchemas(raw []byte) (map[string]*IdentitySchema, Diagnostics, error)
	upgradeResourceIdentity(ctx context.Context, typeName string, version int64, json []byte) (*dynamicValue, Diagnostics, error)
	configureProvider(ctx context.Context, terraformVersion string, cfg *dynamicValue) (Diagnostics, error)
	readResource(ctx context.Context, c readCall) (*readResult, error)
	planResourceChange(ctx context.Context, c planCall) (*planResult, error)
	applyResourceChange(ctx context.Context, c applyCall) (*applyResult, error)
	importResourceState(ctx context.Context, c importCall) (*importResult, error)
	moveResourceState(ctx context.Context, c moveCall) (*moveResult, error)
	readDataSource(ctx context.Context, typeName string, cfg, meta *dynamicValue) (*readDataResult, error)
	getFunctions(ctx context.Context) (map[string]FunctionDecl, Diagnostics, error)
	callFunction(ctx context.Context, name string, args []*dynamicValue) (*dynamicValue, *FunctionError, error)
	stop(ctx context.Context) (string, error)
	ephemeralProtocol
}

type metadata struct {
	resources, dataSources, functions []string
	ephemeralResources                []string
	capabilities                      Capabilities
	diags                             Diagnostics
}

type upgradeCall struct {
	typeName string
	version  int64
	json     []byte
	flatmap  map[string]string
}

type readCall struct {
	typeName    string
	state, meta *dynamicValue
	identity    *dynamicValue
	private     []byte
}

type readResult struct {
	newState *dynamicValue
	identity *dynamicValue
	private  []byte
	diags    Diagnostics
	deferred bool
}

type planCall struct {
	typeName                      string
	prior, proposed, config, meta *dynamicValue
	priorIdentity                 *dynamicValue
	priorPrivate                  []byte
}

type planResult struct {
	planned         *dynamicValue
	identity        *dynamicValue
	requiresReplace []cty.Path
	private         []byte
	legacy          bool
	diags           Diagnostics
	deferred        bool
}

type applyCall struct {
	typeName                     string
	prior, planned, config, meta *dynamicValue
	plannedIdentity              *dynamicValue
	plannedPrivate               []byte
}

type applyResult struct {
	newState *dynamicValue
	identity *dynamicValue
	private  []byte
	legacy   bool
	diags    Diagnostics
}

type importCall struct {
	typeName, id string
	identity     *dynamicValue
}

type importedRaw struct {
	typeName string
	state    *dynamicValue
	identity *dynamicValue
	private  []byte
}

type importResult struct {
	resources []importedRaw
	diags     Diagnostics
	deferred  bool
}

type moveCall struct {
	sourceProvider, sourceType string
	sourceVersion              int64
	sourceJSON                 []byte
	sourcePrivate              []byte
	sourceIdentityJSON         []byte
	sourceIdentityVersion      int64
	targetType                 string
}

type moveResult struct {
	state    *dynamicValue
	identity *dynamicValue
	private  []byte
	diags    Diagnostics
}

type readDataResult struct {
	state    *dynamicValue
	diags    Diagnostics
	deferred bool
}

// grpcProvider is the go-plugin plugin type for one protocol major version:
// it only ever builds clients.
type grpcProvider struct {
	plugin.NetRPCUnsupportedPlugin
	major int
}

func (grpcProvider) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error {
	return errors.New("indigo serves no plugins through this package")
}

func (g grpcProvider) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	if g.major == 5 {
		return &protocol5{client: tfplugin5.NewProviderClient(conn)}, nil
	}
	return &protocol6{client: tfplugin6.NewProviderClient(conn)}, nil
}

// clientCapabilities is what indigo tells providers it accepts: no deferred
// actions (see docs/providers-protocol.md); write-only attributes, which the
// planner never keeps in a plan or a state (Block.NullWriteOnly).
type clientCapabilities struct {
	deferralAllowed, writeOnlyAllowed bool
}

var indigoCapabilities = clientCapabilities{writeOnlyAllowed: true}

// nestingFromProto maps the protocol's nesting enums (same numbers in both
// versions and for blocks and objects) to NestingMode.
func nestingFromProto(n int32) (NestingMode, bool) {
	switch n {
	case 1:
		return NestingSingle, true
	case 2:
		return NestingList, true
	case 3:
		return NestingSet, true
	case 4:
		return NestingMap, true
	case 5:
		return NestingGroup, true
	default:
		return NestingInvalid, false
	}
}
