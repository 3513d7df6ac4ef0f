package plugin

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	// Linked for the descriptors they register: terraform-plugin-go's own copy
	// of the protocol, the reference the .proto files here are checked against.
	// Linking them also proves that ours can live in the same process.
	_ "github.com/hashicorp/terraform-plugin-go/tfprotov5/tf5server"
	_ "github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/indigo-cloud/indigo/providers/plugin/internal/tfplugin5"
	"github.com/indigo-cloud/indigo/providers/plugin/internal/tfplugin6"
)

// TestProtoConformance checks every message, field, enum value and RPC of our
// .proto files against the definition terraform-plugin-go registers: same
// numbers, kinds, cardinalities and type names. A typo in a field number would
// otherwise show up only as a silently empty field with some provider.
func TestProtoConformance(t *testing.T) {
	cases := []struct {
		major   int
		ours    protoreflect.FileDescriptor
		client  reflect.Type
		service grpc.ServiceDesc
	}{
		{5, tfplugin5.File_tfplugin5_tfplugin5_proto, reflect.TypeFor[tfplugin5.ProviderClient](), tfplugin5.Provider_ServiceDesc},
		{6, tfplugin6.File_tfplugin6_tfplugin6_proto, reflect.TypeFor[tfplugin6.ProviderClient](), tfplugin6.Provider_ServiceDesc},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("tfplugin%d", tc.major), func(t *testing.T) {
			theirs, err := protoregistry.GlobalFiles.FindFileByPath(fmt.Sprintf("tfplugin%d.proto", tc.major))
			if err != nil {
				t.Fatalf("reference descriptor: %v", err)
			}
			ourPkg := string(tc.ours.Package()) + "."
			theirPkg := string(theirs.Package()) + "."
			if theirPkg != fmt.Sprintf("tfplugin%d.", tc.major) {
				t.Fatalf("reference package is %q", theirPkg)
			}
			rel := func(name protoreflect.FullName, pkg string) string {
				return strings.TrimPrefix(string(name), pkg)
			}
			find := func(name protoreflect.FullName) protoreflect.Descriptor {
				d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(theirPkg + rel(name, ourPkg)))
				if err != nil {
					return nil
				}
				return d
			}

			var checkMessages func(protoreflect.MessageDescriptors)
			var checkEnums func(protoreflect.EnumDescriptors)
			checkEnums = func(enums protoreflect.EnumDescriptors) {
				for i := range enums.Len() {
					ours := enums.Get(i)
					ref, ok := find(ours.FullName()).(protoreflect.EnumDescriptor)
					if !ok {
						t.Errorf("enum %s: not in the reference", rel(ours.FullName(), ourPkg))
						continue
					}
					for j := range ours.Values().Len() {
						v := ours.Values().Get(j)
						rv := ref.Values().ByName(v.Name())
						if rv == nil || rv.Number() != v.Number() {
							t.Errorf("enum value %s = %d: reference has %v", v.FullName(), v.Number(), rv)
						}
					}
				}
			}
			checkMessages = func(msgs protoreflect.MessageDescriptors) {
				for i := range msgs.Len() {
					ours := msgs.Get(i)
					name := rel(ours.FullName(), ourPkg)
					ref, ok := find(ours.FullName()).(protoreflect.MessageDescriptor)
					if !ok {
						t.Errorf("message %s: not in the reference", name)
						continue
					}
					if ours.IsMapEntry() != ref.IsMapEntry() {
						t.Errorf("message %s: map entry %v, reference %v", name, ours.IsMapEntry(), ref.IsMapEntry())
					}
					for j := range ours.Fields().Len() {
						f := ours.Fields().Get(j)
						rf := ref.Fields().ByNumber(f.Number())
						if rf == nil {
							t.Errorf("%s field %s = %d: no such number in the reference", name, f.Name(), f.Number())
							continue
						}
						if rf.Name() != f.Name() || rf.Kind() != f.Kind() || rf.Cardinality() != f.Cardinality() || rf.HasPresence() != f.HasPresence() {
							t.Errorf("%s field %d: ours %s %v %v, reference %s %v %v", name, f.Number(),
								f.Name(), f.Cardinality(), f.Kind(), rf.Name(), rf.Cardinality(), rf.Kind())
						}
						if (f.ContainingOneof() == nil) != (rf.ContainingOneof() == nil) {
							t.Errorf("%s field %s: oneof membership differs", name, f.Name())
						}
						switch {
						case f.Message() != nil:
							if rf.Message() == nil || rel(f.Message().FullName(), ourPkg) != rel(rf.Message().FullName(), theirPkg) {
								t.Errorf("%s field %s: message type %s, reference %v", name, f.Name(), f.Message().FullName(), rf.Message())
							}
						case f.Enum() != nil:
							if rf.Enum() == nil || rel(f.Enum().FullName(), ourPkg) != rel(rf.Enum().FullName(), theirPkg) {
								t.Errorf("%s field %s: enum type %s, reference %v", name, f.Name(), f.Enum().FullName(), rf.Enum())
							}
						}
					}
					checkEnums(ours.Enums())
					checkMessages(ours.Messages())
				}
			}
			checkEnums(tc.ours.Enums())
			checkMessages(tc.ours.Messages())

			// The service: the name on the wire and every method's request
			// and response types.
			refSvc := theirs.Services().ByName("Provider")
			if refSvc == nil {
				t.Fatal("reference has no Provider service")
			}
			if want := string(refSvc.FullName()); tc.service.ServiceName != want {
				t.Errorf("service name %q, reference %q", tc.service.ServiceName, want)
			}
			for i := range tc.client.NumMethod() {
				m := tc.client.Method(i)
				rm := refSvc.Methods().ByName(protoreflect.Name(m.Name))
				if rm == nil {
					t.Errorf("RPC %s: not in the reference", m.Name)
					continue
				}
				in := reflect.New(m.Type.In(1).Elem()).Interface().(proto.Message).ProtoReflect().Descriptor()
				out := reflect.New(m.Type.Out(0).Elem()).Interface().(proto.Message).ProtoReflect().Descriptor()
				if rel(in.FullName(), ourPkg) != rel(rm.Input().FullName(), theirPkg) ||
					rel(out.FullName(), ourPkg) != rel(rm.Output().FullName(), theirPkg) {
					t.Errorf("RPC %s: (%s) %s, reference (%s) %s", m.Name, in.FullName(), out.FullName(), rm.Input().FullName(), rm.Output().FullName())
				}
			}
		})
	}
}
