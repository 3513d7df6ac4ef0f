package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indigo-cloud/indigo/internal/osdouble"
	"github.com/indigo-cloud/indigo/providers/plugin/plugintest"
)

// BenchmarkPlan1000Components10Sites is `indigo plan` (in process, the real
// planner and ranking) of 100 deployments of 10 TOSCA components each over
// 10 sites of mixed kinds: two local and two kubernetes sites (the built-in
// provider, started as a plugin as every command starts it), two OpenStack
// sites (the real terraform-provider-openstack against the OpenStack
// double, with a catalogue to choose flavors and images from), two Slurm
// sites (batch jobs) and two S3 sites holding the copies of two storages.
// Each deployment is ranked over the two sites of one kind. One op is one
// whole plan, from loading the configuration to the rendered plan;
// cpu-ms/plan counts indigo's CPU and its provider processes'.
func BenchmarkPlan1000Components10Sites(b *testing.B) { benchPlanMixed(b, 100) }

// BenchmarkPlan500Components10Sites is the same with half the deployments:
// beside the 1,000 it shows how a plan grows with its size.
func BenchmarkPlan500Components10Sites(b *testing.B) { benchPlanMixed(b, 50) }

// benchPlanMixed plans n deployments of 10 components over the 10 sites.
func benchPlanMixed(b *testing.B, n int) {
	bin := plugintest.RealProvider(b, plugintest.OpenStackModule, plugintest.OpenStackVersion)
	cloud, err := osdouble.Start(osdouble.Config{
		Flavors: []osdouble.Flavor{{ID: "1", Name: "m1.small", VCPUs: 1, RAM: 2048, Disk: 20}, {ID: "2", Name: "m1.medium", VCPUs: 2, RAM: 4096, Disk: 40}},
		Images:  []osdouble.Image{{ID: "2f1c5e0a-7d3b-4a59-9c61-0e8a4b6f2d11", Name: "ubuntu-22.04"}},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(cloud.Close)
	netID := cloud.AddNetwork("private", "10.0.0.0/24", false)
	rc := filepath.Join(b.TempDir(), "terraformrc")
	if err := os.WriteFile(rc, []byte("provider_installation {\n  dev_overrides {\n    \"terraform-provider-openstack/openstack\" = \""+filepath.Dir(bin)+"\"\n  }\n  direct {}\n}\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	b.Setenv("TF_CLI_CONFIG_FILE", rc)
	b.Setenv("HOME", b.TempDir())
	dir := b.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	writeConfig(b, dir, mixedSitesConfig(n, cloud.AuthURL(), netID, kubeconfig))
	for name, text := range map[string]string{"servers.yaml": benchServers, "jobs.yaml": benchJobs, "containers.yaml": benchContainers, "kubeconfig": benchKubeconfig} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	// The first plan builds and caches what later ones reuse (the built-in
	// provider's binary); it is not measured.
	if out, code := runIn(b, dir, "plan"); code != 0 {
		b.Fatalf("indigo plan: exit %d\n%s", code, out)
	} else if want := fmt.Sprintf("Plan: %d to add, 0 to change, 0 to destroy.", 10*n+6); !strings.Contains(out, want) {
		// A resource per component, and the storages' buckets and
		// replications.
		b.Fatalf("indigo plan does not say %q:\n%s", want, out)
	} else {
		// Deployment i goes to the sites of kind i mod 4.
		for k, kind := range []string{"local", "os", "kube", "slurm"} {
			if got, want := strings.Count(out, "will be placed on site "+kind+"_"), (n-k+3)/4; got != want {
				b.Fatalf("%d deployments placed on %s sites, want %d:\n%s", got, kind, want, out)
			}
		}
	}
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	b.ResetTimer()
	for range b.N {
		if out, code := runIn(b, dir, "plan"); code != 0 {
			b.Fatalf("indigo plan: exit %d\n%s", code, out)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime(b)-cpu0).Milliseconds())/float64(b.N), "cpu-ms/plan")
}

// mixedSitesConfig is the benchmark's configuration: 10 sites, n
// deployments of 10 components, 2 storages.
func mixedSitesConfig(n int, authURL, netID, kubeconfig string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, `indigo {
  required_providers {
    indigo    = { source = "indigo.dev/builtin/indigo" }
    openstack = { source = "terraform-provider-openstack/openstack" }
  }
}
`)
	for _, s := range []string{"a", "b"} {
		fmt.Fprintf(&sb, `
provider "indigo" {
  alias = "local_%[1]s"
  root  = "sites/%[1]s"
}

site "local_%[1]s" {
  provider = indigo.local_%[1]s
  kind     = "local"
  location = "IT"
}

provider "openstack" {
  alias       = "os_%[1]s"
  auth_url    = %[2]q
  user_name   = "demo"
  password    = "secret"
  tenant_name = "demo"
}

site "os_%[1]s" {
  provider = openstack.os_%[1]s
  kind     = "openstack"
  location = "ES"
  settings {
    network_id = %[3]q
    images     = [{ name = "ubuntu-22.04", type = "linux", distribution = "ubuntu", version = "22.04", id = "2f1c5e0a-7d3b-4a59-9c61-0e8a4b6f2d11" }]
    flavors    = [{ name = "m1.small", cpus = 1, memory = "2GiB", disk = "20GiB" }, { name = "m1.medium", cpus = 2, memory = "4GiB", disk = "40GiB" }]
  }
}

site "kube_%[1]s" {
  kind     = "kubernetes"
  location = "DE"
  settings {
    kubeconfig = %[4]q
    namespace  = "bench-%[1]s"
  }
}

site "slurm_%[1]s" {
  kind     = "slurm"
  location = "IT"
  settings {
    work_dir = "batch-%[1]s"
  }
}

site "s3_%[1]s" {
  kind     = "s3"
  location = "FR"
  settings {
    endpoint   = "http://127.0.0.1:1"
    access_key = "bench"
    secret_key = "bench-secret"
  }
}
`, s, authURL, netID, kubeconfig)
	}
	kinds := []struct{ prefix, template string }{{"local", "containers.yaml"}, {"os", "servers.yaml"}, {"kube", "containers.yaml"}, {"slurm", "jobs.yaml"}}
	for i := range n {
		k := kinds[i%len(kinds)]
		fmt.Fprintf(&sb, `
deployment "d%03d" {
  template = %q
  placement { sites = [site.%s_a, site.%s_b] }
}
`, i, k.template, k.prefix, k.prefix)
	}
	for _, st := range []string{"archive", "results"} {
		fmt.Fprintf(&sb, `
storage %q {
  qos {
    copies = 2
  }
  placement {
    sites = [site.s3_a, site.s3_b]
  }
}
`, st)
	}
	return sb.String()
}

// benchServers: 5 servers and 5 volumes, for OpenStack sites.
var benchServers = benchTemplate(func(i int) string {
	if i%2 == 0 {
		return fmt.Sprintf(`    node%d:
      type: tosca.nodes.Compute
      capabilities:
        host:
          properties: { num_cpus: %d, mem_size: 1 GB }
        os:
          properties: { type: linux, distribution: ubuntu, version: 22.04 }
`, i, 1+i%4/2)
	}
	return fmt.Sprintf(`    vol%d:
      type: tosca.nodes.BlockStorage
      properties: { size: %d GB }
`, i, i)
})

// benchContainers: 10 Docker containers, for local and kubernetes sites.
var benchContainers = benchTemplate(func(i int) string {
	return fmt.Sprintf(`    app%d:
      type: tosca.nodes.indigo.Container.Application.Docker
      properties:
        command: "sleep 3600"
        environment_variables: { INDEX: "%d" }
      artifacts:
        image:
          file: "oci:images/busybox:%d"
          type: tosca.artifacts.Deployment.Image.Container.Docker
`, i, i, i)
})

// benchJobs: 10 batch jobs, for Slurm sites.
var benchJobs = benchTemplate(func(i int) string {
	return fmt.Sprintf(`    job%d:
      type: tosca.nodes.indigo.Qcg.Job
      properties:
        executable: "echo $INDEX"
        environment: { INDEX: "%d" }
`, i, i)
})

func benchTemplate(node func(i int) string) string {
	var sb strings.Builder
	sb.WriteString("tosca_definitions_version: tosca_simple_yaml_1_0\nimports:\n  - indigo_custom_types: https://raw.githubusercontent.com/indigo-dc/tosca-types/master/custom_types.yaml\ntopology_template:\n  node_templates:\n")
	for i := range 10 {
		sb.WriteString(node(i))
	}
	return sb.String()
}

// benchKubeconfig names a cluster nothing listens at: planning new objects
// does not reach it.
const benchKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: bench
  cluster: { server: "https://127.0.0.1:1" }
users:
- name: bench
  user: { token: bench }
contexts:
- name: bench
  context: { cluster: bench, user: bench }
current-context: bench
`
