package kubernetes_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/providers/indigo"
	"github.com/indigo-cloud/indigo/providers/indigo/internal/protoharness"
)

func TestMain(m *testing.M) { os.Exit(testsrv.Main(m)) }

const objectType = "indigo_kubernetes_object"

// cluster starts (once) the package's control plane and returns it, a
// namespace of this test's own and a provider harness acting there.
func cluster(t *testing.T) (*testsrv.Kube, string, *protoharness.Harness) {
	t.Helper()
	k := testsrv.SharedKube(t)
	if k == nil {
		return nil, "", nil
	}
	ns := k.Namespace(t)
	h := protoharness.New(t, indigo.NewProtocol6Server("test")(), map[string]any{
		"kubernetes": map[string]any{"config_path": k.Kubeconfig, "namespace": ns},
	})
	return k, ns, h
}

func deployment(replicas int, image string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: %d
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: %s
        ports: [{containerPort: 8080}]
`, replicas, image)
}

const service = `{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
 "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}}`

// get reads an object from the apiserver as admin; nil when it does not exist.
func get(t *testing.T, k *testsrv.Kube, path string) map[string]any {
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

func nested(obj map[string]any, keys ...string) any {
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

// runningPods counts the Running pods labelled app=web in ns.
func runningPods(t *testing.T, k *testsrv.Kube, ns string) int {
	t.Helper()
	list := get(t, k, "/api/v1/namespaces/"+ns+"/pods?labelSelector=app%3Dweb")
	n := 0
	for _, p := range list["items"].([]any) {
		if nested(p.(map[string]any), "status", "phase") == "Running" {
			n++
		}
	}
	return n
}

// TestObjectLifecycle applies a Deployment and a Service, checks on the
// apiserver that the pods run and the Service has endpoints, scales the
// Deployment and changes its image by hand (drift that Read shows and an
// update repairs), imports it, and destroys both.
func TestObjectLifecycle(t *testing.T) {
	k, ns, h := cluster(t)
	if k == nil {
		return
	}
	depPath := "/apis/apps/v1/namespaces/" + ns + "/deployments/web"
	dep := h.Create(objectType, map[string]any{"manifest": deployment(2, "nginx:1.27"), "timeout": "2m"})
	if s := protoharness.GetString(t, dep, "status"); s != "2/2 replicas available" {
		t.Errorf("status = %q", s)
	}
	if id := protoharness.GetString(t, dep, "id"); id != "apps/v1/Deployment/"+ns+"/web" {
		t.Errorf("id = %q", id)
	}
	live := get(t, k, depPath)
	if live == nil || nested(live, "status", "availableReplicas") != 2.0 {
		t.Fatalf("the Deployment on the server: %v", nested(live, "status"))
	}
	if n := runningPods(t, k, ns); n != 2 {
		t.Errorf("%d pods Running, want 2", n)
	}
	svc := h.Create(objectType, map[string]any{"manifest": service})
	ip := protoharness.GetString(t, svc, "cluster_ip")
	if ip == "" || !strings.HasPrefix(protoharness.GetString(t, svc, "status"), "cluster IP ") {
		t.Errorf("service: cluster_ip %q, status %q", ip, protoharness.GetString(t, svc, "status"))
	}
	slices := get(t, k, "/apis/discovery.k8s.io/v1/namespaces/"+ns+"/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dweb")
	if items, _ := slices["items"].([]any); len(items) == 0 || len(nested(items[0].(map[string]any), "endpoints").([]any)) == 0 {
		t.Errorf("the Service has no endpoints after apply: %v", slices)
	}

	// No drift: a plan changes nothing.
	dep = h.Read(objectType, dep)
	if p, err := h.Plan(objectType, dep, map[string]any{"manifest": deployment(2, "nginx:1.27"), "timeout": "2m"}); err != nil || !p.Noop() {
		t.Fatalf("a plan right after apply is not empty (%v): %v", err, p.Planned)
	}

	// Drift: scaled and re-imaged by hand (as kubectl scale and kubectl set image do).
	var scale map[string]any
	if err := k.Call(context.Background(), http.MethodGet, depPath+"/scale", nil, &scale); err != nil {
		t.Fatal(err)
	}
	scale["spec"] = map[string]any{"replicas": 4}
	if err := k.Call(context.Background(), http.MethodPut, depPath+"/scale", scale, nil); err != nil {
		t.Fatal(err)
	}
	edit(t, k, depPath, func(live map[string]any) {
		nested(live, "spec", "template", "spec", "containers").([]any)[0].(map[string]any)["image"] = "nginx:hand-made"
	})
	dep = h.Read(objectType, dep)
	m := protoharness.GetString(t, dep, "manifest")
	if !strings.Contains(m, `"replicas":4`) || !strings.Contains(m, `"image":"nginx:hand-made"`) {
		t.Errorf("Read does not show the hand edits: %s", m)
	}
	p, err := h.Plan(objectType, dep, map[string]any{"manifest": deployment(2, "nginx:1.27"), "timeout": "2m"})
	if err != nil || p.Noop() || len(p.Replace) > 0 {
		t.Fatalf("the plan after drift: %v, noop %v, replace %v", err, p.Noop(), p.Replace)
	}
	if dep, err = h.Apply(objectType, p); err != nil {
		t.Fatal(err)
	}
	live = get(t, k, depPath)
	if nested(live, "spec", "replicas") != 2.0 || nested(live, "spec", "template", "spec", "containers").([]any)[0].(map[string]any)["image"] != "nginx:1.27" {
		t.Errorf("apply did not repair the drift: replicas %v, containers %v", nested(live, "spec", "replicas"), nested(live, "spec", "template", "spec", "containers"))
	}
	if n := runningPods(t, k, ns); n != 2 {
		t.Errorf("%d pods Running after the repair, want 2", n)
	}
	if owner := managers(live); !strings.Contains(owner, "indigo") {
		t.Errorf("field managers %s lack indigo", owner)
	}

	// Import by apiVersion/kind/namespace/name.
	imp, err := h.ImportState(objectType, "apps/v1/Deployment/"+ns+"/web")
	if err != nil {
		t.Fatal(err)
	}
	if protoharness.GetString(t, imp, "uid") != protoharness.GetString(t, dep, "uid") || !strings.Contains(protoharness.GetString(t, imp, "manifest"), `"nginx:1.27"`) {
		t.Errorf("import: %v", imp)
	}

	// Destroy deletes and waits until the objects are gone, pods too.
	if err := h.Destroy(objectType, svc); err != nil {
		t.Fatal(err)
	}
	if err := h.Destroy(objectType, dep); err != nil {
		t.Fatal(err)
	}
	if get(t, k, depPath) != nil || get(t, k, "/api/v1/namespaces/"+ns+"/services/web") != nil {
		t.Error("objects left after destroy")
	}
	if n := runningPods(t, k, ns); n != 0 {
		t.Errorf("%d pods left after destroy", n)
	}
	// Gone by hand: Read drops it from state.
	if got := h.Read(objectType, dep); !got.IsNull() {
		t.Errorf("Read of a deleted object: %v", got)
	}
}

// edit changes an object by hand, as kubectl edit does: read, change,
// write back, again when a controller wrote in between (409).
func edit(t *testing.T, k *testsrv.Kube, path string, change func(map[string]any)) {
	t.Helper()
	for try := 0; ; try++ {
		obj := get(t, k, path)
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

func managers(obj map[string]any) string {
	var out []string
	for _, f := range nested(obj, "metadata", "managedFields").([]any) {
		out = append(out, fmt.Sprint(f.(map[string]any)["manager"]))
	}
	return strings.Join(out, ",")
}

// TestObjectKinds: cluster-scoped and RBAC objects go through the same
// resource; a manifest that names another object is a replacement; the
// default cluster is the one KUBECONFIG names.
func TestObjectKinds(t *testing.T) {
	k := testsrv.SharedKube(t)
	if k == nil {
		return
	}
	t.Setenv("KUBECONFIG", k.Kubeconfig)
	h := protoharness.New(t, indigo.NewProtocol6Server("test")(), map[string]any{})
	name := strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	nsObj := h.Create(objectType, map[string]any{"manifest": `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"` + name + `"}}`})
	if protoharness.GetString(t, nsObj, "id") != "v1/Namespace/"+name {
		t.Errorf("namespace id = %q", protoharness.GetString(t, nsObj, "id"))
	}
	role := func(role string, verbs string) string {
		return `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"` + role + `","namespace":"` + name + `"},
"rules":[{"apiGroups":[""],"resources":["configmaps"],"verbs":[` + verbs + `]}]}`
	}
	r := h.Create(objectType, map[string]any{"manifest": role("reader", `"get"`)})
	if get(t, k, "/apis/rbac.authorization.k8s.io/v1/namespaces/"+name+"/roles/reader") == nil {
		t.Fatal("the Role is not on the server")
	}
	p, err := h.Plan(objectType, r, map[string]any{"manifest": role("writer", `"get","update"`)})
	if err != nil || len(p.Replace) == 0 {
		t.Errorf("renaming a Role: %v, replace %v", err, p.Replace)
	}
	// A claim on a cluster with no storage class to bind it: applied,
	// not waited for.
	pvc := h.Create(objectType, map[string]any{"timeout": "20s", "manifest": `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"data","namespace":"` + name + `"},
"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1G"}}}}`})
	if s := protoharness.GetString(t, pvc, "status"); s != "Pending" {
		t.Errorf("claim status = %q", s)
	}
	for _, obj := range []tftypes.Value{pvc, r, nsObj} {
		if err := h.Destroy(objectType, obj); err != nil {
			t.Fatal(err)
		}
	}
	if get(t, k, "/api/v1/namespaces/"+name) != nil {
		t.Error("the namespace is still there after destroy")
	}
}

// TestObjectErrors: what a user gets wrong is said at the manifest, and
// an unknown kind or a missing kubeconfig names what to fix.
func TestObjectErrors(t *testing.T) {
	k, _, h := cluster(t)
	if k == nil {
		return
	}
	diags := h.Validate(objectType, map[string]any{"manifest": "kind: ConfigMap\n"})
	if err := protoharness.DiagsError(diags); err == nil || !strings.Contains(err.Error(), "apiVersion") {
		t.Errorf("a manifest without apiVersion: %v", err)
	}
	_, err := h.TryCreate(objectType, map[string]any{"manifest": `{"apiVersion":"example.org/v1","kind":"Gadget","metadata":{"name":"g"}}`})
	if err == nil || !strings.Contains(err.Error(), "does not serve example.org/v1 Gadget") {
		t.Errorf("an unknown kind: %v", err)
	}
	_, err = h.TryCreate(objectType, map[string]any{"manifest": `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bad name!"}}`})
	if err == nil || !strings.Contains(err.Error(), "Fix the manifest") {
		t.Errorf("an invalid name: %v", err)
	}
	missing := protoharness.New(t, indigo.NewProtocol6Server("test")(), map[string]any{
		"kubernetes": map[string]any{"config_path": "/nonexistent/kubeconfig"},
	})
	_, err = missing.TryCreate(objectType, map[string]any{"manifest": `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}`})
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/kubeconfig") {
		t.Errorf("a missing kubeconfig: %v", err)
	}
}
