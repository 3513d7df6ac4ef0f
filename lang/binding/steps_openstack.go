package binding

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
)

// osSteps: on OpenStack a component's steps run on the server that hosts
// it, from the boot script its Compute's binding writes (osUserData); a
// component on no server has nowhere to run them.
func (b *Binder) osSteps() {
	if b.hostCompute() == nil {
		for _, st := range b.r.Steps {
			b.errorf(st.Range, "Configuration step without a server",
				"Component %s's %s.%s runs on the server that hosts it, and %s is hosted on no Compute (requirement host). Add a host requirement naming a Compute, or place the component on a local site.",
				b.c.Name, st.Interface, st.Operation, b.c.Name)
		}
		return
	}
	for _, st := range b.r.Steps {
		st.Executed = true
	}
}

// hosted are the components whose chain of host requirements ends at
// server (server included), dependencies first, then by name.
func (b *Binder) hosted(server *config.Component) []*config.Component {
	on := map[string]bool{}
	for name, c := range b.comps {
		hb := &Binder{c: c, comps: b.comps}
		if h := hb.hostCompute(); h != nil && h.Name == server.Name {
			on[name] = true
		}
	}
	var out []*config.Component
	done := map[string]bool{}
	var visit func(string)
	visit = func(name string) {
		if done[name] || !on[name] {
			return
		}
		done[name] = true
		c := b.comps[name]
		for _, r := range c.Requirements {
			visit(r.Target)
		}
		out = append(out, c)
	}
	for _, name := range slices.Sorted(maps.Keys(on)) {
		visit(name)
	}
	return out
}

// bootLog is where a server's boot script writes the steps' output.
const bootLog = "/var/log/indigo-steps.log"

// osUserData is the boot script (cloud-init user data) that runs, once,
// the configuration steps of the server's component and of the components
// it hosts, in requirement and operation order: Bash scripts with their
// inputs in the environment, Ansible playbooks with ansible-playbook
// against localhost with their inputs as extra-vars and their Galaxy roles
// installed. Files of the repository are carried in the script; URLs are
// fetched at boot. Nil when there are no steps.
func (b *Binder) osUserData() hclsyntax.Expression {
	type step struct {
		*ConfigStep
		n int
	}
	var all []step
	for _, c := range b.hosted(b.c) {
		for _, st := range operations(c) {
			all = append(all, step{st, len(all) + 1})
		}
	}
	if len(all) == 0 {
		return nil
	}
	t := &scriptBuilder{rng: b.rng}
	t.line("#!/bin/bash")
	t.line("# indigo: the configuration steps of %s and the components it hosts, run once at first boot.", b.c.Name)
	t.line("set -eu")
	t.line("mkdir -p /var/lib/indigo/steps && cd /var/lib/indigo/steps")
	t.line("exec >>%s 2>&1", bootLog)
	t.line(`have() { command -v "$1" >/dev/null 2>&1; }`)
	t.line(`fetch() { if have curl; then curl -fsSL "$1" -o "$2"; else wget -qO "$2" "$1"; fi; }`)
	if slices.ContainsFunc(all, func(s step) bool { return ansible(s.Implementation) }) {
		t.line(`have ansible-playbook || { if have apt-get; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ansible-core; elif have dnf; then dnf install -y ansible-core; else pip3 install ansible-core; fi; }`)
	}
	for _, st := range all {
		file := fmt.Sprintf("%02d-%s-%s%s", st.n, Name(st.Component), st.Operation, ext(st.Implementation))
		t.line("echo %s", shellQuote(fmt.Sprintf("indigo: step %d: %s %s.%s", st.n, st.Component, st.Interface, st.Operation)))
		if remoteImpl.MatchString(st.Implementation) {
			t.line("fetch %s %s", shellQuote(st.Implementation), file)
		} else {
			sub := &Binder{c: b.comps[st.Component], comps: b.comps, site: b.site, r: b.r, rng: st.Range}
			p := sub.stepPath(st.Implementation)
			t.text("echo '")
			t.expr(&hclsyntax.FunctionCallExpr{Name: "filebase64", Args: []hclsyntax.Expression{strLit(st.Range, p)}, NameRange: st.Range, OpenParenRange: st.Range, CloseParenRange: st.Range})
			t.line("' | base64 -d > %s", file)
		}
		if ansible(st.Implementation) {
			for _, a := range st.Artifacts {
				if !strings.Contains(a.Type, "AnsibleGalaxy.role") {
					continue
				}
				if strings.ContainsRune(a.File, '/') {
					b.errorf(a.Range, "Role directory not sent to the server",
						"Role %s is a directory of the repository, which indigo does not carry to an OpenStack server; name a Galaxy role (installed at boot with ansible-galaxy), or place the component on a local site.", a.File)
					continue
				}
				t.line("ansible-galaxy role install -p roles %s", shellQuote(a.File))
			}
			vars := ""
			if len(st.Inputs) > 0 {
				obj := b.stepInputs(st.Inputs, st.Range)
				t.text("echo '")
				t.expr(call(st.Range, "base64encode", call(st.Range, "jsonencode", obj)))
				t.line("' | base64 -d > %02d.json", st.n)
				vars = fmt.Sprintf(" -e @%02d.json", st.n)
			}
			t.line("ANSIBLE_ROLES_PATH=roles ansible-playbook -i localhost, -c local%s %s", vars, file)
			continue
		}
		t.text("(")
		for _, k := range slices.Sorted(maps.Keys(st.Inputs)) {
			if !envName.MatchString(k) {
				b.errorf(st.Range, "Invalid input name", "Input %q of %s.%s cannot be an environment variable of its script: use letters, digits and _.", k, st.Interface, st.Operation)
				continue
			}
			t.text(fmt.Sprintf(` export %s="$(echo '`, k))
			t.expr(call(st.Range, "base64encode", b.inputString(st.Inputs[k])))
			t.text(`' | base64 -d)";`)
		}
		t.line(" bash %s )", file)
	}
	t.line("echo 'indigo: configuration steps done'")
	return t.expression()
}

func ext(impl string) string {
	if ansible(impl) {
		return ".yml"
	}
	return ".sh"
}

func call(rng hcl.Range, name string, args ...hclsyntax.Expression) hclsyntax.Expression {
	return &hclsyntax.FunctionCallExpr{Name: name, Args: args, NameRange: rng, OpenParenRange: rng, CloseParenRange: rng}
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// scriptBuilder builds a script as a template: literal text and
// expressions evaluated at plan or apply time.
type scriptBuilder struct {
	rng   hcl.Range
	parts []hclsyntax.Expression
	buf   strings.Builder
}

func (s *scriptBuilder) text(t string) { s.buf.WriteString(t) }

func (s *scriptBuilder) line(format string, args ...any) {
	if len(args) > 0 {
		format = fmt.Sprintf(format, args...)
	}
	s.buf.WriteString(format)
	s.buf.WriteByte('\n')
}

func (s *scriptBuilder) flush() {
	if s.buf.Len() > 0 {
		s.parts = append(s.parts, &hclsyntax.LiteralValueExpr{Val: cty.StringVal(s.buf.String()), SrcRange: s.rng})
		s.buf.Reset()
	}
}

func (s *scriptBuilder) expr(e hclsyntax.Expression) {
	s.flush()
	s.parts = append(s.parts, e)
}

func (s *scriptBuilder) expression() hclsyntax.Expression {
	s.flush()
	return &hclsyntax.TemplateExpr{Parts: s.parts, SrcRange: s.rng}
}
