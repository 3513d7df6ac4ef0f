package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime/pprof"
	"runtime/trace"
	"strings"

	"github.com/spf13/cobra"

	"github.com/indigo-cloud/indigo/cmd/indigo/view"
)

// Main runs indigo with the process's arguments and returns its exit code.
// It is the whole program: main only exits with its result, and CLI tests
// run it in-process through testscript.
func Main() int {
	maybeServeProvider()
	tuneGC()
	if path := os.Getenv("INDIGO_CPUPROFILE"); path != "" {
		// For developers: profile a whole command (STYLE.md: profile
		// before optimising).
		if f, err := os.Create(path); err == nil {
			defer f.Close()
			if pprof.StartCPUProfile(f) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	if path := os.Getenv("INDIGO_TRACE"); path != "" {
		// For developers: an execution trace (go tool trace), to see
		// where a command's wall time goes, goroutine by goroutine.
		if f, err := os.Create(path); err == nil {
			defer f.Close()
			if trace.Start(f) == nil {
				defer trace.Stop()
			}
		}
	}
	return run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
}

// app holds what every command shares: the streams.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	chdir          string
	// tf holds the Terraform flags several commands share (tfcompat.go).
	tf tfOptions
	// stream, when set (plan, apply and refresh with -json), receives
	// what would be printed as text, as machine-readable UI messages.
	stream *view.Stream
	// ending holds what runs once the command has ended (atEnd).
	ending []func()
}

// atEnd runs f when the command has ended, whatever its outcome; the last
// one added runs first.
func (a *app) atEnd(f func()) { a.ending = append(a.ending, f) }

func (a *app) end() {
	for i := len(a.ending) - 1; i >= 0; i-- {
		a.ending[i]()
	}
	a.ending = nil
}

// exitError ends a command with a given code. When msg is empty the command
// has already told the user what happened.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// exitCode returns an error that makes indigo exit with code, silently.
func exitCode(code int) error { return &exitError{code: code} }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, tf: newTFOptions()}
	args, err := expandEnvArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "Error: %s\n", err)
		return 1
	}
	root := a.rootCommand()
	root.SetArgs(versionAlias(normalizeArgs(args)))
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err = root.Execute()
	a.end()
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintf(stderr, "Error: %s\n", ee.msg)
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "Error: %s\n", err)
	if strings.Contains(err.Error(), "unknown flag") || strings.Contains(err.Error(), "unknown command") || strings.Contains(err.Error(), "accepts ") {
		fmt.Fprintf(stderr, "Run 'indigo --help' or 'indigo COMMAND --help' for usage.\n")
	}
	return 1
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "indigo",
		Short: "Infrastructure as code for scientific data clouds",
		Long: `indigo deploys services, places data with the right quality of service and
controls who may touch it, across several clouds at once. Configurations are
written in HCL (a superset of the Terraform language: existing Terraform
configurations work unchanged) or TOSCA.

The usual workflow is:

  indigo init        prepare the working directory (providers, lock file)
  indigo validate    check the configuration
  indigo plan        show what would change, and where each component goes
  indigo apply       make it so`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if a.chdir != "" {
				if err := os.Chdir(a.chdir); err != nil {
					return &exitError{code: 1, msg: fmt.Sprintf("cannot change to directory %s given with -chdir: %s", a.chdir, err)}
				}
			}
			return a.tfPreRun(cmd)
		},
	}
	root.PersistentFlags().StringVar(&a.chdir, "chdir", "", "switch to this directory before running the command")
	root.AddCommand(
		a.initCommand(),
		a.validateCommand(),
		a.planCommand(),
		a.applyCommand(),
		a.destroyCommand(),
		a.showCommand(),
		a.outputCommand(),
		a.stateCommand(),
		a.importCommand(),
		a.getCommand(),
		a.modulesCommand(),
		a.metadataCommand(),
		a.loginCommand(),
		a.logoutCommand(),
		a.taintCommand(),
		a.untaintCommand(),
		a.graphCommand(),
		a.rankCommand(),
		a.canCommand(),
		a.policyCommand(),
		a.forceUnlockCommand(),
		a.fmtCommand(),
		a.providersCommand(),
		a.statusCommand(),
		a.versionCommand(),
		a.refreshCommand(),
		a.workspaceCommand(),
		a.consoleCommand(),
		a.testCommand(),
	)
	a.addTerraformFlags(root)
	return root
}

// versionAlias turns Terraform's global -version (--version once
// normalized) and -v into the version command.
func versionAlias(args []string) []string {
	for i, arg := range args {
		if arg == "--version" || arg == "-v" {
			return append(append(append([]string{}, args[:i]...), "version"), args[i+1:]...)
		}
		if !strings.HasPrefix(arg, "-") {
			break
		}
	}
	return args
}

// longFlag matches a single-dash long option such as -json or -out=plan.
var longFlag = regexp.MustCompile(`^-[a-zA-Z][a-zA-Z0-9_-]+(=.*)?$`)

// normalizeArgs accepts Terraform's single-dash long options (-json,
// -auto-approve, -var=x=1) by rewriting them to the double-dash form the
// flag parser expects. Everything after "--" is left alone.
func normalizeArgs(args []string) []string {
	out := make([]string, 0, len(args))
	for i, arg := range args {
		if arg == "--" {
			return append(out, args[i:]...)
		}
		if longFlag.MatchString(arg) {
			arg = "-" + arg
		}
		out = append(out, arg)
	}
	return out
}
