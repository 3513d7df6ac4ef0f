package kubernetes

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestParseManifest(t *testing.T) {
	for _, tc := range []struct {
		name, text, err string
	}{
		{"json", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}`, ""},
		{"yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n", ""},
		{"empty", "  ", "empty"},
		{"no name", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{}}`, "metadata.name"},
		{"no kind", `{"apiVersion":"v1","metadata":{"name":"a"}}`, "no kind"},
		{"two documents", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\n", "more than one"},
		{"not an object", `[1, 2]`, "neither JSON nor YAML"},
		{"bad syntax", `{"apiVersion": `, "neither JSON nor YAML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseManifest(tc.text)
			if tc.err == "" && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("error = %v, want one containing %q", err, tc.err)
			}
		})
	}
}

func TestParseID(t *testing.T) {
	for id, want := range map[string][4]string{
		"apps/v1/Deployment/default/web":                        {"apps/v1", "Deployment", "default", "web"},
		"v1/Service/science/web":                                {"v1", "Service", "science", "web"},
		"v1/Namespace/science":                                  {"v1", "Namespace", "", "science"},
		"rbac.authorization.k8s.io/v1/Role/ns/indigo-group-cms": {"rbac.authorization.k8s.io/v1", "Role", "ns", "indigo-group-cms"},
	} {
		a, k, ns, n, err := parseID(id)
		if err != nil || [4]string{a, k, ns, n} != want {
			t.Errorf("parseID(%q) = %q %q %q %q, %v; want %q", id, a, k, ns, n, err, want)
		}
		if got := objectID(a, k, ns, n); got != id {
			t.Errorf("objectID of %q = %q", id, got)
		}
	}
	for _, bad := range []string{"", "web", "Deployment/web", "apps/v1/Deployment", "apps/v1/Deployment/a/b/c", "a/b/c/Deployment/x"} {
		if _, _, _, _, err := parseID(bad); err == nil {
			t.Errorf("parseID(%q) accepted", bad)
		}
	}
}

// TestLiveManifest: the manifest recorded is the configured text while
// the server holds what it says (defaults, status and re-encodings
// aside), and the live values of its fields when they differ.
func TestLiveManifest(t *testing.T) {
	desiredText := `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: web
        image: nginx:1
        resources: {requests: {cpu: "0.5", memory: 1Gi}}
        ports: [{containerPort: 80}]
`
	desired, err := parseManifest(desiredText)
	if err != nil {
		t.Fatal(err)
	}
	live := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "web", "namespace": "default", "uid": "u1", "generation": int64(3)},
		"spec": map[string]any{
			"replicas": int64(2), "revisionHistoryLimit": int64(10),
			"template": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{
				"name": "web", "image": "nginx:1", "imagePullPolicy": "IfNotPresent",
				"resources": map[string]any{"requests": map[string]any{"cpu": "500m", "memory": "1073741824"}},
				"ports":     []any{map[string]any{"containerPort": int64(80), "protocol": "TCP"}},
			}}}},
		},
		"status": map[string]any{"replicas": int64(2)},
	}}
	if got := liveManifest(desiredText, desired, live); got != desiredText {
		t.Errorf("no drift, yet the manifest became %s", got)
	}
	unstructured.SetNestedField(live.Object, int64(5), "spec", "replicas")
	containers, _, _ := unstructured.NestedSlice(live.Object, "spec", "template", "spec", "containers")
	containers[0].(map[string]any)["image"] = "nginx:2"
	unstructured.SetNestedSlice(live.Object, containers, "spec", "template", "spec", "containers")
	got := liveManifest(desiredText, desired, live)
	for _, want := range []string{`"replicas":5`, `"image":"nginx:2"`, `"cpu":"0.5"`} {
		if !strings.Contains(got, want) {
			t.Errorf("drifted manifest %s lacks %s", got, want)
		}
	}
	for _, unwanted := range []string{"revisionHistoryLimit", "imagePullPolicy", "status", "uid"} {
		if strings.Contains(got, unwanted) {
			t.Errorf("drifted manifest %s holds %s, which the manifest does not set", got, unwanted)
		}
	}
}
