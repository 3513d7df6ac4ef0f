package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// pollInterval is how often a wait looks at the object again.
var pollInterval = 250 * time.Millisecond

// readiness says whether an object is ready, and if not, what it is
// waiting for (a progress line) or why it never will be (failed).
type readiness struct {
	ready    bool
	progress string
	failed   error
}

// waitReady polls the object until it is ready, the timeout passes or it
// fails, logging each new progress line. It returns the last live object.
func (c *Cluster) waitReady(ctx context.Context, obj *unstructured.Unstructured, ns string, timeout time.Duration) (*unstructured.Unstructured, error) {
	gvk := obj.GroupVersionKind()
	m, err := c.mapping(gvk)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	what := describeObject(obj, ns)
	last := ""
	for {
		live, err := c.resource(m, ns).Get(ctx, obj.GetName(), metav1.GetOptions{})
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("%s was not ready after %s (%s)", what, timeout, last)
			}
			return nil, err
		}
		r, err := c.readiness(ctx, live)
		if err != nil && ctx.Err() == nil {
			return nil, err
		}
		if r.ready {
			return live, nil
		}
		if r.failed != nil {
			return live, fmt.Errorf("%s will not become ready: %w", what, r.failed)
		}
		if r.progress != last {
			last = r.progress
			tflog.Info(ctx, fmt.Sprintf("%s: %s", what, r.progress))
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return live, fmt.Errorf("%s was not ready after %s: %s. Raise the resource's timeout, or see kubectl describe", what, timeout, last)
			}
			return live, ctx.Err()
		case <-time.After(pollInterval):
		}
	}
}

func describeObject(obj *unstructured.Unstructured, ns string) string {
	if ns == "" {
		return fmt.Sprintf("%s %s", obj.GetKind(), obj.GetName())
	}
	return fmt.Sprintf("%s %s/%s", obj.GetKind(), ns, obj.GetName())
}

// readiness judges an object by kind: Deployments by their rollout,
// Services by ready endpoints, claims by being bound when a storage class
// can bind them. Every other kind is ready once it exists.
func (c *Cluster) readiness(ctx context.Context, live *unstructured.Unstructured) (readiness, error) {
	gk := live.GroupVersionKind().GroupKind()
	switch gk {
	case schema.GroupKind{Group: "apps", Kind: "Deployment"}:
		return deploymentReadiness(live), nil
	case schema.GroupKind{Kind: "Service"}:
		return c.serviceReadiness(ctx, live)
	case schema.GroupKind{Kind: "PersistentVolumeClaim"}:
		return c.claimReadiness(ctx, live)
	}
	return readiness{ready: true}, nil
}

func deploymentReadiness(d *unstructured.Unstructured) readiness {
	want, found, _ := unstructured.NestedInt64(d.Object, "spec", "replicas")
	if !found {
		want = 1
	}
	observed, _, _ := unstructured.NestedInt64(d.Object, "status", "observedGeneration")
	replicas, _, _ := unstructured.NestedInt64(d.Object, "status", "replicas")
	updated, _, _ := unstructured.NestedInt64(d.Object, "status", "updatedReplicas")
	available, _, _ := unstructured.NestedInt64(d.Object, "status", "availableReplicas")
	conds, _, _ := unstructured.NestedSlice(d.Object, "status", "conditions")
	for _, c := range conds {
		cm, _ := c.(map[string]any)
		if cm["type"] == "Progressing" && cm["status"] == "False" && cm["reason"] == "ProgressDeadlineExceeded" {
			return readiness{failed: fmt.Errorf("its rollout exceeded its progress deadline: %v", cm["message"])}
		}
	}
	if observed < d.GetGeneration() {
		return readiness{progress: "waiting for the controller to see the new generation"}
	}
	if updated == want && available == want && replicas == want {
		return readiness{ready: true}
	}
	return readiness{progress: fmt.Sprintf("%d of %d replicas updated, %d available", updated, want, available)}
}

var endpointSlices = schema.GroupVersionResource{Group: "discovery.k8s.io", Version: "v1", Resource: "endpointslices"}

func (c *Cluster) serviceReadiness(ctx context.Context, svc *unstructured.Unstructured) (readiness, error) {
	typ, _, _ := unstructured.NestedString(svc.Object, "spec", "type")
	selector, _, _ := unstructured.NestedMap(svc.Object, "spec", "selector")
	if typ == "ExternalName" || len(selector) == 0 {
		return readiness{ready: true}, nil // no endpoints of its own to wait for
	}
	list, err := c.dyn.Resource(endpointSlices).Namespace(svc.GetNamespace()).List(ctx, metav1.ListOptions{LabelSelector: "kubernetes.io/service-name=" + svc.GetName()})
	if err != nil {
		return readiness{}, err
	}
	ready := 0
	for _, s := range list.Items {
		eps, _, _ := unstructured.NestedSlice(s.Object, "endpoints")
		for _, e := range eps {
			em, _ := e.(map[string]any)
			r, found, _ := unstructured.NestedBool(em, "conditions", "ready")
			if !found || r {
				ready++
			}
		}
	}
	if ready > 0 {
		return readiness{ready: true}, nil
	}
	return readiness{progress: "waiting for a ready endpoint (a running pod its selector matches)"}, nil
}

var storageClasses = schema.GroupVersionResource{Group: "storage.k8s.io", Version: "v1", Resource: "storageclasses"}

// claimReadiness waits for Bound only when some storage class can bind the
// claim: the one it names, or the cluster's default. A cluster without
// one (or a class that binds on first consumer) would never bind it here.
func (c *Cluster) claimReadiness(ctx context.Context, pvc *unstructured.Unstructured) (readiness, error) {
	phase, _, _ := unstructured.NestedString(pvc.Object, "status", "phase")
	if phase == "Bound" {
		return readiness{ready: true}, nil
	}
	class, hasClass, _ := unstructured.NestedString(pvc.Object, "spec", "storageClassName")
	var sc *unstructured.Unstructured
	if hasClass && class != "" {
		got, err := c.dyn.Resource(storageClasses).Get(ctx, class, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return readiness{ready: true}, nil
		}
		if err != nil {
			return readiness{}, err
		}
		sc = got
	} else if !hasClass {
		list, err := c.dyn.Resource(storageClasses).List(ctx, metav1.ListOptions{})
		if err != nil {
			return readiness{}, err
		}
		for i := range list.Items {
			if list.Items[i].GetAnnotations()["storageclass.kubernetes.io/is-default-class"] == "true" {
				sc = &list.Items[i]
			}
		}
	}
	if sc == nil {
		return readiness{ready: true}, nil
	}
	if mode, _, _ := unstructured.NestedString(sc.Object, "volumeBindingMode"); mode == "WaitForFirstConsumer" {
		return readiness{ready: true}, nil
	}
	return readiness{progress: fmt.Sprintf("claim %s, waiting for storage class %s to bind it", phase, sc.GetName())}, nil
}

// waitGone polls until the object no longer exists.
func (c *Cluster) waitGone(ctx context.Context, ri dynamic.ResourceInterface, what, name string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		_, err := ri.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil && ctx.Err() == nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s still exists %s after its deletion was asked (finalizers or dependents keep it). Raise the resource's timeout, or see kubectl describe", what, timeout)
		case <-time.After(pollInterval):
		}
	}
}

// statusSummary is the status attribute: a few words on the live object.
func statusSummary(live *unstructured.Unstructured) string {
	switch live.GroupVersionKind().GroupKind() {
	case schema.GroupKind{Group: "apps", Kind: "Deployment"}:
		want, found, _ := unstructured.NestedInt64(live.Object, "spec", "replicas")
		if !found {
			want = 1
		}
		available, _, _ := unstructured.NestedInt64(live.Object, "status", "availableReplicas")
		return fmt.Sprintf("%d/%d replicas available", available, want)
	case schema.GroupKind{Kind: "Service"}:
		ip, _, _ := unstructured.NestedString(live.Object, "spec", "clusterIP")
		return "cluster IP " + ip
	}
	if phase, ok, _ := unstructured.NestedString(live.Object, "status", "phase"); ok {
		return phase
	}
	return "exists"
}
