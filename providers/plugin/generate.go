package plugin

// The Go code under internal/tfplugin5 and internal/tfplugin6 is generated from
// the .proto files beside it with buf and the protoc-gen-go / protoc-gen-go-grpc
// plugins pinned in tools/go.mod (a separate module, so that buf's large
// dependency graph stays out of indigo's). Run: go generate ./providers/plugin/...

//go:generate go -C ../../tools tool buf generate --template ../providers/plugin/internal/buf.gen.messages.yaml
//go:generate go -C ../../tools tool buf generate --template ../providers/plugin/internal/buf.gen.grpc.yaml
