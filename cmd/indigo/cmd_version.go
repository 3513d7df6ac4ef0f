package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"runtime"
	"runtime/debug"
	"slices"

	"github.com/spf13/cobra"

	"github.com/indigo-cloud/indigo/providers/install"
	"github.com/indigo-cloud/indigo/providers/plugin"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3"; a
// development build reports the module version or "dev".
var version = ""

func indigoVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "v0.1.0-dev"
}

func (a *app) versionCommand() *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Show indigo's version",
		Long: `Version prints indigo's version, the platform it was built for, the plugin protocol versions
it speaks and, in a working directory with a lock file, the providers the lock file selects.
-json prints the fields of terraform version -json too (terraform_version is the Terraform
release whose interface indigo follows), so tools that read them work unchanged.`,
		Example: `  indigo version
  indigo version -json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			info := struct {
				Version           string            `json:"indigo_version"`
				TerraformVersion  string            `json:"terraform_version"`
				Platform          string            `json:"platform"`
				GoVersion         string            `json:"go_version"`
				ProviderProtocols []int             `json:"provider_protocols"`
				Selections        map[string]string `json:"provider_selections"`
				Outdated          bool              `json:"terraform_outdated"`
			}{indigoVersion(), plugin.DefaultTerraformVersion, runtime.GOOS + "_" + runtime.GOARCH, runtime.Version(), []int{5, 6}, map[string]string{}, false}
			// The providers the working directory's lock file selects, as
			// terraform version lists them; nothing without one.
			if locks, _, diags := install.ReadLocks("."); !diags.HasErrors() {
				for _, lp := range locks.Providers() {
					info.Selections[lp.Provider.String()] = lp.Version.String()
				}
			}
			if jsonOut {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			fmt.Fprintf(a.stdout, "indigo %s\non %s (%s)\nprovider plugin protocols 5 and 6\n", info.Version, info.Platform, info.GoVersion)
			for _, p := range slices.Sorted(maps.Keys(info.Selections)) {
				fmt.Fprintf(a.stdout, "+ provider %s v%s\n", p, info.Selections[p])
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the version as JSON")
	return cmd
}
