package view

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/state"
)

func sampleState() *state.State {
	s := state.New()
	s.Lineage = "1f0b4a8e-0000-4000-8000-000000000001"
	s.Serial = 7
	web := config.ModuleInstance("").Child(config.DeploymentStep, "web", nil)
	s.SetResourceInstance(addr("indigo_file.a"), indigoProvider, &state.Object{
		AttrsJSON: []byte(`{"id":"f1","path":"/etc/motd","content":"` + secret + `","mode":"0644","size":3,"big":12345678901234567890,` +
			`"script":"#!/bin/sh\necho hi\n","tags":{"team":"cms","Has Space":"x"},"list":[1,"` + secret + `",3],"empty":[],"null_attr":null}`),
		SensitivePaths: []cty.Path{
			cty.GetAttrPath("content"),
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
	outs, err := OutputValuesFromState(sampleState())
	if err != nil {
		t.Fatal(err)
	}
	outs["nested"] = OutputValue{Value: cty.ObjectVal(map[string]cty.Value{"k": cty.StringVal(secret).Mark(marks.Sensitive)})}
	var all bytes.Buffer
	if err := Outputs(&all, outs, false); err != nil {
		t.Fatal(err)
	}
	noSecret(t, "indigo output", all.String())
	checkGolden(t, "state/outputs.txt", all.String())

	var allJSON bytes.Buffer
	if err := OutputsJSON(&allJSON, outs, ""); err != nil {
		t.Fatal(err)
	}
	noSecret(t, "indigo output -json", allJSON.String())
	var doc map[string]map[string]any
	if err := json.Unmarshal(allJSON.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["password"]["sensitive"] != true || doc["password"]["value"] != nil || doc["url"]["value"] != "https://x" {
		t.Errorf("output -json = %s", allJSON.String())
	}

	// Asked for by name, a sensitive output is shown, as Terraform does.
	tests := []struct {
		name string
		raw  bool
		want string
	}{
		{"password", true, secret},
		{"url", true, "https://x"},
		{"password", false, `"` + secret + `"` + "\n"},
		{"ports", false, "[80,443]\n"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		var err error
		if tt.raw {
			err = Outputs(&buf, map[string]OutputValue{tt.name: outs[tt.name]}, true)
		} else {
			err = OutputsJSON(&buf, outs, tt.name)
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if buf.String() != tt.want {
			t.Errorf("%s raw=%v: %q, want %q", tt.name, tt.raw, buf.String(), tt.want)
		}
	}
	var buf bytes.Buffer
	if err := Outputs(&buf, map[string]OutputValue{"ports": outs["ports"]}, true); err == nil || !strings.Contains(err.Error(), "-json") {
		t.Errorf("raw list output: %v", err)
	}
	if err := Outputs(&buf, outs, true); err == nil {
		t.Errorf("raw with several outputs: no error")
	}
	if err := OutputsJSON(&buf, outs, "nope"); err == nil {
		t.Errorf("unknown output: no error")
	}
}
