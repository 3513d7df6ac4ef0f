package state_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/statetest"
	"github.com/zclconf/go-cty/cty"
)

// golden compares got with testdata/NAME (testsrv.Golden).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	testsrv.Golden(t, filepath.Join("testdata", name), got)
}

var (
	aws       = config.ProviderConfigAddr{Provider: config.Provider{Hostname: config.DefaultRegistry, Namespace: "hashicorp", Type: "aws"}}
	awsWest   = config.ProviderConfigAddr{Provider: aws.Provider, Alias: "west"}
	netModule = config.RootModule.Child(config.ModuleStep, "net", config.StringKey("eu"))
	galaxy    = config.ObjectAddr{Kind: config.DeploymentKind, Name: "galaxy"}
)

func inst(mod config.ModuleInstance, mode config.ResourceMode, typ, name string, key config.InstanceKey) config.InstanceAddr {
	return config.InstanceAddr{Module: mod, Resource: config.ResourceAddr{Mode: mode, Type: typ, Name: name}, Key: key}
}

// richState exercises every part of the model.
func richState() *state.State {
	s := state.New()
	s.Lineage = "11111111-2222-4333-8444-555555555555"
	s.Serial = 7
	web0 := inst("", config.ManagedMode, "aws_instance", "web", config.IntKey(0))
	web1 := inst("", config.ManagedMode, "aws_instance", "web", config.IntKey(1))
	sub := inst(netModule, config.ManagedMode, "aws_subnet", "private", config.StringKey(`a "quoted" key`))
	ami := inst("", config.DataMode, "aws_ami", "ubuntu", nil)
	s.SetResourceInstance(ami, aws, &state.Object{AttrsJSON: json.RawMessage(`{"id":"ami-1"}`)})
	s.SetResourceInstance(sub, awsWest, &state.Object{
		AttrsJSON:      json.RawMessage(`{"id":"subnet-1","cidr":"10.0.1.0/24","list":[1,2]}`),
		SensitivePaths: []cty.Path{cty.GetAttrPath("list").IndexInt(1)},
	})
	s.SetResourceInstance(web0, aws, &state.Object{
		SchemaVersion:       2,
		AttrsJSON:           json.RawMessage(`{"id":"i-0","password":"x","tags":{"Name":"web"}}`),
		SensitivePaths:      []cty.Path{cty.GetAttrPath("password"), cty.GetAttrPath("tags").IndexString("Name")},
		Private:             []byte{0, 1, 2, 255},
		Dependencies:        []config.AbsResource{ami.ContainingResource(), sub.ContainingResource()},
		CreateBeforeDestroy: true,
		Site:                "cnaf",
	})
	s.SetResourceInstance(web1, aws, &state.Object{AttrsJSON: json.RawMessage(`{"id":"i-1"}`), Status: state.Tainted})
	s.SetDeposed(web1, "deadbeef", aws, &state.Object{AttrsJSON: json.RawMessage(`{"id":"i-1-old"}`)})
	s.SetOutput("ips", &state.Output{Value: json.RawMessage(`["10.0.0.1","10.0.0.2"]`), Type: json.RawMessage(`["list","string"]`)})
	s.SetOutput("token", &state.Output{Value: json.RawMessage(`"t0k"`), Type: json.RawMessage(`"string"`), Sensitive: true})
	s.SetPlacement(galaxy, &state.Placement{
		Sites:    []string{"cnaf"},
		PlacedAt: time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC),
		Scores:   []state.SiteScore{{Site: "cnaf", Score: 0.82, Summary: "SLA headroom 60%"}, {Site: "bari", Score: 0.5, Summary: "far from the data"}},
	})
	s.SetPlacement(config.ObjectAddr{Module: galaxy.Scope(), Kind: config.ComponentKind, Name: "db"}, &state.Placement{Sites: []string{"cnaf"}, PlacedAt: time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)})
	s.SetPlacement(config.ObjectAddr{Kind: config.StorageKind, Name: "archive"}, &state.Placement{Sites: []string{"cnaf_s3", "desy"}, PlacedAt: time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)})
	s.Pending["0123456789abcdef"] = &state.Intent{
		ID: "0123456789abcdef", Op: state.OpCreate, Addr: inst("", config.ManagedMode, "aws_instance", "db", nil),
		Provider: aws, Planned: &state.Object{AttrsJSON: json.RawMessage(`{"id":null,"name":"db-1"}`)},
		Started: time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC),
	}
	return s
}

func TestEncodeGolden(t *testing.T) {
	data, err := state.Encode(richState())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "golden/rich.state", data)
	again, err := state.Encode(richState())
	if err != nil || !bytes.Equal(data, again) {
		t.Fatalf("encoding is not deterministic")
	}
}

func TestRoundTrip(t *testing.T) {
	for name, s := range map[string]*state.State{
		"empty":  state.New(),
		"rich":   richState(),
		"sample": statetest.Sample(100),
	} {
		t.Run(name, func(t *testing.T) {
			data, err := state.Encode(s)
			if err != nil {
				t.Fatal(err)
			}
			got, err := state.Decode("x.state", data)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !got.Equal(s) {
				t.Fatalf("round trip differs:\n%s", statetest.Diff(s, got))
			}
			again, err := state.Encode(got)
			if err != nil || !bytes.Equal(again, data) {
				t.Fatalf("re-encoding a decoded state changes it")
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	good, err := state.Encode(richState())
	if err != nil {
		t.Fatal(err)
	}
	// reseal recomputes the checksum so that only the edit is wrong.
	reseal := func(data []byte) []byte {
		i := bytes.LastIndex(data, []byte("\n  \"checksum\""))
		return appendChecksum(append([]byte(nil), data[:i+1]...))
	}
	edit := func(old, new string) []byte {
		if !bytes.Contains(good, []byte(old)) {
			t.Fatalf("test setup: %q not in the golden state", old)
		}
		return reseal(bytes.Replace(good, []byte(old), []byte(new), 1))
	}
	cases := []struct {
		name    string
		data    []byte
		corrupt bool
		want    string
	}{
		{"empty", nil, true, "is empty"},
		{"truncated", good[:len(good)/2], true, "not complete JSON"},
		{"truncated at the checksum", good[:len(good)-3], true, "not complete JSON"},
		{"one byte flipped", bytes.Replace(good, []byte(`"i-0"`), []byte(`"i-9"`), 1), true, "checksum does not match"},
		{"zeroed block", append(append(append([]byte(nil), good[:100]...), make([]byte, 50)...), good[150:]...), true, "checksum does not match"},
		{"no checksum", bytes.Replace(good, good[bytes.LastIndex(good, []byte(",\n  \"checksum\"")):], []byte("\n}\n"), 1), true, "has no checksum"},
		{"newer format", edit(`"format_version": 1`, `"format_version": 2`), false, "format_version 2, written by a newer indigo"},
		{"bad address", edit(`"name": "web"`, `"name": ""`), false, "needs a type and a name"},
		{"bad provider", edit(`"provider": "provider[\"registry.terraform.io/hashicorp/aws\"]"`, `"provider": "aws"`), false, "provider"},
		{"bad status", edit(`"status": "tainted"`, `"status": "broken"`), false, `unknown status "broken"`},
		{"attributes not an object", edit("{\n            \"id\": \"ami-1\"\n          }", `"ami-1"`), false, "attributes must be a JSON object"},
		{"resealed unchanged", reseal(good), false, ""},
		{"bad dependency", edit(`"data.aws_ami.ubuntu"`, `"data.aws_ami"`), false, "dependencies"},
		{"bad placement", edit(`"address": "deployment.galaxy"`, `"address": "galaxy"`), false, "placements"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := state.Decode("dir/indigo.state", c.data)
			if c.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("decoding succeeded, want an error mentioning %q", c.want)
			}
			var ce *state.CorruptError
			if errors.As(err, &ce) != c.corrupt {
				t.Errorf("CorruptError = %v, want %v (%v)", !c.corrupt, c.corrupt, err)
			}
			if !strings.Contains(err.Error(), "dir/indigo.state") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q should name the file and say %q", err, c.want)
			}
		})
	}
}

// appendChecksum appends a valid checksum member to a body ending with
// ",\n", as the format documents.
func appendChecksum(body []byte) []byte {
	sum := sha256.Sum256(body)
	body = append(body, `  "checksum": "sha256:`...)
	body = append(body, hex.EncodeToString(sum[:])...)
	return append(body, "\"\n}\n"...)
}

func TestImportIndigoWithoutChecksum(t *testing.T) {
	good, _ := state.Encode(richState())
	i := bytes.LastIndex(good, []byte(",\n  \"checksum\""))
	edited := append(bytes.Replace(good[:i], []byte(`"i-0"`), []byte(`"i-edited"`), 1), "\n}\n"...)
	got, err := state.Import("edited.state", edited)
	if err != nil {
		t.Fatalf("Import of a hand-edited state: %v", err)
	}
	if a := string(got.ResourceInstance(inst("", config.ManagedMode, "aws_instance", "web", config.IntKey(0))).AttrsJSON); !strings.Contains(a, "i-edited") {
		t.Fatalf("the edit was not read: %s", a)
	}
	if _, err := state.Decode("edited.state", edited); err == nil {
		t.Fatalf("Decode accepted a snapshot without checksum")
	}
	flipped := bytes.Replace(good, []byte(`"i-0"`), []byte(`"i-9"`), 1)
	if _, err := state.Import("flipped.state", flipped); err == nil || !strings.Contains(err.Error(), "delete the \"checksum\" line") {
		t.Fatalf("Import of an edited file with a stale checksum: %v", err)
	}
}

func TestImportTerraformHandwritten(t *testing.T) {
	data, err := os.ReadFile("testdata/terraform/handwritten.tfstate")
	if err != nil {
		t.Fatal(err)
	}
	s, err := state.Import("handwritten.tfstate", data)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if s.Lineage != "0f0e0d0c-0b0a-4909-8807-060504030201" || s.Serial != 42 {
		t.Errorf("lineage/serial = %s/%d", s.Lineage, s.Serial)
	}
	openstack := config.Provider{Hostname: config.DefaultRegistry, Namespace: "terraform-provider-openstack", Type: "openstack"}
	web0 := inst("", config.ManagedMode, "openstack_compute_instance_v2", "web", config.IntKey(0))
	web1 := inst("", config.ManagedMode, "openstack_compute_instance_v2", "web", config.IntKey(1))
	net := inst(netModule, config.ManagedMode, "openstack_networking_network_v2", "private", nil)
	logs := inst("", config.ManagedMode, "aws_s3_bucket", "logs", config.StringKey("eu-west-1"))
	ami := inst("", config.DataMode, "openstack_images_image_v2", "ubuntu", nil)

	if got := s.AllInstances(); len(got) != 5 {
		t.Fatalf("instances: %v", got)
	}
	r := s.Resource(web0.ContainingResource())
	if r.Provider != (config.ProviderConfigAddr{Provider: openstack, Alias: "cnaf"}) || r.EachMode != state.EachList {
		t.Errorf("web: provider %s each %c", r.Provider, r.EachMode)
	}
	o := s.ResourceInstance(web0)
	if o.SchemaVersion != 1 || !o.CreateBeforeDestroy || string(o.Private) != `{"schema_version":"1"}` {
		t.Errorf("web[0] = %+v", o)
	}
	wantPaths := []cty.Path{cty.GetAttrPath("admin_pass"), cty.GetAttrPath("network").IndexInt(0).GetAttr("fixed_ip_v4")}
	if len(o.SensitivePaths) != 2 || !o.SensitivePaths[0].Equals(wantPaths[0]) || !o.SensitivePaths[1].Equals(wantPaths[1]) {
		t.Errorf("web[0] sensitive paths = %#v", o.SensitivePaths)
	}
	if len(o.Dependencies) != 2 || o.Dependencies[0] != ami.ContainingResource() || o.Dependencies[1] != net.ContainingResource() {
		t.Errorf("web[0] dependencies = %v", o.Dependencies)
	}
	if o := s.ResourceInstance(web1); o.Status != state.Tainted {
		t.Errorf("web[1] is not tainted")
	}
	if d := s.DeposedObject(web1, "5a7e9b01"); d == nil || !strings.Contains(string(d.AttrsJSON), "vm-1-old") {
		t.Errorf("web[1] deposed object = %v", d)
	}
	if r := s.Resource(net.ContainingResource()); r == nil || r.Provider != (config.ProviderConfigAddr{Module: "module.net", Provider: openstack}) {
		t.Errorf("module.net[\"eu\"] network: %+v", r)
	}
	if r := s.Resource(logs.ContainingResource()); r == nil || r.Provider != awsWest || r.EachMode != state.EachMap {
		t.Errorf("legacy provider.aws.west: %+v", r)
	} else if p := s.ResourceInstance(logs).SensitivePaths; len(p) != 1 || !p[0].Equals(cty.GetAttrPath("tags").IndexString("Name")) {
		t.Errorf("logs sensitive paths = %#v", p)
	}
	if s.ResourceInstance(ami) == nil {
		t.Errorf("data source not read")
	}
	if out := s.Outputs["db_password"]; out == nil || !out.Sensitive || string(out.Value) != `"s3cret"` {
		t.Errorf("db_password output = %+v", out)
	}
	if out := s.Outputs["addresses"]; out == nil || string(out.Type) != `["list","string"]` {
		t.Errorf("addresses output = %+v", out)
	}
	// What was adopted is written and read back as an indigo state.
	data, err = state.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := state.Decode("adopted", data)
	if err != nil || !back.Equal(s) {
		t.Fatalf("adopted Terraform state does not round-trip: %v", err)
	}
}

func TestImportTerraformRealFile(t *testing.T) {
	// Written by Terraform 1.11.4 (terraform_data resources with count,
	// for_each, create_before_destroy, a module, a sensitive value, then
	// `terraform taint 'terraform_data.many[1]'`).
	data, err := os.ReadFile("testdata/terraform/terraform-1.11.4.tfstate")
	if err != nil {
		t.Fatal(err)
	}
	s, err := state.Import("terraform.tfstate", data)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	checkTerraformDataState(t, s)
}

func checkTerraformDataState(t *testing.T, s *state.State) {
	t.Helper()
	builtin := config.ProviderConfigAddr{Provider: config.Provider{Hostname: "terraform.io", Namespace: "builtin", Type: "terraform"}}
	var names []string
	for _, a := range s.AllInstances() {
		names = append(names, a.String())
	}
	want := `terraform_data.each["x"] terraform_data.each["y"] terraform_data.many[0] terraform_data.many[1] terraform_data.one module.m.terraform_data.inner`
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("instances:\n%s\nwant\n%s", got, want)
	}
	one := inst("", config.ManagedMode, "terraform_data", "one", nil)
	if r := s.Resource(one.ContainingResource()); r.Provider != builtin {
		t.Errorf("provider = %s", r.Provider)
	}
	if p := s.ResourceInstance(one).SensitivePaths; len(p) != 1 || !p[0].Equals(cty.GetAttrPath("input").GetAttr("pw")) {
		t.Errorf("sensitive paths = %#v", p)
	}
	if o := s.ResourceInstance(inst("", config.ManagedMode, "terraform_data", "each", config.StringKey("x"))); !o.CreateBeforeDestroy {
		t.Errorf("create_before_destroy lost")
	}
	many1 := s.ResourceInstance(inst("", config.ManagedMode, "terraform_data", "many", config.IntKey(1)))
	if many1 == nil || len(many1.Dependencies) != 1 || many1.Dependencies[0] != one.ContainingResource() {
		t.Errorf("many[1] = %+v", many1)
	} else if many1.Status != state.Tainted {
		t.Errorf("many[1] is not tainted")
	}
	if o := s.Outputs["s"]; o == nil || !o.Sensitive {
		t.Errorf("sensitive output lost: %+v", o)
	}
}

func TestImportTerraformErrors(t *testing.T) {
	cases := []struct{ name, data, want string }{
		{"version 3", `{"version": 3, "serial": 1, "modules": []}`, "Terraform 0.12 or later"},
		{"version 5", `{"version": 5}`, "newer than the version 4"},
		{"flat attributes", `{"version": 4, "lineage": "l", "resources": [{"mode": "managed", "type": "a_b", "name": "c", "provider": "provider.a", "instances": [{"attributes_flat": {"id": "x"}}]}]}`, "flat attributes"},
		{"bad mode", `{"version": 4, "lineage": "l", "resources": [{"mode": "other", "type": "a_b", "name": "c", "provider": "provider.a", "instances": []}]}`, `mode "other"`},
		{"not state", `{"hello": 1}`, "neither an indigo state"},
		{"not json", `{"version": 4`, "not a state file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := state.Import("in.tfstate", []byte(c.data))
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "in.tfstate") {
				t.Fatalf("error %v; want one naming in.tfstate and saying %q", err, c.want)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	s := richState()
	data, _ := state.Encode(s)
	lineage, serial, err := state.Verify("x", data)
	if err != nil || lineage != s.Lineage || serial != s.Serial {
		t.Fatalf("Verify = %s, %d, %v", lineage, serial, err)
	}
	var ce *state.CorruptError
	if _, _, err := state.Verify("x", data[:len(data)-10]); !errors.As(err, &ce) {
		t.Fatalf("Verify of a truncated snapshot: %v", err)
	}
}

func TestStateHelpers(t *testing.T) {
	s := richState()
	web0 := inst("", config.ManagedMode, "aws_instance", "web", config.IntKey(0))
	moved := inst("", config.ManagedMode, "aws_instance", "web", config.IntKey(5))
	c := s.DeepCopy()
	if !c.Equal(s) {
		t.Fatal("DeepCopy is not Equal")
	}
	c.ResourceInstance(web0).AttrsJSON[2] = 'X'
	if c.Equal(s) {
		t.Fatal("DeepCopy shares attribute bytes")
	}
	if err := s.Move(web0, moved); err != nil {
		t.Fatal(err)
	}
	if s.ResourceInstance(web0) != nil || s.ResourceInstance(moved) == nil {
		t.Fatal("Move did not move")
	}
	if err := s.Move(web0, moved); err == nil {
		t.Fatal("moving a missing instance succeeded")
	}
	web := web0.ContainingResource()
	app := config.AbsResource{Resource: config.ResourceAddr{Mode: config.ManagedMode, Type: "aws_instance", Name: "app"}}
	if err := s.MoveResource(web, app); err != nil {
		t.Fatal(err)
	}
	if s.Resource(web) != nil || s.Resource(app).Addr != app || s.DeposedObject(app.Instance(config.IntKey(1)), "deadbeef") == nil {
		t.Fatal("MoveResource did not move every instance")
	}
	s.SetResourceInstance(app.Instance(config.IntKey(1)), aws, nil)
	s.SetDeposed(app.Instance(config.IntKey(1)), "deadbeef", aws, nil)
	s.RemoveResourceInstance(app.Instance(config.IntKey(5)))
	if s.Resource(app) != nil {
		t.Fatal("a resource without instances is still recorded")
	}
	all := richState().AllInstances()
	var names []string
	for _, a := range all {
		names = append(names, a.String())
	}
	want := `data.aws_ami.ubuntu aws_instance.web[0] aws_instance.web[1] module.net["eu"].aws_subnet.private["a \"quoted\" key"]`
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("AllInstances = %s\nwant %s", got, want)
	}
}

// TestImportTerraformIdentity reads a state of Terraform 1.12 with a
// resource identity: the identity and its schema version are kept, survive
// indigo's encoding, and an instance without one still loads.
func TestImportTerraformIdentity(t *testing.T) {
	data, err := os.ReadFile("testdata/terraform/identity.tfstate")
	if err != nil {
		t.Fatal(err)
	}
	s, err := state.Import("identity.tfstate", data)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	web := s.ResourceInstance(inst("", config.ManagedMode, "aws_instance", "web", nil))
	if web == nil {
		t.Fatal("aws_instance.web not read")
	}
	const want = `{"account_id":"123456789012","id":"i-0123","region":"eu-west-1"}`
	if string(web.IdentityJSON) != want || web.IdentitySchemaVersion != 2 {
		t.Errorf("identity %s version %d, want %s version 2", web.IdentityJSON, web.IdentitySchemaVersion, want)
	}
	if old := s.ResourceInstance(inst("", config.ManagedMode, "aws_eip", "old", nil)); old == nil || old.IdentityJSON != nil {
		t.Errorf("aws_eip.old = %+v, want an object without identity", old)
	}
	enc, err := state.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(enc, []byte(`"identity_schema_version": 2`)) {
		t.Errorf("indigo's encoding lost the identity:\n%s", enc)
	}
	back, err := state.Decode("adopted", enc)
	if err != nil || !back.Equal(s) {
		t.Fatalf("adopted state with identity does not round-trip: %v", err)
	}
	if got := back.ResourceInstance(inst("", config.ManagedMode, "aws_instance", "web", nil)); string(got.IdentityJSON) != want {
		t.Errorf("identity read back: %s", got.IdentityJSON)
	}
	// An identity that is not an object is refused, saying where.
	bad := bytes.Replace(data, []byte(`"identity": {`), []byte(`"identity": ["x"], "x": {`), 1)
	if _, err := state.Import("bad.tfstate", bad); err == nil || !strings.Contains(err.Error(), "identity") {
		t.Errorf("identity that is a list: %v", err)
	}
}
