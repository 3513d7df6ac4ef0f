// Command corpus loads every TOSCA template of the shared corpus and prints
// a table: file, whether it loaded, and its first error. It is what
// `make corpus` runs:
//
//	go run ./lang/tosca/cmd/corpus [-dir ../shared/corpus/tosca/templates] [-v]
//
// It exits 1 when a template fails with a panic or an unlocated error.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/indigo-cloud/indigo/lang/tosca"
)

func main() { os.Exit(run()) }

func run() int {
	dir := flag.String("dir", "../shared/corpus/tosca/templates", "the corpus templates folder")
	verbose := flag.Bool("v", false, "print every diagnostic, warnings included")
	flag.Parse()
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
	start := time.Now()
	for _, f := range files {
		_, diags := tosca.Load(f, tosca.Options{})
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
	}
	fmt.Printf("\n%d templates: %d loaded, %d failed with located errors, %d unlocated diagnostics (%s)\n", len(files), loaded, failed, bad, time.Since(start).Round(time.Millisecond))
	if bad > 0 {
		return 1
	}
	return 0
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
