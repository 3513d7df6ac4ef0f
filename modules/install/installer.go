package install

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/config"
	hcllang "github.com/indigo-cloud/indigo/lang/hcl"
	"github.com/indigo-cloud/indigo/lang/modsrc"
	provinstall "github.com/indigo-cloud/indigo/providers/install"
)

// Installer installs modules into Dir.
type Installer struct {
	// Dir is the modules directory (.indigo/modules); modules.json is
	// written there.
	Dir string
	// Client makes the HTTP requests; nil is a client with a timeout.
	Client *http.Client
	// Services overrides service discovery by hostname (the CLI
	// configuration's host blocks): hostname → service ID → URL.
	Services map[string]map[string]string
	// Credentials are registry tokens by hostname (with ":port" when the
	// port is not 443): credentials blocks and TF_TOKEN_<host>.
	Credentials map[string]provinstall.Token
	// Getenv reads the environment (AWS_* for S3); nil is os.Getenv.
	Getenv func(string) string
	// Git is the git binary; "" finds "git" on PATH.
	Git string
	// Progress, when set, is told of each module as it is installed.
	Progress func(string)
}

// Options tune one Install.
type Options struct {
	// Upgrade re-resolves every module: the newest registry version the
	// constraints allow, the current commit of a git ref, a fresh copy of
	// archives. Without it, a module the manifest records with the same
	// source (and a version still allowed) is kept as it is, offline.
	Upgrade bool
}

// New returns an Installer for the modules directory dir, with the
// registry hosts and credentials of the CLI configuration.
func New(dir string, cli *provinstall.CLIConfig) *Installer {
	in := &Installer{Dir: dir}
	if cli != nil {
		in.Services = cli.Services
		in.Credentials = cli.Credentials
	}
	return in
}

// Result is what one Install did.
type Result struct {
	Manifest *modsrc.Manifest
	// Files are the configuration files read, for diagnostic snippets.
	Files map[string]*hcl.File
	// CallsModules says the root module calls modules (from anywhere).
	CallsModules bool
}

// Install installs every non-local module that the configuration in root
// calls, directly or through other modules, and writes the manifest. It
// returns the manifest and the problems, each located at a module call's
// source.
func (in *Installer) Install(ctx context.Context, root string, opts Options) (*Result, hcl.Diagnostics) {
	old, err := modsrc.ReadManifest(in.Dir)
	if err != nil {
		return &Result{}, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read the module manifest", Detail: err.Error()}}
	}
	if err := os.MkdirAll(in.Dir, 0o755); err != nil {
		return &Result{}, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot create the modules directory", Detail: err.Error()}}
	}
	run := &run{in: in, ctx: ctx, opts: opts, old: old, now: &modsrc.Manifest{}, pkgs: map[string]string{}}
	l := hcllang.NewLoader()
	l.Modules = run.module
	cfg, _ := l.LoadDir(root) // the configuration's own errors are the loader's to report later
	calls := cfg != nil && cfg.Module != nil && len(cfg.Module.ModuleCalls) > 0
	failed := run.diags.HasErrors()
	if failed {
		// Modules installed now are recorded as they are; those that
		// failed keep their previous copy and record.
		for _, rec := range old.Modules {
			if run.now.Record(rec.Key) == nil {
				run.now.Modules = append(run.now.Modules, rec)
			}
		}
	}
	if err := run.now.Write(in.Dir); err != nil {
		run.diags = append(run.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot write the module manifest", Detail: err.Error()})
	} else if !failed {
		run.removeStale()
	}
	return &Result{Manifest: run.now, Files: l.Files(), CallsModules: calls}, run.diags
}

// run is one Install.
type run struct {
	in    *Installer
	ctx   context.Context
	opts  Options
	old   *modsrc.Manifest
	now   *modsrc.Manifest
	diags hcl.Diagnostics
	// pkgs are the packages fetched in this run, by modsrc.Source.Package
	// (and version): the directory holding each.
	pkgs map[string]string
}

// module answers the loader for one call: it installs the module (or
// keeps the recorded copy) and returns its directory.
func (r *run) module(key string, call *config.ModuleCall) (string, hcl.Diagnostics) {
	fail := func(summary, detail string) (string, hcl.Diagnostics) {
		d := hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: call.SourceRange.Ptr()}}
		r.diags = append(r.diags, d...)
		return "", d
	}
	src, err := modsrc.Parse(call.SourceAddr)
	if err != nil {
		return fail("Invalid module source", sentence(err.Error()))
	}
	if src.Kind != modsrc.Registry && call.Version.Required != "" {
		return fail("Version on a module that is not from a registry",
			fmt.Sprintf("Module %q comes from a %s; only registry modules have versions. Remove the version argument, and pin a git source with ?ref=.", key, src.Kind))
	}
	var cons provinstall.Constraints
	if call.Version.Required != "" {
		if cons, err = provinstall.ParseConstraints(call.Version.Required); err != nil {
			d := hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid module version constraint", Detail: err.Error() + ".", Subject: call.Version.Range.Ptr()}}
			r.diags = append(r.diags, d...)
			return "", d
		}
	}
	if rec := r.old.Record(key); rec != nil && !r.opts.Upgrade && rec.Source == call.SourceAddr && r.versionAllowed(rec.Version, cons) {
		dir := r.abs(rec.Dir)
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			r.now.Modules = append(r.now.Modules, *rec)
			return dir, nil
		}
	}
	r.progress(fmt.Sprintf("- %s in %s", key, call.SourceAddr))
	dir, version, err := r.fetch(key, src, cons)
	if err != nil {
		return fail(fmt.Sprintf("Cannot install module %q", key), sentence(err.Error()))
	}
	rel, rerr := filepath.Rel(r.in.Dir, dir)
	if rerr != nil || strings.HasPrefix(rel, "..") {
		rel = dir
	}
	r.now.Modules = append(r.now.Modules, modsrc.Record{Key: key, Source: call.SourceAddr, Version: version, Dir: filepath.ToSlash(rel)})
	return dir, nil
}

func (r *run) versionAllowed(v string, cons provinstall.Constraints) bool {
	if cons.IsZero() {
		return true
	}
	pv, err := provinstall.ParseVersion(v)
	return err == nil && cons.Allows(pv)
}

func (r *run) abs(dir string) string {
	if filepath.IsAbs(dir) {
		return dir
	}
	return filepath.Join(r.in.Dir, filepath.FromSlash(dir))
}

func (r *run) progress(s string) {
	if r.in.Progress != nil {
		r.in.Progress(s)
	}
}

// fetch downloads the package of src into a directory of its own, named
// after key, and returns the module's directory inside it (the subdir)
// and the version a registry chose.
func (r *run) fetch(key string, src modsrc.Source, cons provinstall.Constraints) (dir, version string, err error) {
	subdir := src.Subdir
	if src.Kind == modsrc.Registry {
		loc, v, err := r.registryLocation(src, cons)
		if err != nil {
			return "", "", err
		}
		version = v.String()
		if subdir != "" {
			loc.Subdir = filepath.ToSlash(filepath.Join(loc.Subdir, subdir))
		}
		src = loc
		subdir = src.Subdir
	}
	pkgKey := src.Package() + "?" + src.Ref + "?" + src.Checksum
	pkgDir, ok := r.pkgs[pkgKey]
	if !ok {
		pkgDir = filepath.Join(r.in.Dir, key)
		if err := r.fetchPackage(src, pkgDir); err != nil {
			return "", "", err
		}
		r.pkgs[pkgKey] = pkgDir
	}
	dir = pkgDir
	if subdir != "" {
		dir = filepath.Join(pkgDir, filepath.FromSlash(subdir))
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return "", "", fmt.Errorf("%s holds no directory %q. Check the part after // in the source", src.Package(), subdir)
		}
	}
	return dir, version, nil
}

// fetchPackage downloads src (not a registry source) into dest, replacing
// what dest held only once the download succeeded.
func (r *run) fetchPackage(src modsrc.Source, dest string) error {
	tmp, err := os.MkdirTemp(r.in.Dir, ".download-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	stage := filepath.Join(tmp, "pkg")
	switch src.Kind {
	case modsrc.Git:
		err = r.fetchGit(src, stage)
	case modsrc.HTTP:
		err = r.fetchHTTP(src, stage, 0)
	case modsrc.S3:
		err = r.fetchS3(src, stage)
	default:
		err = fmt.Errorf("a %s cannot be downloaded", src.Kind)
	}
	if err != nil {
		return err
	}
	if err := os.RemoveAll(dest); err != nil {
		return err
	}
	return os.Rename(stage, dest)
}

// removeStale deletes the copies of module calls the configuration no
// longer makes.
func (r *run) removeStale() {
	keep := map[string]bool{}
	for _, m := range r.now.Modules {
		top, _, _ := strings.Cut(filepath.ToSlash(m.Dir), "/")
		keep[top] = true
	}
	entries, _ := os.ReadDir(r.in.Dir)
	for _, e := range entries {
		if e.IsDir() && !keep[e.Name()] && !strings.HasPrefix(e.Name(), ".") {
			os.RemoveAll(filepath.Join(r.in.Dir, e.Name()))
		}
	}
}

func (in *Installer) client() *http.Client {
	if in.Client != nil {
		return in.Client
	}
	return &http.Client{Timeout: 5 * time.Minute}
}

func (in *Installer) getenv(k string) string {
	if in.Getenv != nil {
		return in.Getenv(k)
	}
	return os.Getenv(k)
}

// sentence makes an error message a sentence: a capital first letter and
// a full stop.
func sentence(s string) string {
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// FromModuleKey is the directory under Dir that Fetch downloads into.
const FromModuleKey = ".from-module"

// Fetch downloads the module at source (any kind but a local directory;
// a registry source takes its newest version) into Dir/.from-module and
// returns the module's directory there, for init -from-module. The caller
// removes Dir/.from-module when done.
func (in *Installer) Fetch(ctx context.Context, source string) (string, error) {
	src, err := modsrc.Parse(source)
	if err != nil {
		return "", err
	}
	if src.Kind == modsrc.Local {
		return "", fmt.Errorf("%s is a local path, and no directory is there", source)
	}
	if err := os.MkdirAll(in.Dir, 0o755); err != nil {
		return "", err
	}
	r := &run{in: in, ctx: ctx, pkgs: map[string]string{}}
	dir, _, err := r.fetch(FromModuleKey, src, provinstall.Constraints{})
	return dir, err
}
