package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/indigo-cloud/indigo/cmd/indigo/view"
	"github.com/indigo-cloud/indigo/lang/config"
	modinstall "github.com/indigo-cloud/indigo/modules/install"
	"github.com/indigo-cloud/indigo/providers/install"
	"github.com/indigo-cloud/indigo/state"
)

// initOptions are init's flags.
type initOptions struct {
	upgrade bool
	// migrate copies the state when the backend changed; forceCopy does
	// so even over a different state in the new backend; reconfigure
	// adopts the new backend as it is.
	migrate, forceCopy, reconfigure bool
}

func (a *app) initCommand() *cobra.Command {
	var opts initOptions
	cmd := &cobra.Command{
		Use:   "init [flags] [DIR]",
		Short: "Prepare a working directory: set up the state backend, install providers and write the lock file",
		Long: `Init sets up the state backend the configuration names and records it in
.indigo/backend.json (without credentials), so that later runs notice when the
backend block changes. When it changed (local, pg, s3, or the same type
elsewhere), init stops unless told what to do with the state:

  -migrate-state  copy the state from the previous backend to the new one,
                  holding both backends' locks, and check the copy (lineage,
                  serial, resources) by reading it back. The previous backend
                  keeps its copy; indigo no longer uses it. init refuses when
                  the new backend already holds a different state.
  -force-copy     as -migrate-state, and replace a different state in the
                  new backend (it keeps its own lineage and gets a serial
                  above both, as the backends never go back in serial).
  -reconfigure    use the new backend as it is, without copying anything.

The previous backend's secrets are not recorded: init reads them from the
environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; PG_CONN_STR,
PGPASSWORD or ~/.pgpass), or uses the new backend's when it is of the same
type.

A Terraform or OpenTofu working directory: when indigo has no state of its own
and finds theirs (terraform.tfstate, or the object or row of the backend the
terraform block names), init says so; -migrate-state imports it, -reconfigure
starts empty beside it, and plan and apply refuse to run until one is chosen.
-backend-config=KEY=VALUE (or =FILE) completes the backend block as in
Terraform; -backend=false leaves the backend as recorded (docs/cli.md).

Before that, init installs the modules the configuration calls from a module
registry, git (git::URL?ref=), an HTTP(S) archive (checksum=) or S3 (s3::)
into .indigo/modules, recording them in .indigo/modules/modules.json; later
runs read those copies. A module installed before from the same source is
kept (init works offline then); -upgrade downloads every module again and
takes the newest registry versions the constraints allow; -get=false
installs nothing.

Then init finds every provider the configuration needs, installs those that
are not built into indigo (from dev_overrides, filesystem mirrors, a network
mirror or the provider registry, as the CLI configuration says) and records
their versions and checksums in .indigo.lock.hcl (the format of
.terraform.lock.hcl, which is also read). Every later run checks each provider
binary against the lock file.

The CLI configuration is the file INDIGO_CLI_CONFIG_FILE or TF_CLI_CONFIG_FILE
names, else ~/.indigorc or ~/.terraformrc: an existing Terraform
provider_installation block works unchanged. With only mirrors configured,
init never uses the network.

Built-in providers (indigo) need no installation.`,
		Example: `  indigo init
  indigo init -upgrade
  indigo init -migrate-state`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runInit(cmd.Context(), pathArg(args, ""), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.upgrade, "upgrade", false, "select the newest versions the constraints allow, ignoring the lock file's")
	cmd.Flags().BoolVar(&opts.migrate, "migrate-state", false, "when the backend changed, copy the state from the previous backend to the new one")
	cmd.Flags().BoolVar(&opts.forceCopy, "force-copy", false, "with -migrate-state (implied), replace a different state the new backend holds")
	cmd.Flags().BoolVar(&opts.reconfigure, "reconfigure", false, "when the backend changed, use the new backend as it is and copy nothing")
	return cmd
}

func (a *app) runInit(ctx context.Context, path string, opts initOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if opts.forceCopy {
		opts.migrate = true
	}
	if opts.migrate && opts.reconfigure {
		return &exitError{code: 1, msg: "-migrate-state and -reconfigure exclude each other: copy the state to the new backend, or use the new backend as it is"}
	}
	if err := a.initFromModule(path); err != nil {
		return err
	}
	if err := a.initModules(ctx, path, opts); err != nil {
		return err
	}
	w, err := a.loadWorkspace(path)
	if err != nil {
		return err
	}
	if a.tf.initBackend {
		if err := a.initBackend(ctx, w, opts); err != nil {
			return err
		}
		if err := a.initTakeover(ctx, w, opts); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(a.stdout, "Skipping the backend (-backend=false): runs use the backend init recorded before.")
	}
	upgrade := opts.upgrade
	fmt.Fprintln(a.stdout, "\nInitializing provider plugins...")
	env := install.DefaultCLIEnv()
	cliCfg, diags := install.LoadCLIConfig(env)
	w.diags(diags)
	if diags.HasErrors() {
		return exitCode(1)
	}
	locks, _, ld := install.ReadLocks(w.dir)
	w.diags(ld)
	if ld.HasErrors() {
		return exitCode(1)
	}
	inst := install.NewInstaller(cliCfg, env, w.dir)
	inst.Logger = w.logger
	inst.Dir = filepath.Join(dataDir(w.dir), "providers")
	if err := a.pluginDirSources(inst, env); err != nil {
		return err
	}
	reqs, _ := requirements(w.res.Config) // its errors stopped loadWorkspace
	newLocks, installed, err := inst.Install(ctx, reqs, locks, install.InstallOptions{
		Upgrade:  upgrade,
		Progress: func(e install.Event) { fmt.Fprintln(a.stdout, e.String()) },
	})
	for _, i := range installed {
		for _, warn := range i.Warnings {
			fmt.Fprintf(a.stderr, "Warning: %s\n", warn)
		}
	}
	if newLocks != nil && !newLocks.Equal(locks) && a.tf.lockfile == "readonly" {
		return &exitError{code: 1, msg: fmt.Sprintf("-lockfile=readonly: the providers selected differ from %s, which must not change: run indigo init without -lockfile=readonly to update it, and commit it", install.LockFileName)}
	}
	if newLocks != nil && !newLocks.Equal(locks) {
		if werr := newLocks.WriteFile(filepath.Join(w.dir, install.LockFileName)); werr != nil {
			return &exitError{code: 1, msg: fmt.Sprintf("writing the lock file: %s", werr)}
		}
		fmt.Fprint(a.stdout, view.Fold(fmt.Sprintf("\nindigo wrote the lock file %s with the providers it selected. Commit it to version control so every run uses the same providers.\n", install.LockFileName)))
	}
	if err != nil {
		return &exitError{code: 1, msg: err.Error() + networkHint(err)}
	}
	fmt.Fprintln(a.stdout, "\nindigo has been successfully initialized!")
	return nil
}

// initModules installs the modules the configuration calls from
// registries, git, archives and S3 into DATA_DIR/modules, recording them in
// modules.json; -get=false leaves them as installed before.
func (a *app) initModules(ctx context.Context, path string, opts initOptions) error {
	if st, err := os.Stat(path); err != nil || !st.IsDir() {
		return nil // a single template calls no modules; loading reports a bad path
	}
	if !a.tf.get {
		fmt.Fprintln(a.stdout, "Skipping modules (-get=false): runs use the modules installed before.")
		return nil
	}
	cliCfg, diags := install.LoadCLIConfig(install.DefaultCLIEnv())
	if diags.HasErrors() {
		cliCfg = nil // reported when init reaches the providers
	}
	inst := modinstall.New(modulesDir(path), cliCfg)
	// The heading only for a configuration that calls modules, as
	// Terraform prints it: above the first module installed, or after
	// the installer found nothing to install.
	var heading sync.Once
	say := func() { fmt.Fprintln(a.stdout, "Initializing modules...") }
	inst.Progress = func(s string) {
		heading.Do(say)
		fmt.Fprintln(a.stdout, s)
	}
	res, mdiags := inst.Install(ctx, path, modinstall.Options{Upgrade: opts.upgrade})
	if res.CallsModules {
		heading.Do(say)
	}
	if len(mdiags) > 0 {
		w := &workspace{a: a, dir: path, src: view.NewSources(res.Files)}
		if wd, err := os.Getwd(); err == nil {
			w.src.BaseDir = wd
		}
		w.diags(mdiags)
	}
	if mdiags.HasErrors() {
		return exitCode(1)
	}
	return nil
}

// networkHint says what to do when installing failed because a registry
// or mirror could not be reached; "" for any other error.
func networkHint(err error) string {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	if !errors.As(err, &dnsErr) && !errors.As(err, &opErr) {
		return ""
	}
	return "\n\nindigo could not reach the host it installs this provider from. Without network access, " +
		"install providers from a mirror: a provider_installation block in the CLI configuration " +
		"(INDIGO_CLI_CONFIG_FILE or TF_CLI_CONFIG_FILE) names a filesystem or network mirror, and " +
		"init then never tries the registry (docs/providers.md, \"Where providers come from\")."
}

func (a *app) providersCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "providers [DIR]",
		Short: "List the providers the configuration needs and what is installed",
		Long: `Providers shows, as Terraform's providers command does, which providers each module
of the configuration requires (a tree, with the version constraints) and which providers
the objects in the state belong to; then what is installed or built in for each.`,
		Example: `  indigo providers`,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := a.loadWorkspace(pathArg(args, ""))
			if err != nil {
				return err
			}
			var b strings.Builder
			b.WriteString("\nProviders required by configuration:\n.\n")
			writeProviderTree(&b, w.res.Config, "")
			if m, err := w.openState(context.Background(), "providers", false); err == nil {
				// Without a state (not initialised yet, say), the
				// section is left out, as it is when the state is empty.
				writeStateProviders(&b, m.State())
				m.Close(context.Background())
			}
			fmt.Fprint(a.stdout, b.String())

			locks, _, ld := install.ReadLocks(w.dir)
			w.diags(ld)
			env := install.DefaultCLIEnv()
			cliCfg, _ := install.LoadCLIConfig(env)
			inst := install.NewInstaller(cliCfg, env, w.dir)
			inst.Dir = filepath.Join(dataDir(w.dir), "providers")
			reqs, _ := requirements(w.res.Config) // its errors stopped loadWorkspace
			var provs []install.Provider
			for p := range reqs {
				provs = append(provs, p)
			}
			sort.Slice(provs, func(i, j int) bool { return provs[i].String() < provs[j].String() })
			fmt.Fprintln(a.stdout, "\nInstalled for this configuration:")
			for _, p := range provs {
				c := reqs[p].String()
				if c == "" {
					c = "any version"
				}
				status := "not installed: run indigo init"
				if config.Provider(p).IsBuiltin() {
					status = "built into indigo"
				} else if got, err := inst.Find(context.Background(), p, locks); err == nil {
					status = "installed"
					if got.DevOverride {
						status = "development override at " + got.Dir
					} else if lp := locks.Provider(p); lp != nil {
						status = "installed v" + lp.Version.String()
					}
				} else if lp := locks.Provider(p); lp != nil {
					status = fmt.Sprintf("locked at v%s, %s", lp.Version.String(), firstLine(err.Error()))
				}
				fmt.Fprintf(a.stdout, "  %s (%s): %s\n", p.ForDisplay(), c, status)
			}
			return nil
		},
	}
	cmd.AddCommand(a.providersLockCommand(), a.providersMirrorCommand(), a.providersSchemaCommand())
	return cmd
}

// treeBranch, treeLast and treeSpan draw the providers tree with the
// characters Terraform's providers command draws it with (its indentation
// is two no-break spaces and a space).
const (
	treeBranch = "├── "
	treeLast   = "└── "
	treeSpan   = "│\u00a0\u00a0 "
)

// writeProviderTree writes the providers module c requires, sorted, each
// as provider[ADDRESS] and its constraints, then the modules it calls (and
// indigo's deployment and storage scopes), each with its own, under
// prefix.
func writeProviderTree(b *strings.Builder, c *config.Config, prefix string) {
	reqs, _ := moduleRequirements(c.Module)
	provs := make([]install.Provider, 0, len(reqs))
	for p := range reqs {
		provs = append(provs, p)
	}
	sort.Slice(provs, func(i, j int) bool { return provs[i].String() < provs[j].String() })
	steps := make([]config.Step, 0, len(c.Children))
	for st := range c.Children {
		steps = append(steps, st)
	}
	sort.Slice(steps, func(i, j int) bool { return steps[i].String() < steps[j].String() })
	n, i := len(provs)+len(steps), 0
	item := func(label string) (childPrefix string) {
		i++
		if i == n {
			b.WriteString(prefix + treeLast + label + "\n")
			return prefix + "    "
		}
		b.WriteString(prefix + treeBranch + label + "\n")
		return prefix + treeSpan
	}
	for _, p := range provs {
		label := "provider[" + p.String() + "]"
		if cs := reqs[p].String(); cs != "" {
			label += " " + cs
		}
		item(label)
	}
	for _, st := range steps {
		writeProviderTree(b, c.Children[st], item(st.String()))
	}
}

// writeStateProviders writes the providers of the objects recorded in s,
// as Terraform's providers command does; nothing when there are none.
func writeStateProviders(b *strings.Builder, s *state.State) {
	seen := map[string]bool{}
	var addrs []string
	for _, rs := range s.Resources {
		a := install.Provider(rs.Provider.Provider).String()
		if !seen[a] {
			seen[a] = true
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		return
	}
	sort.Strings(addrs)
	b.WriteString("\nProviders required by state:\n\n")
	for _, a := range addrs {
		b.WriteString("    provider[" + a + "]\n\n")
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// pluginDirSources applies -plugin-dir: providers come only from those
// directories (each a filesystem mirror), as with Terraform; development
// overrides still apply.
func (a *app) pluginDirSources(inst *install.Installer, env install.CLIEnv) error {
	if len(a.tf.pluginDirs) == 0 {
		return nil
	}
	var methods []install.Method
	for _, d := range a.tf.pluginDirs {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return &exitError{code: 1, msg: fmt.Sprintf("-plugin-dir=%s is not a directory", d)}
		}
		methods = append(methods, install.Method{Kind: install.FilesystemMirror, Location: d})
	}
	inst.Sources.Methods = methods
	return nil
}

// initFromModule applies -from-module: the working directory, which must
// hold no configuration yet, gets a copy of the configuration in a local
// directory.
func (a *app) initFromModule(dir string) error {
	src := a.tf.fromModule
	if src == "" {
		return nil
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); ext == ".tf" || ext == ".hcl" || ext == ".indigo" {
			return &exitError{code: 1, msg: fmt.Sprintf("-from-module needs a directory without configuration, and %s has %s", dir, e.Name())}
		}
	}
	if st, err := os.Stat(src); err != nil || !st.IsDir() {
		// A registry, git, archive or S3 source: download it first.
		cliCfg, _ := install.LoadCLIConfig(install.DefaultCLIEnv())
		inst := modinstall.New(modulesDir(dir), cliCfg)
		defer os.RemoveAll(filepath.Join(modulesDir(dir), modinstall.FromModuleKey))
		got, ferr := inst.Fetch(context.Background(), src)
		if ferr != nil {
			return &exitError{code: 1, msg: fmt.Sprintf("-from-module=%s: %s", src, ferr)}
		}
		src = got
	}
	return filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			if rel != "." && (d.Name() == ".git" || d.Name() == ".terraform" || d.Name() == ".indigo") {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), data, 0o644)
	})
}
