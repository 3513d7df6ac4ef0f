package main

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/indigo-cloud/indigo/cmd/indigo/view"
	"github.com/indigo-cloud/indigo/lang/access"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/planner/policy"
)

// accessModel loads the configuration of the current directory and
// evaluates its groups and policies; errors are printed.
func (a *app) accessModel(f *varFlags) (*workspace, *eval.Access, hcl.Diagnostics, error) {
	w, err := a.loadWorkspace(".")
	if err != nil {
		return nil, nil, nil, err
	}
	vars, ranges, err := w.variables(f)
	if err != nil {
		return nil, nil, nil, err
	}
	acc, diags := eval.EvalAccess(w.res.Config, eval.ValidateOptions{Vars: vars, VarRanges: ranges})
	return w, acc, diags, nil
}

func (a *app) canCommand() *cobra.Command {
	var f varFlags
	var jsonOut bool
	var key, sourceIP, at string
	cmd := &cobra.Command{
		Use:   "can [flags] PRINCIPAL ACTION RESOURCE",
		Short: "Say whether a principal may do an action on a resource, from the configuration alone",
		Long: `Can answers "may PRINCIPAL do ACTION on RESOURCE?" from the configuration's groups and
policies alone: it contacts no site. The policies are translated to Cedar and decided by
Cedar's authorizer: a deny that applies wins, then an allow; with neither the answer is
"no policy". The answer names the policies that decided, and the policies that name the
request but whose condition did not hold for it.

PRINCIPAL is user:NAME (or NAME), sub:SUBJECT or group:NAME; a group stands for a member
that has no other grants. ACTION is read, list, write, delete, deploy, manage or admin.
RESOURCE is storage.NAME, deployment.NAME, site.NAME or group.NAME.

A condition is checked against what the request says: -key (the object key, or for list
the prefix listed), -source-ip and -at. A policy whose condition reads a fact the request
does not give does not apply.

Exit status: 0 allow, 2 deny or no policy, 1 when the question or the configuration is
wrong. docs/policies.md describes the model and the JSON form.`,
		Example: `  indigo can group:cms read storage.archive
  indigo can user:alice write storage.archive -key raw/run1.root
  indigo can -json user:bob list storage.archive -key raw/ -source-ip 10.1.2.3 -at 2027-03-01T00:00:00Z`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			who, err := policy.ParsePrincipal(args[0])
			if err != nil {
				return &exitError{code: 1, msg: fmt.Sprintf("principal %q: %s", args[0], err)}
			}
			act := args[1]
			res, err := policy.ParseResource(args[2])
			if err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
			if !slices.Contains(access.RequestActions(res.Kind), act) {
				return &exitError{code: 1, msg: fmt.Sprintf("%q is not an action on a %s: ask about %s", act, res.Kind.Keyword(), strings.Join(access.RequestActions(res.Kind), ", "))}
			}
			var ctx policy.Context
			if cmd.Flags().Changed("key") {
				ctx.Key = &key
			}
			if sourceIP != "" {
				if ctx.SourceIP, err = netip.ParseAddr(sourceIP); err != nil {
					return &exitError{code: 1, msg: fmt.Sprintf("-source-ip %q is not an address", sourceIP)}
				}
			}
			if at != "" {
				if ctx.Time, err = access.ParseTime(at); err != nil {
					return &exitError{code: 1, msg: fmt.Sprintf("-at %q: %s", at, err)}
				}
			}
			w, acc, diags, err := a.accessModel(&f)
			if err != nil {
				return err
			}
			if diags.HasErrors() {
				w.diags(diags)
				return exitCode(1)
			}
			m := w.res.Config.Module
			if who.Kind == access.Group && m.Groups[who.Name] == nil {
				return &exitError{code: 1, msg: fmt.Sprintf("the configuration declares no group %q", who.Name)}
			}
			if !declared(m, res) {
				return &exitError{code: 1, msg: fmt.Sprintf("the configuration declares no %s", res)}
			}
			ans := policy.NewAuthorizer(acc).Can(policy.Request{Principal: who, Action: act, Resource: res, Context: ctx})
			if len(ans.Errors) > 0 {
				return &exitError{code: 1, msg: "Cedar could not evaluate: " + strings.Join(ans.Errors, "; ")}
			}
			if jsonOut {
				if err := writeCanJSON(a, who, act, res, ctx, ans); err != nil {
					return err
				}
			} else {
				writeCan(a, acc, who, act, res, ans)
			}
			if ans.Effect != policy.Allow {
				return exitCode(2)
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the answer as JSON")
	cmd.Flags().StringVar(&key, "key", "", "the object key the request is for (for list, the prefix listed)")
	cmd.Flags().StringVar(&sourceIP, "source-ip", "", "the address the request comes from")
	cmd.Flags().StringVar(&at, "at", "", "when the request is made, RFC 3339 (e.g. 2027-03-01T00:00:00Z)")
	return cmd
}

func declared(m *config.Module, r config.ObjectAddr) bool {
	switch r.Kind {
	case config.StorageKind:
		return m.Storages[r.Name] != nil
	case config.DeploymentKind:
		return m.Deployments[r.Name] != nil
	case config.SiteKind:
		return m.Sites[r.Name] != nil
	case config.GroupKind:
		return m.Groups[r.Name] != nil
	}
	return false
}

func writeCan(a *app, acc *eval.Access, who access.Identity, act string, res config.ObjectAddr, ans policy.Answer) {
	switch ans.Effect {
	case policy.Allow:
		fmt.Fprintf(a.stdout, "allow: %s may %s %s\n", who, act, res)
		fmt.Fprintf(a.stdout, "  allowed by %s\n", strings.Join(ans.Deciding, ", "))
	case policy.Deny:
		fmt.Fprintf(a.stdout, "deny: %s may not %s %s\n", who, act, res)
		fmt.Fprintf(a.stdout, "  denied by %s\n", strings.Join(ans.Deciding, ", "))
	default:
		fmt.Fprintf(a.stdout, "no policy: nothing lets %s %s %s\n", who, act, res)
	}
	for _, name := range ans.Conditional {
		cond := ""
		for _, p := range acc.Policies {
			if p.Addr.String() == name {
				cond = p.Condition.String()
			}
		}
		fmt.Fprintf(a.stdout, "  %s would apply when %s\n", name, cond)
	}
}

func writeCanJSON(a *app, who access.Identity, act string, res config.ObjectAddr, ctx policy.Context, ans policy.Answer) error {
	type jsonContext struct {
		Key      *string `json:"key,omitempty"`
		SourceIP string  `json:"source_ip,omitempty"`
		At       string  `json:"at,omitempty"`
	}
	out := struct {
		FormatVersion string      `json:"format_version"`
		Principal     string      `json:"principal"`
		Action        string      `json:"action"`
		Resource      string      `json:"resource"`
		Context       jsonContext `json:"context"`
		Decision      string      `json:"decision"`
		DecidedBy     []string    `json:"decided_by"`
		Conditional   []string    `json:"conditional"`
	}{FormatVersion: "1.0", Principal: who.String(), Action: act, Resource: res.String(), Decision: string(ans.Effect),
		DecidedBy: append([]string{}, ans.Deciding...), Conditional: append([]string{}, ans.Conditional...)}
	out.Context.Key = ctx.Key
	if ctx.SourceIP.IsValid() {
		out.Context.SourceIP = ctx.SourceIP.String()
	}
	if !ctx.Time.IsZero() {
		out.Context.At = ctx.Time.UTC().Format(time.RFC3339)
	}
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func (a *app) policyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Analyse the configuration's access policies",
		Long:  "Commands that analyse the access policies from the configuration alone, without contacting any site.",
	}
	cmd.AddCommand(a.policyCheckCommand(), a.policyCedarCommand())
	return cmd
}

func (a *app) policyCheckCommand() *cobra.Command {
	var f varFlags
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "check [flags]",
		Short: "List grants that give nothing, allow/deny conflicts and principals no group defines",
		Long: `Check evaluates the configuration's groups and policies and reports, each at its place:

  errors    grants on a storage or deployment no candidate site can hold, actions that mean
            nothing for the resource, allows that denies override entirely;
  warnings  denies that override part of an allow (who, what, which), policies on sites or
            groups (enforced nowhere yet), identities that no group has as a member,
            groups with nobody in them.

Exit status: 0 when there are no errors (warnings allowed), 1 otherwise.`,
		Example: "  indigo policy check\n  indigo policy check -json | jq '.diagnostics[].summary'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w, acc, diags, err := a.accessModel(&f)
			if err != nil {
				return err
			}
			if !diags.HasErrors() {
				diags = append(diags, policy.NewAuthorizer(acc).Check()...)
			}
			view.Sort(diags)
			if jsonOut {
				if err := view.WriteValidateJSON(a.stdout, diags, w.src); err != nil {
					return err
				}
			} else {
				view.Diagnostics(a.stderr, diags, w.src)
				if !diags.HasErrors() {
					if len(diags) > 0 {
						fmt.Fprintln(a.stdout)
					}
					noun := "policies"
					if len(acc.Policies) == 1 {
						noun = "policy"
					}
					fmt.Fprintf(a.stdout, "%d %s checked: no errors%s.\n", len(acc.Policies), noun, warningSuffix(diags))
				}
			}
			if diags.HasErrors() {
				return exitCode(1)
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the result as JSON (the form of validate -json)")
	return cmd
}

func (a *app) policyCedarCommand() *cobra.Command {
	var f varFlags
	cmd := &cobra.Command{
		Use:   "cedar [flags]",
		Short: "Print the configuration's policies as Cedar policies",
		Long:  "Cedar prints the Cedar policies indigo can and indigo policy check decide with, one per principal and resource of each policy block, annotated with the block's address.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w, acc, diags, err := a.accessModel(&f)
			if err != nil {
				return err
			}
			if diags.HasErrors() {
				w.diags(diags)
				return exitCode(1)
			}
			fmt.Fprintln(a.stdout, policy.NewAuthorizer(acc).Cedar())
			return nil
		},
	}
	f.register(cmd)
	return cmd
}
