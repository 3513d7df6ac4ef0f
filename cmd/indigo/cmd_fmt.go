package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/spf13/cobra"

	"github.com/indigo-cloud/indigo/cmd/indigo/view"
)

type fmtOptions struct {
	list, write, diff, check, recursive bool
}

func (a *app) fmtCommand() *cobra.Command {
	var o fmtOptions
	cmd := &cobra.Command{
		Use:   "fmt [flags] [TARGET...]",
		Short: "Rewrite configuration files in the canonical format",
		Long: `Fmt rewrites *.hcl, *.tf and variable files (*.tfvars) in the canonical layout:
indentation, alignment of equals signs, spacing. It only changes whitespace,
never meaning, and formatting a formatted file changes nothing.

TARGET is a directory (default: the current one), a file, or - to format
standard input to standard output. JSON files are left alone.

Exit status: 0 on success; 1 on errors (a file that does not parse is not
touched); 3 with -check when some file is not formatted.`,
		Example: `  indigo fmt
  indigo fmt -recursive
  indigo fmt -check -diff          # in CI: fail and show what is off
  indigo fmt -write=false main.hcl # print nothing, list what would change
  cat main.hcl | indigo fmt -`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"."}
			}
			if o.check {
				o.write = false
			}
			return a.runFmt(args, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.list, "list", true, "list the files whose formatting differs")
	f.BoolVar(&o.write, "write", true, "write the result to the source files")
	f.BoolVar(&o.diff, "diff", false, "show the changes as a unified diff")
	f.BoolVar(&o.check, "check", false, "only check: exit with status 3 when some file is not formatted (implies -write=false)")
	f.BoolVar(&o.recursive, "recursive", false, "also process subdirectories")
	return cmd
}

func (a *app) runFmt(targets []string, o fmtOptions) error {
	var files []string
	for _, t := range targets {
		if t == "-" {
			src, err := io.ReadAll(a.stdin)
			if err != nil {
				return fmt.Errorf("reading standard input: %w", err)
			}
			out, diags := formatSource(src, "<stdin>")
			if diags.HasErrors() {
				view.Diagnostics(a.stderr, diags, nil)
				return exitCode(1)
			}
			if o.check && !bytes.Equal(src, out) {
				return exitCode(3)
			}
			if o.diff {
				fmt.Fprint(a.stdout, view.UnifiedDiff("<stdin>", "<stdin>", string(src), string(out)))
			} else if !o.check {
				a.stdout.Write(out)
			}
			continue
		}
		found, err := fmtTargets(t, o.recursive)
		if err != nil {
			return &exitError{code: 1, msg: err.Error()}
		}
		files = append(files, found...)
	}
	unformatted := false
	failed := false
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintf(a.stderr, "Error: reading %s: %s\n", path, err)
			failed = true
			continue
		}
		out, diags := formatSource(src, path)
		if diags.HasErrors() {
			view.Diagnostics(a.stderr, diags, view.NewSources(map[string]*hcl.File{path: {Bytes: src}}))
			failed = true
			continue
		}
		if bytes.Equal(src, out) {
			continue
		}
		unformatted = true
		if o.list {
			fmt.Fprintln(a.stdout, path)
		}
		if o.diff {
			fmt.Fprint(a.stdout, view.UnifiedDiff("old/"+filepath.ToSlash(path), "new/"+filepath.ToSlash(path), string(src), string(out)))
		}
		if o.write {
			if err := writeFileKeepMode(path, out); err != nil {
				fmt.Fprintf(a.stderr, "Error: writing %s: %s\n", path, err)
				failed = true
			}
		}
	}
	if failed {
		return exitCode(1)
	}
	if o.check && unformatted {
		return exitCode(3)
	}
	return nil
}

// formatSource checks that src parses and returns it in canonical format.
func formatSource(src []byte, name string) ([]byte, hcl.Diagnostics) {
	_, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	return hclwrite.Format(src), nil
}

// fmtTargets lists the files to format under target.
func fmtTargets(target string, recursive bool) ([]string, error) {
	st, err := os.Stat(target)
	if err != nil {
		return nil, fmt.Errorf("no file or directory at %s", target)
	}
	if !st.IsDir() {
		if !isFormattable(filepath.Base(target)) {
			return nil, fmt.Errorf("%s is not an HCL file: indigo fmt formats *.hcl, *.tf and *.tfvars files", target)
		}
		return []string{target}, nil
	}
	var out []string
	err = filepath.WalkDir(target, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != target && (!recursive || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if isFormattable(d.Name()) {
			out = append(out, path)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

func isFormattable(name string) bool {
	if strings.HasPrefix(name, ".") {
		return false
	}
	for _, ext := range []string{".hcl", ".tf", ".tfvars"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// writeFileKeepMode replaces path's content atomically, keeping its mode.
func writeFileKeepMode(path string, data []byte) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".fmt-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(st.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
