// Command corpus loads every TOSCA template of the shared corpus and prints
// a table: file, whether it loaded, and its first error; then, for each
// template that loads and needs no input, whether it plans on a site of
// each kind that binds components (see plan). It is what `make corpus`
// runs:
//
//	go run ./lang/tosca/cmd/corpus [-dir ../shared/corpus/tosca/templates] [-v]
//
// It exits 1 when a template fails with a panic or an unlocated error.
package main

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/binding"
	"github.com/indigo-cloud/indigo/lang/tosca"
)

func main() { os.Exit(run()) }

func run() int {
	dir := flag.String("dir", defaultDir, "the corpus templates folder (default: shared/corpus/tosca/templates beside the nearest ancestor that has it)")
	verbose := flag.Bool("v", false, "print every diagnostic, warnings included")
	flag.Parse()
	if _, err := os.Stat(*dir); err != nil && *dir == defaultDir {
		*dir = findCorpus()
	}
	var files []string
	err := filepath.WalkDir(*dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "corpus: %v\n", err)
		return 2
	}
	sort.Strings(files)
	loaded, failed, bad := 0, 0, 0
	var kinds []*binding.Kind
	for _, k := range binding.Kinds() {
		if len(k.Rules) > 0 {
			kinds = append(kinds, k)
		}
	}
	plannable, needInput := 0, 0
	plans := map[string]int{}
	reasons := map[string]map[string]int{}
	start := time.Now()
	for _, f := range files {
		m, diags := tosca.Load(f, tosca.Options{})
		rel, _ := filepath.Rel(*dir, f)
		status, first := "loaded", ""
		for _, d := range diags {
			if d.Subject == nil || d.Subject.Filename == "" || d.Subject.Start.Line == 0 {
				bad++
				status = "UNLOCATED"
			}
		}
		if diags.HasErrors() {
			failed++
			if status == "loaded" {
				status = "error"
			}
			first = render(diags[0])
		} else {
			loaded++
			if len(diags) > 0 {
				first = fmt.Sprintf("%d warning(s), first: %s", len(diags), render(diags[0]))
			}
		}
		fmt.Printf("%-58s %-7s %s\n", rel, status, first)
		if *verbose {
			for _, d := range diags {
				fmt.Printf("    %s\n", render(d))
			}
		}
		if diags.HasErrors() || m == nil {
			continue
		}
		if in := needsInput(m); in != "" {
			needInput++
			fmt.Printf("    plan: needs input %s\n", in)
			continue
		}
		plannable++
		for _, k := range kinds {
			pd := plan(m, corpusSite(k))
			if !pd.HasErrors() {
				plans[k.Name]++
				fmt.Printf("    plan %-10s ok\n", k.Name)
				continue
			}
			var firstErr *hcl.Diagnostic
			for _, d := range pd {
				if d.Severity == hcl.DiagError {
					firstErr = d
					break
				}
			}
			if reasons[k.Name] == nil {
				reasons[k.Name] = map[string]int{}
			}
			reasons[k.Name][reason(firstErr)]++
			fmt.Printf("    plan %-10s %s\n", k.Name, render(firstErr))
			if *verbose {
				for _, d := range pd {
					fmt.Printf("        %s\n", render(d))
				}
			}
		}
	}
	for _, k := range kinds {
		if len(reasons[k.Name]) == 0 {
			continue
		}
		fmt.Printf("\nwhy templates do not plan on %s (first error, most common first):\n", k.Name)
		keys := slices.Collect(maps.Keys(reasons[k.Name]))
		sort.Slice(keys, func(i, j int) bool {
			a, b := reasons[k.Name][keys[i]], reasons[k.Name][keys[j]]
			return a > b || a == b && keys[i] < keys[j]
		})
		for _, r := range keys {
			fmt.Printf("  %3d  %s\n", reasons[k.Name][r], r)
		}
	}
	fmt.Printf("\n%d templates: %d loaded, %d failed with located errors, %d unlocated diagnostics (%s)\n", len(files), loaded, failed, bad, time.Since(start).Round(time.Millisecond))
	var pl []string
	for _, k := range kinds {
		pl = append(pl, fmt.Sprintf("%d on %s", plans[k.Name], k.Name))
	}
	fmt.Printf("%d loaded templates need no input (%d need one); of those, plan: %s\n", plannable, needInput, strings.Join(pl, ", "))
	if bad > 0 {
		return 1
	}
	return 0
}

const defaultDir = "../shared/corpus/tosca/templates"

// findCorpus looks for shared/corpus/tosca/templates beside the working
// directory's nearest ancestor that has it (a worktree is deeper than the
// checkout ../shared is relative to); defaultDir when none has.
func findCorpus() string {
	dir, err := os.Getwd()
	if err != nil {
		return defaultDir
	}
	for {
		c := filepath.Join(dir, "shared", "corpus", "tosca", "templates")
		if _, err := os.Stat(c); err == nil {
			return c
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return defaultDir
		}
		dir = parent
	}
}

func render(d *hcl.Diagnostic) string {
	where := "?"
	if d.Subject != nil {
		where = fmt.Sprintf("%s:%d:%d", filepath.Base(d.Subject.Filename), d.Subject.Start.Line, d.Subject.Start.Column)
	}
	sev := "error"
	if d.Severity == hcl.DiagWarning {
		sev = "warning"
	}
	return fmt.Sprintf("%s: %s: %s: %s", where, sev, d.Summary, d.Detail)
}

// reason is a diagnostic less what names one template's components, so
// that the summary groups templates failing for the same cause.
func reason(d *hcl.Diagnostic) string {
	if m := noBinding.FindStringSubmatch(d.Detail); m != nil {
		return d.Summary + ": " + m[1]
	}
	return d.Summary + ": " + d.Detail
}

var noBinding = regexp.MustCompile(`is an? (\S+), which has no binding`)
