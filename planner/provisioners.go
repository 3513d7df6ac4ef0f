package planner

import (
	"context"
	"errors"
	"fmt"
	"os/exec"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/planner/provision"
	"github.com/indigo-cloud/indigo/state"
)

// runProvisioners runs the resource's provisioners of one kind (when
// "create" or "destroy") in order, with self the object. A failure with
// on_failure = "continue" is a warning; otherwise it stops there and is
// an error (the caller taints a created object).
func (r *run) runProvisioners(ctx context.Context, res *config.Resource, addr config.InstanceAddr, sc *eval.Scope, self cty.Value, when string) hcl.Diagnostics {
	if res.Managed == nil {
		return nil
	}
	var diags hcl.Diagnostics
	for _, p := range res.Managed.Provisioners {
		if p.When != when {
			continue
		}
		spec, ok := provision.Spec(p.Type)
		if !ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported provisioner", Detail: fmt.Sprintf("indigo runs the provisioners %v, not %q. Replace it with one of them (local-exec runs any command here).", provision.Kinds(), p.Type), Subject: p.DeclRange.Ptr()})
			return diags
		}
		s := sc.WithIteration(sc.Iteration)
		s.Self = self
		cfg, d := s.EvalBlock(p.Config, spec)
		diags = append(diags, d...)
		if d.HasErrors() {
			return diags
		}
		conn := cty.NilVal
		connBody := p.Connection
		if connBody == nil {
			connBody = res.Managed.Connection
		}
		if connBody != nil && provision.NeedsConnection(p.Type) {
			conn, d = s.EvalBlock(connBody, provision.ConnectionSpec)
			diags = append(diags, d...)
			if d.HasErrors() {
				return diags
			}
		}
		// Output of a provisioner configured with a sensitive value is
		// not shown: it could repeat the secret.
		sensitive := cfg.ContainsMarked() || (conn != cty.NilVal && conn.ContainsMarked())
		cfg, _ = cfg.UnmarkDeep()
		if conn != cty.NilVal {
			conn, _ = conn.UnmarkDeep()
		}
		r.progress(Event{Kind: "provision_start", Addr: addr.String(), Action: p.Type})
		out := func(line string) {
			r.progress(Event{Kind: "provision_progress", Addr: addr.String(), Action: p.Type, Detail: line})
		}
		if sensitive {
			out = nil
			r.progress(Event{Kind: "provision_progress", Addr: addr.String(), Action: p.Type, Detail: "(output suppressed due to sensitive value in config)"})
		}
		err := provision.Run(ctx, p.Type, cfg, conn, out)
		done := Event{Kind: "provision_complete", Addr: addr.String(), Action: p.Type}
		if err != nil {
			done.Kind = "provision_errored"
		}
		r.progress(done)
		if err == nil {
			continue
		}
		if sensitive {
			err = withheld(err)
		}
		if p.OnFailure == "continue" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Provisioner failed (continuing)", Detail: fmt.Sprintf("The %s provisioner of %s failed: %v. on_failure = continue lets the run go on.", p.Type, addr, err), Subject: p.DeclRange.Ptr()})
			continue
		}
		detail := fmt.Sprintf("The %s provisioner of %s failed: %v.", p.Type, addr, err)
		if when == "create" {
			detail += " The object was created and is now tainted: the next apply replaces it. Fix the provisioner, or set on_failure = continue to accept such failures."
		} else {
			detail += " The object was not destroyed. Fix the provisioner, or set on_failure = continue to destroy it anyway."
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Provisioner failed", Detail: detail, Subject: p.DeclRange.Ptr()})
		return diags
	}
	return diags
}

// checkProvisioners reads the resource's provisioner and connection
// blocks against their schemas, with self unknown, so that a plan reports
// an unknown provisioner type or a bad argument where it is written,
// rather than the apply after creating the object.
func (r *run) checkProvisioners(res *config.Resource, addr config.InstanceAddr, it eval.Iteration, ty cty.Type) hcl.Diagnostics {
	if res.Managed == nil || len(res.Managed.Provisioners) == 0 {
		return nil
	}
	var diags hcl.Diagnostics
	s := r.scope(addr.Module, it)
	s.Self = cty.UnknownVal(ty)
	for _, p := range res.Managed.Provisioners {
		spec, ok := provision.Spec(p.Type)
		if !ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported provisioner", Detail: fmt.Sprintf("indigo runs the provisioners %v, not %q. Replace it with one of them (local-exec runs any command here).", provision.Kinds(), p.Type), Subject: p.DeclRange.Ptr()})
			continue
		}
		_, d := s.EvalBlock(p.Config, spec)
		diags = append(diags, d...)
		if p.Connection != nil {
			_, d = s.EvalBlock(p.Connection, provision.ConnectionSpec)
			diags = append(diags, d...)
		}
	}
	if res.Managed.Connection != nil {
		_, d := s.EvalBlock(res.Managed.Connection, provision.ConnectionSpec)
		diags = append(diags, d...)
	}
	return diags
}

// hasProvisioners reports whether res has provisioners that run when.
func hasProvisioners(res *config.Resource, when string) bool {
	if res == nil || res.Managed == nil {
		return false
	}
	for _, p := range res.Managed.Provisioners {
		if p.When == when {
			return true
		}
	}
	return false
}

// keyIteration is the iteration of an instance for its destroy-time
// provisioners: count.index or each.key (each.value is gone with the
// object's configuration entry).
func keyIteration(k config.InstanceKey) eval.Iteration {
	switch k := k.(type) {
	case config.IntKey:
		return eval.Iteration{Count: true, CountIndex: cty.NumberIntVal(int64(k))}
	case config.StringKey:
		return eval.Iteration{ForEach: true, EachKey: cty.StringVal(string(k)), EachValue: cty.DynamicVal}
	}
	return eval.Iteration{}
}

// taint marks a created object tainted after its provisioner failed.
func taint(obj *state.Object) *state.Object {
	o := *obj
	o.Status = state.Tainted
	return &o
}

// withheld stands for the error of a provisioner configured with a
// sensitive or ephemeral value: its text may quote the configuration (the
// command local-exec ran, a destination), so only an exit status is kept.
func withheld(err error) error {
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() >= 0 {
		return fmt.Errorf("the command exited with status %d (details withheld: the provisioner's configuration holds a sensitive or ephemeral value)", exit.ExitCode())
	}
	return errors.New("details withheld: the provisioner's configuration holds a sensitive or ephemeral value")
}
