package main

import (
	"cmp"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/internal/osdouble"
	"github.com/indigo-cloud/indigo/providers/plugin/plugintest"
)

// TestOpenStackExamples applies the OpenStack examples end to end through
// the real terraform-provider-openstack against osdouble, the HTTP double
// of the published Keystone, Nova, Glance, Cinder and Neutron APIs
// (OpenStack itself cannot run here): validate, plan, apply, a second
// plan with nothing to do, a server deleted behind indigo's back seen and
// created again, destroy, and what the cloud holds after each.
func TestOpenStackExamples(t *testing.T) {
	bin := plugintest.RealProvider(t, plugintest.OpenStackModule, plugintest.OpenStackVersion)
	for _, ex := range []openStackExample{{
		name: "uc2-galaxy-batch",
		// wn_num = 2 in main.hcl; placed on bari (its image ids).
		servers: map[string]string{"lrms_fe_server": "m1.large", "lrms_wn_server-0": "m1.medium", "lrms_wn_server-1": "m1.medium"},
		public:  "lrms_fe_server",
		ingress: []int{80},
		// Its batch part runs on a Slurm cluster (slurm_test.go).
		batch: uc2Batch,
	}, {
		name: "uc3-medical-imaging",
		// gpu_nodes = 2: one GPU each (g1.large), the PACS server 4 cpus 16 GB.
		servers: map[string]string{"pacs_server": "m1.xlarge", "gpu_node-0": "g1.large", "gpu_node-1": "g1.large"},
		public:  "pacs_server",
		volumes: map[string]string{"image_archive": "pacs_server"},
		// The PACS's configure step runs on its server at boot.
		userData: map[string][]string{"pacs_server": {
			"fetch 'https://example.org/playbooks/orthanc.yml' 02-pacs-configure.yml",
			"ansible-galaxy role install -p roles 'grycap.orthanc'",
			"ansible-playbook -i localhost, -c local 02-pacs-configure.yml",
		}},
	}, {
		name: "uc4-cms-cluster",
		// workers = 4.
		servers: map[string]string{"mesos_master_server": "m1.large", "mesos_slave_server-0": "m1.xlarge", "mesos_slave_server-1": "m1.xlarge",
			"mesos_slave_server-2": "m1.xlarge", "mesos_slave_server-3": "m1.xlarge"},
		public: "mesos_master_server",
	}} {
		t.Run(ex.name, func(t *testing.T) { testOpenStackExample(t, bin, ex) })
	}
}

// openStackExample is what an example must create in the cloud.
type openStackExample struct {
	name string
	// servers are the servers by name, with their flavor.
	servers map[string]string
	// public is the server whose port gets the one floating IP.
	public string
	// volumes are the volumes by name, with the server they are attached to.
	volumes map[string]string
	// ingress are the tcp ports the public server's security group opens
	// (its endpoint's ports); none: it has no security group of its own.
	ingress []int
	// batch, when set, is the example's batch part: it starts what the
	// example needs, sets its variables, and returns what to check after
	// apply and after destroy.
	batch func(t *testing.T) (afterApply func(dir, applied string), afterDestroy func(dir string))
	// userData are lines the boot scripts (user_data) of servers must
	// hold: the configuration steps they run.
	userData map[string][]string
}

// exampleImages are the image ids the examples' site catalogues name.
var exampleImages = map[string]string{
	"2f1c5e0a-7d3b-4a59-9c61-0e8a4b6f2d11": "ubuntu-22.04", "5b7e9d42-1c8a-4f3e-b0d6-93a2c4e1f7a8": "centos-7",
	"a83d1f60-4e2b-49c7-8d15-6f0b2e9c3a74": "ubuntu-22.04", "9e4a2c71-3b58-4d06-a1f9-7c2e5d8b0f63": "ubuntu-22.04",
	"c15f8b3e-6a92-4e7d-8b04-2d9f1a6c5e38": "ubuntu-22.04", "7d2e9a14-5c3b-4f81-9e60-1b8c4a7f2d95": "centos-7",
	"e4b81c26-9f3a-47d5-a2e8-5c0d7b3f9a61": "centos-7", "3a6f0d58-2b7e-4c19-8f4a-d9e1c5b2a073": "alma-9",
}

func testOpenStackExample(t *testing.T, bin string, ex openStackExample) {
	cfg := osdouble.Config{UserName: "indigo", Password: "s3cret", ProjectName: "research", Flavors: []osdouble.Flavor{
		{ID: "1", Name: "m1.small", VCPUs: 1, RAM: 2048, Disk: 20}, {ID: "2", Name: "m1.medium", VCPUs: 2, RAM: 4096, Disk: 40},
		{ID: "3", Name: "m1.large", VCPUs: 4, RAM: 8192, Disk: 80}, {ID: "4", Name: "m1.xlarge", VCPUs: 8, RAM: 16384, Disk: 160},
		{ID: "5", Name: "m1.2xlarge", VCPUs: 16, RAM: 32768, Disk: 320}, {ID: "6", Name: "g1.large", VCPUs: 8, RAM: 32768, Disk: 100},
		{ID: "7", Name: "g2.xlarge", VCPUs: 16, RAM: 65536, Disk: 200},
	}}
	for id, name := range exampleImages {
		cfg.Images = append(cfg.Images, osdouble.Image{ID: id, Name: name})
	}
	cloud, err := osdouble.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cloud.Close)
	t.Cleanup(func() {
		if t.Failed() {
			for _, r := range cloud.Requests() {
				t.Logf("double: %s", r)
			}
		}
	})
	netID := cloud.AddNetwork("private", "10.0.0.0/24", false)
	cloud.AddNetwork("public", "203.0.113.0/24", true)

	rc := filepath.Join(t.TempDir(), "terraformrc")
	if err := os.WriteFile(rc, []byte("provider_installation {\n  dev_overrides {\n    \"terraform-provider-openstack/openstack\" = \""+filepath.Dir(bin)+"\"\n  }\n  direct {}\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TF_CLI_CONFIG_FILE", rc)
	t.Setenv("HOME", t.TempDir())
	t.Setenv("INDIGO_VAR_auth_url", cloud.AuthURL())
	t.Setenv("INDIGO_VAR_user_name", "indigo")
	t.Setenv("INDIGO_VAR_password", "s3cret")
	t.Setenv("INDIGO_VAR_tenant_name", "research")
	t.Setenv("INDIGO_VAR_network_id", netID)
	afterApply, afterDestroy := func(string, string) {}, func(string) {}
	if ex.batch != nil {
		afterApply, afterDestroy = ex.batch(t)
	}
	dir := copyExample(t, ex.name)

	step := func(want int, args ...string) string {
		t.Helper()
		out, code := runIn(t, dir, args...)
		if code != want {
			t.Fatalf("indigo %s: exit %d, want %d\n%s", strings.Join(args, " "), code, want, out)
		}
		return out
	}
	step(0, "validate")
	step(0, "plan")
	applied := step(0, "apply", "-auto-approve")
	afterApply(dir, applied)

	flavorName := map[string]string{}
	for _, f := range cloud.Flavors() {
		flavorName[f.ID] = f.Name
	}
	byName := map[string]osdouble.ServerRecord{}
	byID := map[string]string{}
	for _, sv := range cloud.Servers() {
		t.Logf("server %s: flavor %s, image %s (%s), ports %v, volumes %v", sv.Name, flavorName[sv.FlavorID], sv.ImageID, exampleImages[sv.ImageID], sv.Ports, sv.Volumes)
		byName[sv.Name], byID[sv.ID] = sv, sv.Name
		want, ok := ex.servers[sv.Name]
		switch {
		case !ok:
			t.Errorf("server %s was not asked for", sv.Name)
		case flavorName[sv.FlavorID] != want:
			t.Errorf("server %s has flavor %s, want %s (the plan's choice)", sv.Name, flavorName[sv.FlavorID], want)
		}
		for _, line := range ex.userData[sv.Name] {
			if !strings.Contains(sv.UserData, line+"\n") {
				t.Errorf("server %s's boot script lacks %q:\n%s", sv.Name, line, sv.UserData)
			}
		}
		if exampleImages[sv.ImageID] == "" || len(sv.Ports) != 1 {
			t.Errorf("server %s: image %q, ports %v: want an image of the site's catalogue and one port", sv.Name, sv.ImageID, sv.Ports)
		}
	}
	if len(byName) != len(ex.servers) {
		t.Errorf("%d servers in the cloud, want %d: %v", len(byName), len(ex.servers), ex.servers)
	}
	for _, v := range cloud.Volumes() {
		t.Logf("volume %s: %d GiB, attached to %s as %s", v.Name, v.Size, byID[v.ServerID], v.Device)
		if want := ex.volumes[v.Name]; byID[v.ServerID] != want {
			t.Errorf("volume %s is attached to %q, want %q", v.Name, byID[v.ServerID], want)
		}
	}
	if n := len(cloud.Volumes()); n != len(ex.volumes) {
		t.Errorf("%d volumes in the cloud, want %d", n, len(ex.volumes))
	}
	fips := cloud.FloatingIPs()
	if len(fips) != 1 || fips[0].PortID == nil || len(byName[ex.public].Ports) == 0 || *fips[0].PortID != byName[ex.public].Ports[0] {
		t.Errorf("floating IPs %+v: want one, associated with %s's port", fips, ex.public)
	} else if !strings.Contains(applied, fips[0].FloatingIPAddress) {
		t.Errorf("the outputs do not show the public address %s:\n%s", fips[0].FloatingIPAddress, applied)
	}
	var ingress []int
	for _, g := range cloud.SecurityGroups() {
		for _, r := range cloud.SecurityGroupRules(g.ID) {
			if r.Direction == "ingress" && r.PortRangeMin != nil {
				ingress = append(ingress, *r.PortRangeMin)
			}
		}
	}
	var publicGroups []string
	for _, p := range cloud.Ports() {
		if len(byName[ex.public].Ports) > 0 && p.ID == byName[ex.public].Ports[0] {
			publicGroups = p.SecurityGroups
		}
	}
	if fmt.Sprint(ingress) != fmt.Sprint(ex.ingress) || len(ex.ingress) > 0 && len(publicGroups) != 1 {
		t.Errorf("ingress ports %v (groups of %s's port: %v), want %v", ingress, ex.public, publicGroups, ex.ingress)
	}

	step(0, "plan", "-detailed-exitcode")

	// Drift: a worker deleted behind indigo's back is seen by the next plan
	// and created again by apply.
	var gone string
	for _, name := range slices.Sorted(maps.Keys(ex.servers)) {
		if name != ex.public {
			gone = name
			break
		}
	}
	if !cloud.DeleteServer(byName[gone].ID) {
		t.Fatalf("no server %s to delete", gone)
	}
	if out := step(2, "plan", "-detailed-exitcode"); !strings.Contains(out, "1 to add") {
		t.Errorf("the plan after %s was deleted does not create it again:\n%s", gone, out)
	}
	step(0, "apply", "-auto-approve")
	if n := len(cloud.Servers()); n != len(ex.servers) {
		t.Errorf("after converging: %d servers, want %d", n, len(ex.servers))
	}
	step(0, "plan", "-detailed-exitcode")

	step(0, "destroy", "-auto-approve")
	afterDestroy(dir)
	if n, v, f, g := len(cloud.Servers()), len(cloud.Volumes()), len(cloud.FloatingIPs()), len(cloud.SecurityGroups()); n+v+f+g != 0 {
		t.Errorf("after destroy: %d servers, %d volumes, %d floating IPs, %d security groups left", n, v, f, g)
	}
	for _, p := range cloud.Ports() {
		t.Errorf("after destroy: port %s (%s) left", p.ID, p.Name)
	}
}

// TestOpenStackNetworkComponent: a TOSCA Network with a cidr becomes a
// network and a subnet in the cloud, and destroy removes both.
func TestOpenStackNetworkComponent(t *testing.T) {
	cloud, dir := openStackTemplate(t, osdouble.Config{}, "", "", `tosca_definitions_version: tosca_simple_yaml_1_0
topology_template:
  node_templates:
    lab:
      type: tosca.nodes.network.Network
      properties:
        network_name: lab-net
        cidr: 10.1.0.0/24
        ip_version: 4
`)
	step := stepIn(t, dir)
	step(0, "apply", "-auto-approve")
	nets, subnets := cloud.Networks(), cloud.Subnets()
	if len(nets) != 1 || nets[0].Name != "lab-net" || len(subnets) != 1 || subnets[0].CIDR != "10.1.0.0/24" || subnets[0].NetworkID != nets[0].ID {
		t.Fatalf("networks %+v, subnets %+v: want lab-net with 10.1.0.0/24", nets, subnets)
	}
	step(0, "plan", "-detailed-exitcode")
	step(0, "destroy", "-auto-approve")
	if n, s := len(cloud.Networks()), len(cloud.Subnets()); n+s != 0 {
		t.Errorf("after destroy: %d networks, %d subnets", n, s)
	}
}

// TestOpenStackTemplatePorts: a template's Ports reach its server. A
// private network with a subnet, a port on it with a fixed address and a
// port on the site's network (named by the template's Network) become
// Neutron ports on those networks, the server boots with both in the
// ports' order, the fixed address is the port's and the template reads it;
// a second plan has nothing to do and destroy leaves nothing.
func TestOpenStackTemplatePorts(t *testing.T) {
	const image = "2f1c5e0a-7d3b-4a59-9c61-0e8a4b6f2d11"
	cfg := osdouble.Config{
		Flavors: []osdouble.Flavor{{ID: "1", Name: "m1.small", VCPUs: 1, RAM: 2048, Disk: 20}},
		Images:  []osdouble.Image{{ID: image, Name: "ubuntu-22.04"}},
	}
	settings := `  settings {
    network    = "private"
    network_id = var.network_id
    images     = [{ name = "ubuntu-22.04", type = "linux", distribution = "ubuntu", version = "22.04", id = "` + image + `" }]
    flavors    = [{ name = "m1.small", cpus = 1, memory = "2GiB", disk = "20GiB" }]
  }
`
	outputs := `
output "lab_address" {
  value = deployment.net.outputs.lab_address
}

output "site_address" {
  value = deployment.net.outputs.site_address
}
`
	cloud, dir := openStackTemplate(t, cfg, settings, outputs, `tosca_definitions_version: tosca_simple_yaml_1_0
topology_template:
  node_templates:
    lab:
      type: tosca.nodes.network.Network
      properties:
        network_name: lab-net
        cidr: 10.1.0.0/24
    site_net:
      type: tosca.nodes.network.Network
      properties:
        network_name: private
    node:
      type: tosca.nodes.Compute
      capabilities:
        host:
          properties: { num_cpus: 1, mem_size: 1 GB }
        os:
          properties: { type: linux, distribution: ubuntu, version: 22.04 }
    lab_port:
      type: tosca.nodes.network.Port
      properties:
        order: 1
        ip_address: 10.1.0.50
      requirements:
        - binding: node
        - link: lab
    site_port:
      type: tosca.nodes.network.Port
      properties:
        order: 0
      requirements:
        - binding: node
        - link: site_net
  outputs:
    lab_address:
      value: { get_attribute: [lab_port, ip_address] }
    site_address:
      value: { get_attribute: [site_port, ip_address] }
`)
	siteNet := cloud.AddNetwork("private", "10.0.0.0/24", false)
	t.Setenv("INDIGO_VAR_network_id", siteNet)
	step := stepIn(t, dir)
	step(0, "validate")
	step(0, "plan")
	applied := step(0, "apply", "-auto-approve")

	var labNet string
	for _, n := range cloud.Networks() {
		if n.Name == "lab-net" {
			labNet = n.ID
		}
	}
	servers := cloud.Servers()
	if labNet == "" || len(servers) != 1 {
		t.Fatalf("networks %+v, servers %+v: want lab-net and one server", cloud.Networks(), servers)
	}
	byID := map[string]osdouble.Port{}
	for _, p := range cloud.Ports() {
		byID[p.ID] = p
	}
	sv := servers[0]
	if len(sv.Ports) != 2 || len(byID) != 2 {
		t.Fatalf("server %s has ports %v, the cloud %d: want the template's two", sv.Name, sv.Ports, len(byID))
	}
	// The server boots with site_port (order 0) then lab_port (order 1).
	first, second := byID[sv.Ports[0]], byID[sv.Ports[1]]
	if first.Name != "site_port" || first.NetworkID != siteNet || second.Name != "lab_port" || second.NetworkID != labNet {
		t.Errorf("the server's ports are %s on %s then %s on %s: want site_port on the site's network %s, then lab_port on lab-net %s",
			first.Name, first.NetworkID, second.Name, second.NetworkID, siteNet, labNet)
	}
	for _, p := range []osdouble.Port{first, second} {
		if p.DeviceID != sv.ID {
			t.Errorf("port %s is bound to %q, want the server %s", p.Name, p.DeviceID, sv.ID)
		}
	}
	if len(second.FixedIPs) != 1 || second.FixedIPs[0].IPAddress != "10.1.0.50" {
		t.Errorf("lab_port has addresses %+v, want 10.1.0.50", second.FixedIPs)
	}
	shows := func(name, value string) bool {
		return regexp.MustCompile(`(?m)^` + name + ` +` + regexp.QuoteMeta(`= "`+value+`"`) + `$`).MatchString(applied)
	}
	if len(first.FixedIPs) != 1 || !shows("lab_address", "10.1.0.50") || !shows("site_address", first.FixedIPs[0].IPAddress) {
		t.Errorf("the outputs do not show the ports' addresses (%+v):\n%s", first.FixedIPs, applied)
	}

	step(0, "plan", "-detailed-exitcode")
	// Drift: the server deleted behind indigo's back is seen, and created
	// again with the same ports.
	if !cloud.DeleteServer(sv.ID) {
		t.Fatalf("no server %s to delete", sv.ID)
	}
	step(2, "plan", "-detailed-exitcode")
	step(0, "apply", "-auto-approve")
	if again := cloud.Servers(); len(again) != 1 || fmt.Sprint(again[0].Ports) != fmt.Sprint(sv.Ports) {
		t.Errorf("after converging the servers are %+v: want one with ports %v", again, sv.Ports)
	}
	step(0, "plan", "-detailed-exitcode")
	// Drift: lab_port deleted behind indigo's back is seen, made again with
	// its address, and the server boots with it again.
	if !cloud.DeletePort(second.ID) {
		t.Fatalf("no port %s to delete", second.ID)
	}
	step(2, "plan", "-detailed-exitcode")
	step(0, "apply", "-auto-approve")
	again := cloud.Servers()
	if len(again) != 1 || len(again[0].Ports) != 2 {
		t.Fatalf("after converging the servers are %+v: want one with two ports", again)
	}
	for _, p := range cloud.Ports() {
		if p.ID == again[0].Ports[1] && (p.Name != "lab_port" || len(p.FixedIPs) != 1 || p.FixedIPs[0].IPAddress != "10.1.0.50" || p.DeviceID != again[0].ID) {
			t.Errorf("the server's second port after converging is %+v: want lab_port with 10.1.0.50, bound to it", p)
		}
	}
	step(0, "plan", "-detailed-exitcode")
	step(0, "destroy", "-auto-approve")
	if n, p := len(cloud.Servers()), len(cloud.Ports()); n+p != 0 {
		t.Errorf("after destroy: %d servers, %d ports", n, p)
	}
	if nets := cloud.Networks(); len(nets) != 1 || nets[0].ID != siteNet {
		t.Errorf("after destroy the networks are %+v: want only the site's", nets)
	}
}

// openStackTemplate starts the OpenStack double with cfg and writes a
// configuration that deploys template on one openstack site (with the
// settings block given, which may read var.network_id, and the root
// outputs given), using the real provider. It returns the double and the configuration's directory.
func openStackTemplate(t *testing.T, cfg osdouble.Config, settings, outputs, template string) (*osdouble.Server, string) {
	t.Helper()
	bin := plugintest.RealProvider(t, plugintest.OpenStackModule, plugintest.OpenStackVersion)
	cloud, err := osdouble.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cloud.Close)
	t.Cleanup(func() {
		if t.Failed() {
			for _, r := range cloud.Requests() {
				t.Logf("double: %s", r)
			}
		}
	})
	rc := filepath.Join(t.TempDir(), "terraformrc")
	if err := os.WriteFile(rc, []byte("provider_installation {\n  dev_overrides {\n    \"terraform-provider-openstack/openstack\" = \""+filepath.Dir(bin)+"\"\n  }\n  direct {}\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TF_CLI_CONFIG_FILE", rc)
	t.Setenv("HOME", t.TempDir())
	dir := t.TempDir()
	main := `indigo {
  required_providers {
    openstack = { source = "terraform-provider-openstack/openstack" }
  }
}

variable "network_id" {
  type    = string
  default = ""
}

provider "openstack" {
  auth_url    = "` + cloud.AuthURL() + `"
  user_name   = "` + cmp.Or(cfg.UserName, "demo") + `"
  password    = "` + cmp.Or(cfg.Password, "secret") + `"
  tenant_name = "` + cmp.Or(cfg.ProjectName, "demo") + `"
}

site "cloud" {
  provider = openstack
  kind     = "openstack"
` + settings + `}

deployment "net" {
  template = "net.yaml"
  placement { sites = [site.cloud] }
}
` + outputs
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "net.yaml"), []byte(template), 0o644); err != nil {
		t.Fatal(err)
	}
	return cloud, dir
}

// stepIn returns a function that runs indigo in dir and fails the test
// unless it exits with want.
func stepIn(t *testing.T, dir string) func(want int, args ...string) string {
	return func(want int, args ...string) string {
		t.Helper()
		out, code := runIn(t, dir, args...)
		if code != want {
			t.Fatalf("indigo %s: exit %d, want %d\n%s", strings.Join(args, " "), code, want, out)
		}
		return out
	}
}
