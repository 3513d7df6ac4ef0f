package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// siteEachConfig is one s3 site block with for_each over two MinIO
// endpoints, and a storage placed on each instance.
func siteEachConfig(a, b *testsrv.MinIO) string {
	return s3Keys + fmt.Sprintf(`
variable "endpoints" {
  type    = map(string)
  default = { a = %q, b = %q }
}

site "s3" {
  for_each = var.endpoints
  kind     = "s3"
  location = upper(each.key)
  settings {
    endpoint   = each.value
    access_key = var.key
    secret_key = var.secret
  }
}

storage "one" {
  force_destroy = true
  placement {
    sites  = site.s3
    prefer = [site.s3["a"]]
  }
}

storage "two" {
  force_destroy = true
  placement { sites = [site.s3["b"]] }
}

output "one_sites" { value = storage.one.sites }
output "b_location" { value = site.s3["b"].location }
`, a.Endpoint, b.Endpoint)
}

// buckets lists the buckets a MinIO server really holds.
func buckets(t *testing.T, c *minio.Client) []string {
	t.Helper()
	bs, err := c.ListBuckets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range bs {
		names = append(names, b.Name)
	}
	slices.Sort(names)
	return names
}

// TestSiteForEachOnS3 makes two s3 sites from one site block with
// for_each, each with its own generated provider configuration, places a
// storage on each, and checks the buckets on the servers through apply,
// a plan with nothing to do, and destroy.
func TestSiteForEachOnS3(t *testing.T) {
	opts := testsrv.MinIOOptions{AccessKey: s3User, SecretKey: s3Secret}
	a, b := testsrv.StartMinIO(t, opts), testsrv.StartMinIO(t, opts)
	ca, cb := a.Client(t), b.Client(t)
	dir := t.TempDir()
	vars := []string{"-var", "key=" + s3User, "-var", "secret=" + s3Secret}
	run := func(want int, args ...string) string {
		t.Helper()
		out, code := runIn(t, dir, append(args, vars...)...)
		if code != want {
			t.Fatalf("indigo %s: exit %d, want %d\n%s", strings.Join(args, " "), code, want, out)
		}
		return out
	}
	writeConfig(t, dir, siteEachConfig(a, b))
	if out, code := runIn(t, dir, "validate"); code != 0 {
		t.Fatalf("validate: exit %d\n%s", code, out)
	}
	out := run(0, "apply", "-auto-approve")
	for _, want := range []string{`storage.one is on site s3["a"]`, `storage.two is on site s3["b"]`, `b_location = "B"`} {
		if !strings.Contains(out, want) {
			t.Errorf("apply output lacks %q:\n%s", want, out)
		}
	}
	if got, want := buckets(t, ca), []string{"indigo-one-s3--a"}; !slices.Equal(got, want) {
		t.Errorf("buckets on a: %v, want %v", got, want)
	}
	if got, want := buckets(t, cb), []string{"indigo-two-s3--b"}; !slices.Equal(got, want) {
		t.Errorf("buckets on b: %v, want %v", got, want)
	}
	run(0, "plan", "-detailed-exitcode")
	if out, _ := runIn(t, dir, "state", "list"); !strings.Contains(out, "indigo_s3_bucket") {
		t.Errorf("state list has no bucket:\n%s", out)
	}
	if out := run(0, "status"); !strings.Contains(out, `s3["a"]`) || !strings.Contains(out, `s3["b"]`) {
		t.Errorf("status does not name the instances:\n%s", out)
	}

	// Drift on one instance's server shows in the next plan.
	if err := ca.RemoveBucket(context.Background(), "indigo-one-s3--a"); err != nil {
		t.Fatal(err)
	}
	run(2, "plan", "-detailed-exitcode")
	run(0, "apply", "-auto-approve")
	if got := buckets(t, ca); len(got) != 1 {
		t.Errorf("buckets on a after repair: %v", got)
	}

	// A key removed while a storage is on its site behaves as a removed
	// site block does: the storage would move, but the bucket left on the
	// old site needs the provider configuration the site built, so
	// planning fails and the state keeps the bucket; restoring the key
	// brings back a plan with nothing to do.
	full := siteEachConfig(a, b)
	withoutA := strings.Replace(full, fmt.Sprintf("default = { a = %q, b = %q }", a.Endpoint, b.Endpoint), fmt.Sprintf("default = { b = %q }", b.Endpoint), 1)
	withoutA = strings.Replace(withoutA, `    prefer = [site.s3["a"]]`+"\n", "", 1)
	if withoutA == full {
		t.Fatal("the configuration without key a is the same")
	}
	writeConfig(t, dir, withoutA)
	out = run(1, "apply", "-auto-approve")
	if !strings.Contains(out, `site s3["a"] no longer exists`) {
		t.Errorf("apply without key a does not say the site is gone:\n%s", out)
	}
	if got := buckets(t, ca); !slices.Equal(got, []string{"indigo-one-s3--a"}) {
		t.Errorf("buckets on a after removing its key: %v", got)
	}
	if out, _ := runIn(t, dir, "state", "list"); !strings.Contains(out, "bucket_s3__a__") {
		t.Errorf("the state lost the bucket on a:\n%s", out)
	}
	writeConfig(t, dir, full)
	run(0, "plan", "-detailed-exitcode")

	// Destroy from the state alone (the configuration no longer plans:
	// a key that does not exist) still builds each instance's provider.
	writeConfig(t, dir, strings.Replace(full, `[site.s3["b"]]`, `[site.s3["zz"]]`, 1))
	run(1, "plan")
	out = run(0, "destroy", "-auto-approve")
	if !strings.Contains(out, "Destroying from the state alone") {
		t.Errorf("destroy did not plan from the state:\n%s", out)
	}
	if got := append(buckets(t, ca), buckets(t, cb)...); len(got) != 0 {
		t.Errorf("buckets left after destroy: %v", got)
	}
}

// siteEachLocal is one local site block with for_each, each instance on
// its own instance of the built-in provider (its own root), and a
// deployment on each: web on b, other on whichever ranks best.
const siteEachLocal = `
variable "roots" {
  type    = map(string)
  default = { a = "ra", b = "rb" }
}
provider "indigo" {
  alias    = "by_root"
  for_each = var.roots
  root     = "sites/${each.value}"
}
site "loc" {
  for_each = var.roots
  kind     = "local"
  provider = indigo.by_root[each.key]
  location = "loc-${each.key}"
}
deployment "web" {
  placement { sites = [site.loc[%q]] }
  resource "indigo_file" "index" {
    path    = "web/index.html"
    content = "web"
  }
}
deployment "other" {
  placement {
    sites  = site.loc
    prefer = [site.loc["a"]]
  }
  resource "indigo_file" "index" {
    path    = "other/index.html"
    content = "other"
  }
}
output "web_site" { value = deployment.web.site }
`

// TestSiteForEachLocal places deployments on the instances of one local
// site block and checks where the files really are; a key the for_each
// does not have is an error at the reference.
func TestSiteForEachLocal(t *testing.T) {
	dir := t.TempDir()
	run := func(want int, args ...string) string {
		t.Helper()
		out, code := runIn(t, dir, args...)
		if code != want {
			t.Fatalf("indigo %s: exit %d, want %d\n%s", strings.Join(args, " "), code, want, out)
		}
		return out
	}
	file := func(p string) string {
		b, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			return ""
		}
		return string(b)
	}
	writeConfig(t, dir, fmt.Sprintf(siteEachLocal, "b"))
	run(0, "validate")
	out := run(0, "apply", "-auto-approve")
	if !strings.Contains(out, `web_site = "loc[\"b\"]"`) || !strings.Contains(out, `deployment.other is on site loc["a"]`) {
		t.Errorf("apply output:\n%s", out)
	}
	if file("sites/rb/web/index.html") != "web" || file("sites/ra/other/index.html") != "other" {
		t.Errorf("files are not on their sites' roots: %q %q", file("sites/rb/web/index.html"), file("sites/ra/other/index.html"))
	}
	run(0, "plan", "-detailed-exitcode")

	writeConfig(t, dir, fmt.Sprintf(siteEachLocal, "c"))
	out = run(1, "plan")
	if !strings.Contains(out, "Site instance not found") || !strings.Contains(out, "main.hcl line 18") || !strings.Contains(out, `it has "a", "b"`) {
		t.Errorf("a missing key:\n%s", out)
	}

	writeConfig(t, dir, fmt.Sprintf(siteEachLocal, "b"))
	run(0, "destroy", "-auto-approve")
	if file("sites/rb/web/index.html") != "" || file("sites/ra/other/index.html") != "" {
		t.Error("destroy left files")
	}
}
