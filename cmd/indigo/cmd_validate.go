package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/spf13/cobra"

	"github.com/indigo-cloud/indigo/cmd/indigo/view"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/lang/load"
	"github.com/indigo-cloud/indigo/planner"
)

func (a *app) validateCommand() *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "validate [flags] [DIR | TEMPLATE.yaml]",
		Short: "Check that a configuration is valid",
		Long: `Validate checks a configuration without touching any site: the shape of every
block, references to undeclared objects, types, function calls, count and
for_each values, module arguments, placements and policies. It reports every
problem at once, each with its file, line and column. After init, resource
and data blocks are checked against their providers' schemas as plan checks
them: unknown resource types and arguments (with a did-you-mean), missing
required arguments, type errors; provider blocks against the providers'
configuration schemas; and calls of providers' functions: unknown functions,
the number and types of arguments.

DIR defaults to the current directory. A TOSCA template (*.yaml) is checked as
a deployment of its own. Root module variables are unknown while validating,
as in terraform validate: the configuration must be valid for any value.

Exit status: 0 when valid (warnings allowed), 1 when there are errors.`,
		Example: `  indigo validate
  indigo validate examples/quickstart
  indigo validate -json . | jq '.diagnostics[] | .summary'
  indigo validate templates/galaxy.yaml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := "."
			if len(args) == 1 {
				path = args[0]
			}
			schemas := a.prestartSchemas(cmd.Context(), path)
			defer schemas.close()
			res, diags := load.Path(path, load.Options{ModulesDir: modulesDir(path)})
			if res.Config != nil && !hasBlockingErrors(diags) {
				opts := eval.ValidateOptions{Catalogue: planner.CatalogueUnfit}
				if !a.validateSchemas(schemas, path, res) {
					schemas = nil
				} else {
					opts.Schemas, opts.Functions, opts.ProviderSchemas = schemas.resource, schemas.function, schemas.provider
				}
				diags = append(diags, eval.Validate(res.Config, opts)...)
				if schemas != nil {
					diags = append(diags, schemas.wait()...)
				}
				_, rd := requirements(res.Config)
				diags = append(diags, rd...)
				diags = append(diags, checkRequiredVersion(res.Config)...)
			}
			files := res.Files
			if !a.tf.noTests {
				var td hcl.Diagnostics
				files, td = validateTestFiles(validateDir(path), a.tf.testDir, res.Files)
				diags = append(diags, td...)
			}
			view.Sort(diags)
			src := view.NewSources(files)
			if wd, err := os.Getwd(); err == nil {
				src.BaseDir = wd
			}
			if jsonOut {
				if err := view.WriteValidateJSON(a.stdout, diags, src); err != nil {
					return err
				}
			} else {
				view.Diagnostics(a.stderr, diags, src)
				if !diags.HasErrors() {
					if len(diags) > 0 {
						fmt.Fprintln(a.stdout)
					}
					// A blank line under it, as Terraform writes it.
					fmt.Fprintf(a.stdout, "Success! The configuration is valid%s.\n\n", warningSuffix(diags))
				}
			}
			if diags.HasErrors() {
				return exitCode(1)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the result as JSON (format documented in docs/json.md)")
	return cmd
}

// validateTestFiles parses the test files of the configuration in dir and
// returns their problems, with the files added to the sources shown.
func validateTestFiles(dir, testDir string, files map[string]*hcl.File) (map[string]*hcl.File, hcl.Diagnostics) {
	if testDir == "" {
		testDir = "tests"
	}
	names, err := findTestFiles(dir, testDir)
	if err != nil || len(names) == 0 {
		return files, nil
	}
	all := make(map[string]*hcl.File, len(files)+len(names))
	for k, v := range files {
		all[k] = v
	}
	p := hclparse.NewParser()
	var diags hcl.Diagnostics
	for _, name := range names {
		tf, d := parseTestFile(p, dir, name)
		diags = append(diags, d...)
		if tf != nil {
			all[filepath.Join(dir, name)] = tf.file
		}
	}
	return all, diags
}

// validateDir is the directory of the configuration at path (a directory,
// or a TOSCA template in it).
func validateDir(path string) string {
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		return filepath.Dir(path)
	}
	return path
}

// prestartSchemas returns the source of provider schemas for validate and
// starts the providers the lock file names while the configuration loads.
func (a *app) prestartSchemas(ctx context.Context, path string) *schemaSource {
	if ctx == nil {
		ctx = context.Background()
	}
	s := newSchemaSource(ctx)
	s.logger = newLogger(a)
	w := a.quietWorkspace(path, nil, s.logger)
	if l, err := w.launcher(true); err == nil {
		s.prestart(l)
	}
	return s
}

// quietWorkspace is the workspace validate starts providers in; what it
// would print (a CLI configuration or lock file that cannot be read) the
// load reports.
func (a *app) quietWorkspace(path string, res *load.Result, logger hclog.Logger) *workspace {
	quiet := *a
	quiet.stderr = io.Discard
	return &workspace{a: &quiet, dir: validateDir(path), res: res, logger: logger}
}

// validateSchemas makes s start the providers of the configuration, as far
// as they are installed; false when the CLI configuration or the lock file
// cannot be read (loading reports those).
func (a *app) validateSchemas(s *schemaSource, path string, res *load.Result) bool {
	provs, err := a.quietWorkspace(path, res, s.logger).providers()
	if err != nil {
		return false
	}
	s.use(provs)
	return true
}

// hasBlockingErrors reports errors that make evaluating the configuration
// pointless: files that did not parse. Structural errors in one block do
// not stop the evaluation of the others.
func hasBlockingErrors(diags hcl.Diagnostics) bool {
	for _, d := range diags {
		if d.Severity == hcl.DiagError && (d.Summary == "No configuration files" || d.Summary == "Configuration not found" || d.Summary == "Not a configuration directory or template" || d.Summary == "Cannot read configuration directory") {
			return true
		}
	}
	return false
}

func warningSuffix(diags hcl.Diagnostics) string {
	n := 0
	for _, d := range diags {
		if d.Severity == hcl.DiagWarning {
			n++
		}
	}
	switch n {
	case 0:
		return ""
	case 1:
		return ", with 1 warning"
	}
	return fmt.Sprintf(", with %d warnings", n)
}
