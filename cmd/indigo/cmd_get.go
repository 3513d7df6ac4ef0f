package main

import (
	"context"

	"github.com/spf13/cobra"
)

// getCommand installs the modules the configuration calls, as terraform
// get does: the module step of init alone, without the backend or the
// providers.
func (a *app) getCommand() *cobra.Command {
	var update bool
	cmd := &cobra.Command{
		Use:   "get [flags] [DIR]",
		Short: "Install the modules the configuration calls",
		Long: `Get installs the modules the configuration calls from registries, git, HTTP(S) archives and S3
into .indigo/modules, as init does, without setting up the backend or installing providers.
Modules installed before are kept; -update downloads them again and takes the newest registry
versions the constraints allow.`,
		Example: "  indigo get\n  indigo get -update",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			a.tf.get = true // the only thing get does: -get=false belongs to init
			return a.initModules(ctx, pathArg(args, ""), initOptions{upgrade: update})
		},
	}
	cmd.Flags().BoolVar(&update, "update", false, "download the modules again and take the newest registry versions the constraints allow")
	return cmd
}
