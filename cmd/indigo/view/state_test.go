package view

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/state"
)

func sampleState() *state.State {
	s := state.New()
	s.Lineage = "1f0b4a8e-0000-4000-8000-000000000001"
	s.Serial = 7
	web := config.ModuleInstance("").Child(config.DeploymentStep, "web", nil)
	s.SetResourceInstance(addr("indigo_file.a"), indigoProvider, &state.Object{
		AttrsJSON: []byte(`{"id":"f1","path":"/etc/motd","content":"` + secret + `","mode":"0644","size":3,"big":12345678901234567890,` +
			`"script":"#!/bin/sh\necho hi\n","tags":{"team":"cms","Has Space":"x"},"list":[1,"` + secret + `",3],"empty":[],"null_attr":null,"token":null}`),
		SensitivePaths: []cty.Path{
			cty.GetAttrPath("content"),
			cty.GetAttrPath("token"), // sensitive but null: left out as any null

			cty.GetAttrPath("list").Index(cty.NumberIntVal(1)),
		},
	})
	app := config.InstanceAddr{Module: web, Resource: config.ResourceAddr{Mode: config.ManagedMode, Type: "indigo_service", Name: "app"}, Key: config.IntKey(0)}
	s.SetResourceInstance(app, indigoProvider, &state.Object{
		AttrsJSON:      []byte(`{"id":"svc","password":"` + secret + `","ports":[80,443]}`),
		SensitivePaths: []cty.Path{cty.GetAttrPath("password")},
		Status:         state.Tainted,
		Site:           "cnaf",
	})
	s.SetDeposed(app, "0a1b2c3d", indigoProvider, &state.Object{AttrsJSON: []byte(`{"id":"old-svc"}`)})
	s.SetResourceInstance(addr("data.indigo_site.s"), indigoProvider, &state.Object{AttrsJSON: []byte(`{"id":"s","name":"cnaf"}`)})
	s.SetOutput("url", &state.Output{Value: []byte(`"https://x"`), Type: []byte(`"string"`)})
	s.SetOutput("ports", &state.Output{Value: []byte(`[80,443]`), Type: []byte(`["list","number"]`)})
	s.SetOutput("password", &state.Output{Value: []byte(`"` + secret + `"`), Type: []byte(`"string"`), Sensitive: true})
	s.SetPlacement(config.ObjectAddr{Kind: config.DeploymentKind, Name: "web"}, &state.Placement{
		Sites: []string{"cnaf"}, PlacedAt: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		Scores: []state.SiteScore{{Site: "cnaf", Score: 0.666, Summary: "best score of the 3 site(s) that can take it"}, {Site: "bari", Score: 0.345}},
	})
	s.Pending["abc"] = &state.Intent{ID: "abc", Op: state.OpCreate, Addr: addr("indigo_file.b"), Provider: indigoProvider, Started: time.Date(2025, 3, 1, 12, 1, 0, 0, time.UTC)}
	return s
}

func noSecret(t *testing.T, what, out string) {
	t.Helper()
	if strings.Contains(out, secret) {
		t.Errorf("the secret appears in %s:\n%s", what, out)
	}
}

func TestStateGolden(t *testing.T) {
	s := sampleState()
	var show, one, list, filtered, empty bytes.Buffer
	if err := State(&show, s); err != nil {
		t.Fatal(err)
	}
	app := config.InstanceAddr{Module: "deployment.web", Resource: config.ResourceAddr{Mode: config.ManagedMode, Type: "indigo_service", Name: "app"}, Key: config.IntKey(0)}
	if err := StateResource(&one, s, app); err != nil {
		t.Fatal(err)
	}
	if err := StateList(&list, s); err != nil {
		t.Fatal(err)
	}
	if err := StateList(&filtered, s, "deployment.web", "data.indigo_site.s"); err != nil {
		t.Fatal(err)
	}
	if err := State(&empty, state.New()); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"show": show.String(), "state show": one.String()} {
		noSecret(t, name, out)
	}
	if strings.Contains(show.String(), "token") {
		t.Errorf("a null sensitive attribute is shown:\n%s", show.String())
	}
	checkGolden(t, "state/show.txt", show.String())
	checkGolden(t, "state/state_show.txt", one.String())
	checkGolden(t, "state/list.txt", list.String())
	if got, want := filtered.String(), "data.indigo_site.s\ndeployment.web.indigo_service.app[0]\n"; got != want {
		t.Errorf("filtered list = %q, want %q", got, want)
	}
	if got := empty.String(); got != "The state file is empty. No resources are represented.\n" {
		t.Errorf("empty state = %q", got)
	}
	if err := StateResource(&one, s, addr("indigo_file.nope")); err == nil || !strings.Contains(err.Error(), "indigo_file.nope") {
		t.Errorf("missing instance: %v", err)
	}
}

func TestOutputs(t *testing.T) {
	s := sampleState()
	s.SetOutput("nested", &state.Output{Value: []byte(`{"k":"v"}`), Type: []byte(`["object",{"k":"string"}]`)})
	var all bytes.Buffer
	if err := Outputs(&all, s); err != nil {
		t.Fatal(err)
	}
	noSecret(t, "indigo output", all.String())
	checkGolden(t, "state/outputs.txt", all.String())

	run := func(name string, asJSON, raw bool) (string, error) {
		var buf bytes.Buffer
		err := OutputValues(&buf, s, name, asJSON, raw)
		return buf.String(), err
	}
	if out, err := run("", false, false); err != nil || out != all.String() {
		t.Errorf("indigo output = %q, %v; want what Outputs writes", out, err)
	}
	allJSON, err := run("", true, false)
	if err != nil {
		t.Fatal(err)
	}
	noSecret(t, "indigo output -json", allJSON)
	var doc map[string]map[string]any
	if err := json.Unmarshal([]byte(allJSON), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["password"]["sensitive"] != true || doc["password"]["value"] != nil || doc["url"]["value"] != "https://x" {
		t.Errorf("output -json = %s", allJSON)
	}

	// Asked for by name, a sensitive output is shown with -raw or -json, as
	// Terraform does, and hidden otherwise.
	tests := []struct {
		name        string
		asJSON, raw bool
		want        string
	}{
		{"password", false, true, secret},
		{"url", false, true, "https://x"},
		{"password", true, false, `"` + secret + `"` + "\n"},
		{"ports", true, false, "[80,443]\n"},
		{"password", false, false, "<sensitive>\n"},
		{"url", false, false, `"https://x"` + "\n"},
		{"nested", false, false, "{\n  \"k\" = \"v\"\n}\n"},
	}
	for _, tt := range tests {
		got, err := run(tt.name, tt.asJSON, tt.raw)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got != tt.want {
			t.Errorf("%s json=%v raw=%v: %q, want %q", tt.name, tt.asJSON, tt.raw, got, tt.want)
		}
	}
	for _, bad := range []struct {
		name        string
		asJSON, raw bool
		want        string
	}{
		{"ports", false, true, "-json"},
		{"", false, true, "name it"},
		{"url", true, true, "together"},
		{"nope", true, false, "nope"},
		{"nope", false, false, "nope"},
	} {
		if _, err := run(bad.name, bad.asJSON, bad.raw); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q json=%v raw=%v: error %v, want it to mention %q", bad.name, bad.asJSON, bad.raw, err, bad.want)
		}
	}
	var empty bytes.Buffer
	if err := Outputs(&empty, state.New()); err != nil || empty.String() != "No outputs found.\n" {
		t.Errorf("no outputs: %q, %v", empty.String(), err)
	}
}
