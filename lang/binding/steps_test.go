package binding

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// TestOpenStackBootScript: the steps of the components a server hosts
// run from its boot script, in order; a playbook of the repository is
// carried in it (filebase64), its Galaxy role installed, and an input
// naming the server's own address filled at boot.
func TestOpenStackBootScript(t *testing.T) {
	comps := loadApp(t)
	site := Site{Name: "cnaf", Kind: "openstack", ProviderLocalName: "openstack", Settings: cty.ObjectVal(map[string]cty.Value{"network": cty.StringVal("private"), "network_id": cty.StringVal("net-1")})}
	r := realise(t, comps, "server", site)
	srv := resource(t, r, "openstack_compute_instance_v2", "server")
	ud := srv.Config.(*hclsyntax.Body).Attributes["user_data"]
	if ud == nil {
		t.Fatal("the server has no boot script")
	}
	var files []string
	ctx := &hcl.EvalContext{Functions: map[string]function.Function{
		"filebase64": function.New(&function.Spec{
			Params: []function.Parameter{{Name: "path", Type: cty.String}}, Type: function.StaticReturnType(cty.String),
			Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
				files = append(files, args[0].AsString())
				return cty.StringVal("RklMRQ=="), nil
			},
		}),
		"base64encode": function.New(&function.Spec{
			Params: []function.Parameter{{Name: "s", Type: cty.String}}, Type: function.StaticReturnType(cty.String),
			Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
				return cty.StringVal("<" + args[0].AsString() + ">"), nil
			},
		}),
		"jsonencode": function.New(&function.Spec{
			Params: []function.Parameter{{Name: "v", Type: cty.DynamicPseudoType}}, Type: function.StaticReturnType(cty.String),
			Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
				return cty.StringVal(args[0].GetAttr("ip").AsString()), nil
			},
		}),
	}}
	v, diags := ud.Expr.Value(ctx)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	script := v.AsString()
	for _, want := range []string{
		"#!/bin/bash\n",
		"exec >>/var/log/indigo-steps.log 2>&1\n",
		// The server's own step (INDIGO's Compute type configures its
		// users), a URL fetched at boot.
		"echo 'indigo: step 1: server Standard.configure'\nfetch 'https://raw.githubusercontent.com/indigo-dc/tosca-types/master/artifacts/os/configure_users.yml' 01-server-configure.yml\n",
		"echo 'indigo: step 2: tool Standard.configure'\necho 'RklMRQ==' | base64 -d > 02-tool-configure.yml\n",
		"ansible-galaxy role install -p roles 'indigo-dc.tool'\n",
		"echo '<@@indigo-private-address@@>' | base64 -d | fill > 02.json\n",
		"ANSIBLE_ROLES_PATH=roles ansible-playbook -i localhost, -c local -e @02.json 02-tool-configure.yml\n",
		"echo 'indigo: step 3: tool Standard.start'\n",
		"ansible-playbook -i localhost, -c local 03-tool-start.yml\n",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("boot script lacks %q:\n%s", want, script)
		}
	}
	if len(files) != 2 || !strings.HasSuffix(files[0], "testdata/configure.yml") {
		t.Errorf("files carried: %v", files)
	}
	// The software component itself makes nothing: its server runs it.
	r = realise(t, comps, "tool", site)
	if len(r.Resources) != 0 || !r.Steps[0].Executed {
		t.Errorf("tool on openstack: resources %v, steps %+v", r.Resources, r.Steps)
	}
}

// TestStepsWhereTheyCannotRun: on a kind that does not run configuration
// steps, each is an error at its operation.
func TestStepsWhereTheyCannotRun(t *testing.T) {
	comps := loadApp(t)
	_, diags := Realise(comps["tool"], comps, Site{Name: "k", Kind: "kubernetes"})
	if len(diags) != 2 {
		t.Fatalf("diags = %v, want one per step", diags)
	}
	d := diags[0]
	if d.Summary != "Configuration step cannot run on this site" || d.Subject == nil || d.Subject.Start.Line != 36 ||
		!strings.Contains(d.Detail, "Place the component on a local or OpenStack site") {
		t.Errorf("diag = %s at %v", d.Error(), d.Subject)
	}
}

// TestLocalHostStepsNotRun: the steps of a Compute on a local site (a
// directory of this machine) would reconfigure the machine: a warning at
// the component says they are not run, and no step is made.
func TestLocalHostStepsNotRun(t *testing.T) {
	comps := loadApp(t)
	r, diags := Realise(comps["server"], comps, Site{Name: "laptop", Kind: "local"})
	if diags.HasErrors() || len(diags) != 1 || diags[0].Summary != "Host configuration not run on a local site" ||
		!strings.Contains(diags[0].Detail, "configure_users.yml") {
		t.Fatalf("diags = %v", diags)
	}
	for _, res := range r.Resources {
		if res.Type == "indigo_step" {
			t.Errorf("a local host's step was made: %s", res.Name)
		}
	}
}
