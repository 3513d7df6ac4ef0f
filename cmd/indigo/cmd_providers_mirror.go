package main

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/indigo-cloud/indigo/providers/install"
)

func (a *app) providersMirrorCommand() *cobra.Command {
	var platforms []string
	var useLockFile bool
	cmd := &cobra.Command{
		Use:   "mirror [flags] DIR",
		Short: "Copy the configuration's providers into a mirror directory",
		Long: `Mirror writes into DIR the package of every provider the configuration
requires, at the version the lock file selects (the newest the constraints
allow for a provider it does not lock), for every -platform given (the one
indigo runs on by default). DIR gets the packed layout that filesystem
mirrors read, HOSTNAME/NAMESPACE/TYPE/terraform-provider-TYPE_VERSION_OS_ARCH.zip,
with the index.json and VERSION.json files of the network mirror protocol,
so that DIR can also be served over HTTPS as a network mirror. Packages come
from the CLI configuration's installation sources and must match the lock
file's checksums; -lock-file=false ignores the lock file.`,
		Example: `  indigo providers mirror -platform=linux_amd64 -platform=darwin_arm64 /srv/terraform-mirror`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := a.loadWorkspace(".")
			if err != nil {
				return err
			}
			plats, err := parsePlatforms(platforms)
			if err != nil {
				return err
			}
			inst, locks, err := w.platformInstaller(useLockFile)
			if err != nil {
				return err
			}
			inst.CacheDir = ""
			reqs, _ := requirements(w.res.Config) // its errors stopped loadWorkspace
			err = inst.Mirror(cmd.Context(), reqs, locks, plats, args[0], install.InstallOptions{
				Progress: func(e install.Event) { fmt.Fprintln(a.stdout, mirrorEvent(e)) },
			})
			var hm *install.HashMismatchError
			if errors.As(err, &hm) {
				return &exitError{code: 1, msg: err.Error() + "\nA lock file written from a mirror holds the checksums of the platforms it was written on only: " +
					"record the others' first with \"indigo providers lock -platform=OS_ARCH\", or mirror with -lock-file=false."}
			}
			if err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&platforms, "platform", nil, "a platform to mirror, os_arch (repeatable; default: this one)")
	fl.BoolVar(&useLockFile, "lock-file", true, "select the versions the lock file records and check the packages against it")
	return cmd
}

// mirrorEvent renders a step of providers mirror.
func mirrorEvent(e install.Event) string {
	p := e.Provider.ForDisplay()
	switch e.Kind {
	case install.EventReusingLocked:
		return fmt.Sprintf("- %s v%s, as the dependency lock file selects", p, e.Version)
	case install.EventInstalling:
		return fmt.Sprintf("- Mirroring %s v%s for %s from %s...", p, e.Version, e.Platform, e.Location)
	case install.EventInstalled:
		return fmt.Sprintf("- Mirrored %s v%s for %s (%s)", p, e.Version, e.Platform, e.Auth)
	}
	return e.String()
}

// platformInstaller returns the installer of the CLI configuration for
// providers lock and mirror, which work for several platforms and install
// nothing in the working directory, and the lock file when withLocks.
func (w *workspace) platformInstaller(withLocks bool) (*install.Installer, *install.Locks, error) {
	env := install.DefaultCLIEnv()
	cliCfg, diags := install.LoadCLIConfig(env)
	if diags.HasErrors() {
		w.diags(diags)
		return nil, nil, exitCode(1)
	}
	var locks *install.Locks
	if withLocks {
		l, _, ld := install.ReadLocks(w.dir)
		if ld.HasErrors() {
			w.diags(ld)
			return nil, nil, exitCode(1)
		}
		locks = l
	}
	inst := install.NewInstaller(cliCfg, env, w.dir)
	inst.Logger = w.logger
	return inst, locks, nil
}

// parsePlatforms parses the -platform flags; none means the platform indigo
// runs on.
func parsePlatforms(platforms []string) ([]install.Platform, error) {
	if len(platforms) == 0 {
		platforms = []string{runtime.GOOS + "_" + runtime.GOARCH}
	}
	var plats []install.Platform
	for _, p := range platforms {
		pl, err := install.ParsePlatform(p)
		if err != nil {
			return nil, &exitError{code: 1, msg: fmt.Sprintf("-platform=%s: %s (write it as os_arch, e.g. linux_amd64)", p, err)}
		}
		plats = append(plats, pl)
	}
	return plats, nil
}
