package main

import (
	"context"
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/state"
)

func (a *app) stateReplaceProviderCommand() *cobra.Command {
	var autoApprove bool
	cmd := &cobra.Command{
		Use:   "replace-provider [flags] FROM TO",
		Short: "Move recorded resources from one provider source address to another",
		Long: `Replace-provider changes the provider source address recorded for every resource
that FROM manages to TO (for instance after a provider moved to another
namespace: hashicorp/aws → registry.example.org/acme/aws). Nothing else
changes. It lists what would change and asks unless -auto-approve.`,
		Example: "  indigo state replace-provider hashicorp/null registry.example.org/acme/null",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			from, err := config.ParseProviderSource(args[0])
			if err != nil {
				return &exitError{code: 1, msg: fmt.Sprintf("FROM %q is not a provider source address: %s", args[0], err)}
			}
			to, err := config.ParseProviderSource(args[1])
			if err != nil {
				return &exitError{code: 1, msg: fmt.Sprintf("TO %q is not a provider source address: %s", args[1], err)}
			}
			return a.withState("state replace-provider", true, func(w *workspace, m *state.Manager) error {
				next := m.State().DeepCopy()
				var moved []string
				for addr, r := range next.Resources {
					if r.Provider.Provider == from {
						r.Provider.Provider = to
						moved = append(moved, addr.Resource.String())
						if addr.Module != "" {
							moved[len(moved)-1] = string(addr.Module) + "." + moved[len(moved)-1]
						}
					}
				}
				if len(moved) == 0 {
					fmt.Fprintf(a.stdout, "No resource in the state uses %s; nothing to do.\n", from)
					return nil
				}
				sort.Strings(moved)
				fmt.Fprintf(a.stdout, "indigo will replace provider %s with %s for:\n", from, to)
				for _, r := range moved {
					fmt.Fprintf(a.stdout, "  - %s\n", r)
				}
				if !autoApprove {
					ok, err := a.confirmText("Do you want to make these changes?", "Only 'yes' will be accepted to continue.")
					if err != nil {
						return err
					}
					if !ok {
						fmt.Fprintln(a.stdout, "\nCancelled; nothing changed.")
						return exitCode(1)
					}
				}
				if err := m.Push(context.Background(), next, false); err != nil {
					return &exitError{code: 1, msg: err.Error()}
				}
				fmt.Fprintf(a.stdout, "\nReplaced the provider of %d resources.\n", len(moved))
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&autoApprove, "auto-approve", false, "make the change without asking")
	return cmd
}
