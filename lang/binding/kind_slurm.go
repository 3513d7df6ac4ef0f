package binding

import (
	"math"
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/units"
)

func init() {
	Register(&Kind{
		Name: "slurm",
		Doc: "A Slurm cluster reached through its client commands (sbatch, squeue, scontrol, scancel, sacct): each batch job is an " +
			"indigo_slurm_job, submitted and tracked until it ends, its state, exit code and output readable by other components.",
		DefaultProvider: config.BuiltinProvider,
		Settings: []Setting{
			{Name: "conf", Type: cty.String, Doc: "the cluster's slurm.conf (default: the environment's SLURM_CONF, then Slurm's own default)"},
			{Name: "partition", Type: cty.String, Doc: "the partition jobs go to when their template names no queue (default: the cluster's default partition)"},
			{Name: "account", Type: cty.String, Doc: "the account jobs are charged to"},
			{Name: "work_dir", Type: cty.String, Doc: "where jobs run and write their output, on the cluster's shared file system (default: indigo's working directory)"},
		},
		Rules: []Rule{
			{Type: "tosca.nodes.indigo.Batch.Job", Realise: (*Binder).slurmJob, Doc: "indigo_slurm_job (executable and arguments as its script)"},
			{Type: "tosca.nodes.indigo.Qcg.Job", Realise: (*Binder).slurmJob, Doc: "indigo_slurm_job (cores, memory, queue, wall clock, output files)"},
			{Type: "tosca.nodes.indigo.Container.Application.Docker.Chronos", Realise: (*Binder).slurmContainerJob, Doc: "indigo_slurm_job running the image rootless (skopeo, umoci, proot on the node)"},
			{Type: "tosca.nodes.indigo.Container.Runtime.Docker", Realise: (*Binder).steps, Doc: "nothing of its own: the node runs the jobs it hosts"},
		},
		Provider: slurmProvider,
	})
}

// slurmProvider is the built-in provider's slurm block for a site that
// names no provider: the site's name, slurm.conf and working directory.
func slurmProvider(site Site, _ []Site) *hclsyntax.Body {
	rng := site.Range
	body := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}, SrcRange: rng, EndRange: rng}
	set := func(k, v string) {
		body.Attributes[k] = &hclsyntax.Attribute{Name: k, Expr: strLit(rng, v), SrcRange: rng, NameRange: rng}
	}
	set("site", site.Name)
	if v := site.Setting("conf"); v != "" {
		set("conf", v)
	}
	if v := site.Setting("work_dir"); v != "" {
		set("work_dir", v)
	}
	out := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}, SrcRange: rng, EndRange: rng}
	out.Blocks = append(out.Blocks, &hclsyntax.Block{Type: "slurm", Body: body, TypeRange: rng, OpenBraceRange: rng, CloseBraceRange: rng})
	return out
}

// slurmJob: an INDIGO batch job (the QCG gateway's jobs in particular) is
// one sbatch submission. Its executable, run by the shell with its
// arguments, is the script; directory is where it changes to first (the
// shell expands it, as QCG did with "${HOME}").
func (b *Binder) slurmJob() {
	name := Name(b.c.Name)
	exe := b.prop("executable")
	if exe == nil {
		b.errorf(b.rng, "Batch job without an executable",
			"Component %s is a batch job (%s) with no executable property: the command line the job runs. Add one.", b.c.Name, b.c.Type)
		return
	}
	var parts []hclsyntax.Expression
	if dir := b.prop("directory"); dir != nil {
		parts = append(parts, b.str(`cd "`), asSyntax(dir), b.str("\" || exit 1\n"))
	}
	parts = append(parts, asSyntax(exe))
	if args := b.prop("arguments"); args != nil {
		if v, ok := literal(args); ok && !(v.Type().IsListType() || v.Type().IsTupleType()) {
			parts = append(parts, b.str(" "), asSyntax(args))
		} else if hasType(b.c.TypeChain, "tosca.nodes.indigo.Qcg.Job") {
			parts = append(parts, b.str(" "), b.call("join", b.str(" "), asSyntax(args)))
		} else {
			parts = append(parts, b.str(" "), asSyntax(args))
		}
	}
	parts = append(parts, b.str("\n"))
	attrs := b.jobAttrs(name, &hclsyntax.TemplateExpr{Parts: parts, SrcRange: b.rng})
	attrs["environment"] = b.prop("environment")
	attrs["cpus"] = b.prop("total_cores")
	if m := b.prop("memory_per_node"); m != nil {
		attrs["memory"] = &hclsyntax.TemplateExpr{Parts: []hclsyntax.Expression{asSyntax(m), b.str("M")}, SrcRange: m.Range()}
	}
	attrs["time_limit"] = b.prop("wall_clock")
	if q := b.prop("queue"); q != nil {
		attrs["partition"] = q
	}
	if o := b.prop("std_outerr"); o != nil {
		attrs["output"], attrs["error"] = o, o
	}
	if o := b.prop("stdout"); o != nil {
		attrs["output"] = o
	}
	if e := b.prop("stderr"); e != nil {
		attrs["error"] = e
	}
	attrs["gpus"] = b.prop("gpus")
	attrs["sbatch_options"] = b.prop("batch_system_options")
	b.resource("indigo_slurm_job", name, b.body(attrs))
	b.jobAttributes(name)
}

// slurmContainerJob: a Chronos job (a container run to completion) is a
// Slurm job that fetches its image and runs its command in it without
// root with rootlessScript (skopeo, umoci, proot): the node needs
// skopeo, umoci and proot, and the image's registry within reach. It runs
// in a directory of its own under the site's work_dir.
func (b *Binder) slurmContainerJob() {
	name := Name(b.c.Name)
	img := b.image()
	cmd := b.prop("command")
	if cmd == nil {
		b.errorf(b.rng, "Container job without a command",
			"Component %s runs as a Slurm job, which needs the command to run inside the image (the command property).", b.c.Name)
	}
	if img == nil || cmd == nil {
		return
	}
	fixed := &hclsyntax.ObjectConsExpr{SrcRange: b.rng, OpenRange: b.rng, Items: []hclsyntax.ObjectConsItem{
		{KeyExpr: b.key("INDIGO_IMAGE"), ValueExpr: asSyntax(img)},
		{KeyExpr: b.key("INDIGO_COMMAND"), ValueExpr: asSyntax(cmd)},
	}}
	env := hclsyntax.Expression(fixed)
	if e := b.prop("environment_variables"); e != nil {
		env = b.call("merge", asSyntax(e), fixed)
	}
	attrs := b.jobAttrs(name, b.str(rootlessScript+"\n"))
	attrs["work_dir"] = b.str("containers/" + name)
	attrs["environment"] = env
	for _, r := range b.c.Requirements {
		if r.Name != "host" || b.comps[r.Target] == nil {
			continue
		}
		host := b.comps[r.Target].Capabilities["host"]
		attrs["cpus"] = host["num_cpus"]
		if m := host["mem_size"]; m != nil {
			if s, ok := b.literalString(m); ok {
				if bytes, err := units.ParseScalar(units.Size, s); err == nil && bytes > 0 {
					mib := int64(math.Ceil(bytes / (1 << 20)))
					attrs["memory"] = &hclsyntax.LiteralValueExpr{Val: cty.StringVal(strconv.FormatInt(mib, 10) + "M"), SrcRange: m.Range()}
				}
			}
		}
	}
	b.resource("indigo_slurm_job", name, b.body(attrs))
	b.jobAttributes(name)
}

// jobAttrs are the arguments every job has: its name, script and the
// site's defaults.
func (b *Binder) jobAttrs(name string, script hclsyntax.Expression) map[string]hcl.Expression {
	attrs := map[string]hcl.Expression{"name": b.str(name), "script": script}
	if p := b.site.Setting("partition"); p != "" {
		attrs["partition"] = b.str(p)
	}
	if a := b.site.Setting("account"); a != "" {
		attrs["account"] = b.str(a)
	}
	return attrs
}

// jobAttributes are what other components read of a job.
func (b *Binder) jobAttributes(name string) {
	for _, a := range []string{"job_id", "state", "exit_code", "output_path", "stdout"} {
		b.r.Attributes[a] = b.ref("indigo_slurm_job", name, a)
	}
	b.r.Attributes["tosca_id"] = b.ref("indigo_slurm_job", name, "id")
}

func (b *Binder) call(fn string, args ...hclsyntax.Expression) hclsyntax.Expression {
	return &hclsyntax.FunctionCallExpr{Name: fn, Args: args, NameRange: b.rng, OpenParenRange: b.rng, CloseParenRange: b.rng}
}

// rootlessScript fetches a job's image once (skopeo, umoci --rootless) and
// runs the command inside its root file system with proot: no root, no
// daemon, as udocker did. The image and command come in as environment
// variables so no value is ever spliced into shell text. (Local sites run
// containers as indigo_container, which does the same with a record of its
// own; a batch node runs the job's script.)
const rootlessScript = `set -e
if [ ! -d bundle/rootfs ]; then
  skopeo copy "docker://$INDIGO_IMAGE" oci:image:latest
  umoci unpack --rootless --image image:latest bundle
fi
exec proot -r bundle/rootfs -b /dev -b /proc -b /sys -w / /bin/sh -c "$INDIGO_COMMAND"`
