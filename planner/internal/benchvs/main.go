// Command benchvs measures indigo side by side with OpenTofu and Terraform,
// as `make bench-vs` prints it: the three tools run in one go on the same
// third-party provider binary (hashicorp/local, installed by each tool's
// init from one filesystem mirror, so with the same hashes), with the same
// parallelism and the flags a CI pipeline passes (-input=false -no-color),
// each in a fresh working directory.
//
// For N resources (-n, 1,000 by default), independent (count = N) and
// chained (each refers to the previous), it times plan, apply and two plans
// with nothing to do (plan -detailed-exitcode must exit 0), and records
// each tool's peak RSS; it checks that each tool really did the work (the
// first plan exits 2, apply writes N files, the files hold what the
// configuration says). It times the provider alone making the calls
// indigo makes (floor.go), the least any tool making them could take. Then
// it profiles indigo's own CPU on the no-change
// plan of the independent shape (INDIGO_CPUPROFILE) and divides it by the
// number of provider calls, which it counts from the provider's protocol
// log in a separate run, and times `validate` of -validate-n resources
// (10,000 by default) after init.
//
// It is a developer's tool, not part of indigo.
package main

import (
	"bytes"
	"cmp"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/providers/plugin/plugintest"
)

// localVersion is the version the mirror offers hashicorp/local as; the
// binary is built from plugintest's pinned source.
const localVersion = "2.5.3"

// options are the command line.
type options struct {
	n, validateN, parallelism int
	shapes, tools             []string
	keep                      bool
	profile                   bool
	profileTop                int
	floor                     bool
	floorProfile              string
}

func main() {
	indigo := flag.String("indigo", "bin/indigo", "the indigo binary to measure (make build)")
	terraform := flag.String("terraform", "terraform", "the terraform binary (looked up in PATH)")
	tofu := flag.String("tofu", "", "the OpenTofu binary (default: built once from the Go module proxy by internal/testsrv, cached)")
	var o options
	flag.IntVar(&o.n, "n", 1000, "resources per configuration")
	flag.IntVar(&o.validateN, "validate-n", 10000, "resources in the validate measurement (0: skip it)")
	flag.IntVar(&o.parallelism, "parallelism", 10, "-parallelism passed to every tool")
	shapes := flag.String("shape", "independent,chain", "configuration shapes")
	tools := flag.String("tools", "indigo,tofu,terraform", "tools to run, in this order (empty: none, for -floor alone)")
	flag.BoolVar(&o.keep, "keep", false, "keep the working directories (their path is printed)")
	flag.BoolVar(&o.profile, "profile", true, "profile indigo's no-change plan and count provider calls")
	flag.IntVar(&o.profileTop, "profile-top", 25, "profile entries to print")
	flag.BoolVar(&o.floor, "floor", true, "time the provider alone making the calls indigo makes (independent shape)")
	flag.StringVar(&o.floorProfile, "floor-cpuprofile", "", "write the CPU profile of the client making the floor's calls to this file")
	flag.Parse()
	o.shapes = strings.Split(*shapes, ",")
	if *tools != "" {
		// Empty: no tool, only the provider alone (-floor).
		o.tools = strings.Split(*tools, ",")
	}
	for _, s := range o.shapes {
		if s != "independent" && s != "chain" {
			fail(fmt.Errorf("unknown shape %q: want independent or chain", s))
		}
	}
	if o.n < 1 {
		fail(fmt.Errorf("-n %d: want at least 1", o.n))
	}

	logf := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "benchvs: "+format+"\n", args...) }
	var paths = map[string]string{}
	for _, t := range o.tools {
		var p string
		var err error
		switch t {
		case "indigo":
			p, err = filepath.Abs(*indigo)
			if err == nil {
				_, err = os.Stat(p)
			}
		case "tofu":
			p = *tofu
			if p == "" {
				p, err = testsrv.Tofu(logf)
			}
		case "terraform":
			p, err = exec.LookPath(*terraform)
		default:
			err = fmt.Errorf("unknown tool %q: want indigo, tofu or terraform", t)
		}
		if err != nil {
			fail(fmt.Errorf("%s: %w", t, err))
		}
		paths[t] = p
	}
	provider, err := plugintest.Install(plugintest.LocalModule, plugintest.LocalVersion, logf)
	if err != nil {
		fail(err)
	}
	work, err := os.MkdirTemp("", "indigo-benchvs-")
	if err != nil {
		fail(err)
	}
	if o.keep {
		logf("working directories under %s", work)
	} else {
		defer os.RemoveAll(work)
	}
	b := &bench{opts: o, tools: paths, work: work, logf: logf}
	if err := b.run(provider); err != nil {
		if !o.keep {
			os.RemoveAll(work)
		}
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchvs:", err)
	os.Exit(1)
}

// bench is one run of the whole comparison.
type bench struct {
	opts  options
	tools map[string]string // tool name → binary
	work  string
	logf  func(string, ...any)
	// env is what every tool runs with: the mirror, no network, no
	// checkpoint calls, a HOME of its own.
	env []string
}

// row is what one tool measured on one shape.
type row struct {
	// again is a second no-change plan: for indigo, the first one after
	// apply asks the provider to plan each object once more (its prior
	// state is new) and keeps the answers; the second one finds them.
	plan, apply, noChange, again time.Duration
	rss                          int64 // KiB, the tool's own peak
	cpu                          time.Duration
}

func (b *bench) run(provider string) error {
	cli, sum, err := b.mirror(provider)
	if err != nil {
		return err
	}
	home := filepath.Join(b.work, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return err
	}
	b.env = append(cleanEnv(), "TF_CLI_CONFIG_FILE="+cli, "HOME="+home,
		"TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
		// No network: every provider comes from the mirror.
		"HTTPS_PROXY=http://127.0.0.1:1", "HTTP_PROXY=http://127.0.0.1:1", "NO_PROXY=")

	fmt.Printf("Side by side: N=%d, -parallelism=%d, -input=false -no-color, on %s/%s, %d CPUs\n",
		b.opts.n, b.opts.parallelism, runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Printf("provider: hashicorp/local %s from one filesystem mirror (%s@%s, sha256 %s)\n",
		localVersion, plugintest.LocalModule, plugintest.LocalVersion, sum[:16])
	for _, t := range b.opts.tools {
		fmt.Printf("%-10s %s (%s)\n", t+":", b.version(t), b.tools[t])
	}
	fmt.Println(loadLine())
	fmt.Println()

	results := map[string]map[string]row{}
	dirs := map[string]string{}
	for _, shape := range b.opts.shapes {
		results[shape] = map[string]row{}
		for _, t := range b.opts.tools {
			b.logf("%s, %s ...", shape, t)
			dir := filepath.Join(b.work, shape+"-"+t)
			r, err := b.measure(t, dir, shape)
			if err != nil {
				return fmt.Errorf("%s, %s: %w", shape, t, err)
			}
			results[shape][t] = r
			dirs[shape+"-"+t] = dir
		}
	}
	b.printTable(results)
	if b.opts.floor && slices.Contains(b.opts.shapes, "independent") {
		b.logf("independent, the provider alone ...")
		fr, err := b.floor(provider)
		if err != nil {
			return fmt.Errorf("the provider alone: %w", err)
		}
		b.printFloor(fr, results["independent"])
	}

	if b.opts.profile && b.tools["indigo"] != "" && slices.Contains(b.opts.shapes, "independent") {
		if err := b.profile(dirs["independent-indigo"]); err != nil {
			return fmt.Errorf("profiling indigo: %w", err)
		}
	}
	if b.opts.validateN > 0 {
		if err := b.validate(); err != nil {
			return fmt.Errorf("validate: %w", err)
		}
	}
	fmt.Println()
	fmt.Println(loadLine())
	return nil
}

// mirror lays the provider binary out as a filesystem mirror and writes a
// CLI configuration that installs from it only. It returns the
// configuration's path and the binary's sha256.
func (b *bench) mirror(provider string) (cli, sum string, err error) {
	data, err := os.ReadFile(provider)
	if err != nil {
		return "", "", err
	}
	h := sha256.Sum256(data)
	root := filepath.Join(b.work, "mirror")
	pkg := filepath.Join(root, "registry.terraform.io", "hashicorp", "local", localVersion, runtime.GOOS+"_"+runtime.GOARCH)
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(filepath.Join(pkg, "terraform-provider-local_v"+localVersion), data, 0o755); err != nil {
		return "", "", err
	}
	cli = filepath.Join(b.work, "cli.tfrc")
	text := "provider_installation {\n  filesystem_mirror {\n    path    = " + strconv.Quote(root) +
		"\n    include = [\"registry.terraform.io/*/*\"]\n  }\n  direct {\n    exclude = [\"*/*/*\"]\n  }\n}\n"
	if err := os.WriteFile(cli, []byte(text), 0o644); err != nil {
		return "", "", err
	}
	return cli, hex.EncodeToString(h[:]), nil
}

// header names the provider with its registry host: OpenTofu would
// otherwise look for hashicorp/local at registry.opentofu.org.
const header = `terraform {
  required_providers {
    local = {
      source  = "registry.terraform.io/hashicorp/local"
      version = "~> 2.5"
    }
  }
}

`

// config is the configuration of a shape. Every resource writes
// out/rI.txt; in the chain, each file's content names the previous
// resource's id (the SHA-1 of its content, known only after it is
// created), so the tools must follow the references.
func config(n int, shape string) string {
	var s strings.Builder
	s.WriteString(header)
	if shape == "independent" {
		fmt.Fprintf(&s, "resource \"local_file\" \"r\" {\n  count    = %d\n  filename = \"${path.module}/out/r${count.index}.txt\"\n  content  = \"r${count.index}\\n\"\n}\n", n)
		return s.String()
	}
	s.WriteString("resource \"local_file\" \"r0\" {\n  filename = \"${path.module}/out/r0.txt\"\n  content  = \"r0\\n\"\n}\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&s, "resource \"local_file\" \"r%d\" {\n  filename = \"${path.module}/out/r%d.txt\"\n  content  = \"r%d after ${local_file.r%d.id}\\n\"\n}\n", i, i, i, i-1)
	}
	return s.String()
}

// measure runs init, plan, apply and a no-change plan of one shape with one
// tool in a fresh directory, and checks the outcome on disk.
func (b *bench) measure(tool, dir, shape string) (row, error) {
	var r row
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return r, err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config(b.opts.n, shape)), 0o644); err != nil {
		return r, err
	}
	common := []string{"-input=false", "-no-color"}
	par := "-parallelism=" + strconv.Itoa(b.opts.parallelism)
	if _, err := b.exec(tool, dir, nil, 0, append([]string{"init"}, common...)...); err != nil {
		return r, err
	}
	plan, err := b.exec(tool, dir, nil, 2, append([]string{"plan", "-detailed-exitcode", par}, common...)...)
	if err != nil {
		return r, err
	}
	apply, err := b.exec(tool, dir, nil, 0, append([]string{"apply", "-auto-approve", par}, common...)...)
	if err != nil {
		return r, err
	}
	if err := checkFiles(dir, b.opts.n, shape); err != nil {
		return r, fmt.Errorf("after apply: %w", err)
	}
	noChange, err := b.exec(tool, dir, nil, 0, append([]string{"plan", "-detailed-exitcode", par}, common...)...)
	if err != nil {
		return r, fmt.Errorf("the second plan should have nothing to do: %w", err)
	}
	again, err := b.exec(tool, dir, nil, 0, append([]string{"plan", "-detailed-exitcode", par}, common...)...)
	if err != nil {
		return r, fmt.Errorf("the third plan should have nothing to do: %w", err)
	}
	r.plan, r.apply, r.noChange, r.again = plan.wall, apply.wall, noChange.wall, again.wall
	r.rss = max(plan.rss, apply.rss, noChange.rss, again.rss)
	r.cpu = noChange.cpu
	return r, nil
}

// checkFiles counts the files apply wrote and checks their contents.
func checkFiles(dir string, n int, shape string) error {
	entries, err := os.ReadDir(filepath.Join(dir, "out"))
	if err != nil {
		return err
	}
	if len(entries) != n {
		return fmt.Errorf("%d files in out/, want %d", len(entries), n)
	}
	for _, i := range []int{0, n / 2, n - 1} {
		got, err := os.ReadFile(filepath.Join(dir, "out", fmt.Sprintf("r%d.txt", i)))
		if err != nil {
			return err
		}
		want := fmt.Sprintf("r%d\n", i)
		if shape == "chain" && i > 0 {
			prev, err := os.ReadFile(filepath.Join(dir, "out", fmt.Sprintf("r%d.txt", i-1)))
			if err != nil {
				return err
			}
			sum := sha1Hex(prev)
			want = fmt.Sprintf("r%d after %s\n", i, sum)
		}
		if string(got) != want {
			return fmt.Errorf("out/r%d.txt holds %q, want %q", i, got, want)
		}
	}
	return nil
}

// ran is one finished command.
type ran struct {
	wall, cpu time.Duration
	rss       int64 // KiB
	out       []byte
}

// exec runs a tool command and fails unless it exits with want.
func (b *bench) exec(tool, dir string, extraEnv []string, want int, args ...string) (ran, error) {
	cmd := exec.Command(b.tools[tool], args...)
	cmd.Dir = dir
	cmd.Env = append(append([]string{}, b.env...), extraEnv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return ran{}, err
	}
	hwm := watchHWM(cmd.Process.Pid)
	err := cmd.Wait()
	r := ran{wall: time.Since(start), out: out.Bytes()}
	r.rss = hwm()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		if r.rss == 0 {
			// Too short to be seen: the wait4 figure (the largest of the
			// tool and the providers it waited for).
			r.rss = ru.Maxrss
		}
	}
	code := cmd.ProcessState.ExitCode()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return r, err
	}
	if code != want {
		return r, fmt.Errorf("%s %s exited %d, want %d:\n%s", tool, strings.Join(args, " "), code, want, tailOf(r.out, 3000))
	}
	return r, nil
}

// watchHWM polls the process's VmHWM (its own peak resident set, not its
// children's) until the returned function is called after Wait, which
// returns the last figure seen in KiB.
func watchHWM(pid int) func() int64 {
	path := fmt.Sprintf("/proc/%d/status", pid)
	stop := make(chan struct{})
	done := make(chan int64)
	go func() {
		var last int64
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if v := readHWM(path); v > last {
				last = v
			}
			select {
			case <-stop:
				done <- last
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		close(stop)
		return <-done
	}
}

func readHWM(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				v, _ := strconv.ParseInt(f[0], 10, 64)
				return v
			}
		}
	}
	return 0
}

func (b *bench) version(tool string) string {
	cmd := exec.Command(b.tools[tool], "version")
	cmd.Env = append(cleanEnv(), "CHECKPOINT_DISABLE=1")
	out, _ := cmd.CombinedOutput()
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}

var names = map[string]string{"indigo": "indigo", "tofu": "OpenTofu", "terraform": "terraform"}

func (b *bench) printTable(results map[string]map[string]row) {
	fmt.Printf("%-12s %-10s %10s %10s %10s %10s %10s %14s\n", "shape", "tool", "plan", "apply", "no-change", "again", "peak RSS", "no-change CPU")
	for _, shape := range b.opts.shapes {
		for _, t := range b.opts.tools {
			r := results[shape][t]
			fmt.Printf("%-12s %-10s %10s %10s %10s %10s %6.0f MiB %14s\n", shape, names[t],
				secs(r.plan), secs(r.apply), secs(r.noChange), secs(r.again), float64(r.rss)/1024, secs(r.cpu))
		}
		me, ok := results[shape]["indigo"]
		if !ok {
			continue
		}
		for _, t := range b.opts.tools {
			if t == "indigo" {
				continue
			}
			r := results[shape][t]
			fmt.Printf("%-12s %-10s %10s %10s %10s %10s %10s %14s\n", "", "÷ "+names[t],
				ratio(r.plan, me.plan), ratio(r.apply, me.apply), ratio(r.noChange, me.noChange), ratio(r.again, me.again),
				ratio(time.Duration(r.rss), time.Duration(me.rss)), ratio(r.cpu, me.cpu))
		}
	}
	fmt.Println("(÷ rows: the other tool's figure over indigo's, so 3.0× means indigo takes a third of the time or memory;")
	fmt.Println(" no-change is the first plan after apply, again a second one; peak RSS is the tool's own process,")
	fmt.Println(" without the provider; no-change CPU (of the first no-change plan) includes the provider's)")
}

func millis(d time.Duration) string {
	return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func ratio(other, mine time.Duration) string {
	if mine <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f×", float64(other)/float64(mine))
}

var rpcField = regexp.MustCompile(`tf_rpc=([A-Za-z]+)`)

// profile runs indigo's no-change plan in dir again, once with a CPU
// profile and once with the provider's protocol log to count the provider
// calls, and prints indigo's own CPU per call and the profile's top.
func (b *bench) profile(dir string) error {
	prof := filepath.Join(b.work, "indigo-nochange.pprof")
	par := "-parallelism=" + strconv.Itoa(b.opts.parallelism)
	args := []string{"plan", "-detailed-exitcode", par, "-input=false", "-no-color"}
	r, err := b.exec("indigo", dir, []string{"INDIGO_CPUPROFILE=" + prof}, 0, args...)
	if err != nil {
		return err
	}
	logPath := filepath.Join(b.work, "indigo-nochange.log")
	if _, err := b.exec("indigo", dir, []string{"INDIGO_LOG=trace", "INDIGO_LOG_PATH=" + logPath, "TF_LOG_SDK_PROTO=trace"}, 0, args...); err != nil {
		return err
	}
	calls, err := countCalls(logPath)
	if err != nil {
		return err
	}
	top, err := exec.Command("go", "tool", "pprof", "-top", "-nodecount="+strconv.Itoa(b.opts.profileTop), b.tools["indigo"], prof).CombinedOutput()
	if err != nil {
		return fmt.Errorf("go tool pprof: %v\n%s", err, top)
	}
	own := sampled(string(top))
	total := 0
	var kinds []string
	for k, n := range calls {
		total += n
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
	}
	slices.SortFunc(kinds, func(a, b string) int { return cmp.Compare(a, b) })
	fmt.Println()
	fmt.Printf("indigo's own CPU on the no-change plan of %d independent resources (INDIGO_CPUPROFILE): %s sampled, wall %s\n",
		b.opts.n, own.Round(time.Millisecond), r.wall.Round(time.Millisecond))
	fmt.Printf("provider calls: %d (%s)\n", total, strings.Join(kinds, ", "))
	if total > 0 {
		fmt.Printf("indigo CPU per provider call: %.3f ms (aim: ≤ 0.1 ms); per resource: %.3f ms\n",
			float64(own)/float64(time.Millisecond)/float64(total), float64(own)/float64(time.Millisecond)/float64(b.opts.n))
	}
	fmt.Println()
	fmt.Println(strings.TrimSpace(string(top)))
	ours, err := exec.Command("go", "tool", "pprof", "-top", "-cum", "-show=indigo-cloud/indigo", "-nodecount="+strconv.Itoa(b.opts.profileTop), b.tools["indigo"], prof).CombinedOutput()
	if err != nil {
		return fmt.Errorf("go tool pprof: %v\n%s", err, ours)
	}
	fmt.Println()
	fmt.Println("indigo's own functions, by cumulative CPU:")
	fmt.Println(strings.TrimSpace(dropHeader(string(ours))))
	return nil
}

// dropHeader leaves pprof's table without the lines above it that the
// first listing printed already.
func dropHeader(top string) string {
	if i := strings.Index(top, "flat  flat%"); i >= 0 {
		return top[strings.LastIndex(top[:i], "\n")+1:]
	}
	return top
}

// countCalls counts the provider's "Received request" protocol log lines
// by RPC.
func countCalls(path string) (map[string]int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("the provider's protocol log: %w", err)
	}
	calls := map[string]int{}
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.Contains(line, "Received request") {
			continue
		}
		if m := rpcField.FindStringSubmatch(line); m != nil {
			calls[m[1]]++
		}
	}
	if len(calls) == 0 {
		return nil, fmt.Errorf("no provider call in %s: the log format changed?", path)
	}
	return calls, nil
}

var totalSamples = regexp.MustCompile(`Total samples = ([0-9.]+)(ms|s|min)`)

// sampled reads "Total samples = 1.23s" from pprof's header.
func sampled(top string) time.Duration {
	m := totalSamples.FindStringSubmatch(top)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	unit := map[string]time.Duration{"ms": time.Millisecond, "s": time.Second, "min": time.Minute}[m[2]]
	return time.Duration(v * float64(unit))
}

// validate times `validate` of validateN resources, each its own block,
// after init, with every tool.
func (b *bench) validate() error {
	n := b.opts.validateN
	var s strings.Builder
	s.WriteString(header)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&s, "resource \"local_file\" \"r%d\" {\n  filename = \"${path.module}/out/r%d.txt\"\n  content  = \"r%d\\n\"\n}\n", i, i, i)
	}
	fmt.Println()
	fmt.Printf("validate of %d resources after init (aim for indigo: under 300 ms)\n", n)
	fmt.Printf("%-10s %10s %10s %10s\n", "tool", "validate", "again", "peak RSS")
	var mine, mineAgain time.Duration
	for _, t := range b.opts.tools {
		dir := filepath.Join(b.work, "validate-"+t)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(s.String()), 0o644); err != nil {
			return err
		}
		if _, err := b.exec(t, dir, nil, 0, "init", "-input=false", "-no-color"); err != nil {
			return err
		}
		// Twice: the first run asks the provider about every block, the
		// second may take indigo's kept answers (docs/engine.md).
		first, err := b.exec(t, dir, nil, 0, "validate", "-no-color")
		if err != nil {
			return err
		}
		again, err := b.exec(t, dir, nil, 0, "validate", "-no-color")
		if err != nil {
			return err
		}
		extra := ""
		if t == "indigo" {
			mine, mineAgain = first.wall, again.wall
		} else if mine > 0 {
			extra = fmt.Sprintf("  %s, %s indigo's", ratio(first.wall, mine), ratio(again.wall, mineAgain))
		}
		fmt.Printf("%-10s %10s %10s %6.0f MiB%s\n", names[t], millis(first.wall), millis(again.wall), float64(max(first.rss, again.rss))/1024, extra)
	}
	return nil
}

// cleanEnv is the environment without what would change how a tool runs
// (its own CLI configuration, logs, plugin cache, TF_CLI_ARGS, indigo's
// profile).
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "TF_") || strings.HasPrefix(k, "INDIGO_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func loadLine() string {
	out, err := exec.Command("uptime").Output()
	if err != nil {
		return "load: unknown"
	}
	return "load: " + strings.TrimSpace(string(out))
}

func tailOf(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

func sha1Hex(b []byte) string {
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:])
}
