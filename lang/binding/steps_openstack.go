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
	// The server's own addresses are known only once it runs: inputs
	// that name them carry placeholders filled here.
	t.line(`INDIGO_PRIVATE_ADDRESS="$(hostname -I 2>/dev/null | awk '{print $1}')"`)
	t.line(`INDIGO_PUBLIC_ADDRESS="$(curl -fsS -m 5 http://169.254.169.254/latest/meta-data/public-ipv4 2>/dev/null || echo "$INDIGO_PRIVATE_ADDRESS")"`)
	t.line(`fill() { sed -e "s/%s/$INDIGO_PRIVATE_ADDRESS/g" -e "s/%s/$INDIGO_PUBLIC_ADDRESS/g"; }`, selfPlaceholder["private"], selfPlaceholder["public"])
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
				// A path is a directory of the repository; a Galaxy
				// name or a git URL is installed at boot.
				if strings.ContainsRune(a.File, '/') && !strings.Contains(a.File, "://") {
					b.errorf(a.Range, "Role directory not sent to the server",
						"Role %s is a directory of the repository, which indigo does not carry to an OpenStack server; name a Galaxy role (installed at boot with ansible-galaxy), or place the component on a local site.", a.File)
					continue
				}
				t.line("ansible-galaxy role install -p roles %s", shellQuote(a.File))
			}
			vars := ""
			if len(st.Inputs) > 0 {
				obj := &hclsyntax.ObjectConsExpr{SrcRange: st.Range, OpenRange: st.Range}
				for _, k := range slices.Sorted(maps.Keys(st.Inputs)) {
					if v, ok := b.bootInput(st.ConfigStep, k); ok {
						obj.Items = append(obj.Items, hclsyntax.ObjectConsItem{KeyExpr: b.key(k), ValueExpr: v})
					}
				}
				t.text("echo '")
				t.expr(call(st.Range, "base64encode", call(st.Range, "jsonencode", obj)))
				t.line("' | base64 -d | fill > %02d.json", st.n)
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
			v, ok := b.bootInput(st.ConfigStep, k)
			if !ok {
				continue
			}
			t.text(fmt.Sprintf(` export %s="$(echo '`, k))
			t.expr(call(st.Range, "base64encode", v))
			t.text(`' | base64 -d | fill)";`)
		}
		t.line(" bash %s )", file)
	}
	t.line("echo 'indigo: configuration steps done'")
	return t.expression()
}

// selfPlaceholder stands, in a boot script's inputs, for an address of
// the server the script runs on.
var selfPlaceholder = map[string]string{"private": "@@indigo-private-address@@", "public": "@@indigo-public-address@@"}

// selfAttrs are the attributes of a server its boot script can give.
var selfAttrs = map[string]string{"private_address": "private", "ip_address": "private", "public_address": "public"}

// bootInput is input k of st as its server's boot script gets it. An
// input naming an address of that server itself becomes a placeholder
// the script fills at boot; anything else the server is not known before
// it exists, so it is an error. An input naming another server whose boot
// script names this one back is a cycle, an error too.
func (b *Binder) bootInput(st *ConfigStep, k string) (hclsyntax.Expression, bool) {
	e := st.Inputs[k]
	var self bool
	for _, v := range e.Variables() {
		target := b.comps[componentRef(v)]
		if target == nil || !serverAttr(v) {
			continue
		}
		host := hostOf(b.comps, target, map[string]bool{})
		switch {
		case host == nil:
		case host.Name == b.c.Name && target.Name == b.c.Name:
			self = true
		case host.Name == b.c.Name:
		case b.bootRefers(host, b.c.Name, map[string]bool{}):
			b.errorf(e.Range(), "Servers whose configuration needs each other",
				"Input %s of %s's %s.%s needs %s, on server %s, whose own configuration steps need server %s. Each server's steps run from its boot script, fixed when it is created, so the two cannot be created one after the other. Pass the value as an input of the deployment, or place the components on a local site.",
				k, st.Component, st.Interface, st.Operation, target.Name, host.Name, b.c.Name)
			return nil, false
		}
	}
	if !self {
		return b.inputString(e), true
	}
	if out, ok := b.fillSelf(asSyntax(b.inputString(e))); ok {
		return out, true
	}
	b.errorf(e.Range(), "Input not known when the server boots",
		"Input %s of %s's %s.%s names server %s itself, whose configuration steps run from the boot script it is created with; of the server, only its private_address and public_address can be given then. Name one of those, or pass the value as an input of the deployment.",
		k, st.Component, st.Interface, st.Operation, b.c.Name)
	return nil, false
}

// bootRefers reports whether the boot script of server names a component
// hosted on server want, directly or through other servers.
func (b *Binder) bootRefers(server *config.Component, want string, seen map[string]bool) bool {
	if seen[server.Name] {
		return false
	}
	seen[server.Name] = true
	for _, c := range b.hosted(server) {
		for _, st := range operations(c) {
			for _, e := range st.Inputs {
				for _, v := range e.Variables() {
					target := b.comps[componentRef(v)]
					if target == nil || !serverAttr(v) {
						continue
					}
					host := hostOf(b.comps, target, map[string]bool{})
					if host == nil || host.Name == server.Name {
						continue
					}
					if host.Name == want || b.bootRefers(host, want, seen) {
						return true
					}
				}
			}
		}
	}
	return false
}

// fillSelf rewrites e with each reference to an address of the server
// being realised replaced by its boot-time placeholder. It knows the
// expressions TOSCA functions become (concat, functions, indexes); false
// when e has another reference to the server, or one it cannot rewrite.
func (b *Binder) fillSelf(e hclsyntax.Expression) (hclsyntax.Expression, bool) {
	switch x := e.(type) {
	case *hclsyntax.ScopeTraversalExpr:
		if componentRef(x.Traversal) != b.c.Name {
			return x, true
		}
		if len(x.Traversal) < 3 || len(x.Traversal) > 4 {
			return nil, false
		}
		a, ok := x.Traversal[2].(hcl.TraverseAttr)
		if !ok || selfAttrs[a.Name] == "" {
			return nil, false
		}
		return b.strAt(x.SrcRange, selfPlaceholder[selfAttrs[a.Name]]), true
	case *hclsyntax.TemplateExpr:
		out := &hclsyntax.TemplateExpr{SrcRange: x.SrcRange}
		for _, p := range x.Parts {
			np, ok := b.fillSelf(p)
			if !ok {
				return nil, false
			}
			out.Parts = append(out.Parts, np)
		}
		return out, true
	case *hclsyntax.TemplateWrapExpr:
		w, ok := b.fillSelf(x.Wrapped)
		return &hclsyntax.TemplateWrapExpr{Wrapped: w, SrcRange: x.SrcRange}, ok
	case *hclsyntax.FunctionCallExpr:
		out := *x
		out.Args = nil
		for _, a := range x.Args {
			na, ok := b.fillSelf(a)
			if !ok {
				return nil, false
			}
			out.Args = append(out.Args, na)
		}
		return &out, true
	case *hclsyntax.IndexExpr:
		c, ok1 := b.fillSelf(x.Collection)
		k, ok2 := b.fillSelf(x.Key)
		if _, lit := c.(*hclsyntax.LiteralValueExpr); lit && x.Collection != c {
			return c, ok1 && ok2 // an address of the server: one value
		}
		return &hclsyntax.IndexExpr{Collection: c, Key: k, SrcRange: x.SrcRange, OpenRange: x.OpenRange, BracketRange: x.BracketRange}, ok1 && ok2
	}
	for _, v := range e.Variables() {
		if componentRef(v) == b.c.Name {
			return nil, false
		}
	}
	return e, true
}

// serverAttr reports whether a reference component.NAME.ATTR names what
// only the server's creation tells (its addresses, its id); properties and
// capabilities come from the template and are known before.
func serverAttr(t hcl.Traversal) bool {
	if len(t) < 3 {
		return false
	}
	a, ok := t[2].(hcl.TraverseAttr)
	return ok && (selfAttrs[a.Name] != "" || a.Name == "tosca_id")
}

// componentRef is NAME of a reference component.NAME..., "" for others.
func componentRef(t hcl.Traversal) string {
	if t.RootName() != "component" || len(t) < 2 {
		return ""
	}
	if a, ok := t[1].(hcl.TraverseAttr); ok {
		return a.Name
	}
	return ""
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
