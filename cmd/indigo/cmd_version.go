package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
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
		Long:  "Version prints indigo's version, the platform it was built for and the plugin protocol versions it speaks.",
		Example: `  indigo version
  indigo version -json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			info := struct {
				Version           string `json:"indigo_version"`
				Platform          string `json:"platform"`
				GoVersion         string `json:"go_version"`
				ProviderProtocols []int  `json:"provider_protocols"`
			}{indigoVersion(), runtime.GOOS + "_" + runtime.GOARCH, runtime.Version(), []int{5, 6}}
			if jsonOut {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			fmt.Fprintf(a.stdout, "indigo %s\non %s (%s)\nprovider plugin protocols 5 and 6\n", info.Version, info.Platform, info.GoVersion)
			return nil
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the version as JSON")
	return cmd
}
