package binding

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
)

func init() {
	Register(&Kind{
		Name:            "local",
		Doc:             "This machine, through indigo's built-in provider: directories, rootless containers and storage copies under the provider's root.",
		DefaultProvider: config.BuiltinProvider,
		Settings: []Setting{
			{Name: "media", Type: cty.List(cty.String), Doc: "the media its storage copies are on (default [\"disk\"]), matched against qos media"},
			{Name: "latency", Type: cty.String, Doc: "the access class of its storage: online (default), nearline or offline, matched against qos latency"},
			{Name: "max_size", Type: cty.String, Doc: "the largest size a storage may ask of it, a quantity such as \"2TiB\" (default: no limit)"},
			{Name: "accounts", Type: cty.Map(cty.String), Doc: "the local accounts policies reach: identity to account name, e.g. { \"user:alice\" = \"alice\", \"group:cms\" = \"cms\" } (docs/policies.md)"},
		},
		Rules: []Rule{
			{Type: "tosca.nodes.Container.Application", Realise: (*Binder).localContainer, Doc: "indigo_container (rootless: skopeo, umoci, proot or bubblewrap)"},
			{Type: "tosca.nodes.indigo.Container.Application.Docker", Realise: (*Binder).localContainer, Doc: "indigo_container (rootless: skopeo, umoci, proot or bubblewrap)"},
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
// containers it hosts are rootless indigo_containers.
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

// localContainer: a container application on a local site is an
// indigo_container: its image pulled with skopeo, unpacked with umoci
// --rootless and run under proot or bubblewrap, without root or a daemon
// (UC5, as udocker did). A command property runs with /bin/sh -c inside
// the image; without one the image's own entrypoint and command run.
func (b *Binder) localContainer() {
	name := Name(b.c.Name)
	img := b.image()
	if img == nil {
		return
	}
	attrs := map[string]hcl.Expression{
		"name":  b.str(name),
		"image": img,
	}
	if cmd := b.prop("command"); cmd != nil {
		attrs["command"] = b.list(b.str("/bin/sh"), b.str("-c"), asSyntax(cmd))
	}
	if e := b.prop("environment_variables"); e != nil {
		attrs["env"] = e
	}
	if p := b.port(); p != nil {
		attrs["port"] = p
	}
	b.resource("indigo_container", name, b.body(attrs))
	b.localhostAttrs()
	b.r.Attributes["pid"] = b.ref("indigo_container", name, "pid")
	b.r.Attributes["tosca_id"] = b.ref("indigo_container", name, "id")
}
