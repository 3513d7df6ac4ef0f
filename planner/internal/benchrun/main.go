// Command benchrun measures the engine end to end, as `make bench` prints
// it: for N no-op resources, independent or chained (each depending on the
// previous), the wall time of the first apply, of a plan with nothing to do
// and of a destroy, the peak RSS of the indigo process, and the size of the
// state file.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	indigo := flag.String("indigo", "bin/indigo", "the indigo binary to measure")
	sizes := flag.String("n", "1000,10000", "resource counts")
	shapes := flag.String("shape", "independent,chained", "configuration shapes")
	flag.Parse()
	bin, err := filepath.Abs(*indigo)
	if err != nil {
		fail(err)
	}
	fmt.Printf("%-8s %-12s %10s %12s %10s %12s %12s\n", "N", "shape", "apply", "no-change", "destroy", "peak RSS", "state size")
	for _, s := range strings.Split(*sizes, ",") {
		var n int
		fmt.Sscan(s, &n)
		for _, shape := range strings.Split(*shapes, ",") {
			if shape != "independent" && shape != "chained" {
				fail(fmt.Errorf("unknown shape %q: want independent or chained", shape))
			}
			row, err := measure(bin, n, shape)
			if err != nil {
				fail(fmt.Errorf("N=%d %s: %w", n, shape, err))
			}
			fmt.Println(row)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchrun:", err)
	os.Exit(1)
}

func config(n int, shape string) string {
	var b strings.Builder
	b.WriteString("provider \"indigo\" {\n  root = \"site\"\n}\n\n")
	if shape == "independent" {
		fmt.Fprintf(&b, "resource \"indigo_noop\" \"r\" {\n  count = %d\n  input = \"r${count.index}\"\n}\n", n)
		return b.String()
	}
	b.WriteString("resource \"indigo_noop\" \"r0\" {\n  input = \"r0\"\n}\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "resource \"indigo_noop\" \"r%d\" {\n  input = indigo_noop.r%d.output\n}\n", i, i-1)
	}
	return b.String()
}

// run runs indigo and returns its wall time and peak RSS in KiB.
func run(bin, dir string, args ...string) (time.Duration, int64, error) {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE=")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	if err != nil {
		tail := string(out)
		if len(tail) > 2000 {
			tail = tail[len(tail)-2000:]
		}
		return took, 0, fmt.Errorf("indigo %s: %v\n%s", strings.Join(args, " "), err, tail)
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss
	}
	return took, rss, nil
}

func measure(bin string, n int, shape string) (string, error) {
	dir, err := os.MkdirTemp("", "indigo-bench-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(config(n, shape)), 0o644); err != nil {
		return "", err
	}
	apply, rss1, err := run(bin, dir, "apply", "-auto-approve", "-parallelism=10")
	if err != nil {
		return "", err
	}
	st, err := os.Stat(filepath.Join(dir, "indigo.state"))
	if err != nil {
		return "", err
	}
	noChange, rss2, err := run(bin, dir, "plan", "-detailed-exitcode")
	if err != nil {
		return "", err
	}
	destroy, rss3, err := run(bin, dir, "destroy", "-auto-approve")
	if err != nil {
		return "", err
	}
	peak := max(rss1, rss2, rss3)
	return fmt.Sprintf("%-8d %-12s %10s %12s %10s %9.1f MiB %9.1f MiB", n, shape,
		apply.Round(time.Millisecond), noChange.Round(time.Millisecond), destroy.Round(time.Millisecond),
		float64(peak)/1024, float64(st.Size())/(1<<20)), nil
}
