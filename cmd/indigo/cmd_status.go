package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/spf13/cobra"

	"github.com/indigo-cloud/indigo/cmd/indigo/view"
	"github.com/indigo-cloud/indigo/cmd/indigo/view/jsonstatus"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/planner"
)

func (a *app) statusCommand() *cobra.Command {
	var f varFlags
	var jsonOut, lock bool
	var parallelism int
	cmd := &cobra.Command{
		Use:   "status [flags] [ADDRESS]",
		Short: "Show whether each storage holds its quality of service",
		Long: `Status reads every object that holds a storage back from the real systems
(buckets, replication, lifecycle rules, directories) and reports, for each
storage of the configuration or only ADDRESS: the QoS it asks for; for each
copy its site, kind and location, the bucket or path holding it, how many
objects and bytes it holds, the state of its replication (enabled, in sync,
objects pending or failed) and the lifecycle rules in force; and a verdict:

  QoS holds          every copy exists and matches the configuration,
                     replication is enabled and in sync, the rules are in force
  QoS in transition  on its way: replication is still delivering objects, or
                     the configuration changed and the next apply carries it out
  QoS broken         the real systems lost something the last apply made (a
                     copy, a rule, the replication, objects on a replica)

with the reasons, each naming the resource that indigo apply would change.

Status changes nothing: it holds the state's lock while it reads, like plan,
but never writes the state and never applies anything.

Exit status: 0 when every storage shown holds its QoS, 2 when one does not,
1 on errors (as plan -detailed-exitcode). -json prints a document described
in docs/status.md.`,
		Example: `  indigo status
  indigo status storage.archive
  indigo status -json | jq '.storages[] | {address, verdict}'
  indigo status || indigo apply`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runStatus(cmd.Context(), args, &f, jsonOut, lock, parallelism)
		},
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.BoolVar(&jsonOut, "json", false, "print the status as JSON (format documented in docs/status.md)")
	fl.BoolVar(&lock, "lock", true, "hold the state lock while reading")
	fl.IntVar(&parallelism, "parallelism", 10, "how many provider operations run at once")
	return cmd
}

// parseStorageAddr parses storage.NAME, or module.M.storage.NAME.
func parseStorageAddr(s string) (config.ObjectAddr, bool) {
	i := strings.LastIndex(s, "storage.")
	if i < 0 || i > 0 && s[i-1] != '.' {
		return config.ObjectAddr{}, false
	}
	name := s[i+len("storage."):]
	mod := config.ModuleInstance(strings.TrimSuffix(s[:i], "."))
	if !hclsyntax.ValidIdentifier(name) {
		return config.ObjectAddr{}, false
	}
	if steps := mod.Steps(); mod != "" && len(steps) == 0 {
		return config.ObjectAddr{}, false
	}
	return config.ObjectAddr{Module: mod, Kind: config.StorageKind, Name: name}, true
}

func (a *app) runStatus(ctx context.Context, args []string, f *varFlags, jsonOut, lock bool, parallelism int) error {
	if ctx == nil {
		ctx = context.Background()
	}
	var only []config.ObjectAddr
	if len(args) == 1 {
		addr, ok := parseStorageAddr(args[0])
		if !ok {
			return &exitError{code: 1, msg: fmt.Sprintf("%s is not a storage address: write it as storage.NAME (or module.M.storage.NAME)", args[0])}
		}
		only = append(only, addr)
	}
	w, err := a.loadWorkspace(".")
	if err != nil {
		return err
	}
	vars, ranges, err := w.variables(f)
	if err != nil {
		return err
	}
	provs, err := w.providers()
	if err != nil {
		return err
	}
	mgr, err := w.openState(ctx, "status", lock)
	if err != nil {
		return err
	}
	// Nothing changes the state, so Close writes nothing: it releases
	// the lock.
	defer mgr.Close(context.Background())
	if in := mgr.InFlight(); len(in) > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d operation(s) an interrupted run left unfinished must be reconciled first, and status does not write the state: run indigo plan (or apply), then status again", len(in))}
	}
	opts := planner.Options{Vars: vars, VarRanges: ranges, Parallelism: parallelism, Logger: w.logger}
	rep, diags := planner.Status(ctx, w.res.Config, mgr.State(), provs, only, opts)
	w.diags(diags)
	if diags.HasErrors() || rep == nil {
		return exitCode(1)
	}
	if jsonOut {
		b, err := jsonstatus.Marshal(rep)
		if err != nil {
			return err
		}
		a.stdout.Write(b)
		fmt.Fprintln(a.stdout)
	} else {
		view.Status(a.stdout, rep)
	}
	if !rep.Holds() {
		return exitCode(2)
	}
	return nil
}
