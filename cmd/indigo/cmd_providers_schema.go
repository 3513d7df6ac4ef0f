package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/indigo-cloud/indigo/cmd/indigo/view/jsonprovider"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/providers/install"
	"github.com/indigo-cloud/indigo/providers/plugin"
)

func (a *app) providersSchemaCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "schema -json",
		Short: "Print the schemas of the configuration's providers as JSON",
		Long: `Schema starts every provider the configuration requires (built-in ones
too), asks each for its schema and prints them all as one JSON document:
format_version, then provider_schemas keyed by source address, each with the
provider's own configuration block, its resource, data source and ephemeral
resource types, its functions and its resource identity schemas. Run
indigo init first; -json is required.`,
		Example: `  indigo providers schema -json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !asJSON {
				return &exitError{code: 1, msg: "providers schema prints JSON only: run indigo providers schema -json"}
			}
			w, err := a.loadWorkspace(".")
			if err != nil {
				return err
			}
			l, err := w.launcher(needsInstalled(w.res.Config))
			if err != nil {
				return err
			}
			reqs, _ := requirements(w.res.Config) // its errors stopped loadWorkspace
			var provs []install.Provider
			for p := range reqs {
				provs = append(provs, p)
			}
			sort.Slice(provs, func(i, j int) bool { return provs[i].String() < provs[j].String() })
			ctx := cmd.Context()
			schemas := make(map[string]*plugin.Schema, len(provs))
			var problems []string
			for _, p := range provs {
				prov, err := l.Start(ctx, config.Provider(p))
				if err != nil {
					problems = append(problems, fmt.Sprintf("starting provider %s: %s", p.ForDisplay(), notInstalledHint(err.Error())))
					continue
				}
				s, err := prov.Schema(ctx)
				_ = prov.Close()
				if err != nil {
					problems = append(problems, fmt.Sprintf("reading the schema of provider %s: %s", p.ForDisplay(), err))
					continue
				}
				schemas[p.String()] = s
			}
			if len(problems) > 0 {
				return &exitError{code: 1, msg: strings.Join(problems, "\n")}
			}
			doc, err := jsonprovider.New(schemas)
			if err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
			return doc.Write(a.stdout)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the schemas as JSON (required)")
	return cmd
}

// notInstalledHint adds to msg what to do, unless it says it already.
func notInstalledHint(msg string) string {
	if strings.Contains(msg, "indigo init") {
		return msg
	}
	return msg + "\n(run \"indigo init\" to install the configuration's providers)"
}
