package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/state"
)

// taintCommand and untaintCommand mark a recorded object as one to replace
// at the next apply, or clear that mark, as terraform taint and untaint do
// (-replace on plan and apply does the first without changing the state).
func (a *app) taintCommand() *cobra.Command {
	return a.taintingCommand(true)
}

func (a *app) untaintCommand() *cobra.Command {
	return a.taintingCommand(false)
}

func (a *app) taintingCommand(taint bool) *cobra.Command {
	var allowMissing bool
	name, short, long := "taint", "Mark a resource instance to be replaced by the next apply",
		`Taint marks the recorded object of a resource instance as tainted: the next plan replaces it.
Nothing outside the state changes. indigo plan -replace=ADDRESS plans the same replacement
without changing the state first.`
	if !taint {
		name, short, long = "untaint", "Clear the tainted mark of a resource instance",
			`Untaint clears the tainted mark of a resource instance's recorded object (set by indigo taint,
or by a create that failed part way), so the next plan no longer replaces it.`
	}
	cmd := &cobra.Command{
		Use:     name + " ADDRESS",
		Short:   short,
		Long:    long,
		Example: "  indigo " + name + ` 'indigo_file.report["daily"]'`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, diags := config.ParseInstanceAddr(args[0])
			if diags.HasErrors() {
				return &exitError{code: 1, msg: fmt.Sprintf("%s: %s", args[0], diags.Errs()[0])}
			}
			if addr.Resource.Mode != config.ManagedMode {
				return &exitError{code: 1, msg: fmt.Sprintf("%s is not a managed resource: only the objects of managed resources can be %sed", addr, name)}
			}
			return a.withState(name, true, func(w *workspace, m *state.Manager) error {
				st := m.State()
				obj := st.ResourceInstance(addr)
				if obj == nil {
					if allowMissing {
						fmt.Fprintf(a.stdout, "Warning: no resource instance %s is recorded; nothing was %sed (-allow-missing).\n", addr, name)
						return nil
					}
					return &exitError{code: 1, msg: fmt.Sprintf("no resource instance %s is recorded: check the address with indigo state list, or add -allow-missing", addr)}
				}
				switch {
				case taint && obj.Status == state.Tainted:
					fmt.Fprintf(a.stdout, "Resource instance %s is tainted already.\n", addr)
					return nil
				case !taint && obj.Status != state.Tainted:
					return &exitError{code: 1, msg: fmt.Sprintf("resource instance %s is not tainted", addr)}
				}
				next := obj.DeepCopy()
				next.Status = state.Ready
				if taint {
					next.Status = state.Tainted
				}
				if err := m.SetObject(context.Background(), addr, "", st.Resource(addr.ContainingResource()).Provider, next); err != nil {
					return &exitError{code: 1, msg: err.Error()}
				}
				if taint {
					fmt.Fprintf(a.stdout, "Resource instance %s has been marked as tainted.\n", addr)
				} else {
					fmt.Fprintf(a.stdout, "Resource instance %s has been successfully untainted.\n", addr)
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&allowMissing, "allow-missing", false, "succeed, with a warning, when the instance is not recorded")
	return cmd
}
