package config

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

func TestParseInstanceAddrRoundTrip(t *testing.T) {
	for _, s := range []string{
		`aws_instance.web`,
		`aws_instance.web[0]`,
		`aws_instance.web["a b"]`,
		`data.aws_ami.ubuntu`,
		`module.net.aws_subnet.private[3]`,
		`module.net["eu"].module.sub[2].data.x_y.z["k"]`,
		`deployment.galaxy.indigo_service.web`,
		`module.m.deployment.d.indigo_file.f[1]`,
	} {
		a, diags := ParseInstanceAddr(s)
		if diags.HasErrors() {
			t.Errorf("%s: %s", s, diags.Error())
			continue
		}
		if got := a.String(); got != s {
			t.Errorf("round trip: got %s, want %s", got, s)
		}
	}
}

func TestParseInstanceAddrErrors(t *testing.T) {
	for _, s := range []string{``, `aws_instance`, `data.x`, `module.m`, `aws_instance.web[0].id`, `aws_instance.web[true]`, `a.b[-1]`, `"x"`} {
		if _, diags := ParseInstanceAddr(s); !diags.HasErrors() {
			t.Errorf("%q: expected an error", s)
		}
	}
}

func TestInstanceAddrComparableAndOrdered(t *testing.T) {
	a, _ := ParseInstanceAddr(`module.m[1].x_y.z[2]`)
	b := ResourceAddr{Mode: ManagedMode, Type: "x_y", Name: "z"}.Instance(RootModule.Child(ModuleStep, "m", IntKey(1)), IntKey(2))
	set := map[InstanceAddr]bool{a: true}
	if !set[b] {
		t.Fatalf("parsed and built addresses differ: %#v vs %#v", a, b)
	}
	addrs := []InstanceAddr{}
	for _, s := range []string{`b.x["a"]`, `b.x[10]`, `b.x[2]`, `a.x`, `data.z.z`, `module.a.a.a`} {
		x, _ := ParseInstanceAddr(s)
		addrs = append(addrs, x)
	}
	SortInstanceAddrs(addrs)
	var got []string
	for _, x := range addrs {
		got = append(got, x.String())
	}
	want := []string{`data.z.z`, `a.x`, `b.x[2]`, `b.x[10]`, `b.x["a"]`, `module.a.a.a`}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order: got %v, want %v", got, want)
		}
	}
}

func TestModuleInstanceSteps(t *testing.T) {
	m := RootModule.Child(ModuleStep, "net", StringKey("eu")).Child(DeploymentStep, "galaxy", NoKey)
	if m.String() != `module.net["eu"].deployment.galaxy` {
		t.Fatalf("got %s", m)
	}
	parent, last := m.Parent()
	if parent.String() != `module.net["eu"]` || last.Kind != DeploymentStep || last.Name != "galaxy" {
		t.Fatalf("parent %s last %v", parent, last)
	}
	if m.Static() != "module.net.deployment.galaxy" {
		t.Fatalf("static %s", m.Static())
	}
}

func TestParseRef(t *testing.T) {
	tests := []struct {
		src, want, remaining string
		wantErr              bool
	}{
		{src: `var.region`, want: `var.region`},
		{src: `local.tags.env`, want: `local.tags`, remaining: ".env"},
		{src: `aws_instance.web[0].id`, want: `aws_instance.web[0]`, remaining: ".id"},
		{src: `aws_instance.web.*.id`, want: `aws_instance.web`},
		{src: `data.aws_ami.x.id`, want: `data.aws_ami.x`, remaining: ".id"},
		{src: `module.net.vpc_id`, want: `module.net.vpc_id`},
		{src: `module.net["a"].vpc_id`, want: `module.net["a"].vpc_id`},
		{src: `count.index`, want: `count.index`},
		{src: `each.value.name`, want: `each.value`, remaining: ".name"},
		{src: `path.module`, want: `path.module`},
		{src: `terraform.workspace`, want: `terraform.workspace`},
		{src: `self.id`, want: `self`, remaining: ".id"},
		{src: `site.cnaf.location`, want: `site.cnaf`, remaining: ".location"},
		{src: `deployment.galaxy.outputs`, want: `deployment.galaxy`, remaining: ".outputs"},
		{src: `group.cms`, want: `group.cms`},
		{src: `var`, wantErr: true},
		{src: `count.foo`, wantErr: true},
		{src: `each.item`, wantErr: true},
		{src: `path.home`, wantErr: true},
		{src: `nosuch`, wantErr: true},
		{src: `var[0]`, wantErr: true},
		{src: `data.x`, wantErr: true},
	}
	for _, tt := range tests {
		expr, diags := hclsyntax.ParseExpression([]byte(tt.src), "t.hcl", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", tt.src, diags.Error())
		}
		travs := expr.Variables()
		if len(travs) != 1 {
			t.Fatalf("%s: %d traversals", tt.src, len(travs))
		}
		ref, diags := ParseRef(travs[0])
		if tt.wantErr {
			if !diags.HasErrors() {
				t.Errorf("%s: expected an error, got %v", tt.src, ref.Subject)
			} else if diags[0].Subject == nil {
				t.Errorf("%s: error without a range", tt.src)
			}
			continue
		}
		if diags.HasErrors() {
			t.Errorf("%s: %s", tt.src, diags.Error())
			continue
		}
		if got := ref.Subject.String(); got != tt.want {
			t.Errorf("%s: subject %s, want %s", tt.src, got, tt.want)
		}
		if tt.remaining != "" {
			if len(ref.Remaining) != 1 {
				t.Errorf("%s: remaining %d steps", tt.src, len(ref.Remaining))
			}
		}
	}
}

func TestParseProviderSource(t *testing.T) {
	tests := []struct{ in, want string }{
		{"aws", "registry.terraform.io/hashicorp/aws"},
		{"hashicorp/aws", "registry.terraform.io/hashicorp/aws"},
		{"terraform-provider-openstack/openstack", "registry.terraform.io/terraform-provider-openstack/openstack"},
		{"example.com/Org/Thing", "example.com/org/thing"},
		{"indigo", "indigo.dev/builtin/indigo"},
	}
	for _, tt := range tests {
		p, err := ParseProviderSource(tt.in)
		if err != nil || p.String() != tt.want {
			t.Errorf("%s: got %v %v, want %s", tt.in, p, err, tt.want)
		}
	}
	for _, bad := range []string{"", "a//b", "a/b/c/d", "ns/terraform-provider-x", "ns/-x"} {
		if _, err := ParseProviderSource(bad); err == nil {
			t.Errorf("%q: expected an error", bad)
		}
	}
	pc := ProviderConfigAddr{Module: RootPath.Child(ModuleStep, "m"), Provider: ImpliedProvider("aws"), Alias: "west"}
	if pc.String() != `module.m.provider["registry.terraform.io/hashicorp/aws"].west` {
		t.Errorf("provider config addr: %s", pc)
	}
}
