package binding

import (
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
)

func init() {
	Register(&Kind{
		Name: "kubernetes",
		Doc: "A Kubernetes cluster, reached as kubectl reaches it (KUBECONFIG or a kubeconfig and context): containers " +
			"become Deployments and Services, volumes persistent volume claims, all applied with server-side apply.",
		DefaultProvider: config.BuiltinProvider,
		Settings: []Setting{
			{Name: "namespace", Type: cty.String, Doc: "the namespace objects are created in (default: the context's, else \"default\")"},
			{Name: "kubeconfig", Type: cty.String, Doc: "the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)"},
			{Name: "context", Type: cty.String, Doc: "the kubeconfig context (default: its current context)"},
		},
		Rules: []Rule{
			{Type: "tosca.nodes.Compute", Realise: (*Binder).k8sCompute, Doc: "indigo_kubernetes_object: a Deployment of the os image that sleeps (a pod per host), a Service when its endpoint lists ports"},
			{Type: "tosca.nodes.network.Network", Realise: (*Binder).steps, Doc: "configuration steps only (the cluster's pod network)"},
			{Type: "tosca.nodes.network.Port", Realise: (*Binder).steps, Doc: "configuration steps (the pod's address)"},
			{Type: "tosca.nodes.Container.Application", Realise: (*Binder).k8sContainer, Doc: "indigo_kubernetes_object: a Deployment, a Service when it has a port"},
			{Type: "tosca.nodes.indigo.Container.Application.Docker", Realise: (*Binder).k8sContainer, Doc: "indigo_kubernetes_object: a Deployment, a Service when it has a port"},
			{Type: "tosca.nodes.Container.Runtime", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.indigo.Container.Runtime.Docker", Realise: (*Binder).steps, Doc: "nothing of its own: the pods of the containers it hosts"},
			{Type: "tosca.nodes.BlockStorage", Realise: (*Binder).k8sVolume, Doc: "indigo_kubernetes_object: a PersistentVolumeClaim, mounted in the containers that require it"},
			{Type: "tosca.nodes.indigo.OneDataStorage", Realise: (*Binder).steps, Doc: "configuration steps (mounted on its host)"},
			{Type: "tosca.nodes.indigo.GlusterFSVolume", Realise: (*Binder).steps, Doc: "configuration steps (mounted on its host)"},
			{Type: "tosca.nodes.ObjectStorage", Realise: (*Binder).k8sVolume, Doc: "indigo_kubernetes_object: a PersistentVolumeClaim"},
			{Type: "tosca.nodes.SoftwareComponent", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.WebApplication", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.Database", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.indigo.KubernetesObject", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.indigo.Kubernetes.HelmChart", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.eosc.Dataset", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.eosc.DatasetList", Realise: (*Binder).steps, Doc: "configuration steps"},
		},
		Provider: kubeProvider,
	})
}

// KubeName is the name of a component's objects on Kubernetes: its name
// lower-cased with underscores made hyphens (a DNS-1123 label).
func KubeName(component string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(component) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	name := strings.Trim(b.String(), "-")
	if len(name) > 63 {
		name = strings.TrimRight(name[:63], "-")
	}
	return name
}

// kubeProvider: the built-in provider's kubernetes block, from the site's
// kubeconfig, context and namespace settings; with none of them, the
// cluster KUBECONFIG names.
func kubeProvider(site Site, _ []Site) *hclsyntax.Body {
	rng := site.Range
	block := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}, SrcRange: rng, EndRange: rng}
	for setting, attr := range map[string]string{"kubeconfig": "config_path", "context": "config_context", "namespace": "namespace"} {
		if v := site.Setting(setting); v != "" {
			block.Attributes[attr] = &hclsyntax.Attribute{Name: attr, Expr: &hclsyntax.LiteralValueExpr{Val: cty.StringVal(v), SrcRange: rng}, SrcRange: rng, NameRange: rng}
		}
	}
	return &hclsyntax.Body{Attributes: hclsyntax.Attributes{}, SrcRange: rng, EndRange: rng,
		Blocks: hclsyntax.Blocks{{Type: "kubernetes", Body: block, TypeRange: rng, OpenBraceRange: rng, CloseBraceRange: rng}}}
}

// kubeObject builds an object constructor from key, value pairs; nil
// values are left out.
func (b *Binder) kubeObject(kv ...any) *hclsyntax.ObjectConsExpr {
	obj := &hclsyntax.ObjectConsExpr{SrcRange: b.rng, OpenRange: b.rng}
	for i := 0; i+1 < len(kv); i += 2 {
		var v hclsyntax.Expression
		switch x := kv[i+1].(type) {
		case string:
			v = b.str(x)
		case hcl.Expression:
			v = asSyntax(x)
		default: // nil: left out
			continue
		}
		obj.Items = append(obj.Items, hclsyntax.ObjectConsItem{KeyExpr: b.key(kv[i].(string)), ValueExpr: v})
	}
	return obj
}

// kubeManifest adds an indigo_kubernetes_object whose manifest is
// jsonencode(obj).
func (b *Binder) kubeManifest(name string, obj hclsyntax.Expression) {
	b.resource("indigo_kubernetes_object", name, b.body(map[string]hcl.Expression{
		"manifest": &hclsyntax.FunctionCallExpr{Name: "jsonencode", Args: []hclsyntax.Expression{obj}, NameRange: b.rng, OpenParenRange: b.rng, CloseParenRange: b.rng},
	}))
}

// k8sContainer: a container application on Kubernetes is a Deployment
// (replicas from its scalable capability), a Service when it has a port,
// with the claims of the volumes it requires mounted under /mnt.
func (b *Binder) k8sContainer() {
	img := b.image()
	if img == nil {
		return
	}
	var command hcl.Expression
	if cmd := b.prop("command"); cmd != nil {
		command = b.list(b.str("/bin/sh"), b.str("-c"), asSyntax(cmd))
	}
	b.k8sWorkload(img, command, b.k8sPort())
}

// k8sCompute: a Compute on Kubernetes is a pod, as the Infrastructure
// Manager's Kubernetes connector made it: a Deployment of scalable.count
// replicas (1 by default) of the operating system's image that sleeps
// (configuration steps do not run there yet), with the claims of the
// volumes it requires mounted under /mnt, and a Service when its endpoint
// lists ports.
func (b *Binder) k8sCompute() {
	b.k8sWorkload(b.k8sOSImage(), b.list(b.str("sleep"), b.str("infinity")), b.k8sEndpointPort())
}

// k8sOSImage is the container image of a Compute's os capability: its
// image property when that names a container image (docker://name, or a
// name with a tag or registry), else distribution:version (ubuntu:22.04),
// else ubuntu:22.04.
func (b *Binder) k8sOSImage() hcl.Expression {
	if img, ok := b.literalString(b.capProp("os", "image")); ok {
		if rest, found := strings.CutPrefix(img, "docker://"); found {
			return b.str(rest)
		}
		if !strings.Contains(img, "://") && (strings.Contains(img, ":") || strings.Contains(img, "/")) {
			return b.str(img)
		}
	}
	dist, ok := b.literalString(b.capProp("os", "distribution"))
	if !ok || dist == "" {
		return b.str("ubuntu:22.04")
	}
	dist = strings.ToLower(dist)
	if v, ok := literal(b.capProp("os", "version")); ok {
		switch v.Type() {
		case cty.String:
			return b.str(dist + ":" + v.AsString())
		case cty.Number:
			return b.str(dist + ":" + v.AsBigFloat().Text('f', -1))
		}
	}
	return b.str(dist + ":latest")
}

// k8sEndpointPort is the first port a Compute's endpoint capability
// lists (ports: { ssh: { source: 22 } }), nil when none is written out.
func (b *Binder) k8sEndpointPort() hcl.Expression {
	e := b.capProp("endpoint", "ports")
	v, ok := literal(e)
	if !ok || !v.CanIterateElements() || v.LengthInt() == 0 {
		return nil
	}
	for it := v.ElementIterator(); it.Next(); {
		_, p := it.Element()
		if !p.Type().IsObjectType() {
			continue
		}
		for _, attr := range []string{"target", "source"} {
			if p.Type().HasAttribute(attr) {
				if n := p.GetAttr(attr); !n.IsNull() && n.Type() == cty.Number {
					return &hclsyntax.LiteralValueExpr{Val: n, SrcRange: e.Range()}
				}
			}
		}
	}
	return nil
}

// k8sWorkload emits the Deployment (and the Service, when port is set) of
// a container or a Compute, and the attributes templates read.
func (b *Binder) k8sWorkload(img, command, port hcl.Expression) {
	name := Name(b.c.Name)
	kname := KubeName(b.c.Name)
	labels := b.kubeObject("app", kname)
	meta := func() *hclsyntax.ObjectConsExpr {
		return b.kubeObject("name", kname, "labels", b.kubeObject("app", kname, "app.kubernetes.io/managed-by", "indigo"))
	}
	var env hcl.Expression
	if e := b.prop("environment_variables"); e != nil {
		// [for k, v in ENV : { name = k, value = tostring(v) }]
		tostring := &hclsyntax.FunctionCallExpr{Name: "tostring", Args: []hclsyntax.Expression{
			&hclsyntax.ScopeTraversalExpr{Traversal: hcl.Traversal{hcl.TraverseRoot{Name: "v", SrcRange: b.rng}}, SrcRange: b.rng}},
			NameRange: b.rng, OpenParenRange: b.rng, CloseParenRange: b.rng}
		env = &hclsyntax.ForExpr{KeyVar: "k", ValVar: "v", CollExpr: asSyntax(e),
			ValExpr:  b.kubeObject("name", &hclsyntax.ScopeTraversalExpr{Traversal: hcl.Traversal{hcl.TraverseRoot{Name: "k", SrcRange: b.rng}}, SrcRange: b.rng}, "value", hcl.Expression(tostring)),
			SrcRange: e.Range(), OpenRange: b.rng, CloseRange: b.rng}
	}
	var ports hcl.Expression
	if port != nil {
		ports = b.list(b.kubeObject("containerPort", port))
	}
	var mounts, volumes []hclsyntax.Expression
	for _, r := range b.c.Requirements {
		vol := b.comps[r.Target]
		if vol == nil || !slices.ContainsFunc(vol.TypeChain, func(t string) bool { return t == "tosca.nodes.BlockStorage" || t == "tosca.nodes.ObjectStorage" }) {
			continue
		}
		vname := KubeName(vol.Name)
		mounts = append(mounts, b.kubeObject("name", vname, "mountPath", "/mnt/"+vname))
		volumes = append(volumes, b.kubeObject("name", vname, "persistentVolumeClaim", b.kubeObject("claimName", vname)))
	}
	container := b.kubeObject("name", kname, "image", img, "command", command, "env", env, "ports", ports)
	podSpec := b.kubeObject("containers", b.list(container))
	if len(mounts) > 0 {
		container.Items = append(container.Items, hclsyntax.ObjectConsItem{KeyExpr: b.key("volumeMounts"), ValueExpr: b.list(mounts...)})
		podSpec.Items = append(podSpec.Items, hclsyntax.ObjectConsItem{KeyExpr: b.key("volumes"), ValueExpr: b.list(volumes...)})
	}
	replicas := b.capProp("scalable", "count")
	if replicas == nil {
		replicas = b.num(1)
	}
	b.kubeManifest(name, b.kubeObject(
		"apiVersion", "apps/v1", "kind", "Deployment", "metadata", meta(),
		"spec", b.kubeObject("replicas", replicas, "selector", b.kubeObject("matchLabels", labels),
			"template", b.kubeObject("metadata", b.kubeObject("labels", b.kubeObject("app", kname)), "spec", podSpec)),
	))
	b.r.Attributes["tosca_id"] = b.ref("indigo_kubernetes_object", name, "uid")
	if port == nil {
		return
	}
	svc := Name(b.c.Name + "_service")
	b.kubeManifest(svc, b.kubeObject(
		"apiVersion", "v1", "kind", "Service", "metadata", meta(),
		"spec", b.kubeObject("selector", b.kubeObject("app", kname),
			"ports", b.list(b.kubeObject("port", port, "targetPort", port))),
	))
	ip := b.ref("indigo_kubernetes_object", svc, "cluster_ip")
	b.r.Attributes["private_address"] = b.list(ip)
	b.r.Attributes["ip_address"] = ip
	// The Service is the container's one address: inside the cluster, or
	// through kubectl port-forward from outside.
	b.r.Attributes["public_address"] = b.list(ip)
}

// k8sVolume: storage on Kubernetes is a persistent volume claim of the
// size asked (ReadWriteOnce, the cluster's default storage class).
func (b *Binder) k8sVolume() {
	name := Name(b.c.Name)
	size := b.sizeExpr(b.prop("size"))
	if size == nil {
		return
	}
	storage := &hclsyntax.TemplateExpr{Parts: []hclsyntax.Expression{asSyntax(size), b.str("G")}, SrcRange: size.Range()}
	kname := KubeName(b.c.Name)
	b.kubeManifest(name, b.kubeObject(
		"apiVersion", "v1", "kind", "PersistentVolumeClaim",
		"metadata", b.kubeObject("name", kname, "labels", b.kubeObject("app.kubernetes.io/managed-by", "indigo")),
		"spec", b.kubeObject("accessModes", b.list(b.str("ReadWriteOnce")),
			"resources", b.kubeObject("requests", b.kubeObject("storage", hcl.Expression(storage)))),
	))
	b.r.Attributes["volume_id"] = b.ref("indigo_kubernetes_object", name, "uid")
}

// firstPortSource is the source of the first entry of a list of port
// specs written out in the template ([{ source: { get_input: port } }]),
// whose value is not known before the inputs are.
func firstPortSource(e hcl.Expression) hclsyntax.Expression {
	tuple, ok := e.(*hclsyntax.TupleConsExpr)
	if !ok || len(tuple.Exprs) == 0 {
		return nil
	}
	obj, ok := tuple.Exprs[0].(*hclsyntax.ObjectConsExpr)
	if !ok {
		return nil
	}
	var source hclsyntax.Expression
	for _, item := range obj.Items {
		k, diags := item.KeyExpr.Value(nil)
		if diags.HasErrors() || k.Type() != cty.String || !k.IsKnown() {
			continue
		}
		switch k.AsString() {
		case "target":
			return nil // port finds targets
		case "source":
			source = item.ValueExpr
		}
	}
	return source
}

// k8sPort is the port a container listens on: as port finds it, else the
// source of the first port its host runtime publishes (INDIGO's Docker
// runtimes publish source ports whose target, unset, is the same port in
// the container).
func (b *Binder) k8sPort() hcl.Expression {
	if p := b.port(); p != nil {
		return p
	}
	for _, r := range b.c.Requirements {
		host := b.comps[r.Target]
		if r.Name != "host" || host == nil {
			continue
		}
		e := host.Capabilities["host"]["publish_ports"]
		if src := firstPortSource(e); src != nil {
			return src
		}
		v, ok := literal(e)
		if !ok || !v.CanIterateElements() || v.LengthInt() == 0 {
			continue
		}
		first := v.Index(cty.NumberIntVal(0))
		if first.Type().IsObjectType() && first.Type().HasAttribute("source") {
			if s := first.GetAttr("source"); !s.IsNull() && s.Type() == cty.Number {
				return &hclsyntax.LiteralValueExpr{Val: s, SrcRange: e.Range()}
			}
		}
	}
	return nil
}
