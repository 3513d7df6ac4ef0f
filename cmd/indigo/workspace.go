package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/cmd/indigo/view"
	"github.com/indigo-cloud/indigo/lang/config"
	hcllang "github.com/indigo-cloud/indigo/lang/hcl"
	"github.com/indigo-cloud/indigo/lang/load"
	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/providers/install"
	"github.com/indigo-cloud/indigo/providers/launch"
	"github.com/indigo-cloud/indigo/providers/plugin"
	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/encrypt"
)

// DefaultStatePath is where the local backend keeps state when the
// configuration names no backend.
const DefaultStatePath = "indigo.state"

// workspace is what commands that plan, apply or read state share: the
// loaded configuration and how to reach its state and providers.
type workspace struct {
	a      *app
	dir    string
	res    *load.Result
	src    *view.Sources
	logger hclog.Logger
	// broken holds the errors of a configuration that loaded only in
	// part (loadBrokenWorkspace): destroy can still work from the state.
	broken hcl.Diagnostics
	// stateUnsaved is set once the user was told that the state could not
	// be written and where its recovery file is (stateNotSaved).
	stateUnsaved bool
	// enc is the encryption configuration (encryption.go), decoded once.
	enc     *encrypt.Config
	encDone bool
	// providerCache is -provider-cache, when the command has it.
	providerCache *bool
}

// loadWorkspace loads the configuration at path (a directory or a TOSCA
// template), printing problems. It returns nil when the configuration
// cannot be used.
func (a *app) loadWorkspace(path string) (*workspace, error) {
	return a.loadWorkspaceOf(path, false)
}

// loadBrokenWorkspace is loadWorkspace that keeps a configuration with
// errors when its root module loaded (a template it reads is broken, say),
// recording them in broken: destroy works from what the root module still
// gives (its backend, its provider configurations) and from the state.
func (a *app) loadBrokenWorkspace(path string) (*workspace, error) {
	return a.loadWorkspaceOf(path, true)
}

func (a *app) loadWorkspaceOf(path string, keepBroken bool) (*workspace, error) {
	res, diags := load.Path(path, load.Options{ModulesDir: modulesDir(path)})
	if res.Config != nil {
		_, rd := requirements(res.Config)
		diags = append(diags, rd...)
		diags = append(diags, checkRequiredVersion(res.Config)...)
	}
	w := &workspace{a: a, dir: path, res: res, logger: newLogger(a)}
	w.src = view.NewSources(res.Files)
	if wd, err := os.Getwd(); err == nil {
		w.src.BaseDir = wd
	}
	if diags.HasErrors() && keepBroken && res.Config != nil {
		w.broken = diags
		return w, nil
	}
	if diags.HasErrors() {
		w.diags(diags)
		return nil, exitCode(1)
	}
	w.warnings(diags)
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		w.dir = filepath.Dir(path)
	}
	return w, nil
}

// newLogger returns the logger INDIGO_LOG or TF_LOG asks for (silent by
// default), writing to INDIGO_LOG_PATH or TF_LOG_PATH when set, else to
// standard error. TF_LOG=JSON logs everything as JSON lines.
func newLogger(a *app) hclog.Logger {
	level := hclog.LevelFromString(logLevel())
	if level == hclog.NoLevel {
		return hclog.NewNullLogger()
	}
	out := a.stderr
	if path := firstSet(nil, os.Getenv("INDIGO_LOG_PATH"), os.Getenv("TF_LOG_PATH")); path != "" {
		if f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600); err == nil {
			out = f
		} else {
			fmt.Fprintf(a.stderr, "Warning: cannot open the log file %s (%s); logging to standard error\n", path, err)
		}
	}
	return hclog.New(&hclog.LoggerOptions{Name: "indigo", Level: level, Output: out, JSONFormat: strings.EqualFold(os.Getenv("TF_LOG"), "json")})
}

func (w *workspace) diags(diags hcl.Diagnostics) {
	view.Sort(diags)
	if w.a.stream != nil {
		w.a.stream.Diagnostics(diags, w.src)
		return
	}
	if w.a.compactWarnings(diags) {
		return
	}
	view.Diagnostics(w.a.stderr, diags, w.src)
}

func (w *workspace) warnings(diags hcl.Diagnostics) {
	var warns hcl.Diagnostics
	for _, d := range diags {
		if d.Severity == hcl.DiagWarning {
			warns = append(warns, d)
		}
	}
	if len(warns) > 0 {
		w.diags(warns)
	}
}

// openState opens the state for a run, holding its lock unless lock is
// false. A held lock is reported with who holds it.
func (w *workspace) openState(ctx context.Context, operation string, lock bool) (*state.Manager, error) {
	b, err := w.checkedBackend(ctx)
	if err != nil {
		return nil, err
	}
	if b, err = w.a.legacyStateFiles(ctx, b, lock); err != nil {
		return nil, err
	}
	lock = lock && w.a.tf.lock
	m, err := w.a.openWithTimeout(ctx, b, state.OpenOptions{Operation: operation, Version: indigoVersion(), ReadOnly: !lock, BackendTimeout: w.a.backendTimeout()})
	if err != nil {
		var le *state.LockedError
		if errors.As(err, &le) {
			return nil, &exitError{code: 1, msg: le.Error()}
		}
		return nil, &exitError{code: 1, msg: fmt.Sprintf("opening the state: %s\n%s", err, unreachedHint)}
	}
	for _, warn := range m.Warnings() {
		fmt.Fprintf(w.a.stderr, "Warning: %s\n", warn)
	}
	return m, nil
}

// providers returns how the planner starts providers: built-in ones from
// this binary, others from the lock-verified install directory.
func (w *workspace) providers() (planner.Providers, error) {
	l, err := w.launcher(needsInstalled(w.res.Config))
	if err != nil {
		return nil, err
	}
	return planner.ProvidersFunc(func(ctx context.Context, addr config.Provider) (planner.Provider, error) {
		p, err := l.Start(ctx, addr)
		if err != nil {
			return nil, err
		}
		return p, nil
	}), nil
}

// providersEarly is providers for the commands that plan: it starts one
// process of each installed provider the configuration requires at once,
// while the state is locked and read and the graph is built, and hands it
// to the first configuration of that provider. A provider starting (a
// process, its runtime, the plugin handshake) took about as long as
// reading the state of 1,000 resources, one after the other. A process
// no configuration asked for is stopped when the command ends; one that
// failed to start is started again as if it had not been, so the error
// is the usual one, in the usual place.
func (w *workspace) providersEarly() (planner.Providers, error) {
	l, err := w.launcher(needsInstalled(w.res.Config))
	if err != nil {
		return nil, err
	}
	reqs, _ := requirements(w.res.Config)
	early := map[config.Provider]*earlyProvider{}
	// Ended with the command: a provider still starting then (the
	// command was interrupted) is killed rather than waited for.
	startCtx, cancel := context.WithCancel(context.Background())
	if l.Locks != nil {
		for p := range reqs {
			addr := config.Provider(p)
			if addr.IsBuiltin() || l.Locks.Provider(p) == nil {
				continue
			}
			e := &earlyProvider{ready: make(chan struct{})}
			early[addr] = e
			go func() {
				defer close(e.ready)
				e.p, e.err = l.Start(startCtx, addr)
			}()
		}
	}
	var mu sync.Mutex
	w.a.atEnd(func() {
		cancel()
		mu.Lock()
		defer mu.Unlock()
		for _, e := range early {
			<-e.ready
			if e.p != nil {
				e.p.Close()
			}
		}
		clear(early)
	})
	return planner.ProvidersFunc(func(ctx context.Context, addr config.Provider) (planner.Provider, error) {
		mu.Lock()
		e := early[addr]
		delete(early, addr)
		mu.Unlock()
		if e != nil {
			select {
			case <-e.ready:
				if e.err == nil {
					return e.p, nil
				}
			case <-ctx.Done():
				mu.Lock()
				early[addr] = e // stopped at the end
				mu.Unlock()
				return nil, context.Cause(ctx)
			}
		}
		p, err := l.Start(ctx, addr)
		if err != nil {
			return nil, err
		}
		return p, nil
	}), nil
}

// earlyProvider is a provider process providersEarly started.
type earlyProvider struct {
	ready chan struct{}
	p     *plugin.Provider
	err   error
}

// launcher returns what starts the workspace's providers; installed says
// whether it must find providers that are not built in (which reads the CLI
// configuration and the lock file).
func (w *workspace) launcher(installed bool) (*launch.Launcher, error) {
	l := &launch.Launcher{Dir: w.dir, Logger: w.logger, Warn: func(s string) { fmt.Fprintf(w.a.stderr, "Warning: %s\n", s) }}
	if dir, err := os.UserCacheDir(); err == nil {
		l.Cache = &plugin.SchemaCache{Dir: filepath.Join(dir, "indigo", "schemas")}
		l.GC = &plugin.GCNotes{Dir: filepath.Join(dir, "indigo", "gc")}
	}
	l.Answers = w.answerCache()
	if installed {
		env := install.DefaultCLIEnv()
		cliCfg, diags := install.LoadCLIConfig(env)
		if diags.HasErrors() {
			w.diags(diags)
			return nil, exitCode(1)
		}
		locks, _, ld := install.ReadLocks(w.dir)
		if ld.HasErrors() {
			w.diags(ld)
			return nil, exitCode(1)
		}
		inst := install.NewInstaller(cliCfg, env, w.dir)
		inst.Dir = filepath.Join(dataDir(w.dir), "providers")
		inst.Logger = w.logger
		l.Finder, l.Locks = inst, locks
	}
	return l, nil
}

// needsInstalled reports whether the configuration uses any provider that
// is not built in.
func needsInstalled(cfg *config.Config) bool {
	reqs, _ := requirements(cfg)
	for p := range reqs {
		if !config.Provider(p).IsBuiltin() {
			return true
		}
	}
	return false
}

// requirements lists the providers the configuration needs, with their
// version constraints, from required_providers and from the resources and
// provider blocks of every module. A constraint that does not parse is an
// error at its place in the configuration (loadWorkspace and validate
// report them), never silently dropped.
func requirements(cfg *config.Config) (install.Requirements, hcl.Diagnostics) {
	reqs := install.Requirements{}
	var diags hcl.Diagnostics
	cfg.Walk(func(c *config.Config) {
		mr, d := moduleRequirements(c.Module)
		diags = append(diags, d...)
		for p, vc := range mr {
			reqs.Add(p, vc)
		}
	})
	return reqs, diags
}

// moduleRequirements is what one module requires of providers: its
// required_providers, provider blocks, resources, sites and import
// blocks.
func moduleRequirements(m *config.Module) (install.Requirements, hcl.Diagnostics) {
	reqs := install.Requirements{}
	var diags hcl.Diagnostics
	add := func(p config.Provider, vc config.VersionConstraint) {
		c, err := install.ParseConstraints(vc.Required)
		if err != nil {
			diags = append(diags, invalidConstraint(err, vc, `">= 1.2, < 2.0" or "~> 1.2"`))
		}
		reqs.Add(install.Provider(p), c)
	}
	for _, rp := range m.Settings.RequiredProviders {
		add(rp.Provider, rp.Requirement)
	}
	for _, pc := range m.ProviderConfigs {
		add(m.ProviderFor(pc.Name), pc.Version)
	}
	for _, r := range m.ManagedResources {
		add(r.Provider, config.VersionConstraint{})
	}
	for _, r := range m.DataResources {
		add(r.Provider, config.VersionConstraint{})
	}
	for _, s := range m.Sites {
		add(m.ProviderFor(s.Provider.LocalName), config.VersionConstraint{})
	}
	// An import block needs its provider even before the resource block
	// exists (plan -generate-config-out writes it).
	for _, im := range m.Imports {
		if _, ra, d := im.To.Resource(); !d.HasErrors() {
			local := ra.ImpliedProvider()
			if im.ProviderRef != nil {
				local = im.ProviderRef.LocalName
			}
			add(m.ProviderFor(local), config.VersionConstraint{})
		}
	}
	return reqs, diags
}

// checkRequiredVersion checks the required_version of every indigo block
// against this indigo's version (its release part: a development build of
// 0.2.0 counts as 0.2.0). A build from an untagged commit (go build stamps
// it v0.0.0-DATE-COMMIT) has no release to compare, so only the syntax of
// the constraints is checked. required_version in a terraform block speaks
// of Terraform and is not checked.
func checkRequiredVersion(cfg *config.Config) hcl.Diagnostics {
	current := indigoVersion()
	release := strings.TrimPrefix(current, "v")
	if i := strings.IndexAny(release, "-+"); i >= 0 {
		release = release[:i]
	}
	v, verr := install.ParseVersion(release)
	if release == "0.0.0" {
		verr = errors.New("untagged build")
	}
	var diags hcl.Diagnostics
	cfg.Walk(func(c *config.Config) {
		for _, vc := range c.Module.Settings.RequiredVersion {
			cons, err := install.ParseConstraints(vc.Required)
			switch {
			case err != nil:
				diags = append(diags, invalidConstraint(err, vc, `">= 0.1" or "~> 0.1"`))
			case verr == nil && !cons.Allows(v):
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Unsupported indigo version",
					Detail:   fmt.Sprintf("This configuration needs indigo %s; this is indigo %s. Use an indigo that satisfies the constraint, or change required_version if the configuration works with this one.", cons, current),
					Subject:  vc.Range.Ptr(),
				})
			}
		}
	})
	return diags
}

// invalidConstraint is the error for a version constraint that does not
// parse, with examples of what to write.
func invalidConstraint(err error, vc config.VersionConstraint, examples string) *hcl.Diagnostic {
	// err reads "invalid version constraint ...": make it a sentence.
	msg := err.Error()
	msg = strings.ToUpper(msg[:1]) + msg[1:]
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "?") {
		msg += "."
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid version constraint",
		Detail:   msg + " Write constraints such as " + examples + ".",
		Subject:  vc.Range.Ptr(),
	}
}

// varFlags are the flags that set root variables.
type varFlags struct {
	vars     []string
	varFiles []string
}

func (f *varFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.vars, "var", nil, "set a root variable: -var 'NAME=VALUE' (repeatable)")
	cmd.Flags().StringArrayVar(&f.varFiles, "var-file", nil, "read root variables from a file (repeatable)")
}

// variables collects root variable values in Terraform's order of
// precedence, later ones winning: TF_VAR_ then INDIGO_VAR_ environment
// variables, terraform.tfvars, *.auto.tfvars, the -var-file files in the
// order given, then the -var values in the order given.
func (w *workspace) variables(f *varFlags) (map[string]cty.Value, map[string]hcl.Range, error) {
	vals := map[string]cty.Value{}
	ranges := map[string]hcl.Range{}
	decls := w.res.Config.Module.Variables
	primitive := func(name string) bool {
		v := decls[name]
		return v == nil || v.Type.IsPrimitiveType() || v.Type == cty.DynamicPseudoType
	}
	var diags hcl.Diagnostics
	env := os.Environ()
	sort.Strings(env)
	for _, prefix := range []string{"TF_VAR_", "INDIGO_VAR_"} {
		for _, kv := range env {
			if !strings.HasPrefix(kv, prefix) {
				continue
			}
			name, value, _ := strings.Cut(strings.TrimPrefix(kv, prefix), "=")
			if decls[name] == nil {
				continue
			}
			n, v, d := hcllang.ParseVarFlag(name+"="+value, primitive)
			if d.HasErrors() {
				diags = append(diags, d...)
				continue
			}
			v.Range.Filename = "<environment variable " + prefix + name + ">"
			vals[n], ranges[n] = v.Value, v.Range
		}
	}
	l := w.res.Loader
	readFile := func(path string) {
		got, d := l.LoadVarFile(path)
		diags = append(diags, d...)
		for name, v := range got {
			vals[name], ranges[name] = v.Value, v.Range
		}
	}
	if w.res.Template == "" {
		for _, path := range hcllang.AutoVarFiles(w.dir) {
			readFile(path)
		}
	}
	// -var-file and -var apply in the order given.
	for _, path := range f.varFiles {
		readFile(path)
	}
	for _, raw := range f.vars {
		n, v, d := hcllang.ParseVarFlag(raw, primitive)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		if decls[n] == nil {
			// On the command line this is surely a mistake (Terraform
			// refuses it too); in a shared variables file it may not be.
			var names []string
			for name := range decls {
				names = append(names, name)
			}
			sort.Strings(names)
			detail := fmt.Sprintf("-var sets %q, but the configuration declares no variable of that name.", n)
			if len(names) > 0 {
				detail += " Its variables are: " + strings.Join(names, ", ") + "."
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Value for undeclared variable", Detail: detail})
			continue
		}
		vals[n], ranges[n] = v.Value, v.Range
	}
	w.src = view.NewSources(l.Files())
	if wd, err := os.Getwd(); err == nil {
		w.src.BaseDir = wd
	}
	if diags.HasErrors() {
		w.diags(diags)
		return nil, nil, exitCode(1)
	}
	return vals, ranges, nil
}
