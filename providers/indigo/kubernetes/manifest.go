package kubernetes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"unicode"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// parseManifest reads one object from JSON or YAML. It checks what every
// object needs: apiVersion, kind and metadata.name.
func parseManifest(text string) (*unstructured.Unstructured, error) {
	if strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf("the manifest is empty: give one object as JSON or YAML, with apiVersion, kind and metadata.name")
	}
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(text), &obj); err != nil {
		return nil, fmt.Errorf("the manifest is neither JSON nor YAML: %v", err)
	}
	if obj == nil {
		return nil, fmt.Errorf("the manifest is not an object: give one object as JSON or YAML, with apiVersion, kind and metadata.name")
	}
	if bytes.Contains([]byte(text), []byte("\n---")) {
		return nil, fmt.Errorf("the manifest holds more than one YAML document: give each object its own indigo_kubernetes_object")
	}
	u := &unstructured.Unstructured{Object: obj}
	var missing []string
	if u.GetAPIVersion() == "" {
		missing = append(missing, "apiVersion")
	}
	if u.GetKind() == "" {
		missing = append(missing, "kind")
	}
	if u.GetName() == "" {
		missing = append(missing, "metadata.name")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the manifest has no %s: every object needs apiVersion, kind and metadata.name", strings.Join(missing, ", "))
	}
	if _, err := schema.ParseGroupVersion(u.GetAPIVersion()); err != nil {
		return nil, fmt.Errorf("the manifest's apiVersion %q is not group/version or version: %v", u.GetAPIVersion(), err)
	}
	return u, nil
}

// identity is what names an object on a cluster; a manifest whose identity
// changes names another object (a replacement).
type identity struct {
	gvk             schema.GroupVersionKind
	namespace, name string
}

func identityOf(u *unstructured.Unstructured) identity {
	return identity{gvk: u.GroupVersionKind(), namespace: u.GetNamespace(), name: u.GetName()}
}

// sameObject says whether two identities name the same object: the
// version may change (apps/v1beta1 to apps/v1), the group, kind, namespace
// and name may not.
func (a identity) sameObject(b identity) bool {
	return a.gvk.GroupKind() == b.gvk.GroupKind() && a.namespace == b.namespace && a.name == b.name
}

// objectID is the import id: apiVersion/kind/namespace/name, or
// apiVersion/kind/name for a cluster-scoped object.
func objectID(apiVersion, kind, namespace, name string) string {
	if namespace == "" {
		return apiVersion + "/" + kind + "/" + name
	}
	return apiVersion + "/" + kind + "/" + namespace + "/" + name
}

// parseID reads an import id. The kind is the first part that starts with
// an upper-case letter; what comes before is the apiVersion.
func parseID(id string) (apiVersion, kind, namespace, name string, err error) {
	parts := strings.Split(id, "/")
	k := -1
	for i, p := range parts {
		if p != "" && unicode.IsUpper([]rune(p)[0]) {
			k = i
			break
		}
	}
	bad := fmt.Errorf("the import id %q is not apiVersion/kind/namespace/name (apps/v1/Deployment/default/web) or apiVersion/kind/name (v1/Namespace/science)", id)
	if k < 1 || k > 2 {
		return "", "", "", "", bad
	}
	rest := parts[k+1:]
	switch len(rest) {
	case 1:
		name = rest[0]
	case 2:
		namespace, name = rest[0], rest[1]
	default:
		return "", "", "", "", bad
	}
	if name == "" || (len(rest) == 2 && namespace == "") {
		return "", "", "", "", bad
	}
	return strings.Join(parts[:k], "/"), parts[k], namespace, name, nil
}

// canonical encodes v as JSON with sorted keys (encoding/json sorts map
// keys), which is how two manifests are compared.
func canonical(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

// project returns the live values of the fields that desired sets:
// objects field by field, lists element by element. Where the live value
// means the same as the desired one (a quantity written differently, a
// number as a string) the desired value is kept, so only real differences
// remain. A field the server does not hold is left out.
func project(desired, live any) (any, bool) {
	switch d := desired.(type) {
	case map[string]any:
		l, ok := live.(map[string]any)
		if !ok {
			return nil, false
		}
		out := make(map[string]any, len(d))
		for k, dv := range d {
			lv, ok := l[k]
			if !ok {
				if dv == nil || isEmpty(dv) {
					out[k] = dv // an empty value the server drops
				}
				continue
			}
			if pv, ok := project(dv, lv); ok {
				out[k] = pv
			}
		}
		return out, true
	case []any:
		l, ok := live.([]any)
		if !ok {
			return nil, false
		}
		out := make([]any, 0, len(l))
		for i, lv := range l {
			if i < len(d) {
				if pv, ok := project(d[i], lv); ok {
					out = append(out, pv)
					continue
				}
			}
			out = append(out, lv)
		}
		return out, true
	default:
		if sameScalar(desired, live) {
			return desired, true
		}
		return live, true
	}
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	case string:
		return x == ""
	}
	return false
}

// sameScalar compares two scalars by meaning: numbers by value (YAML may
// give an int where the server gives an int64), quantities by amount
// ("0.5" and "500m", "1Gi" and "1073741824").
func sameScalar(a, b any) bool {
	if reflect.DeepEqual(a, b) {
		return true
	}
	af, aok := number(a)
	bf, bok := number(b)
	if aok && bok {
		return af == bf
	}
	as, bs := fmt.Sprint(a), fmt.Sprint(b)
	if as == bs {
		return true
	}
	qa, err1 := resource.ParseQuantity(as)
	qb, err2 := resource.ParseQuantity(bs)
	return err1 == nil && err2 == nil && qa.Cmp(qb) == 0
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// liveManifest is what Read records for a manifest: the prior text when
// the server holds what it says, else the JSON of the live values of its
// fields, which a plan shows as a change back to the configuration.
func liveManifest(prior string, desired, live *unstructured.Unstructured) string {
	d := desired.Object
	p, _ := project(d, live.Object)
	if canonical(p) == canonical(d) {
		return prior
	}
	return canonical(p)
}

// trimmed is a live object as a manifest: what import records, without
// what the server owns (status, uid, resourceVersion, managedFields ...).
func trimmed(live *unstructured.Unstructured) string {
	obj := live.DeepCopy().Object
	delete(obj, "status")
	if md, ok := obj["metadata"].(map[string]any); ok {
		for _, k := range []string{"uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink"} {
			delete(md, k)
		}
		if ann, ok := md["annotations"].(map[string]any); ok {
			delete(ann, "kubectl.kubernetes.io/last-applied-configuration")
			delete(ann, "deployment.kubernetes.io/revision")
			if len(ann) == 0 {
				delete(md, "annotations")
			}
		}
	}
	return canonical(obj)
}
