package binding

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
)

func init() {
	Register(&Kind{
		Name:            "kubernetes",
		Doc:             "A Kubernetes cluster: Deployments, Services and persistent volume claims.",
		DefaultProvider: config.Provider{Hostname: config.DefaultRegistry, Namespace: "hashicorp", Type: "kubernetes"},
		Settings: []Setting{
			{Name: "namespace", Type: cty.String, Doc: "the namespace objects are created in (default: the provider's)"},
		},
		Rules: []Rule{
			{Type: "tosca.nodes.Container.Application", Realise: (*Binder).k8sContainer, Doc: "kubernetes_deployment_v1 + kubernetes_service_v1"},
			{Type: "tosca.nodes.indigo.Container.Application.Docker", Realise: (*Binder).k8sContainer, Doc: "kubernetes_deployment_v1 + kubernetes_service_v1"},
			{Type: "tosca.nodes.Container.Runtime", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.indigo.Container.Runtime.Docker", Realise: (*Binder).steps, Doc: "nothing of its own: the pods of the containers it hosts"},
			{Type: "tosca.nodes.BlockStorage", Realise: (*Binder).k8sVolume, Doc: "kubernetes_persistent_volume_claim_v1"},
			{Type: "tosca.nodes.indigo.OneDataStorage", Realise: (*Binder).steps, Doc: "configuration steps (mounted on its host)"},
			{Type: "tosca.nodes.indigo.GlusterFSVolume", Realise: (*Binder).steps, Doc: "configuration steps (mounted on its host)"},
			{Type: "tosca.nodes.ObjectStorage", Realise: (*Binder).k8sVolume, Doc: "kubernetes_persistent_volume_claim_v1"},
			{Type: "tosca.nodes.SoftwareComponent", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.WebApplication", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.Database", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.indigo.KubernetesObject", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.indigo.Kubernetes.HelmChart", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.eosc.Dataset", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.eosc.DatasetList", Realise: (*Binder).steps, Doc: "configuration steps"},
		},
	})
}

// k8sContainer: a container application on Kubernetes is a Deployment,
// and a Service when it declares a port.
func (b *Binder) k8sContainer() {
	name := Name(b.c.Name)
	img := b.image()
	if img == nil {
		return
	}
	kname := strings.ToLower(strings.ReplaceAll(name, "_", "-"))
	labels := &hclsyntax.ObjectConsExpr{SrcRange: b.rng, OpenRange: b.rng, Items: []hclsyntax.ObjectConsItem{{KeyExpr: b.key("app"), ValueExpr: b.str(kname)}}}
	meta := func() *hclsyntax.Block {
		attrs := map[string]hcl.Expression{"name": b.str(kname)}
		if ns := b.site.Setting("namespace"); ns != "" {
			attrs["namespace"] = b.str(ns)
		}
		return b.block("metadata", attrs)
	}
	container := map[string]hcl.Expression{"name": b.str(kname), "image": img}
	if cmd := b.prop("command"); cmd != nil {
		container["command"] = b.list(b.str("/bin/sh"), b.str("-c"), asSyntax(cmd))
	}
	var cblocks []*hclsyntax.Block
	if env := b.prop("environment_variables"); env != nil {
		v, ok := literal(env)
		if !ok || !v.CanIterateElements() {
			b.diags = append(b.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Environment not passed",
				Detail:  fmt.Sprintf("The environment_variables of %s are not known before apply; a Kubernetes container's env entries are generated only from literal maps.", b.c.Name),
				Subject: env.Range().Ptr()})
		} else {
			for it := v.ElementIterator(); it.Next(); {
				k, val := it.Element()
				if k.Type() == cty.String && val.Type() == cty.String {
					cblocks = append(cblocks, b.block("env", map[string]hcl.Expression{"name": b.str(k.AsString()), "value": b.str(val.AsString())}))
				}
			}
		}
	}
	port := b.port()
	if port != nil {
		cblocks = append(cblocks, b.block("port", map[string]hcl.Expression{"container_port": port}))
	}
	replicas := b.capProp("scalable", "count")
	if replicas == nil {
		replicas = b.num(1)
	}
	b.resource("kubernetes_deployment_v1", name, b.body(nil, meta(), b.block("spec", map[string]hcl.Expression{"replicas": replicas},
		b.block("selector", map[string]hcl.Expression{"match_labels": labels}),
		b.block("template", nil,
			b.block("metadata", map[string]hcl.Expression{"labels": labels}),
			b.block("spec", nil, b.block("container", container, cblocks...)),
		),
	)))
	b.r.Attributes["tosca_id"] = b.ref("kubernetes_deployment_v1", name, "id")
	if port != nil {
		b.resource("kubernetes_service_v1", name, b.body(nil, meta(), b.block("spec", map[string]hcl.Expression{"selector": labels},
			b.block("port", map[string]hcl.Expression{"port": port, "target_port": port}))))
		ip := &hclsyntax.ScopeTraversalExpr{Traversal: hcl.Traversal{
			hcl.TraverseRoot{Name: "kubernetes_service_v1", SrcRange: b.rng},
			hcl.TraverseAttr{Name: name, SrcRange: b.rng},
			hcl.TraverseAttr{Name: "spec", SrcRange: b.rng},
			hcl.TraverseIndex{Key: cty.NumberIntVal(0), SrcRange: b.rng},
			hcl.TraverseAttr{Name: "cluster_ip", SrcRange: b.rng},
		}, SrcRange: b.rng}
		b.r.Attributes["private_address"] = b.list(ip)
		b.r.Attributes["ip_address"] = ip
	}
}

// k8sVolume: storage on Kubernetes is a persistent volume claim.
func (b *Binder) k8sVolume() {
	name := Name(b.c.Name)
	size := b.sizeExpr(b.prop("size"))
	if size == nil {
		return
	}
	storage := &hclsyntax.TemplateExpr{Parts: []hclsyntax.Expression{asSyntax(size), b.str("G")}, SrcRange: size.Range()}
	requests := &hclsyntax.ObjectConsExpr{SrcRange: b.rng, OpenRange: b.rng, Items: []hclsyntax.ObjectConsItem{{KeyExpr: b.key("storage"), ValueExpr: storage}}}
	kname := strings.ToLower(strings.ReplaceAll(name, "_", "-"))
	b.resource("kubernetes_persistent_volume_claim_v1", name, b.body(nil,
		b.block("metadata", map[string]hcl.Expression{"name": b.str(kname)}),
		b.block("spec", map[string]hcl.Expression{"access_modes": b.list(b.str("ReadWriteOnce"))},
			b.block("resources", map[string]hcl.Expression{"requests": requests}))))
	b.r.Attributes["volume_id"] = b.ref("kubernetes_persistent_volume_claim_v1", name, "id")
}
