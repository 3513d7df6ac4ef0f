package testsrv

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKubeBuild builds the control plane's binaries (make kube-deps); it
// runs only when asked, with INDIGO_KUBE_BUILD=1.
func TestKubeBuild(t *testing.T) {
	if os.Getenv("INDIGO_KUBE_BUILD") != "1" {
		t.Skip("set INDIGO_KUBE_BUILD=1 to build the Kubernetes binaries (make kube-deps)")
	}
	b := kubeBinaries(t, true)
	for _, p := range []string{b.etcd, b.apiserver, b.controllerManager, b.scheduler, b.kwok} {
		t.Log(p)
	}
}

// kubePod is what the tests read of a pod.
type kubePod struct {
	Metadata struct{ Name string }
	Spec     struct{ NodeName string }
	Status   struct{ Phase string }
}

func deployment(name string, replicas int) map[string]any {
	labels := map[string]string{"app": name}
	return map[string]any{
		"apiVersion": "apps/v1",
		"kind":       "Deployment",
		"metadata":   map[string]any{"name": name},
		"spec": map[string]any{
			"replicas": replicas,
			"selector": map[string]any{"matchLabels": labels},
			"template": map[string]any{
				"metadata": map[string]any{"labels": labels},
				"spec": map[string]any{
					"containers": []map[string]any{{"name": "web", "image": "nginx:1.27"}},
				},
			},
		},
	}
}

// runningPods polls until the pods labelled app=name in ns are n Running
// pods, and returns them.
func runningPods(t *testing.T, k *Kube, ns, name string, n int) []kubePod {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var last []kubePod
	for {
		var list struct{ Items []kubePod }
		err := k.Call(ctx, http.MethodGet, "/api/v1/namespaces/"+ns+"/pods?labelSelector=app%3D"+name, nil, &list)
		if err == nil {
			running := 0
			for _, p := range list.Items {
				if p.Status.Phase == "Running" {
					running++
				}
			}
			if running == n && len(list.Items) == n {
				return list.Items
			}
			last = list.Items
		}
		select {
		case <-ctx.Done():
			t.Fatalf("want %d Running pods of %s, have %+v (last error %v); controller manager:\n%s\nkwok:\n%s",
				n, name, last, err, k.Logs("kube-controller-manager"), k.Logs("kwok"))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// TestSharedKube: a Deployment of two replicas created through the API
// gets two Running pods on the fake nodes; a user minted with
// UserKubeconfig is held to RBAC.
func TestSharedKube(t *testing.T) {
	start := time.Now()
	k := SharedKube(t)
	t.Logf("control plane ready in %s: %s, nodes %v", time.Since(start).Round(time.Millisecond), k.Server, k.Nodes)
	if len(k.Nodes) != 2 {
		t.Fatalf("nodes: %v, want 2", k.Nodes)
	}
	var version struct{ GitVersion string }
	if err := k.Call(context.Background(), http.MethodGet, "/version", nil, &version); err != nil {
		t.Fatal(err)
	}
	if version.GitVersion != KubeVersion {
		t.Errorf("the apiserver reports %q, want %q", version.GitVersion, KubeVersion)
	}

	ns := k.Namespace(t)
	start = time.Now()
	if err := k.Call(context.Background(), http.MethodPost, "/apis/apps/v1/namespaces/"+ns+"/deployments", deployment("web", 2), nil); err != nil {
		t.Fatal(err)
	}
	pods := runningPods(t, k, ns, "web", 2)
	t.Logf("2 pods Running in %s", time.Since(start).Round(time.Millisecond))
	for _, p := range pods {
		if !strings.HasPrefix(p.Spec.NodeName, "kwok-node-") {
			t.Errorf("pod %s is on node %q, want a kwok node", p.Metadata.Name, p.Spec.NodeName)
		}
	}

	t.Run("user", func(t *testing.T) {
		kc := k.UserKubeconfig(t, "alice", "developers")
		text, err := os.ReadFile(kc)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"current-context: " + KubeContext, "server: " + k.Server} {
			if !strings.Contains(string(text), want) {
				t.Errorf("kubeconfig %s lacks %q:\n%s", kc, want, text)
			}
		}
		alice := userClient(t, k, "alice", "developers")
		path := "/api/v1/namespaces/" + ns + "/pods"
		if code := status(t, alice, k.Server+path); code != http.StatusForbidden {
			t.Fatalf("alice lists pods: HTTP %d, want 403 before any grant", code)
		}
		binding := map[string]any{
			"apiVersion": "rbac.authorization.k8s.io/v1",
			"kind":       "RoleBinding",
			"metadata":   map[string]any{"name": "developers-view"},
			"roleRef":    map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
			"subjects":   []map[string]any{{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "developers"}},
		}
		if err := k.Call(context.Background(), http.MethodPost, "/apis/rbac.authorization.k8s.io/v1/namespaces/"+ns+"/rolebindings", binding, nil); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for status(t, alice, k.Server+path) != http.StatusOK {
			if time.Now().After(deadline) {
				t.Fatal("alice still may not list pods after the group was bound to view")
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

// userClient is an HTTP client with a fresh client certificate for user.
func userClient(t *testing.T, k *Kube, user string, groups ...string) *http.Client {
	t.Helper()
	cert, key, err := k.pki.clientCertIn(t.TempDir(), user, groups)
	if err != nil {
		t.Fatal(err)
	}
	c, err := k.pki.client(cert, key)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func status(t *testing.T, c *http.Client, url string) int {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestKubeRestartAndStop: with the apiserver stopped requests fail; once
// it is started again the objects are all there; Stop leaves no process.
func TestKubeRestartAndStop(t *testing.T) {
	start := time.Now()
	k := StartKube(t, KubeOptions{Nodes: -1})
	t.Logf("control plane (no nodes) ready in %s", time.Since(start).Round(time.Millisecond))
	if len(k.Nodes) != 0 {
		t.Fatalf("nodes: %v, want none", k.Nodes)
	}
	ctx := context.Background()
	cm := map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "survivor"},
		"data":     map[string]string{"k": "v"},
	}
	if err := k.Call(ctx, http.MethodPost, "/api/v1/namespaces/default/configmaps", cm, nil); err != nil {
		t.Fatal(err)
	}

	start = time.Now()
	k.StopAPIServer()
	t.Logf("apiserver stopped in %s", time.Since(start).Round(time.Millisecond))
	err := k.Call(ctx, http.MethodGet, "/api/v1/namespaces/default/configmaps/survivor", nil, nil)
	var apiErr *APIError
	if err == nil || errors.As(err, &apiErr) {
		t.Fatalf("GET with the apiserver stopped: %v, want a connection error", err)
	}

	start = time.Now()
	k.StartAPIServer(t)
	t.Logf("apiserver back in %s", time.Since(start).Round(time.Millisecond))
	var got struct{ Data map[string]string }
	if err := k.Call(ctx, http.MethodGet, "/api/v1/namespaces/default/configmaps/survivor", nil, &got); err != nil {
		t.Fatal(err)
	}
	if got.Data["k"] != "v" {
		t.Fatalf("configmap after the restart: %v", got.Data)
	}

	pids := k.pids()
	for _, name := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"} {
		if pids[name] == 0 {
			t.Errorf("%s is not running: %v", name, pids)
		}
	}
	start = time.Now()
	k.Stop()
	t.Logf("control plane stopped in %s", time.Since(start).Round(time.Millisecond))
	for name, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%s (pid %d) still exists after Stop: %v", name, pid, err)
		}
	}
	if c, err := net.DialTimeout("tcp", strings.TrimPrefix(k.Server, "https://"), time.Second); err == nil {
		c.Close()
		t.Errorf("something still listens on %s after Stop", k.Server)
	}
	k.Stop() // idempotent
}

// TestKubePKI: the serving certificate is good for the apiserver's
// loopback address, and a user's client certificate carries its name and
// groups and chains to the cluster CA for client authentication.
func TestKubePKI(t *testing.T) {
	p, err := newKubePKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(p.ca)
	serving := readCert(t, p.servingCert)
	if _, err := serving.Verify(x509.VerifyOptions{Roots: roots, DNSName: "127.0.0.1"}); err != nil {
		t.Errorf("serving certificate for 127.0.0.1: %v", err)
	}
	certFile, _, err := p.clientCertIn(t.TempDir(), "alice", []string{"developers", "ops"})
	if err != nil {
		t.Fatal(err)
	}
	c := readCert(t, certFile)
	if _, err := c.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("client certificate: %v", err)
	}
	groups := slices.Sorted(slices.Values(c.Subject.Organization))
	if c.Subject.CommonName != "alice" || strings.Join(groups, ",") != "developers,ops" {
		t.Errorf("client certificate subject %v, want CN=alice, O=developers, O=ops", c.Subject)
	}
	if _, err := c.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err == nil {
		t.Error("a client certificate verifies for server authentication")
	}
}

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatalf("%s: no PEM block", path)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// BenchmarkStartKube measures starting a control plane with two Ready
// fake nodes, and stopping it.
func BenchmarkStartKube(b *testing.B) {
	for b.Loop() {
		k := StartKube(b, KubeOptions{})
		k.Stop()
	}
}
