package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Terraform compatibility: a CI pipeline written for `terraform` runs
// `indigo` with the same command lines and environment. Every flag
// Terraform 1.11 documents for the commands indigo shares with it is
// accepted; the flags that several commands share (-input, -lock,
// -lock-timeout, -state...) are added here from one table, bound to
// tfOptions, and the commands read them from there. A flag that has no
// meaning for indigo is accepted and says why when it is used.

// tfOptions holds the Terraform flags shared by several commands, and what
// the environment (TF_INPUT, TF_IN_AUTOMATION...) says.
type tfOptions struct {
	// input is false with -input=false or TF_INPUT=0: indigo never asks.
	input bool
	// lock is false with -lock=false on commands whose own code does not
	// define -lock.
	lock        bool
	lockTimeout time.Duration
	// compactWarnings prints warnings as one line each when there is no
	// error.
	compactWarnings bool
	// statePath, stateOut and backup are the legacy local-state options.
	statePath, stateOut, backup string
	// automation is TF_IN_AUTOMATION: leave out the "run indigo X next"
	// hints meant for people at a terminal.
	automation bool
	// configDir is import's -config.
	configDir string
	// init's flags.
	initBackend   bool
	get           bool
	backendConfig []string
	fromModule    string
	lockfile      string
	pluginDirs    []string
	// stateID is state list -id.
	stateID string
	// testDir and noTests are validate's -test-directory and -no-tests.
	testDir string
	noTests bool
	// generateOut is plan's -generate-config-out: the file resource blocks
	// are written to for import blocks without one.
	generateOut string
	// note holds the values of flags that are accepted and have no effect.
	note map[string]*string
}

func newTFOptions() tfOptions {
	return tfOptions{input: envBool("TF_INPUT", true), lock: true, initBackend: true, get: true,
		automation: os.Getenv("TF_IN_AUTOMATION") != "", note: map[string]*string{}}
}

// envBool reads a boolean environment variable as Terraform does: "0",
// "false" (any case) and "no" are false; anything else set is true.
func envBool(name string, def bool) bool {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return def
	}
	switch strings.ToLower(v) {
	case "0", "false", "no", "off":
		return false
	}
	return true
}

// noteAnnotation marks a flag that is accepted without effect; its value
// says why, and is printed when the flag is used.
const noteAnnotation = "indigo-terraform-note"

// tfFlag is one row of the table: a flag, the commands that take it, and
// how to register it.
type tfFlag struct {
	name string
	cmds []string
	add  func(a *app, fl *pflag.FlagSet)
}

func boolFlag(name string, cmds []string, target func(*tfOptions) *bool, def bool, usage string) tfFlag {
	return tfFlag{name, cmds, func(a *app, fl *pflag.FlagSet) { fl.BoolVar(target(&a.tf), name, def, usage) }}
}

func stringFlag(name string, cmds []string, target func(*tfOptions) *string, usage string) tfFlag {
	return tfFlag{name, cmds, func(a *app, fl *pflag.FlagSet) { fl.StringVar(target(&a.tf), name, "", usage) }}
}

func arrayFlag(name string, cmds []string, target func(*tfOptions) *[]string, usage string) tfFlag {
	return tfFlag{name, cmds, func(a *app, fl *pflag.FlagSet) { fl.StringArrayVar(target(&a.tf), name, nil, usage) }}
}

// noteFlag is a flag accepted for compatibility that cannot apply to
// indigo; why says so. isBool makes it a flag without a value.
func noteFlag(name string, cmds []string, isBool bool, why string) tfFlag {
	return tfFlag{name, cmds, func(a *app, fl *pflag.FlagSet) {
		v := new(string)
		a.tf.note[name] = v
		fl.StringVar(v, name, "", "accepted for Terraform compatibility, no effect: "+why)
		f := fl.Lookup(name)
		if isBool {
			f.NoOptDefVal = "true"
		}
		f.Annotations = map[string][]string{noteAnnotation: {why}}
	}}
}

var (
	runCmds    = []string{"plan", "apply", "destroy", "refresh"}
	lockCmds   = []string{"init", "plan", "apply", "destroy", "refresh", "import", "state mv", "state rm", "state push", "state replace-provider", "workspace new", "workspace delete", "status", "taint", "untaint"}
	stateCmds  = []string{"plan", "apply", "destroy", "refresh", "output", "import", "state list", "state show", "state mv", "state rm", "state replace-provider", "console", "taint", "untaint"}
	writeCmds  = []string{"apply", "destroy", "refresh", "import", "state mv", "state rm", "state replace-provider", "taint", "untaint"}
	inputCmds  = []string{"init", "plan", "apply", "destroy", "refresh", "import", "console"}
	remoteCmds = []string{"init", "import", "state mv", "state rm", "state push", "state replace-provider", "taint", "untaint"}
	testCmds   = []string{"init", "providers", "get"}
)

// tfFlags is the table of shared Terraform flags. A command that defines a
// flag itself keeps its own.
var tfFlags = []tfFlag{
	{"input", inputCmds, func(a *app, fl *pflag.FlagSet) {
		// The default is what TF_INPUT says.
		fl.BoolVar(&a.tf.input, "input", a.tf.input, "ask for input when needed (-input=false, or TF_INPUT=0: never ask; a confirmation then needs -auto-approve)")
	}},
	boolFlag("lock", lockCmds, func(o *tfOptions) *bool { return &o.lock }, true, "hold the state lock while running"),
	{"lock-timeout", lockCmds, func(a *app, fl *pflag.FlagSet) {
		fl.DurationVar(&a.tf.lockTimeout, "lock-timeout", 0, "when the state is locked, retry for this long (e.g. 5m) before giving up")
	}},
	boolFlag("compact-warnings", runCmds, func(o *tfOptions) *bool { return &o.compactWarnings }, false,
		"when there are warnings but no errors, print only their summaries"),
	stringFlag("state", stateCmds, func(o *tfOptions) *string { return &o.statePath },
		"legacy: read (and write) the state in this local file instead of the configured one; local backend only"),
	stringFlag("state-out", writeCmds, func(o *tfOptions) *string { return &o.stateOut },
		"legacy: write the resulting state to this local file, leaving the -state file as it was"),
	stringFlag("backup", writeCmds, func(o *tfOptions) *string { return &o.backup },
		"legacy: copy the state to this file before changing it (indigo also keeps STATE.backup, which its recovery needs)"),
	noteFlag("ignore-remote-version", remoteCmds, true, "it concerns Terraform's remote backend, which indigo does not have"),
	noteFlag("test-directory", testCmds, false, "the run blocks of test files name local modules only, which need nothing installed and add no provider"),
	stringFlag("test-directory", []string{"validate"}, func(o *tfOptions) *string { return &o.testDir },
		"the directory of test files (*.tftest.hcl) validate checks besides those beside the configuration (default tests)"),
	boolFlag("no-tests", []string{"validate"}, func(o *tfOptions) *bool { return &o.noTests }, false,
		"do not check the test files (*.tftest.hcl)"),
	stringFlag("generate-config-out", []string{"plan"}, func(o *tfOptions) *string { return &o.generateOut },
		"write a resource block for each import block whose resource the configuration lacks to this new file (in the configuration's directory), then plan with it"),
	noteFlag("json", []string{"init"}, true, "init prints its progress as text only"),
	boolFlag("get", []string{"init"}, func(o *tfOptions) *bool { return &o.get }, true,
		"install the modules the configuration calls (-get=false: use those installed before)"),
	boolFlag("backend", []string{"init"}, func(o *tfOptions) *bool { return &o.initBackend }, true,
		"set up the backend (-backend=false: leave the backend as recorded and only install providers)"),
	arrayFlag("backend-config", []string{"init"}, func(o *tfOptions) *[]string { return &o.backendConfig },
		"a backend setting KEY=VALUE, or a file of such settings in HCL, merged into the backend block (repeatable)"),
	stringFlag("from-module", []string{"init"}, func(o *tfOptions) *string { return &o.fromModule },
		"copy this module (a local directory, or a registry, git, archive or S3 source) into the empty working directory first"),
	stringFlag("lockfile", []string{"init"}, func(o *tfOptions) *string { return &o.lockfile },
		"readonly: check the providers against the lock file, never change it"),
	arrayFlag("plugin-dir", []string{"init"}, func(o *tfOptions) *[]string { return &o.pluginDirs },
		"install providers only from this directory (a filesystem mirror layout; repeatable)"),
	stringFlag("config", []string{"import"}, func(o *tfOptions) *string { return &o.configDir },
		"the directory of the configuration that declares the address (default: the working directory)"),
	stringFlag("id", []string{"state list"}, func(o *tfOptions) *string { return &o.stateID },
		"list only the instances whose id attribute is this"),
	noteFlag("draw-cycles", []string{"graph"}, true, "a configuration with a cycle does not load, and the error names the cycle"),
	noteFlag("module-depth", []string{"graph"}, false, "deprecated in Terraform too; the graph shows every module"),
	noteFlag("force", []string{"force-unlock"}, true, "indigo force-unlock never asks for confirmation"),
}

// addTerraformFlags adds the table's flags to every command that takes
// them and does not define them itself, and -no-color to every command.
func (a *app) addTerraformFlags(root *cobra.Command) {
	root.PersistentFlags().Bool("no-color", false, "accepted for Terraform compatibility; indigo's output has no color")
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		path := strings.TrimPrefix(c.CommandPath(), root.Name()+" ")
		for _, f := range tfFlags {
			if slices.Contains(f.cmds, path) && c.Flags().Lookup(f.name) == nil {
				f.add(a, c.Flags())
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// tfPreRun checks the shared flags of cmd and says what the accepted
// flags without effect do not do.
func (a *app) tfPreRun(cmd *cobra.Command) error {
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if why := f.Annotations[noteAnnotation]; len(why) > 0 {
			fmt.Fprintf(a.stderr, "Note: -%s has no effect in indigo: %s.\n", f.Name, why[0])
		}
	})
	if a.tf.lockfile != "" && a.tf.lockfile != "readonly" {
		return &exitError{code: 1, msg: fmt.Sprintf("-lockfile=%s: the only mode is readonly (check the providers against the lock file without changing it)", a.tf.lockfile)}
	}
	if a.tf.lockTimeout < 0 {
		return &exitError{code: 1, msg: "-lock-timeout must not be negative (e.g. -lock-timeout=5m)"}
	}
	return nil
}

// expandEnvArgs inserts the arguments of TF_CLI_ARGS and
// TF_CLI_ARGS_<command> (and their INDIGO_CLI_ARGS spellings) after the
// command's name, as Terraform does: the general ones first, then those
// for the command, then the command line's own, so the command line wins.
// The command's name has its spaces and dashes as underscores:
// TF_CLI_ARGS_plan, TF_CLI_ARGS_workspace_new, TF_CLI_ARGS_force_unlock.
func expandEnvArgs(args []string) ([]string, error) {
	i := 0
	// Global options before the command.
	for i < len(args) && strings.HasPrefix(args[i], "-") {
		i++
	}
	if i == len(args) {
		return args, nil
	}
	words := []string{args[i]}
	end := i + 1
	if slices.Contains([]string{"state", "workspace", "providers"}, args[i]) && end < len(args) && !strings.HasPrefix(args[end], "-") {
		words = append(words, args[end])
		end++
	}
	suffix := strings.NewReplacer(" ", "_", "-", "_").Replace(strings.Join(words, " "))
	var extra []string
	for _, name := range []string{"TF_CLI_ARGS", "INDIGO_CLI_ARGS", "TF_CLI_ARGS_" + suffix, "INDIGO_CLI_ARGS_" + suffix} {
		v := os.Getenv(name)
		if v == "" {
			continue
		}
		got, err := splitShellWords(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		extra = append(extra, got...)
	}
	if len(extra) == 0 {
		return args, nil
	}
	out := append(append(append([]string{}, args[:end]...), extra...), args[end:]...)
	return out, nil
}

// splitShellWords splits s into words as a POSIX shell would, with single
// and double quotes and backslash escapes, without expansions.
func splitShellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unclosed single quote in %q", s)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("unclosed double quote in %q", s)
			}
			inWord = true
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// dataDir is the working directory's data directory (Terraform's
// .terraform): TF_DATA_DIR or INDIGO_DATA_DIR when set (relative to dir),
// else .indigo. It holds the backend record, the selected workspace and the
// installed providers.
func dataDir(dir string) string {
	d := os.Getenv("INDIGO_DATA_DIR")
	if d == "" {
		d = os.Getenv("TF_DATA_DIR")
	}
	if d == "" {
		d = ".indigo"
	}
	if filepath.IsAbs(d) {
		return d
	}
	return filepath.Join(dir, d)
}

// modulesDir is where init installs modules for the configuration in
// dir: DATA_DIR/modules.
func modulesDir(dir string) string { return filepath.Join(dataDir(dir), "modules") }

// logLevel is the level INDIGO_LOG, else TF_LOG, asks for.
func logLevel() string {
	if l := os.Getenv("INDIGO_LOG"); l != "" {
		return l
	}
	l := os.Getenv("TF_LOG")
	if strings.EqualFold(l, "json") {
		return "trace"
	}
	return l
}

// hint returns s, a next-step hint for a person at a terminal, or "" in
// automation (TF_IN_AUTOMATION), where the pipeline decides what runs next.
func (a *app) hint(s string) string {
	if a.tf.automation {
		return ""
	}
	return s
}

// compactWarnings prints warnings as one line each (-compact-warnings)
// when there is no error; it reports whether it did.
func (a *app) compactWarnings(diags hcl.Diagnostics) bool {
	if !a.tf.compactWarnings || diags.HasErrors() || len(diags) == 0 {
		return false
	}
	fmt.Fprintln(a.stderr, "\nWarnings:")
	for _, d := range diags {
		where := ""
		if d.Subject != nil {
			where = fmt.Sprintf(" (%s:%d)", filepath.Base(d.Subject.Filename), d.Subject.Start.Line)
		}
		fmt.Fprintf(a.stderr, "  - %s%s\n", d.Summary, where)
	}
	fmt.Fprintln(a.stderr, "\nTo see the full warning notes, run without -compact-warnings.")
	return true
}
