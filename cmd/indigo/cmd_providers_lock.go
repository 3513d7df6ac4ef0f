package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/indigo-cloud/indigo/providers/install"
)

func (a *app) providersLockCommand() *cobra.Command {
	var platforms, fsMirrors, netMirrors []string
	var pluginCache bool
	cmd := &cobra.Command{
		Use:   "lock [flags] [PROVIDER...]",
		Short: "Record the providers' checksums for several platforms in the lock file",
		Long: `Lock adds to the lock file the checksums of each required provider's package for
every -platform given (the one indigo runs on by default), without installing
anything, so that a team on several platforms, or CI on another one, can install
the same versions. -fs-mirror and -net-mirror consult only those mirrors instead
of the CLI configuration's sources.`,
		Example: `  indigo providers lock -platform=linux_amd64 -platform=darwin_arm64`,
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := a.loadWorkspace(".")
			if err != nil {
				return err
			}
			plats, err := parsePlatforms(platforms)
			if err != nil {
				return err
			}
			inst, locks, err := w.platformInstaller(true)
			if err != nil {
				return err
			}
			if !pluginCache {
				inst.CacheDir = ""
			}
			if len(fsMirrors)+len(netMirrors) > 0 {
				var methods []install.Method
				for _, d := range fsMirrors {
					methods = append(methods, install.Method{Kind: install.FilesystemMirror, Location: d})
				}
				for _, u := range netMirrors {
					methods = append(methods, install.Method{Kind: install.NetworkMirror, Location: u})
				}
				inst.Sources.Methods = methods
			}
			reqs, _ := requirements(w.res.Config)
			if len(args) > 0 {
				only := install.Requirements{}
				for _, s := range args {
					p, err := install.ParseProvider(s)
					if err != nil || !hasProvider(reqs, p) {
						return &exitError{code: 1, msg: fmt.Sprintf("%s is not a provider the configuration requires", s)}
					}
					only[p] = reqs[p]
				}
				reqs = only
			}
			newLocks, err := inst.LockPlatforms(cmd.Context(), reqs, locks, plats, install.InstallOptions{
				Progress: func(e install.Event) { fmt.Fprintln(a.stdout, e.String()) },
			})
			if newLocks != nil && !newLocks.Equal(locks) {
				if werr := newLocks.WriteFile(filepath.Join(w.dir, install.LockFileName)); werr != nil {
					return &exitError{code: 1, msg: fmt.Sprintf("writing the lock file: %s", werr)}
				}
				fmt.Fprintf(a.stdout, "\nUpdated %s.\n", install.LockFileName)
			}
			if err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&platforms, "platform", nil, "a platform to lock, os_arch (repeatable; default: this one)")
	fl.StringArrayVar(&fsMirrors, "fs-mirror", nil, "consult this filesystem mirror instead of the configured sources (repeatable)")
	fl.StringArrayVar(&netMirrors, "net-mirror", nil, "consult this network mirror (base URL) instead of the configured sources (repeatable)")
	fl.BoolVar(&pluginCache, "enable-plugin-cache", false, "use the configured plugin cache directory")
	return cmd
}

func hasProvider(reqs install.Requirements, p install.Provider) bool {
	_, ok := reqs[p]
	return ok
}
