package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/minio/minio-go/v7"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/providers/builtin"
	"github.com/indigo-cloud/indigo/providers/indigo"
	"github.com/indigo-cloud/indigo/providers/indigo/s3/admin"
	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/local"
)

func TestMain(m *testing.M) {
	// indigo_deployment and indigo_storage re-execute this binary to run
	// indigo's built-in providers.
	builtin.MaybeServe()
	os.Exit(testsrv.Main(m))
}

// cli is a Terraform-compatible command the acceptance tests run with.
type cli struct {
	name string
	path func(t *testing.T) string
	// host is the registry host the CLI gives provider addresses without
	// one.
	host string
}

// clis are the CLIs every acceptance test runs under: the machine's
// terraform, and OpenTofu built from the Go module proxy.
var clis = []cli{
	{"terraform", func(t *testing.T) string {
		p, err := exec.LookPath("terraform")
		if err != nil {
			// Terraform is neither on the Go module proxy nor in Debian,
			// so the tests cannot install it.
			t.Skip("terraform is not on PATH; install Terraform >= 1.11 to run the acceptance tests under it")
		}
		return p
	}, "registry.terraform.io"},
	{"tofu", func(t *testing.T) string {
		// Every test again under OpenTofu doubles the package's time, so
		// make test leaves it to make test-tofu; OpenTofu still installs
		// and runs the released provider and examples/terraform in make
		// test (cmd/terraform-provider-indigo/internal/release).
		if os.Getenv("INDIGO_ACC_TOFU") != "1" {
			t.Skip("the acceptance tests run under OpenTofu with INDIGO_ACC_TOFU=1 (make test-tofu)")
		}
		return testsrv.TofuBinary(t)
	}, "registry.opentofu.org"},
}

// eachCLI runs test under every CLI, with terraform-plugin-testing's
// environment set for it; the provider is served from this process.
func eachCLI(t *testing.T, test func(t *testing.T, tc resource.TestCase) resource.TestCase) {
	for _, c := range clis {
		t.Run(c.name, func(t *testing.T) {
			bin := c.path(t)
			rc := filepath.Join(t.TempDir(), "cli.rc")
			writeFile(t, rc, "")
			t.Setenv("TF_ACC", "1")
			t.Setenv("TF_ACC_TERRAFORM_PATH", bin)
			t.Setenv("TF_ACC_PROVIDER_HOST", c.host)
			t.Setenv("TF_ACC_PROVIDER_NAMESPACE", "indigo-cloud")
			t.Setenv("TF_CLI_CONFIG_FILE", rc)
			t.Setenv("CHECKPOINT_DISABLE", "1")
			resource.Test(t, test(t, resource.TestCase{
				ProtoV6ProviderFactories: map[string]func() (tfprotov6.ProviderServer, error){
					"indigo": func() (tfprotov6.ProviderServer, error) { return indigo.NewProtocol6Server("test")(), nil },
				},
			}))
		})
	}
}

const placementConfig = `
data "indigo_placement" "analysis" {
  sites = [
    { name = "cnaf", location = "IT", sla = { cpus = 64, memory = "256GiB", availability = 0.999 }, cost = { cpu_hour = 0.02 } },
    { name = "desy", location = "DE", sla = { cpus = 32, memory = "128GiB", availability = 0.99 } },
    { name = "tiny", location = "DE", sla = { cpus = 2, memory = "8GiB" } },
  ]
  prefer  = ["desy"]
  require = { cpus = 8, memory = "16GiB" }
}

resource "indigo_noop" "placed" {
  input = { site = data.indigo_placement.analysis.chosen }
}
`

// TestAccPlacement reads indigo_placement and feeds its choice to a
// resource: plan, apply, refresh, a second plan with no changes, destroy
// (a data source has nothing to import).
func TestAccPlacement(t *testing.T) {
	eachCLI(t, func(t *testing.T, tc resource.TestCase) resource.TestCase {
		tc.Steps = []resource.TestStep{
			{
				Config: placementConfig,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("indigo_noop.placed", plancheck.ResourceActionCreate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("data.indigo_placement.analysis", "chosen", "desy"),
					resource.TestCheckResourceAttr("data.indigo_placement.analysis", "outcome", "placed"),
					resource.TestCheckResourceAttr("data.indigo_placement.analysis", "ranked.#", "2"),
					resource.TestCheckResourceAttr("data.indigo_placement.analysis", "ranked.0.site", "desy"),
					resource.TestCheckResourceAttr("data.indigo_placement.analysis", "ranked.0.rank", "1"),
					resource.TestCheckResourceAttr("data.indigo_placement.analysis", "ranked.1.site", "cnaf"),
					resource.TestCheckResourceAttr("data.indigo_placement.analysis", "ranked.0.parts.#", "6"),
					resource.TestCheckResourceAttr("data.indigo_placement.analysis", "ranked.0.parts.0.criterion", "preference"),
					resource.TestCheckResourceAttr("data.indigo_placement.analysis", "rejected.0.site", "tiny"),
					resource.TestCheckResourceAttr("data.indigo_placement.analysis", "rejected.0.reasons.0", "needs 8 cpus, 2 left under the SLA (2 - 0 used)"),
					resource.TestMatchResourceAttr("data.indigo_placement.analysis", "explanation", mustRegexp(`(?s)placed on site desy.*x tiny .*rejected: needs 8 cpus`)),
					resource.TestCheckResourceAttr("indigo_noop.placed", "input.site", "desy"),
				),
			},
			{RefreshState: true},
			{Config: placementConfig, PlanOnly: true},
		}
		return tc
	})
}

const appTemplate = `tosca_definitions_version: tosca_simple_yaml_1_0
imports:
  - indigo_custom_types: https://raw.githubusercontent.com/indigo-dc/tosca-types/master/custom_types.yaml
topology_template:
  inputs:
    cpus:
      type: integer
      default: 1
  node_templates:
    server:
      type: tosca.nodes.indigo.Compute
      capabilities:
        host:
          properties:
            num_cpus: { get_input: cpus }
            mem_size: 1 GB
  outputs:
    cpus:
      value: { get_input: cpus }
`

func deploymentConfig(backend, template string, cpus int) string {
	return fmt.Sprintf(`
provider "indigo" {
  backend {
%s
  }
}

resource "indigo_deployment" "app" {
  name     = "app"
  template = %q
  inputs   = { cpus = %d }
  sites = [
    { name = "alpha", location = "IT", sla = { cpus = 8, memory = "16GiB" } },
    { name = "beta", location = "DE", sla = { cpus = 2, memory = "2GiB" } },
  ]
  require = { cpus = %d }
}
`, backend, template, cpus, cpus)
}

// TestAccDeployment deploys a TOSCA template with indigo's engine, its
// indigo state in a local backend directory: plan, apply, refresh, import
// by id, no-change plan, drift noticed and converged, an in-place update
// of the inputs, destroy.
func TestAccDeployment(t *testing.T) {
	eachCLI(t, func(t *testing.T, tc resource.TestCase) resource.TestCase {
		dir := t.TempDir()
		template := filepath.Join(dir, "app.yaml")
		writeFile(t, template, appTemplate)
		states := filepath.Join(dir, "states")
		backend := fmt.Sprintf("    path = %q", states)
		server := filepath.Join(dir, "hosts", "server")
		cfg := deploymentConfig(backend, template, 4)
		tc.CheckDestroy = func(*terraform.State) error {
			if _, err := os.Stat(server); !os.IsNotExist(err) {
				return fmt.Errorf("%s still exists after destroy (%v)", server, err)
			}
			for _, id := range []string{"app", "app2"} {
				if st := readLocalState(t, filepath.Join(states, id+".indigo.state")); st != nil && len(st.Resources) > 0 {
					return fmt.Errorf("the indigo state of %s still records %d resources after destroy", id, len(st.Resources))
				}
			}
			return nil
		}
		tc.Steps = []resource.TestStep{
			{
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("indigo_deployment.app", "id", "app"),
					resource.TestCheckResourceAttr("indigo_deployment.app", "site", "alpha"),
					resource.TestCheckResourceAttr("indigo_deployment.app", "placements.deployment.app", "alpha"),
					resource.TestCheckResourceAttr("indigo_deployment.app", "outputs.cpus", "4"),
					resource.TestCheckResourceAttr("indigo_deployment.app", "converged", "true"),
					func(*terraform.State) error {
						if _, err := os.Stat(server); err != nil {
							return fmt.Errorf("the deployment's directory: %v", err)
						}
						if st := readLocalState(t, filepath.Join(states, "app.indigo.state")); st == nil || len(st.Resources) != 1 {
							return fmt.Errorf("the indigo state in the backend does not record the deployment: %+v", st)
						}
						return nil
					},
				),
			},
			{RefreshState: true},
			{ResourceName: "indigo_deployment.app", ImportState: true, ImportStateId: "app", ImportStateVerify: true},
			{Config: cfg, PlanOnly: true},
			{
				// Drift: the directory removed outside is noticed and
				// recreated.
				PreConfig: func() {
					if err := os.Remove(server); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("indigo_deployment.app", plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					_, err := os.Stat(server)
					return err
				},
			},
			{
				// New inputs: updated in place.
				Config: deploymentConfig(backend, template, 6),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("indigo_deployment.app", plancheck.ResourceActionUpdate),
				}},
				Check: resource.TestCheckResourceAttr("indigo_deployment.app", "outputs.cpus", "6"),
			},
			{
				// Another name is another deployment: replaced, the old
				// one's indigo state emptied.
				Config: strings.Replace(deploymentConfig(backend, template, 6), `name     = "app"`, `name     = "app2"`, 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("indigo_deployment.app", plancheck.ResourceActionReplace),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("indigo_deployment.app", "id", "app2"),
					func(*terraform.State) error {
						if st := readLocalState(t, filepath.Join(states, "app.indigo.state")); st != nil && len(st.Resources) > 0 {
							return fmt.Errorf("the replaced deployment's state still records %d resources", len(st.Resources))
						}
						if st := readLocalState(t, filepath.Join(states, "app2.indigo.state")); st == nil || len(st.Resources) != 1 {
							return fmt.Errorf("the new deployment's state: %+v", st)
						}
						_, err := os.Stat(server)
						return err
					},
				),
			},
		}
		return tc
	})
}

// TestAccDeploymentBackends keeps the deployment's indigo state in
// PostgreSQL and in S3 instead of a local directory.
func TestAccDeploymentBackends(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts PostgreSQL and MinIO")
	}
	conn := testsrv.Postgres(t)
	m := testsrv.StartMinIO(t, testsrv.MinIOOptions{})
	if err := m.Client(t).MakeBucket(context.Background(), "states", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	backends := map[string]string{
		"pg": fmt.Sprintf("    type = \"pg\"\n    conn_str = %q", conn),
		"s3": fmt.Sprintf("    type = \"s3\"\n    bucket = \"states\"\n    prefix = \"tf/\"\n    endpoint = %q\n    access_key = %q\n    secret_key = %q\n    region = \"us-east-1\"",
			m.Endpoint, m.AccessKey, m.SecretKey),
	}
	for _, name := range []string{"pg", "s3"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			template := filepath.Join(dir, "app.yaml")
			writeFile(t, template, appTemplate)
			cfg := deploymentConfig(backends[name], template, 2)
			c := clis[0]
			t.Setenv("TF_ACC", "1")
			t.Setenv("TF_ACC_TERRAFORM_PATH", c.path(t))
			t.Setenv("TF_ACC_PROVIDER_NAMESPACE", "indigo-cloud")
			rc := filepath.Join(dir, "cli.rc")
			writeFile(t, rc, "")
			t.Setenv("TF_CLI_CONFIG_FILE", rc)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: map[string]func() (tfprotov6.ProviderServer, error){
					"indigo": func() (tfprotov6.ProviderServer, error) { return indigo.NewProtocol6Server("test")(), nil },
				},
				Steps: []resource.TestStep{
					{
						Config: cfg,
						Check: func(*terraform.State) error {
							if _, err := os.Stat(filepath.Join(dir, ".indigo-state")); !os.IsNotExist(err) {
								return fmt.Errorf("a local state directory was written: %v", err)
							}
							if name == "s3" {
								_, err := m.Client(t).StatObject(context.Background(), "states", "tf/app.indigo.state", minio.StatObjectOptions{})
								return err
							}
							return nil
						},
					},
					{ResourceName: "indigo_deployment.app", ImportState: true, ImportStateId: "app", ImportStateVerify: true},
					{Config: cfg, PlanOnly: true},
				},
			})
		})
	}
}

func storageConfig(states string, a, b *testsrv.MinIO, copies int, actions string) string {
	return fmt.Sprintf(`
provider "indigo" {
  backend {
    path = %q
  }
}

resource "indigo_group" "cms" {
  name   = "cms"
  issuer = "http://127.0.0.1:5556/dex"
  claim  = "cms"
}

resource "indigo_policy" "cms_read" {
  name    = "cms_read"
  groups  = [indigo_group.cms.spec]
  actions = %s
}

resource "indigo_storage" "archive" {
  name = "archive"
  sites = [
    { name = "a", location = "IT", endpoint = %q, access_key = %q, secret_key = %q },
    { name = "b", location = "DE", endpoint = %q, access_key = %q, secret_key = %q },
  ]
  qos             = { copies = %d }
  lifecycle_rules = [{ after = "30d", expire = true, noncurrent = true }]
  prefer          = ["a"]
  access          = [indigo_policy.cms_read.spec]
  force_destroy   = true
}
`, states, actions, a.Endpoint, a.AccessKey, a.SecretKey, b.Endpoint, b.AccessKey, b.SecretKey, copies)
}

// TestAccStorage applies a storage with a QoS, a lifecycle rule and an
// access policy on two MinIO servers: plan, apply, refresh, import, a
// no-change plan, drift of the lifecycle rule and of the policy noticed
// and converged, more copies and a narrower policy converged in place,
// destroy.
func TestAccStorage(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts MinIO")
	}
	a := testsrv.StartMinIO(t, testsrv.MinIOOptions{})
	b := testsrv.StartMinIO(t, testsrv.MinIOOptions{})
	ctx := context.Background()
	adm, err := admin.New(a.Endpoint, a.AccessKey, a.SecretKey, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	eachCLI(t, func(t *testing.T, tc resource.TestCase) resource.TestCase {
		states := filepath.Join(t.TempDir(), "states")
		cfg := storageConfig(states, a, b, 1, `["read", "list"]`)
		tc.CheckDestroy = func(*terraform.State) error {
			for _, s := range []*testsrv.MinIO{a, b} {
				if ok, err := s.Client(t).BucketExists(ctx, "indigo-archive-"+map[*testsrv.MinIO]string{a: "a", b: "b"}[s]); err != nil || ok {
					return fmt.Errorf("bucket still exists after destroy (%v)", err)
				}
			}
			if _, err := adm.CannedPolicy(ctx, "cms"); err == nil {
				return fmt.Errorf("the canned policy cms is still there after destroy")
			}
			return nil
		}
		policyHas := func(want ...string) resource.TestCheckFunc {
			return func(*terraform.State) error {
				doc, err := adm.CannedPolicy(ctx, "cms")
				if err != nil {
					return fmt.Errorf("canned policy cms: %v", err)
				}
				for _, w := range want {
					if !strings.Contains(string(doc), w) {
						return fmt.Errorf("canned policy cms has no %s: %s", w, doc)
					}
				}
				return nil
			}
		}
		tc.Steps = []resource.TestStep{
			{
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("indigo_storage.archive", "placed_sites.#", "1"),
					resource.TestCheckResourceAttr("indigo_storage.archive", "placed_sites.0", "a"),
					resource.TestCheckResourceAttr("indigo_storage.archive", "buckets.a", "indigo-archive-a"),
					policyHas("s3:GetObject", "s3:ListBucket", "indigo-archive-a"),
					func(*terraform.State) error {
						cfg, err := a.Client(t).GetBucketLifecycle(ctx, "indigo-archive-a")
						if err != nil || len(cfg.Rules) != 1 {
							return fmt.Errorf("lifecycle of indigo-archive-a: %+v %v", cfg, err)
						}
						return nil
					},
				),
			},
			{RefreshState: true},
			{ResourceName: "indigo_storage.archive", ImportState: true, ImportStateId: "archive", ImportStateVerify: true,
				// The keys are never recorded in indigo's state.
				ImportStateVerifyIgnore: []string{"sites.0.access_key", "sites.0.secret_key", "sites.1.access_key", "sites.1.secret_key"}},
			{Config: cfg, PlanOnly: true},
			{
				// Drift: the lifecycle rule and the canned policy are
				// removed outside; the plan converges both.
				PreConfig: func() {
					if err := a.Client(t).SetBucketLifecycle(ctx, "indigo-archive-a", nil); err != nil {
						t.Fatal(err)
					}
					if err := adm.RemoveCannedPolicy(ctx, "cms"); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("indigo_storage.archive", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					policyHas("s3:ListBucket"),
					func(*terraform.State) error {
						cfg, err := a.Client(t).GetBucketLifecycle(ctx, "indigo-archive-a")
						if err != nil || len(cfg.Rules) != 1 {
							return fmt.Errorf("lifecycle of indigo-archive-a after converging: %+v %v", cfg, err)
						}
						return nil
					},
				),
			},
			{
				// A copy more, and read without list: converged in place.
				Config: storageConfig(states, a, b, 2, `["read"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("indigo_storage.archive", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("indigo_storage.archive", "placed_sites.#", "2"),
					resource.TestCheckResourceAttr("indigo_storage.archive", "buckets.b", "indigo-archive-b"),
					func(*terraform.State) error {
						doc, err := adm.CannedPolicy(ctx, "cms")
						if err != nil || strings.Contains(string(doc), "s3:ListBucket") {
							return fmt.Errorf("canned policy cms still grants list, or is gone: %s %v", doc, err)
						}
						return nil
					},
					func(*terraform.State) error {
						ok, err := b.Client(t).BucketExists(ctx, "indigo-archive-b")
						if err != nil || !ok {
							return fmt.Errorf("bucket indigo-archive-b: %v %v", ok, err)
						}
						return nil
					},
				),
			},
		}
		return tc
	})
}

func readLocalState(t *testing.T, path string) *state.State {
	t.Helper()
	st, err := local.New(path).ReadSnapshot(context.Background())
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	return st
}

const moduleHCL = `
provider "indigo" {
  alias = "alpha"
  root  = "sites/alpha"
}

site "alpha" {
  provider = indigo.alpha
  kind     = "local"
  location = "IT"
  sla {
    cpus = 4
  }
}

variable "greeting" {
  type    = string
  default = "hi"
}

deployment "web" {
  placement {
    sites   = [site.alpha]
    require = { cpus = 1 }
  }

  resource "indigo_file" "index" {
    path    = "index.html"
    content = var.greeting
  }
}

output "greeting" {
  value = var.greeting
}
`

// TestAccDeploymentModule applies an indigo module directory (its own
// site, placement and variables) as an indigo_deployment: plan, apply,
// refresh, import, no-change plan, an input changed in place, destroy.
func TestAccDeploymentModule(t *testing.T) {
	eachCLI(t, func(t *testing.T, tc resource.TestCase) resource.TestCase {
		dir := t.TempDir()
		module := filepath.Join(dir, "module")
		if err := os.Mkdir(module, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(module, "main.hcl"), moduleHCL)
		index := filepath.Join(module, "sites", "alpha", "index.html")
		cfg := func(greeting string) string {
			return fmt.Sprintf(`
provider "indigo" {
  backend {
    path = %q
  }
}

resource "indigo_deployment" "web" {
  name       = "web"
  module_dir = %q
  inputs     = { greeting = %q }
}
`, filepath.Join(dir, "states"), module, greeting)
		}
		fileIs := func(want string) resource.TestCheckFunc {
			return func(*terraform.State) error {
				if got := readFile(t, index); got != want {
					return fmt.Errorf("%s = %q, want %q", index, got, want)
				}
				return nil
			}
		}
		tc.CheckDestroy = func(*terraform.State) error {
			if _, err := os.Stat(index); !os.IsNotExist(err) {
				return fmt.Errorf("%s still exists after destroy (%v)", index, err)
			}
			return nil
		}
		tc.Steps = []resource.TestStep{
			{
				Config: cfg("hello"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("indigo_deployment.web", "site", "alpha"),
					resource.TestCheckResourceAttr("indigo_deployment.web", "placements.deployment.web", "alpha"),
					resource.TestCheckResourceAttr("indigo_deployment.web", "outputs.greeting", "hello"),
					fileIs("hello"),
				),
			},
			{RefreshState: true},
			{ResourceName: "indigo_deployment.web", ImportState: true, ImportStateId: "web", ImportStateVerify: true},
			{Config: cfg("hello"), PlanOnly: true},
			{
				Config: cfg("bonjour"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("indigo_deployment.web", plancheck.ResourceActionUpdate),
				}},
				Check: fileIs("bonjour"),
			},
		}
		return tc
	})
}
