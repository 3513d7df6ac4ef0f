// Package tfplugin5 holds the generated protobuf messages and gRPC client of
// the Terraform plugin protocol, major version 5. It is internal to
// providers/plugin, which converts everything here to cty values and plain Go
// types; nothing outside that package should see these types.
//
// Do not edit the .pb.go files; change tfplugin5.proto or service.proto and
// run go generate ./providers/plugin/...
package tfplugin5
