package binding

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
)

func init() {
	Register(&Kind{
		Name:            "local",
		Doc:             "This machine, through indigo's built-in provider: directories, rootless services and storage copies under the provider's root.",
		DefaultProvider: config.BuiltinProvider,
		Settings: []Setting{
			{Name: "media", Type: cty.List(cty.String), Doc: "the media its storage copies are on (default [\"disk\"]), matched against qos media"},
			{Name: "latency", Type: cty.String, Doc: "the access class of its storage: online (default), nearline or offline, matched against qos latency"},
			{Name: "max_size", Type: cty.String, Doc: "the largest size a storage may ask of it, a quantity such as \"2TiB\" (default: no limit)"},
			{Name: "accounts", Type: cty.Map(cty.String), Doc: "the local accounts policies reach: identity to account name, e.g. { \"user:alice\" = \"alice\", \"group:cms\" = \"cms\" } (docs/policies.md)"},
		},
		Rules: []Rule{
			{Type: "tosca.nodes.Container.Application", Realise: (*Binder).localContainer, Doc: "indigo_service (rootless: skopeo, umoci, proot)"},
			{Type: "tosca.nodes.indigo.Container.Application.Docker", Realise: (*Binder).localContainer, Doc: "indigo_service (rootless: skopeo, umoci, proot)"},
			{Type: "tosca.nodes.Container.Runtime", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.indigo.Container.Runtime.Docker", Realise: (*Binder).localRuntime, Doc: "nothing of its own: this machine runs the containers it hosts"},
			{Type: "tosca.nodes.Compute", Realise: (*Binder).localCompute, Doc: "indigo_directory (the host)"},
			{Type: "tosca.nodes.BlockStorage", Realise: (*Binder).localVolume, Doc: "indigo_directory"},
			{Type: "tosca.nodes.ObjectStorage", Realise: (*Binder).localVolume, Doc: "indigo_directory"},
			{Type: "tosca.nodes.indigo.OneDataStorage", Realise: (*Binder).localVolume, Doc: "indigo_directory (the mount point)"},
			{Type: "tosca.nodes.indigo.GlusterFSVolume", Realise: (*Binder).localVolume, Doc: "indigo_directory (the mount point)"},
			{Type: "tosca.nodes.network.Network", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.network.Port", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.SoftwareComponent", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.WebApplication", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.Database", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.indigo.KubernetesObject", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.indigo.Kubernetes.HelmChart", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.eosc.Dataset", Realise: (*Binder).steps, Doc: "configuration steps"},
			{Type: "tosca.nodes.eosc.DatasetList", Realise: (*Binder).steps, Doc: "configuration steps"},
		},
		Storage: localStorage,
		Check:   localCheck,
	})
}

// localhost is the address components realised on a local site have.
func (b *Binder) localhostAttrs() {
	lo := b.list(b.str("127.0.0.1"))
	b.r.Attributes["private_address"] = lo
	b.r.Attributes["public_address"] = lo
	b.r.Attributes["ip_address"] = b.str("127.0.0.1")
}

// localRuntime: a container runtime on a local site is this machine; the
// containers it hosts are rootless services.
func (b *Binder) localRuntime() {
	b.localhostAttrs()
	b.steps()
}

// localCompute: a Compute on a local site is a host directory under the
// provider's root; software "hosted" on it is configured on this machine.
func (b *Binder) localCompute() {
	name := Name(b.c.Name)
	b.resource("indigo_directory", name, b.body(map[string]hcl.Expression{"path": b.str("hosts/" + name)}))
	b.localhostAttrs()
	b.r.Attributes["tosca_id"] = b.ref("indigo_directory", name, "id")
	b.r.Attributes["host_path"] = b.ref("indigo_directory", name, "path")
}

// localVolume: block and object storage are directories under the root.
func (b *Binder) localVolume() {
	name := Name(b.c.Name)
	b.resource("indigo_directory", name, b.body(map[string]hcl.Expression{"path": b.str("volumes/" + name)}))
	b.r.Attributes["volume_id"] = b.ref("indigo_directory", name, "id")
	b.r.Attributes["path"] = b.ref("indigo_directory", name, "path")
}

// rootlessScript fetches the image once (skopeo, umoci --rootless) and runs
// the command inside its root file system with proot: no root, no daemon,
// as udocker did. The image and command come in as environment variables
// so no value is ever spliced into shell text.
const rootlessScript = `set -e
if [ ! -d bundle/rootfs ]; then
  skopeo copy "docker://$INDIGO_IMAGE" oci:image:latest
  umoci unpack --rootless --image image:latest bundle
fi
exec proot -r bundle/rootfs -b /dev -b /proc -b /sys -w / /bin/sh -c "$INDIGO_COMMAND"`

// localContainer: a container application on a local site runs its
// image's command as an unprivileged indigo_service (UC5, user containers
// without root).
func (b *Binder) localContainer() {
	name := Name(b.c.Name)
	img := b.image()
	cmd := b.prop("command")
	if cmd == nil {
		b.errorf(b.rng, "Container without a command",
			"Component %s runs as a rootless local service, which needs the command to run inside the image (the command property): indigo does not read the image's entrypoint.", b.c.Name)
	}
	if img == nil || cmd == nil {
		return
	}
	dir := "containers/" + name
	b.resource("indigo_directory", name+"_root", b.body(map[string]hcl.Expression{"path": b.str(dir)}))
	fixed := &hclsyntax.ObjectConsExpr{SrcRange: b.rng, OpenRange: b.rng, Items: []hclsyntax.ObjectConsItem{
		{KeyExpr: b.key("INDIGO_IMAGE"), ValueExpr: asSyntax(img)},
		{KeyExpr: b.key("INDIGO_COMMAND"), ValueExpr: asSyntax(cmd)},
	}}
	env := hclsyntax.Expression(fixed)
	if e := b.prop("environment_variables"); e != nil {
		env = &hclsyntax.FunctionCallExpr{Name: "merge", Args: []hclsyntax.Expression{asSyntax(e), fixed}, NameRange: b.rng, OpenParenRange: b.rng, CloseParenRange: b.rng}
	}
	attrs := map[string]hcl.Expression{
		"command": b.list(b.str("/bin/sh"), b.str("-c"), b.str(rootlessScript)),
		"dir":     b.ref("indigo_directory", name+"_root", "path"),
		"env":     env,
	}
	var blocks []*hclsyntax.Block
	if p := b.port(); p != nil {
		attrs["port"] = p
		blocks = append(blocks, b.block("health_check", map[string]hcl.Expression{
			"tcp":     &hclsyntax.TemplateExpr{Parts: []hclsyntax.Expression{b.str("127.0.0.1:"), asSyntax(p)}, SrcRange: p.Range()},
			"timeout": b.str("5m"),
		}))
	}
	b.resource("indigo_service", name, b.body(attrs, blocks...))
	b.localhostAttrs()
	b.r.Attributes["pid"] = b.ref("indigo_service", name, "pid")
	b.r.Attributes["tosca_id"] = b.ref("indigo_service", name, "id")
}
