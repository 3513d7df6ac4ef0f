package state

import (
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/lang/config"
)

// The instance of a provider configuration with for_each that manages an
// object is recorded per object, survives encoding, and a state without
// it (written before provider for_each) reads as before.
func TestProviderInstanceKeyRoundTrip(t *testing.T) {
	prov := config.ProviderConfigAddr{Provider: config.BuiltinProvider, Alias: "by_root"}
	res := config.AbsResource{Resource: config.ResourceAddr{Mode: config.ManagedMode, Type: "indigo_file", Name: "f"}}
	s := New()
	for _, k := range []string{"east", "west"} {
		s.SetResourceInstance(res.Instance(config.StringKey(k)), prov.Instance(config.StringKey(k)), &Object{AttrsJSON: []byte(`{"id":"` + k + `"}`)})
	}
	single := config.AbsResource{Resource: config.ResourceAddr{Mode: config.ManagedMode, Type: "indigo_file", Name: "one"}}
	s.SetResourceInstance(single.Instance(config.NoKey), config.ProviderConfigAddr{Provider: config.BuiltinProvider}, &Object{AttrsJSON: []byte(`{"id":"one"}`)})

	data, err := Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"provider_key": "west"`) || strings.Count(string(data), `"provider_key"`) != 2 {
		t.Errorf("encoded state:\n%s", data)
	}
	got, err := Decode("test", data)
	if err != nil {
		t.Fatal(err)
	}
	r := got.Resources[res]
	if r.Provider != prov {
		t.Errorf("resource provider %s, want the configuration %s", r.Provider, prov)
	}
	for _, k := range []string{"east", "west"} {
		obj := r.Instances[config.StringKey(k)].Current
		if want := prov.Instance(config.StringKey(k)); r.ObjectProvider(obj) != want {
			t.Errorf("%s: managed by %s, want %s", k, r.ObjectProvider(obj), want)
		}
	}
	one := got.Resources[single]
	if p := one.ObjectProvider(one.Instances[config.NoKey].Current); p != (config.ProviderConfigAddr{Provider: config.BuiltinProvider}) {
		t.Errorf("single: managed by %s", p)
	}
}

func TestParseProviderInstanceAddr(t *testing.T) {
	for in, want := range map[string]config.ProviderConfigAddr{
		`provider["indigo.dev/builtin/indigo"].by_root["east"]`:  {Provider: config.BuiltinProvider, Alias: "by_root", Key: config.StringKey("east")},
		`module.m.provider["indigo.dev/builtin/indigo"].by_root`: {Module: config.RootPath.Child(config.ModuleStep, "m"), Provider: config.BuiltinProvider, Alias: "by_root"},
	} {
		got, err := parseProviderConfigAddr(in)
		if err != nil || got != want {
			t.Errorf("%s: %v %v, want %v", in, got, err, want)
		}
		if got.String() != in {
			t.Errorf("%s prints as %s", in, got.String())
		}
	}
	if _, err := parseProviderConfigAddr(`provider["indigo.dev/builtin/indigo"].by_root[true]`); err == nil {
		t.Errorf("a boolean key was accepted")
	}
}

// OpenTofu 1.9 records the provider instance of each object as the
// instance's instance_provider and leaves the resource's provider out; a
// resource-wide provider address may carry the key too. Both read as
// indigo's configuration plus per-object key.
func TestImportOpenTofuInstanceProvider(t *testing.T) {
	const tofu = `{
  "version": 4, "terraform_version": "1.9.0", "serial": 3, "lineage": "1e0c8a52-5d7e-4f3a-9d3c-0b8c2f6a7e10",
  "outputs": {},
  "resources": [
    {"mode": "managed", "type": "null_resource", "name": "each", "each": "map",
     "instances": [
       {"index_key": "a", "schema_version": 0, "attributes": {"id": "1"},
        "instance_provider": "provider[\"registry.opentofu.org/hashicorp/null\"].multi[\"a\"]"},
       {"index_key": "b", "schema_version": 0, "attributes": {"id": "2"},
        "instance_provider": "provider[\"registry.opentofu.org/hashicorp/null\"].multi[\"b\"]"}
     ]},
    {"mode": "managed", "type": "null_resource", "name": "one",
     "provider": "provider[\"registry.opentofu.org/hashicorp/null\"].multi[\"b\"]",
     "instances": [{"schema_version": 0, "attributes": {"id": "3"}}]}
  ]
}`
	s, err := Import("terraform.tfstate", []byte(tofu))
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	null, err := config.ParseProviderSource("registry.opentofu.org/hashicorp/null")
	if err != nil {
		t.Fatal(err)
	}
	multi := config.ProviderConfigAddr{Provider: null, Alias: "multi"}
	each := s.Resources[config.AbsResource{Resource: config.ResourceAddr{Mode: config.ManagedMode, Type: "null_resource", Name: "each"}}]
	if each == nil || each.Provider != multi {
		t.Fatalf("each: %+v", each)
	}
	for _, k := range []string{"a", "b"} {
		if got := each.ObjectProvider(each.Instances[config.StringKey(k)].Current); got != multi.Instance(config.StringKey(k)) {
			t.Errorf("each[%q] managed by %s", k, got)
		}
	}
	one := s.Resources[config.AbsResource{Resource: config.ResourceAddr{Mode: config.ManagedMode, Type: "null_resource", Name: "one"}}]
	if one == nil || one.Provider != multi || one.Instances[config.NoKey].Current.ProviderKey != config.StringKey("b") {
		t.Fatalf("one: %+v", one)
	}

	bad := strings.Replace(tofu, `"each": "map",`, `"each": "map", "provider": "provider[\"registry.opentofu.org/hashicorp/null\"].other",`, 1)
	if _, err := Import("terraform.tfstate", []byte(bad)); err == nil || !strings.Contains(err.Error(), "not an instance of the resource's provider") {
		t.Errorf("instance_provider of another configuration: %v", err)
	}
}
