package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/indigo-cloud/indigo/cmd/indigo/view"
	"github.com/indigo-cloud/indigo/cmd/indigo/view/jsonplan"
	"github.com/indigo-cloud/indigo/cmd/indigo/view/jsonstate"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/load"
	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/planner/planfile"
	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/encrypt"
)

func (a *app) stateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "state",
		Short: "Read and change the recorded state",
		Long: `The state subcommands list, show, move, forget, export and import the objects indigo
has recorded. Commands that change the state hold its lock and journal the change like an apply.`,
		Example: `  indigo state list
  indigo state show deployment.web.indigo_service.http
  indigo state mv indigo_file.old indigo_file.new
  indigo state rm indigo_file.orphan
  indigo state pull > backup.json
  indigo state push terraform.tfstate`,
	}
	cmd.AddCommand(a.stateListCommand(), a.stateShowCommand(), a.stateMvCommand(), a.stateRmCommand(), a.statePullCommand(), a.statePushCommand(), a.stateReplaceProviderCommand())
	return cmd
}

// stateWorkspace loads the configuration for its backend settings; a
// directory without configuration files uses the default local state.
func (a *app) stateWorkspace() (*workspace, error) {
	return a.loadWorkspace(".")
}

// withState runs fn with the state opened for operation (holding its lock
// when lock is set) and closes it afterwards.
func (a *app) withState(operation string, lock bool, fn func(w *workspace, m *state.Manager) error) error {
	w, err := a.stateWorkspace()
	if err != nil {
		return err
	}
	m, err := w.openState(context.Background(), operation, lock)
	if err != nil {
		return err
	}
	defer m.Close(context.Background())
	return fn(w, m)
}

func (a *app) stateListCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "list [ADDRESS...]",
		Short:   "List the recorded resource instances",
		Long:    "List prints the address of every recorded resource instance, sorted; with addresses, only those under them (a resource, a module or a deployment).",
		Example: "  indigo state list\n  indigo state list module.net deployment.web",
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withState("state list", false, func(w *workspace, m *state.Manager) error {
				for _, addr := range m.State().AllInstances() {
					if a.tf.stateID != "" && !hasID(m.State().ResourceInstance(addr), a.tf.stateID) {
						continue
					}
					if len(args) == 0 || matchesAny(addr, args) {
						fmt.Fprintln(a.stdout, addr)
					}
				}
				return nil
			})
		},
	}
}

// hasID reports whether the object's id attribute is id (state list -id).
func hasID(o *state.Object, id string) bool {
	if o == nil {
		return false
	}
	var attrs struct {
		ID any `json:"id"`
	}
	if json.Unmarshal(o.AttrsJSON, &attrs) != nil {
		return false
	}
	return fmt.Sprint(attrs.ID) == id
}

// matchesAny reports whether addr is named by, or is inside, one of the
// given addresses.
func matchesAny(addr config.InstanceAddr, filters []string) bool {
	s := addr.String()
	for _, f := range filters {
		if s == f || strings.HasPrefix(s, f+".") || strings.HasPrefix(s, f+"[") {
			return true
		}
	}
	return false
}

func (a *app) stateShowCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "show ADDRESS",
		Short:   "Show one recorded resource instance",
		Long:    "Show prints the attributes of one recorded instance; sensitive values are hidden.",
		Example: "  indigo state show indigo_file.a",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, diags := config.ParseInstanceAddr(args[0])
			if diags.HasErrors() {
				return &exitError{code: 1, msg: fmt.Sprintf("%q is not a resource instance address", args[0])}
			}
			return a.withState("state show", false, func(w *workspace, m *state.Manager) error {
				if m.State().ResourceInstance(addr) == nil {
					return &exitError{code: 1, msg: fmt.Sprintf("no instance %s in the state (indigo state list shows what there is)", addr)}
				}
				return view.StateResource(a.stdout, m.State(), addr)
			})
		},
	}
}

func (a *app) stateMvCommand() *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "mv SOURCE DESTINATION",
		Short: "Move a recorded object to another address",
		Long: `Mv renames a recorded resource or resource instance, for example after renaming it in
the configuration, so it is not destroyed and created again. A moved block in the configuration does
the same and is reviewed with the plan.`,
		Example: "  indigo state mv indigo_file.a indigo_file.b\n  indigo state mv 'indigo_noop.n[0]' 'indigo_noop.n[\"first\"]'",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			from, d1 := config.ParseInstanceAddr(args[0])
			to, d2 := config.ParseInstanceAddr(args[1])
			if d1.HasErrors() || d2.HasErrors() {
				return &exitError{code: 1, msg: "both arguments must be resource addresses (indigo_file.a, module.m.x_y.z[0])"}
			}
			return a.withState("state mv", true, func(w *workspace, m *state.Manager) error {
				st := m.State()
				if st.ResourceInstance(from) == nil && st.Resource(from.ContainingResource()) == nil {
					return &exitError{code: 1, msg: fmt.Sprintf("nothing recorded at %s", from)}
				}
				if dryRun {
					fmt.Fprintf(a.stdout, "Would move %q to %q\n", from, to)
					return nil
				}
				var err error
				if from.Key == nil && to.Key == nil && st.Resource(from.ContainingResource()) != nil && st.ResourceInstance(from) == nil {
					err = m.MoveResource(context.Background(), from.ContainingResource(), to.ContainingResource())
				} else {
					err = m.Move(context.Background(), from, to)
				}
				if err != nil {
					return &exitError{code: 1, msg: err.Error()}
				}
				// The last line as Terraform words it, for scripts that
				// look for it.
				fmt.Fprintf(a.stdout, "Move %q to %q\nSuccessfully moved 1 object(s).\n", from, to)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "only say what would move")
	return cmd
}

func (a *app) stateRmCommand() *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "rm ADDRESS...",
		Short: "Forget recorded objects without destroying them",
		Long: `Rm removes instances from the state: indigo stops managing them but they keep existing.
A removed block with lifecycle { destroy = false } does the same through the plan.`,
		Example: "  indigo state rm indigo_file.old\n  indigo state rm module.legacy",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withState("state rm", true, func(w *workspace, m *state.Manager) error {
				n := 0
				for _, addr := range m.State().AllInstances() {
					if !matchesAny(addr, args) {
						continue
					}
					n++
					if dryRun {
						fmt.Fprintf(a.stdout, "Would remove %s\n", addr)
						continue
					}
					if err := m.RemoveInstance(context.Background(), addr); err != nil {
						return &exitError{code: 1, msg: err.Error()}
					}
					fmt.Fprintf(a.stdout, "Removed %s\n", addr)
				}
				if n == 0 {
					return &exitError{code: 1, msg: fmt.Sprintf("nothing recorded matches %s", strings.Join(args, ", "))}
				}
				if !dryRun {
					// As Terraform words it, for scripts that look for it.
					fmt.Fprintf(a.stdout, "Successfully removed %d resource instance(s).\n", n)
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "only say what would be removed")
	return cmd
}

func (a *app) statePullCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "pull",
		Short:   "Print the state document",
		Long:    "Pull prints the state as indigo stores it (with the journal applied), for backups and inspection. It holds secrets in clear: keep it private.",
		Example: "  indigo state pull > state-backup.json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withState("state pull", false, func(w *workspace, m *state.Manager) error {
				b, err := state.Encode(m.State())
				if err != nil {
					return err
				}
				a.stdout.Write(b)
				return nil
			})
		},
	}
}

func (a *app) statePushCommand() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "push FILE",
		Short: "Replace the state with a state document",
		Long: `Push replaces the recorded state with FILE: an indigo state document, or a Terraform
state (terraform.tfstate, format version 4), so a Terraform user's infrastructure can be adopted.
It refuses a document from another lineage or with a lower serial unless -force.`,
		Example: "  indigo state push terraform.tfstate\n  indigo state push -force state-backup.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var data []byte
			var err error
			if args[0] == "-" {
				data, err = io.ReadAll(a.stdin)
			} else {
				data, err = os.ReadFile(args[0])
			}
			if err != nil {
				return &exitError{code: 1, msg: fmt.Sprintf("reading %s: %s", args[0], err)}
			}
			return a.withState("state push", true, func(w *workspace, m *state.Manager) error {
				// A document sealed by indigo or OpenTofu opens with the
				// configuration's state encryption.
				if encrypt.IsSealed(data) {
					t, err := w.stateEncryption()
					if err != nil {
						return err
					}
					if data, _, err = t.Open(args[0], data); err != nil {
						return &exitError{code: 1, msg: err.Error()}
					}
				}
				s, err := state.Import(args[0], data)
				if err != nil {
					return &exitError{code: 1, msg: err.Error()}
				}
				if err := m.Push(context.Background(), s, force); err != nil {
					return &exitError{code: 1, msg: err.Error()}
				}
				fmt.Fprintf(a.stdout, "Pushed %d resource instance(s) from %s.\n", len(s.AllInstances()), args[0])
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "push even over another lineage or a higher serial")
	return cmd
}

func (a *app) forceUnlockCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "force-unlock LOCK_ID",
		Short: "Release a state lock left by a run that is gone",
		Long: `Force-unlock releases the state's lock when the run holding it is gone (the error of a
run that found the lock held names the lock ID). Releasing the lock of a run that is still
running can corrupt nothing in indigo's journal, but lets two runs change things at once: check first.`,
		Example: "  indigo force-unlock 8bf3d58f-6ea7-400f-8bbd-9a63f58278dd",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := a.stateWorkspace()
			if err != nil {
				return err
			}
			b, err := w.backend()
			if err != nil {
				return err
			}
			if err := b.ForceUnlock(context.Background(), args[0]); err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
			fmt.Fprintln(a.stdout, "The state has been unlocked.")
			return nil
		},
	}
}

func (a *app) outputCommand() *cobra.Command {
	var jsonOut, raw bool
	cmd := &cobra.Command{
		Use:   "output [flags] [NAME]",
		Short: "Show the root outputs recorded by the last apply",
		Long: `Output prints the root module's output values. Sensitive values are hidden unless one is
asked for by name with -raw or -json, as in Terraform.`,
		Example: "  indigo output\n  indigo output -raw web_url\n  indigo output -json",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withState("output", false, func(w *workspace, m *state.Manager) error {
				st := m.State()
				name := ""
				if len(args) == 1 {
					name = args[0]
					if st.Outputs[name] == nil {
						return &exitError{code: 1, msg: fmt.Sprintf("no output %q recorded (outputs are recorded by indigo apply; one whose value is null is not)", name)}
					}
				}
				if err := view.OutputValues(a.stdout, st, name, jsonOut, raw); err != nil {
					return err
				}
				if name != "" && !jsonOut && !raw && st.Outputs[name].Sensitive {
					// Terraform prints it; indigo hides it unless asked
					// for in a form that scripts read.
					fmt.Fprintf(a.stderr, "Output %s is sensitive: indigo output -raw %s (or -json %s) prints its value.\n", name, name, name)
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print as JSON")
	cmd.Flags().BoolVar(&raw, "raw", false, "print one string, number or bool value as it is, without quotes")
	return cmd
}

func (a *app) showCommand() *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "show [flags] [PLANFILE]",
		Short: "Show a saved plan or the recorded state",
		Long:  "Show prints a plan file saved by indigo plan -out, or without an argument the recorded state, for people or (-json) for tools.",
		Example: `  indigo show
  indigo show tonight.plan
  indigo show -json | jq '.values.root_module.resources[].address'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				b, err := os.ReadFile(args[0])
				if err != nil {
					return &exitError{code: 1, msg: fmt.Sprintf("reading %s: %s", args[0], err)}
				}
				if b, err = a.openPlanFile(args[0], b, nil); err != nil {
					return err
				}
				p, err := planfile.Read(bytes.NewReader(b))
				if err != nil {
					return &exitError{code: 1, msg: fmt.Sprintf("%s is not a plan file: %s", args[0], err)}
				}
				if jsonOut {
					out, err := jsonplan.MarshalOptions(p, jsonplan.Options{Config: a.planConfig(p)})
					if err != nil {
						return err
					}
					a.stdout.Write(out)
					fmt.Fprintln(a.stdout)
					return nil
				}
				view.Plan(a.stdout, p, view.PlanOptions{})
				return nil
			}
			return a.withState("show", false, func(w *workspace, m *state.Manager) error {
				if jsonOut {
					out, err := jsonstate.Marshal(m.State())
					if err != nil {
						return err
					}
					a.stdout.Write(out)
					fmt.Fprintln(a.stdout)
					return nil
				}
				return view.State(a.stdout, m.State())
			})
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print as JSON (docs/json-plan.md, docs/json-state.md)")
	return cmd
}

func (a *app) importCommand() *cobra.Command {
	var f varFlags
	cmd := &cobra.Command{
		Use:   "import [flags] ADDRESS ID",
		Short: "Adopt an existing object into the state",
		Long: `Import finds an existing object by the provider's import ID and records it at ADDRESS, which
the configuration must declare. Nothing is changed; the next plan shows how the object differs from
the configuration. An import block in the configuration does the same through the plan.`,
		Example: "  indigo import indigo_file.notes notes.txt\n  indigo import 'aws_instance.web[0]' i-0123456789",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, diags := config.ParseInstanceAddr(args[0])
			if diags.HasErrors() {
				return &exitError{code: 1, msg: fmt.Sprintf("%q is not a resource instance address", args[0])}
			}
			w, err := a.loadWorkspace(firstSet(&a.tf.configDir, "."))
			if err != nil {
				return err
			}
			vars, ranges, err := w.variables(&f)
			if err != nil {
				return err
			}
			provs, err := w.providers()
			if err != nil {
				return err
			}
			m, err := w.openState(context.Background(), "import", true)
			if err != nil {
				return err
			}
			defer m.Close(context.Background())
			d := planner.ImportResource(context.Background(), w.res.Config, addr, args[1], m, provs, planner.Options{Vars: vars, VarRanges: ranges, Logger: w.logger})
			w.diags(d)
			if d.HasErrors() {
				return exitCode(1)
			}
			fmt.Fprintf(a.stdout, "Imported %s (id %q). Run indigo plan to see how it differs from the configuration.\n", addr, args[1])
			return nil
		},
	}
	f.register(cmd)
	return cmd
}

func (a *app) graphCommand() *cobra.Command {
	var graphType, planPath string
	cmd := &cobra.Command{
		Use:   "graph [flags] [DIR]",
		Short: "Print the dependency graph in Graphviz DOT",
		Long: `Graph prints a graph of the configuration in Graphviz DOT, with an edge from
each node to what it waits for. Without -type it shows the resources and how
they depend on each other (through locals, variables and modules too), as
terraform graph does since 1.7. -type=plan (or plan-refresh-only) shows every
node a plan walks: variables, locals, outputs, provider configurations,
resources, modules. -type=plan-destroy shows the order a destroy deletes the
resources in. -plan=FILE shows the changes of a saved plan in the order apply
makes them (it implies -type=apply).`,
		Example: `  indigo graph | dot -Tsvg > graph.svg
  indigo graph -type=plan
  indigo plan -out=tonight.plan && indigo graph -plan=tonight.plan`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := a.loadWorkspace(pathArg(args, ""))
			if err != nil {
				return err
			}
			opts := planner.GraphOptions{Type: graphType}
			if planPath != "" {
				if graphType != "" && graphType != "apply" {
					return &exitError{code: 1, msg: fmt.Sprintf("-plan draws the apply graph of a saved plan, and -type=%s asks for another: leave -type out (or give -type=apply)", graphType)}
				}
				b, err := os.ReadFile(planPath)
				if err != nil {
					return &exitError{code: 1, msg: fmt.Sprintf("reading the plan file: %s", err)}
				}
				if b, err = a.openPlanFile(planPath, b, w); err != nil {
					return err
				}
				p, err := planfile.Read(bytes.NewReader(b))
				if err != nil {
					return &exitError{code: 1, msg: fmt.Sprintf("%s is not a valid plan file: %s", planPath, err)}
				}
				opts.Type, opts.Plan = "apply", p
			}
			var prior *state.State
			if opts.Type == "apply" || opts.Type == "plan-destroy" {
				m, err := w.openState(cmd.Context(), "graph", false)
				if err != nil {
					return err
				}
				defer m.Close(context.Background())
				prior = m.State()
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			dot, diags := planner.Graph(ctx, w.res.Config, prior, opts)
			w.diags(diags)
			if diags.HasErrors() {
				return exitCode(1)
			}
			fmt.Fprint(a.stdout, dot)
			return nil
		},
	}
	cmd.Flags().StringVar(&graphType, "type", "", "the graph to draw: plan, plan-refresh-only, plan-destroy or apply (default: resources only)")
	cmd.Flags().StringVar(&planPath, "plan", "", "draw the apply graph of this saved plan (implies -type=apply)")
	return cmd
}

func (a *app) rankCommand() *cobra.Command {
	var f varFlags
	var jsonOut, replan bool
	cmd := &cobra.Command{
		Use:   "rank [flags] [ADDRESS...]",
		Short: "Show how the sites rank for each placed component, without planning",
		Long: `Rank evaluates the sites and placements of the configuration, reads the sites' metrics,
and prints for each deployment or storage (or only those named) the chosen site, the runners-up with
their scores and the parts that make them, and why each rejected site was rejected.`,
		Example: "  indigo rank\n  indigo rank deployment.galaxy\n  indigo rank -json storage.archive",
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := a.loadWorkspace(firstSet(&a.tf.configDir, "."))
			if err != nil {
				return err
			}
			vars, ranges, err := w.variables(&f)
			if err != nil {
				return err
			}
			m, err := w.openState(context.Background(), "rank", false)
			if err != nil {
				return err
			}
			defer m.Close(context.Background())
			pls, diags := planner.Placements(context.Background(), w.res.Config, m.State(), planner.Options{Vars: vars, VarRanges: ranges, Replan: replan})
			w.diags(diags)
			if diags.HasErrors() {
				return exitCode(1)
			}
			var chosen []*plan.Placement
			for _, pl := range pls {
				if len(args) == 0 || slices.Contains(args, pl.Addr.String()) {
					chosen = append(chosen, pl)
				}
			}
			if len(args) > 0 && len(chosen) == 0 {
				return &exitError{code: 1, msg: fmt.Sprintf("no placed component named %s (deployments and storage are placed)", strings.Join(args, ", "))}
			}
			if jsonOut {
				out := struct {
					FormatVersion string            `json:"format_version"`
					Placements    []json.RawMessage `json:"placements"`
				}{FormatVersion: "1.0"}
				for _, pl := range chosen {
					b, err := jsonplan.MarshalPlacement(pl)
					if err != nil {
						return err
					}
					out.Placements = append(out.Placements, b)
				}
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			for i, pl := range chosen {
				if i > 0 {
					fmt.Fprintln(a.stdout)
				}
				view.Placement(a.stdout, pl)
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print as JSON")
	cmd.Flags().BoolVar(&replan, "replan", false, "rank as if nothing were placed yet")
	return cmd
}

// planConfig returns the configuration a saved plan was made from, for the
// JSON plan view's configuration object: the working directory's (or
// -chdir's) configuration when it loads quietly and its digest is the one
// the plan recorded, nil otherwise (the view then says so).
func (a *app) planConfig(p *plan.Plan) *config.Config {
	res, diags := load.Path(".", load.Options{})
	if diags.HasErrors() || res.Config == nil {
		return nil
	}
	w := &workspace{a: a, dir: ".", res: res}
	if p.ConfigDigest == "" || configDigest(w) != p.ConfigDigest {
		return nil
	}
	return res.Config
}
