package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/local"
)

// kubeGet reads an object or a list from the apiserver as admin; nil when
// it does not exist.
func kubeGet(t testing.TB, k *testsrv.Kube, path string) map[string]any {
	t.Helper()
	var out map[string]any
	err := k.Call(context.Background(), http.MethodGet, path, nil, &out)
	var apiErr *testsrv.APIError
	if errors.As(err, &apiErr) && apiErr.Code == http.StatusNotFound {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// kubeItems lists the objects of a collection path.
func kubeItems(t testing.TB, k *testsrv.Kube, path string) []map[string]any {
	t.Helper()
	list := kubeGet(t, k, path)
	var out []map[string]any
	items, _ := list["items"].([]any)
	for _, it := range items {
		out = append(out, it.(map[string]any))
	}
	return out
}

// kubeEdit changes an object by hand, as kubectl edit does: read, change,
// write back, again when a controller wrote in between (409).
func kubeEdit(t testing.TB, k *testsrv.Kube, path string, change func(map[string]any)) {
	t.Helper()
	for try := 0; ; try++ {
		obj := kubeGet(t, k, path)
		change(obj)
		err := k.Call(context.Background(), http.MethodPut, path, obj, nil)
		var apiErr *testsrv.APIError
		if errors.As(err, &apiErr) && apiErr.Code == http.StatusConflict && try < 10 {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		return
	}
}

func field(obj map[string]any, keys ...string) any {
	var v any = obj
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// kubeRun runs indigo in dir with KUBECONFIG naming k, failing the test
// when the exit status is not want.
func kubeRun(t testing.TB, dir string, want int, args ...string) string {
	t.Helper()
	out, code := runIn(t, dir, args...)
	if code != want {
		t.Fatalf("indigo %s: exit %d, want %d\n%s", strings.Join(args, " "), code, want, out)
	}
	return out
}

// TestUC1Kubernetes runs examples/uc1-docker-ssh as its README says, on
// the cluster KUBECONFIG names: validate, plan, apply, a plan with
// nothing to do, then checks through the apiserver that the pod runs and
// the Service has an endpoint, then destroys and checks nothing is left.
func TestUC1Kubernetes(t *testing.T) {
	k := testsrv.SharedKube(t)
	if k == nil {
		return
	}
	ns := k.Namespace(t)
	t.Setenv("KUBECONFIG", k.Kubeconfig)
	dir := copyExample(t, "uc1-docker-ssh")
	vars := []string{"-var", "namespace=" + ns}
	kubeRun(t, dir, 0, "validate")
	out := kubeRun(t, dir, 0, append([]string{"plan"}, vars...)...)
	if !strings.Contains(out, "deployment.ssh_container will be placed on site cloud") {
		t.Fatalf("UC1 is not placed on the cluster:\n%s", out)
	}
	kubeRun(t, dir, 0, append([]string{"apply", "-auto-approve"}, vars...)...)
	kubeRun(t, dir, 0, append([]string{"plan", "-detailed-exitcode"}, vars...)...)

	dep := kubeGet(t, k, "/apis/apps/v1/namespaces/"+ns+"/deployments/ssh-server")
	if dep == nil || field(dep, "status", "availableReplicas") != 1.0 {
		t.Fatalf("the Deployment after apply: %v", field(dep, "status"))
	}
	running := 0
	for _, p := range kubeItems(t, k, "/api/v1/namespaces/"+ns+"/pods?labelSelector=app%3Dssh-server") {
		if field(p, "status", "phase") == "Running" {
			running++
		}
	}
	if running != 1 {
		t.Errorf("%d pods Running, want 1", running)
	}
	svc := kubeGet(t, k, "/api/v1/namespaces/"+ns+"/services/ssh-server")
	if svc == nil || field(svc, "spec", "ports").([]any)[0].(map[string]any)["port"] != 2222.0 {
		t.Fatalf("the Service after apply: %v", svc)
	}
	endpoints := 0
	for _, s := range kubeItems(t, k, "/apis/discovery.k8s.io/v1/namespaces/"+ns+"/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dssh-server") {
		eps, _ := s["endpoints"].([]any)
		endpoints += len(eps)
	}
	if endpoints == 0 {
		t.Error("the Service has no endpoints after apply")
	}
	out = kubeRun(t, dir, 0, "output", "-raw", "ssh_endpoint")
	if ip, _ := field(svc, "spec", "clusterIP").(string); ip == "" || !strings.Contains(out, "user@"+ip) {
		t.Errorf("ssh_endpoint = %q, want the Service's cluster IP %v", out, field(svc, "spec", "clusterIP"))
	}

	kubeRun(t, dir, 0, append([]string{"destroy", "-auto-approve"}, vars...)...)
	for _, path := range []string{"/apis/apps/v1/namespaces/" + ns + "/deployments", "/api/v1/namespaces/" + ns + "/services", "/api/v1/namespaces/" + ns + "/pods"} {
		if items := kubeItems(t, k, path); len(items) > 0 {
			t.Errorf("left after destroy: %d objects at %s", len(items), path)
		}
	}
}

// kubeSiteConfig is a kubernetes site on k (namespace ns) with a
// deployment of the container in web.yaml (a Deployment and a Service).
func kubeSiteConfig(k *testsrv.Kube, ns string) map[string]string {
	return map[string]string{
		"main.hcl": fmt.Sprintf(`site "k8s" {
  kind = "kubernetes"
  settings {
    kubeconfig = %q
    namespace  = %q
  }
}

deployment "web" {
  template = "web.yaml"
}
`, k.Kubeconfig, ns),
		"web.yaml": `tosca_definitions_version: tosca_simple_yaml_1_0
topology_template:
  node_templates:
    web:
      type: tosca.nodes.indigo.Container.Application.Docker
      artifacts:
        image:
          file: nginx:1.27
          type: tosca.artifacts.Deployment.Image.Container.Docker
      requirements:
        - host: runtime
    runtime:
      type: tosca.nodes.indigo.Container.Runtime.Docker
      capabilities:
        host:
          properties:
            publish_ports:
              - protocol: tcp
                source: 8080
`,
	}
}

func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestKubernetesDrift: a Deployment scaled and re-imaged by hand is a
// change in the next plan (exit 2), and apply puts it back.
func TestKubernetesDrift(t *testing.T) {
	k := testsrv.SharedKube(t)
	if k == nil {
		return
	}
	ns := k.Namespace(t)
	dir := t.TempDir()
	writeFiles(t, dir, kubeSiteConfig(k, ns))
	kubeRun(t, dir, 0, "apply", "-auto-approve")
	kubeRun(t, dir, 0, "plan", "-detailed-exitcode")

	path := "/apis/apps/v1/namespaces/" + ns + "/deployments/web"
	kubeEdit(t, k, path, func(dep map[string]any) {
		dep["spec"].(map[string]any)["replicas"] = 5
		field(dep, "spec", "template", "spec", "containers").([]any)[0].(map[string]any)["image"] = "nginx:by-hand"
	})
	out := kubeRun(t, dir, 2, "plan", "-detailed-exitcode")
	if !strings.Contains(out, "nginx:by-hand") || !strings.Contains(out, "1 to change") {
		t.Errorf("the plan after drift does not show it:\n%s", out)
	}
	kubeRun(t, dir, 0, "apply", "-auto-approve")
	dep := kubeGet(t, k, path)
	if field(dep, "spec", "replicas") != 1.0 || field(dep, "spec", "template", "spec", "containers").([]any)[0].(map[string]any)["image"] != "nginx:1.27" {
		t.Errorf("apply did not repair the drift: %v", field(dep, "spec"))
	}
	if field(dep, "status", "availableReplicas") != 1.0 {
		t.Errorf("after the repair: %v", field(dep, "status"))
	}
	kubeRun(t, dir, 0, "plan", "-detailed-exitcode")
	kubeRun(t, dir, 0, "destroy", "-auto-approve")
	if kubeGet(t, k, path) != nil {
		t.Error("the Deployment is left after destroy")
	}
}

// subjectAccess asks the apiserver whether user (in groups) may do verb
// on resource in ns.
func subjectAccess(t *testing.T, k *testsrv.Kube, user string, groups []string, ns, verb, group, resource string) bool {
	t.Helper()
	review := map[string]any{
		"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
		"spec": map[string]any{"user": user, "groups": groups,
			"resourceAttributes": map[string]any{"namespace": ns, "verb": verb, "group": group, "resource": resource}},
	}
	var out map[string]any
	if err := k.Call(context.Background(), http.MethodPost, "/apis/authorization.k8s.io/v1/subjectaccessreviews", review, &out); err != nil {
		t.Fatal(err)
	}
	allowed, _ := field(out, "status", "allowed").(bool)
	return allowed
}

// TestKubernetesAccessPolicy: a policy on a deployment placed on a
// kubernetes site becomes a Role and a RoleBinding there. The group's
// members may do what it allows and nothing more (asked of the apiserver
// with SubjectAccessReview, and done with the member's own credentials); a
// RoleBinding edited by hand is drift that apply repairs; removing the
// policy removes the access.
func TestKubernetesAccessPolicy(t *testing.T) {
	k := testsrv.SharedKube(t)
	if k == nil {
		return
	}
	ns := k.Namespace(t)
	dir := t.TempDir()
	files := kubeSiteConfig(k, ns)
	files["policy.hcl"] = `group "cms" {
  issuer = "https://issuer.example"
  claim  = "cms"
}

policy "cms_read" {
  principals = [group.cms]
  actions    = ["read", "list"]
  resources  = [deployment.web]
}
`
	writeFiles(t, dir, files)
	kubeRun(t, dir, 0, "apply", "-auto-approve")
	kubeRun(t, dir, 0, "plan", "-detailed-exitcode")

	cms := []string{"cms"}
	waitFor(t, 20*time.Second, "the RoleBinding to take", func() bool {
		return subjectAccess(t, k, "alice", cms, ns, "get", "", "pods")
	})
	for _, c := range []struct {
		verb, group, resource string
		want                  bool
	}{
		{"get", "", "pods", true},
		{"list", "apps", "deployments", true},
		{"watch", "", "services", true},
		{"delete", "", "pods", false},
		{"create", "apps", "deployments", false},
		{"get", "", "secrets", false},
	} {
		if got := subjectAccess(t, k, "alice", cms, ns, c.verb, c.group, c.resource); got != c.want {
			t.Errorf("alice (cms) %s %s/%s: allowed %v, want %v", c.verb, c.group, c.resource, got, c.want)
		}
	}
	if subjectAccess(t, k, "bob", []string{"atlas"}, ns, "get", "", "pods") {
		t.Error("bob (atlas) may get pods")
	}
	// Acting as alice: listing Deployments works, deleting one is refused.
	alice := &kubeUser{t: t, k: k, kubeconfig: k.UserKubeconfig(t, "alice", "cms")}
	if code := alice.call(http.MethodGet, "/apis/apps/v1/namespaces/"+ns+"/deployments"); code != http.StatusOK {
		t.Errorf("alice listing deployments: HTTP %d", code)
	}
	if code := alice.call(http.MethodDelete, "/apis/apps/v1/namespaces/"+ns+"/deployments/web"); code != http.StatusForbidden {
		t.Errorf("alice deleting a deployment: HTTP %d, want 403", code)
	}

	// A RoleBinding edited by hand (atlas bound too) is drift.
	rbPath := "/apis/rbac.authorization.k8s.io/v1/namespaces/" + ns + "/rolebindings/indigo-group-cms"
	if kubeGet(t, k, rbPath) == nil {
		t.Fatal("no RoleBinding indigo-group-cms")
	}
	kubeEdit(t, k, rbPath, func(rb map[string]any) {
		rb["subjects"] = append(rb["subjects"].([]any), map[string]any{"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "atlas"})
	})
	// The API server's authorizer learns of RBAC changes from its watch,
	// a moment after the write.
	waitFor(t, 20*time.Second, "the hand edit to take", func() bool {
		return subjectAccess(t, k, "bob", []string{"atlas"}, ns, "get", "", "pods")
	})
	kubeRun(t, dir, 2, "plan", "-detailed-exitcode")
	kubeRun(t, dir, 0, "apply", "-auto-approve")
	waitFor(t, 20*time.Second, "apply to take back the access granted by hand", func() bool {
		return !subjectAccess(t, k, "bob", []string{"atlas"}, ns, "get", "", "pods")
	})

	// No policy, no access.
	if err := os.Remove(filepath.Join(dir, "policy.hcl")); err != nil {
		t.Fatal(err)
	}
	kubeRun(t, dir, 0, "apply", "-auto-approve")
	waitFor(t, 20*time.Second, "alice's access to go with the policy", func() bool {
		return !subjectAccess(t, k, "alice", cms, ns, "get", "", "pods")
	})
	if kubeGet(t, k, rbPath) != nil {
		t.Error("the RoleBinding is left after the policy was removed")
	}
	kubeRun(t, dir, 0, "destroy", "-auto-approve")
}

// kubeUser calls the apiserver with a user's kubeconfig, through
// kubectl-less plain HTTP: the kubeconfig's client certificate.
type kubeUser struct {
	t          *testing.T
	k          *testsrv.Kube
	kubeconfig string
}

func (u *kubeUser) call(method, path string) int {
	u.t.Helper()
	client, server, err := kubeconfigClient(u.kubeconfig)
	if err != nil {
		u.t.Fatal(err)
	}
	req, err := http.NewRequest(method, server+path, nil)
	if err != nil {
		u.t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		u.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// kubeObjects are the names of the Deployments labelled crash=indigo in ns.
func kubeObjects(t testing.TB, k *testsrv.Kube, ns string) []string {
	t.Helper()
	var out []string
	for _, d := range kubeItems(t, k, "/apis/apps/v1/namespaces/"+ns+"/deployments?labelSelector=crash%3Dindigo") {
		out = append(out, field(d, "metadata", "name").(string))
	}
	return out
}

// crashKubeConfig is n Deployments (and a Service per third) applied as
// indigo_kubernetes_object resources on k, in ns.
func crashKubeConfig(k *testsrv.Kube, ns string, n, generation int) string {
	return fmt.Sprintf(`provider "indigo" {
  kubernetes {
    config_path = %q
    namespace   = %q
  }
}

resource "indigo_kubernetes_object" "d" {
  count    = %d
  manifest = jsonencode({
    apiVersion = "apps/v1"
    kind       = "Deployment"
    metadata   = { name = "d${count.index}", labels = { crash = "indigo" } }
    spec = {
      replicas = 1
      selector = { matchLabels = { app = "d${count.index}" } }
      template = {
        metadata = { labels = { app = "d${count.index}" } }
        spec = { containers = [{ name = "c", image = "nginx:1.27", env = [{ name = "GENERATION", value = "%d" }] }] }
      }
    }
  })
}
`, k.Kubeconfig, ns, n, generation)
}

// recordedKube returns the names of the objects the state records, and
// those of operations it records as started.
func recordedKube(t testing.TB, dir string) (recorded map[string]int, pending map[string]bool) {
	t.Helper()
	m, err := state.Open(context.Background(), local.New(filepath.Join(dir, "indigo.state")), state.OpenOptions{ReadOnly: true})
	if err != nil {
		t.Fatalf("the state does not open: %v", err)
	}
	st := m.State()
	m.Close(context.Background())
	name := func(attrs []byte) string {
		var a struct {
			Manifest string `json:"manifest"`
		}
		var obj struct {
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if json.Unmarshal(attrs, &a) != nil || json.Unmarshal([]byte(a.Manifest), &obj) != nil {
			return ""
		}
		return obj.Metadata.Name
	}
	recorded, pending = map[string]int{}, map[string]bool{}
	for _, addr := range st.AllInstances() {
		if addr.Resource.Type == "indigo_kubernetes_object" {
			recorded[name(st.ResourceInstance(addr).AttrsJSON)]++
		}
	}
	for _, in := range st.InFlight() {
		if in.Planned != nil {
			pending[name(in.Planned.AttrsJSON)] = true
		}
	}
	return recorded, pending
}

// TestCrashKubernetes kills indigo (kill -9) at random moments while it
// applies or destroys Deployments on a real cluster, and checks that no
// object exists that the state does not record (or record as being
// created), that nothing is recorded twice, and that the next run
// converges to a plan with nothing to do. INDIGO_CRASH_TRIALS sets the
// number of trials (default 3; make crash runs more).
func TestCrashKubernetes(t *testing.T) {
	k := testsrv.SharedKube(t)
	if k == nil {
		return
	}
	trials := 3
	if s := os.Getenv("INDIGO_CRASH_TRIALS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			trials = n
		}
	}
	if testing.Short() {
		trials = 2
	}
	ns := k.Namespace(t)
	dir := t.TempDir()
	const n = 8
	writeConfig(t, dir, crashKubeConfig(k, ns, n, 0))
	start := time.Now()
	if out, err := indigoCmd(t, dir, "apply", "-auto-approve").CombinedOutput(); err != nil {
		t.Fatalf("first apply: %v\n%s", err, out)
	}
	window := time.Since(start)
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewSource(seed))
	t.Logf("seed %d, %d trials; a full apply takes %s", seed, trials, window)
	check := func(trial int, inFlight bool) {
		t.Helper()
		recorded, pending := recordedKube(t, dir)
		for name, c := range recorded {
			if c > 1 {
				t.Errorf("trial %d: %s is recorded %d times", trial, name, c)
			}
		}
		for _, name := range kubeObjects(t, k, ns) {
			if recorded[name] == 0 && !(inFlight && pending[name]) {
				t.Errorf("trial %d: Deployment %s exists on the cluster but is not in the state (nor in an operation the journal records as started)", trial, name)
			}
		}
	}
	for trial := 1; trial <= trials; trial++ {
		destroy := trial%3 == 0
		writeConfig(t, dir, crashKubeConfig(k, ns, n, trial))
		args := []string{"apply", "-auto-approve"}
		if destroy {
			args = []string{"destroy", "-auto-approve"}
		}
		cmd, out := startIndigo(t, dir, args...)
		delay := time.Duration(rng.Int63n(int64(window)))
		time.Sleep(delay)
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		time.Sleep(700 * time.Millisecond)
		check(trial, true)
		if t.Failed() {
			t.Fatalf("trial %d (killed after %s during %s):\n%s", trial, delay, args[0], out.String())
		}
		if rec, err := indigoCmd(t, dir, args...).CombinedOutput(); err != nil {
			t.Fatalf("trial %d: the run after the crash failed: %v\n%s", trial, err, rec)
		}
		check(trial, false)
		plan := []string{"plan", "-detailed-exitcode"}
		if destroy {
			plan = append(plan, "-destroy")
		}
		if pout, err := indigoCmd(t, dir, plan...).CombinedOutput(); err != nil {
			t.Fatalf("trial %d: the plan after recovery is not empty (%v):\n%s", trial, err, pout)
		}
		want := n
		if destroy {
			want = 0
		}
		if got := len(kubeObjects(t, k, ns)); got != want {
			t.Fatalf("trial %d: %d Deployments on the cluster after recovery, want %d", trial, got, want)
		}
	}
}

// TestKubernetesAPIServerDown stops the apiserver in the middle of an
// apply: the apply fails with an error that names the server, the state
// keeps what was done, and once the server is back the next apply
// converges.
func TestKubernetesAPIServerDown(t *testing.T) {
	k := testsrv.StartKube(t, testsrv.KubeOptions{})
	if k == nil {
		return
	}
	ns := k.Namespace(t)
	dir := t.TempDir()
	const n = 12
	writeConfig(t, dir, crashKubeConfig(k, ns, n, 0))
	cmd, out := startIndigo(t, dir, "apply", "-auto-approve")
	waitForOutput(out, "Creation complete")
	k.StopAPIServer()
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("apply with the apiserver stopped: %v\n%s", err, out)
	}
	t.Logf("apply with the apiserver stopped:\n%s", tail(out.String(), 30))
	host := strings.TrimPrefix(k.Server, "https://")
	if !strings.Contains(out.String(), host) || !strings.Contains(out.String(), "Kubernetes API server") {
		t.Errorf("the error does not name the server %s:\n%s", k.Server, out)
	}
	recorded, _ := recordedKube(t, dir)
	if len(recorded) == 0 {
		t.Errorf("the state lost what was created before the apiserver stopped:\n%s", out)
	}
	k.StartAPIServer(t)
	if o, err := indigoCmd(t, dir, "apply", "-auto-approve").CombinedOutput(); err != nil {
		t.Fatalf("apply after the apiserver came back: %v\n%s", err, o)
	}
	if o, err := indigoCmd(t, dir, "plan", "-detailed-exitcode").CombinedOutput(); err != nil {
		t.Fatalf("plan after recovery (%v):\n%s", err, o)
	}
	if got := len(kubeObjects(t, k, ns)); got != n {
		t.Errorf("%d Deployments after recovery, want %d", got, n)
	}
}

// kubeconfigClient is an HTTP client acting as a kubeconfig's user, and
// the server it names.
func kubeconfigClient(path string) (*http.Client, string, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, "", err
	}
	c, err := rest.HTTPClientFor(cfg)
	return c, cfg.Host, err
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
