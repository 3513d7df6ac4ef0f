package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// statusDoc is the part of the status -json document the tests read.
type statusDoc struct {
	FormatVersion string `json:"format_version"`
	QoSHolds      bool   `json:"qos_holds"`
	Storages      []struct {
		Address string   `json:"address"`
		Verdict string   `json:"verdict"`
		Sites   []string `json:"sites"`
		QoS     struct {
			Copies    int      `json:"copies"`
			Locations []string `json:"locations"`
		} `json:"qos"`
		Copies []struct {
			Site    string `json:"site"`
			Kind    string `json:"kind"`
			Primary bool   `json:"primary"`
			Exists  bool   `json:"exists"`
			Holder  *struct {
				Kind string `json:"kind"`
				Name string `json:"name"`
			} `json:"holder"`
			Objects     *int64 `json:"objects"`
			Bytes       *int64 `json:"bytes"`
			Replication *struct {
				From    string `json:"from"`
				Enabled *bool  `json:"enabled"`
				InSync  *bool  `json:"in_sync"`
			} `json:"replication"`
			Rules []map[string]any `json:"rules"`
		} `json:"copies"`
		Reasons []struct {
			Verdict  string `json:"verdict"`
			Resource string `json:"resource"`
			Message  string `json:"message"`
		} `json:"reasons"`
	} `json:"storages"`
}

// stateBytes reads the state snapshot and journal, to check that a
// command wrote neither.
func stateBytes(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	for _, name := range []string{"indigo.state", "indigo.state.journal", "indigo.state.backup"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s\x00%s\x00", name, data)
	}
	return b.String()
}

// TestStatusStorageQoS runs indigo status on examples/storage-qos against
// two real MinIO servers: the QoS holds after apply, with the objects put
// into the primary counted on both copies; a replication rule removed by
// hand and an object deleted on the replica break it, with reasons that
// name what is wrong; status writes no state.
func TestStatusStorageQoS(t *testing.T) {
	const user, secret = "indigo-status", "status-secret-42"
	a := testsrv.StartMinIO(t, testsrv.MinIOOptions{AccessKey: user, SecretKey: secret})
	b := testsrv.StartMinIO(t, testsrv.MinIOOptions{AccessKey: user, SecretKey: secret})
	dir := copyExample(t, "storage-qos")
	vars := []string{
		"-var", fmt.Sprintf(`endpoints={a=%q,b=%q}`, a.Endpoint, b.Endpoint),
		"-var", "access_key=" + user, "-var", "secret_key=" + secret,
	}
	run := func(args ...string) (string, int) {
		t.Helper()
		return runIn(t, dir, append(args, vars...)...)
	}
	// status, checking that it leaves the state as it was.
	status := func(args ...string) (string, int) {
		t.Helper()
		before := stateBytes(t, dir)
		out, code := run(append([]string{"status"}, args...)...)
		if after := stateBytes(t, dir); after != before {
			t.Errorf("indigo status %s changed the state files", strings.Join(args, " "))
		}
		if strings.Contains(out, secret) {
			t.Errorf("indigo status printed the secret key:\n%s", out)
		}
		return out, code
	}
	statusJSON := func() (statusDoc, int) {
		t.Helper()
		out, code := status("-json")
		var doc statusDoc
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("status -json: %v\n%s", err, out)
		}
		return doc, code
	}
	if out, code := run("apply", "-auto-approve"); code != 0 {
		t.Fatalf("apply: %d\n%s", code, out)
	}
	out, code := status()
	if code != 0 || !strings.Contains(out, "storage.archive: QoS holds") {
		t.Fatalf("status after apply: exit %d, want 0 and the QoS holding\n%s", code, out)
	}
	for _, want := range []string{"bucket indigo-archive-a", "bucket indigo-archive-b", "noncurrent_expiration_days=30", "from a: enabled, in sync", "source"} {
		if !strings.Contains(out, want) {
			t.Errorf("status does not show %q:\n%s", want, out)
		}
	}

	// Objects put into the primary are counted on both copies once
	// replicated; until then the QoS is in transition at worst.
	ctx := context.Background()
	ca, cb := a.Client(t), b.Client(t)
	body := bytes.Repeat([]byte("indigo status\n"), 100)
	for _, key := range []string{"data/1.txt", "data/2.txt"} {
		if _, err := ca.PutObject(ctx, "indigo-archive-a", key, bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var doc statusDoc
	deadline := time.Now().Add(60 * time.Second)
	for {
		doc, code = statusJSON()
		if code == 0 {
			break
		}
		if code != 2 || time.Now().After(deadline) {
			t.Fatalf("status -json while replicating: exit %d, %+v", code, doc)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if doc.FormatVersion != "1.0" || !doc.QoSHolds || len(doc.Storages) != 1 {
		t.Fatalf("status -json: %+v", doc)
	}
	st := doc.Storages[0]
	if st.Address != "storage.archive" || st.Verdict != "holds" || st.QoS.Copies != 2 || len(st.Copies) != 2 || len(st.Reasons) != 0 {
		t.Fatalf("status -json storage: %+v", st)
	}
	for i, cp := range st.Copies {
		site := []string{"a", "b"}[i]
		if cp.Site != site || cp.Kind != "s3" || cp.Primary != (i == 0) || !cp.Exists || cp.Holder == nil || cp.Holder.Name != "indigo-archive-"+site {
			t.Errorf("copy %d: %+v", i, cp)
		}
		if cp.Objects == nil || *cp.Objects != 2 || cp.Bytes == nil || *cp.Bytes != 2*int64(len(body)) {
			t.Errorf("copy on %s counts %v objects and %v bytes, want 2 and %d", site, deref(cp.Objects), deref(cp.Bytes), 2*len(body))
		}
		if len(cp.Rules) != 1 || cp.Rules[0]["noncurrent_expiration_days"] != 30.0 {
			t.Errorf("copy on %s: rules %v", site, cp.Rules)
		}
	}
	if r := st.Copies[1].Replication; r == nil || r.From != "a" || r.Enabled == nil || !*r.Enabled || r.InSync == nil || !*r.InSync {
		t.Errorf("replication of b: %+v", r)
	}

	// An object deleted on the replica: replication will not bring it back.
	if err := cb.RemoveObject(ctx, "indigo-archive-b", "data/2.txt", minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	out, code = status()
	if code != 2 || !strings.Contains(out, "storage.archive: QoS broken") || !strings.Contains(out, "replica b is missing 1 object") || !strings.Contains(out, "indigo_s3_replication.replica_b") {
		t.Errorf("status after deleting an object on the replica: exit %d, want 2 and the replica missing an object\n%s", code, out)
	}

	// The replication rule removed by hand.
	if err := ca.RemoveBucketReplication(ctx, "indigo-archive-a"); err != nil {
		t.Fatal(err)
	}
	out, code = status("storage.archive")
	if code != 2 || !strings.Contains(out, "replication from a to b is disabled or its rule was removed") || !strings.Contains(out, "(storage.archive.indigo_s3_replication.replica_b)") {
		t.Errorf("status after removing the replication: exit %d, want 2 and the replication named\n%s", code, out)
	}
	doc, code = statusJSON()
	if code != 2 || doc.QoSHolds || doc.Storages[0].Verdict != "broken" || len(doc.Storages[0].Reasons) == 0 {
		t.Errorf("status -json after removing the replication: exit %d, %+v", code, doc)
	}
	// A lifecycle rule removed by hand.
	if err := ca.SetBucketLifecycle(ctx, "indigo-archive-a", nil); err != nil {
		t.Logf("removing the lifecycle rules: %v", err)
	} else if out, code = status(); code != 2 || !strings.Contains(out, "lifecycle rules on site a") {
		t.Errorf("status after removing the lifecycle rules: exit %d\n%s", code, out)
	}

	// apply repairs everything, and the QoS holds again.
	if out, code := run("apply", "-auto-approve"); code != 0 {
		t.Fatalf("apply: %d\n%s", code, out)
	}
	if out, code = status(); code != 0 {
		t.Errorf("status after the repair: exit %d, want 0\n%s", code, out)
	}

	// Errors: an address that is not a storage of the configuration.
	if out, code := status("storage.nope"); code != 1 || !strings.Contains(out, "storage.archive") {
		t.Errorf("status storage.nope: exit %d, want 1 and the storages listed\n%s", code, out)
	}
	if out, code := status("aws_instance.x"); code != 1 {
		t.Errorf("status aws_instance.x: exit %d, want 1\n%s", code, out)
	}
	run("destroy", "-auto-approve")
}

// TestStatusLocalStorage reports the status of a storage kept on two
// local sites, as examples/quickstart has one: the QoS holds after apply,
// a copy's directory removed by hand breaks it, a copy added to the
// configuration puts it in transition.
func TestStatusLocalStorage(t *testing.T) {
	dir := t.TempDir()
	const cfg = `
provider "indigo" {
  alias = "alpha"
  root  = "sites/alpha"
}

provider "indigo" {
  alias = "beta"
  root  = "sites/beta"
}

provider "indigo" {
  alias = "gamma"
  root  = "sites/gamma"
}

site "alpha" {
  provider = indigo.alpha
  kind     = "local"
  location = "IT"
}

site "beta" {
  provider = indigo.beta
  kind     = "local"
  location = "DE"
}

site "gamma" {
  provider = indigo.gamma
  kind     = "local"
  location = "FR"
}

variable "copies" {
  type    = number
  default = 2
}

storage "results" {
  qos {
    copies  = var.copies
    media   = ["disk"]
    latency = "online"
  }

  lifecycle {
    after  = "30d"
    expire = true
  }

  placement {
    sites  = [site.alpha, site.beta, site.gamma]
    prefer = [site.alpha, site.beta]
  }
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := runIn(t, dir, "apply", "-auto-approve"); code != 0 {
		t.Fatalf("apply: %d\n%s", code, out)
	}
	before := stateBytes(t, dir)
	out, code := runIn(t, dir, "status")
	if code != 0 || !strings.Contains(out, "storage.results: QoS holds") || !strings.Contains(out, "latency online") || !strings.Contains(out, "after 30d, expire") {
		t.Fatalf("status after apply: exit %d, want 0\n%s", code, out)
	}
	out, code = runIn(t, dir, "status", "-json")
	var doc statusDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 {
		t.Fatalf("status -json: %d, %v\n%s", code, err, out)
	}
	st := doc.Storages[0]
	if len(st.Copies) != 2 {
		t.Fatalf("copies: %+v", st.Copies)
	}
	var sites []string
	for _, cp := range st.Copies {
		sites = append(sites, cp.Site)
		if cp.Kind != "local" || !cp.Exists || cp.Holder == nil || cp.Holder.Kind != "path" || !strings.HasSuffix(cp.Holder.Name, filepath.Join("sites", cp.Site, "storage", "results")) {
			t.Errorf("copy: %+v", cp)
		}
	}

	// A copy's directory removed by hand.
	if err := os.RemoveAll(filepath.Join(dir, "sites", sites[1], "storage", "results")); err != nil {
		t.Fatal(err)
	}
	out, code = runIn(t, dir, "status")
	if code != 2 || !strings.Contains(out, "QoS broken") || !strings.Contains(out, "is gone") {
		t.Errorf("status after removing a copy: exit %d, want 2\n%s", code, out)
	}
	if out, code := runIn(t, dir, "apply", "-auto-approve"); code != 0 {
		t.Fatalf("apply: %d\n%s", code, out)
	}
	before = stateBytes(t, dir)

	// A third copy asked for: in transition until applied.
	out, code = runIn(t, dir, "status", "-var", "copies=3")
	if code != 2 || !strings.Contains(out, "storage.results: QoS in transition") || !strings.Contains(out, "not created yet") {
		t.Errorf("status with a copy added: exit %d, want 2 and the QoS in transition\n%s", code, out)
	}
	if stateBytes(t, dir) != before {
		t.Errorf("status changed the state files")
	}
}

func deref(n *int64) any {
	if n == nil {
		return nil
	}
	return *n
}
