package planner_test

import (
	"context"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/planner/internal/mockprovider"
)

// catalogueSites: two openstack sites through the mock provider; only
// big has a flavor with a GPU.
const catalogueSites = `
provider "mock" {
  alias = "small"
  name  = "small"
}
provider "mock" {
  alias = "big"
  name  = "big"
}

site "small" {
  provider = mock.small
  kind     = "openstack"
  settings {
    images  = [{ name = "ubuntu-22.04", type = "linux", distribution = "ubuntu", version = "22.04", id = "img-small-u22" }]
    flavors = [{ name = "m1.xlarge", cpus = 16, memory = "64GiB" }]
  }
}
site "big" {
  provider = mock.big
  kind     = "openstack"
  settings {
    images = [
      { name = "centos-7", distribution = "centos", version = "7.9" },
      { name = "ubuntu-22.04", type = "linux", distribution = "ubuntu", version = "22.04", id = "img-big-u22" },
    ]
    flavors = [
      { name = "g1.large", cpus = 8, memory = "32GiB", disk = "100GiB", gpus = 1 },
      { name = "g1.medium", cpus = 4, memory = "16GiB", disk = "80GiB", gpus = 1 },
      { name = "m1.large", cpus = 4, memory = "8GiB", disk = "80GiB" },
    ]
  }
}

deployment "gpu" {
  template = "gpu.yaml"
  placement {
    sites  = [site.small, site.big]
    prefer = [site.small]
  }
}
`

const gpuTemplate = `tosca_definitions_version: tosca_simple_yaml_1_0
imports:
  - indigo_custom_types: https://raw.githubusercontent.com/indigo-dc/tosca-types/master/custom_types.yaml
topology_template:
  inputs:
    mem:
      type: scalar-unit.size
      default: 12 GB
  node_templates:
    worker:
      type: tosca.nodes.indigo.Compute
      capabilities:
        host:
          properties:
            num_cpus: 4
            mem_size: { get_input: mem }
            num_gpus: 1
        os:
          properties:
            type: linux
            distribution: ubuntu
            version: 22.04
`

func catalogueMock() *mockprovider.Mock {
	return mockprovider.New(map[string]map[string]mockprovider.Attr{
		"openstack_compute_instance_v2": {
			"name":         {Type: cty.String, Required: true},
			"image_id":     {Type: cty.String, Optional: true},
			"image_name":   {Type: cty.String, Optional: true},
			"flavor_name":  {Type: cty.String, Optional: true},
			"user_data":    {Type: cty.String, Optional: true},
			"access_ip_v4": {Type: cty.String, Computed: true},
		},
	})
}

// TestCatalogueChoosesFlavorAndImage: the preferred site has no GPU flavor
// and is ruled out, saying so; on the other the server gets the smallest
// flavor that fits and the matching image's id, and the plan says which.
func TestCatalogueChoosesFlavorAndImage(t *testing.T) {
	e := newMockEnv(t, catalogueMock(), map[string]string{"main.hcl": catalogueSites, "gpu.yaml": gpuTemplate})
	p := e.plan(planner.Options{})
	if len(p.Placements) != 1 || p.Placements[0].Sites[0] != "big" {
		t.Fatalf("placements %+v, want big", p.Placements)
	}
	var reasons string
	for _, s := range p.Placements[0].Ranking.Scored {
		if s.Site == "small" {
			reasons = strings.Join(s.Reasons, "; ")
		}
	}
	if want := "no flavor has 4 cpus, 11.18GiB memory, 1 gpus for worker (largest: 16 cpus, 64GiB memory)"; reasons != want {
		t.Errorf("small is rejected with %q, want %q", reasons, want)
	}
	var found bool
	for _, c := range p.Changes {
		if c.Addr.Resource.Type != "openstack_compute_instance_v2" {
			continue
		}
		found = true
		if f := c.After.GetAttr("flavor_name"); f.AsString() != "g1.medium" {
			t.Errorf("flavor %#v, want g1.medium", f)
		}
		if im := c.After.GetAttr("image_id"); im.AsString() != "img-big-u22" {
			t.Errorf("image %#v, want img-big-u22", im)
		}
	}
	if !found {
		t.Fatal("no server in the plan")
	}
	var note string
	for _, n := range p.Notes {
		if n.Subject == "deployment.gpu.component.worker" {
			note = n.Summary
		}
	}
	if want := "deployment.gpu.component.worker on site big: flavor g1.medium (4 cpus, 16GiB memory, 80GiB disk, 1 gpus), image ubuntu-22.04 (linux ubuntu 22.04) id img-big-u22"; note != want {
		t.Errorf("note %q, want %q", note, want)
	}
}

// TestCatalogueNoFit: no candidate has a fit. Plan and validate say the
// same: each site and why.
func TestCatalogueNoFit(t *testing.T) {
	e := newMockEnv(t, catalogueMock(), map[string]string{"main.hcl": catalogueSites,
		"gpu.yaml": strings.Replace(gpuTemplate, "distribution: ubuntu", "distribution: debian", 1)})
	m := e.open()
	defer m.Close(context.Background())
	_, diags := planner.Plan(context.Background(), e.config(), m.State(), e.prov, planner.Options{})
	text := diagText(diags)
	for _, want := range []string{"No site can take deployment.gpu",
		"site small: no flavor has 4 cpus, 11.18GiB memory, 1 gpus for worker (largest: 16 cpus, 64GiB memory); no image is linux debian 22.04 for worker (images: ubuntu-22.04 (linux ubuntu 22.04))",
		"site big: no image is linux debian 22.04 for worker (images: centos-7 (centos 7.9), ubuntu-22.04 (linux ubuntu 22.04))"} {
		if !strings.Contains(text, want) {
			t.Errorf("plan does not say %q:\n%s", want, text)
		}
	}
}
