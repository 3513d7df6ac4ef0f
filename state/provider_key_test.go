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
