package slurm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Site is one Slurm cluster, reached through its client commands.
type Site struct {
	// Name is how messages name the cluster: the site's name.
	Name string
	// Conf is its slurm.conf ("" lets the commands find it).
	Conf string
	// WorkDir is the working directory of jobs that name none.
	WorkDir string

	unknown bool

	trackOnce sync.Once
	tracker   *tracker

	mu         sync.Mutex
	accounting accountingMode
}

// accountingMode is what the cluster keeps of finished jobs, learnt on
// first use.
type accountingMode int

const (
	accountingUnknown    accountingMode = iota
	accountingDB                        // slurmdbd: sacct
	accountingCompletion                // a job completion log only: sacct --completion
	accountingNone                      // neither
)

// errControllerDown is wrapped by errors from commands that could not
// reach slurmctld.
var errControllerDown = errors.New("the Slurm controller cannot be reached")

// errNoJob is returned by query for a job id the cluster does not know.
var errNoJob = errors.New("no such job")

var errUnknownConfig = errors.New("the indigo provider's slurm settings are not known yet (they depend on values computed during apply)")

func (s *Site) ready() error {
	switch {
	case s == nil:
		return errors.New("the indigo provider is not configured")
	case s.unknown:
		return errUnknownConfig
	}
	return nil
}

// where names the cluster for messages: its site and slurm.conf.
func (s *Site) where() string {
	if s.Conf == "" {
		return fmt.Sprintf("Slurm site %s", s.Name)
	}
	return fmt.Sprintf("Slurm site %s (%s)", s.Name, s.Conf)
}

// jobEnv is the environment every command runs with, and the base of a
// job's: only what a shell needs, never the provider's own environment
// (which may hold credentials), plus SLURM_CONF.
func (s *Site) jobEnv() []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "USER", "LOGNAME", "LANG", "TZ", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	if s.Conf != "" {
		env = append(env, "SLURM_CONF="+s.Conf)
	}
	return env
}

// run runs a client command and returns its standard output. A failure
// says what the command printed; one that could not reach the controller
// wraps errControllerDown.
func (s *Site) run(ctx context.Context, stdin []byte, env []string, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	if env == nil {
		env = s.jobEnv()
	}
	cmd.Env = env
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err == nil {
		return stdout.Bytes(), nil
	}
	msg := strings.TrimSpace(stderr.String())
	if msg == "" {
		msg = strings.TrimSpace(stdout.String())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		if errors.Is(err, exec.ErrNotFound) {
			return nil, fmt.Errorf("%s is not installed on this machine (it runs Slurm's client commands; on Debian: apt-get install slurm-client): %w", name, err)
		}
		return nil, fmt.Errorf("running %s: %w", name, err)
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("%s: %w", name, ctx.Err())
	}
	if controllerDown(msg) {
		return nil, fmt.Errorf("%w: %s: %s", errControllerDown, name, msg)
	}
	return stdout.Bytes(), fmt.Errorf("%s: %s", name, msg)
}

// controllerDown reports whether a command's message says it could not
// talk to slurmctld.
func controllerDown(msg string) bool {
	for _, s := range []string{"Unable to contact slurm controller", "Socket timed out", "Connection refused", "Zero Bytes were transmitted or received"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// jobSpec is what sbatch is asked for.
type jobSpec struct {
	Name       string
	Script     string
	Partition  string
	Account    string
	CPUs       int64 // 0: Slurm's default
	Memory     string
	TimeLimit  string
	WorkDir    string // absolute
	Output     string // as given to sbatch (may hold %j)
	Error      string
	Env        map[string]string
	ExtraFlags []string
}

// submit submits a job with sbatch --parsable and returns its id.
func (s *Site) submit(ctx context.Context, j jobSpec) (string, error) {
	script, comment := j.Script, jobComment
	if !strings.HasPrefix(script, "#!") {
		script, comment = defaultShebang+script, jobCommentShell
	}
	args := []string{"--parsable", "--job-name=" + j.Name, "--chdir=" + j.WorkDir,
		"--output=" + j.Output, "--error=" + j.Error, "--export=ALL", "--comment=" + comment}
	if j.Partition != "" {
		args = append(args, "--partition="+j.Partition)
	}
	if j.Account != "" {
		args = append(args, "--account="+j.Account)
	}
	if j.CPUs > 0 {
		args = append(args, "--cpus-per-task="+strconv.FormatInt(j.CPUs, 10))
	}
	if j.Memory != "" {
		args = append(args, "--mem="+j.Memory)
	}
	if j.TimeLimit != "" {
		args = append(args, "--time="+j.TimeLimit)
	}
	args = append(args, j.ExtraFlags...)
	// The values reach the job through sbatch's own environment
	// (--export=ALL), never through shell text.
	env := s.jobEnv()
	for k, v := range j.Env {
		env = append(env, k+"="+v)
	}
	out, err := s.run(ctx, []byte(script), env, "sbatch", args...)
	if err != nil {
		return "", err
	}
	// --parsable prints "id" or "id;cluster".
	id, _, _ := strings.Cut(strings.TrimSpace(string(out)), ";")
	if _, perr := strconv.ParseUint(id, 10, 64); perr != nil {
		return "", fmt.Errorf("sbatch printed %q, not a job id", out)
	}
	return id, nil
}

// jobComment marks the jobs indigo submits, so that a job whose id was
// lost (indigo killed between sbatch and recording it) is found by name;
// jobCommentShell marks those whose script had no #! line, to which
// indigo added defaultShebang (and which a read takes off again).
const (
	jobComment      = "indigo"
	jobCommentShell = "indigo:sh"
	defaultShebang  = "#!/bin/sh\n"
)

// byName returns the id of the newest job of that name that indigo
// submitted and the controller still knows, or errNoJob.
func (s *Site) byName(ctx context.Context, name string) (string, error) {
	out, err := s.run(ctx, nil, nil, "squeue", "-h", "-t", "all", "--name="+name, "-o", "%i|%k")
	if err != nil {
		return "", err
	}
	best := uint64(0)
	for _, line := range strings.Split(string(out), "\n") {
		id, comment, ok := strings.Cut(strings.TrimSpace(line), "|")
		n, perr := strconv.ParseUint(id, 10, 64)
		if ok && perr == nil && (comment == jobComment || comment == jobCommentShell) && n > best {
			best = n
		}
	}
	if best == 0 {
		return "", errNoJob
	}
	return strconv.FormatUint(best, 10), nil
}

// jobInfo is what the cluster says about one job.
type jobInfo struct {
	ID        string
	Name      string
	State     string // PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, ...
	ExitCode  int64
	Signal    int64
	Reason    string
	Partition string
	Account   string
	WorkDir   string
	StdOut    string // "" when the source does not say
	StdErr    string
	Comment   string // the controller's record only
}

// terminal reports whether a job state is final.
func terminal(state string) bool {
	switch state {
	case "PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED",
		"RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED", "RESV_DEL_HOLD", "SPECIAL_EXIT":
		return false
	}
	return state != ""
}

// query asks what the cluster knows of job id: the controller first
// (scontrol, which also has the paths while it keeps the job), then its
// accounting. errNoJob when nobody knows the job.
func (s *Site) query(ctx context.Context, id string) (jobInfo, error) {
	out, err := s.run(ctx, nil, nil, "scontrol", "-o", "show", "job", id)
	switch {
	case err == nil:
		if info, ok := parseScontrol(out, id); ok {
			info.Comment = kvComment(out)
			return info, nil
		}
	case errors.Is(err, errControllerDown):
		return jobInfo{}, err
	case !strings.Contains(err.Error(), "Invalid job id"):
		return jobInfo{}, err
	}
	return s.accountingQuery(ctx, id)
}

// script returns a job's batch script while the controller keeps the job
// ("" otherwise), without the #! line indigo added to it.
func (s *Site) script(ctx context.Context, info jobInfo) string {
	out, err := s.run(ctx, nil, nil, "scontrol", "write", "batch_script", info.ID, "-")
	if err != nil {
		return ""
	}
	if info.Comment == jobCommentShell {
		return strings.TrimPrefix(string(out), defaultShebang)
	}
	return string(out)
}

// accountingQuery asks sacct about a job the controller has forgotten.
func (s *Site) accountingQuery(ctx context.Context, id string) (jobInfo, error) {
	s.mu.Lock()
	mode := s.accounting
	s.mu.Unlock()
	fields := "JobID,JobName,State,ExitCode,Partition,Account,WorkDir"
	if mode == accountingUnknown || mode == accountingDB {
		out, err := s.run(ctx, nil, nil, "sacct", "-n", "-P", "-X", "-j", id, "-o", fields)
		switch {
		case err == nil:
			s.setAccounting(accountingDB)
			return parseSacct(out, id)
		case strings.Contains(err.Error(), "accounting storage is disabled"):
			mode = accountingCompletion
		default:
			return jobInfo{}, err
		}
	}
	if mode == accountingCompletion {
		out, err := s.run(ctx, nil, nil, "sacct", "--completion", "-n", "-P", "-j", id, "-o", fields)
		switch {
		case err == nil:
			s.setAccounting(accountingCompletion)
			return parseSacct(out, id)
		case strings.Contains(err.Error(), "job completion is disabled"):
			s.setAccounting(accountingNone)
		default:
			return jobInfo{}, err
		}
	}
	return jobInfo{}, errNoJob
}

func (s *Site) setAccounting(m accountingMode) {
	s.mu.Lock()
	s.accounting = m
	s.mu.Unlock()
}

// scontrolKey finds the keys of scontrol's one-line key=value output; a
// value runs to the next key (values such as Command may hold spaces).
var scontrolKey = regexp.MustCompile(`(?:^|\s)([A-Za-z][A-Za-z0-9/:_]*)=`)

// parseScontrol reads `scontrol -o show job ID`.
func parseScontrol(out []byte, id string) (jobInfo, bool) {
	for _, line := range strings.Split(string(out), "\n") {
		kv := map[string]string{}
		locs := scontrolKey.FindAllStringSubmatchIndex(line, -1)
		for i, l := range locs {
			end := len(line)
			if i+1 < len(locs) {
				end = locs[i+1][0]
			}
			kv[line[l[2]:l[3]]] = strings.TrimSpace(line[l[1]:end])
		}
		if kv["JobId"] != id {
			continue
		}
		info := jobInfo{ID: id, Name: kv["JobName"], State: kv["JobState"], Reason: kv["Reason"],
			Partition: kv["Partition"], Account: nullable(kv["Account"]), WorkDir: kv["WorkDir"],
			StdOut: kv["StdOut"], StdErr: kv["StdErr"]}
		info.ExitCode, info.Signal = parseExit(kv["ExitCode"])
		return info, true
	}
	return jobInfo{}, false
}

// kvComment is the Comment of `scontrol -o show job` (the last field
// that can hold spaces is not it, so a plain match does).
func kvComment(out []byte) string {
	for _, f := range strings.Fields(string(out)) {
		if c, ok := strings.CutPrefix(f, "Comment="); ok {
			return c
		}
	}
	return ""
}

func nullable(s string) string {
	if s == "(null)" {
		return ""
	}
	return s
}

// parseSacct reads sacct -n -P -o JobID,JobName,State,ExitCode,Partition,Account,WorkDir.
func parseSacct(out []byte, id string) (jobInfo, error) {
	var info jobInfo
	found := false
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Split(strings.TrimSpace(line), "|")
		if len(f) < 7 || f[0] != id {
			continue
		}
		// The last line for the id wins: a requeued job has several.
		state, _, _ := strings.Cut(f[2], " ") // "CANCELLED by 0"
		info = jobInfo{ID: id, Name: f[1], State: state, Partition: f[4], Account: f[5], WorkDir: f[6]}
		info.ExitCode, info.Signal = parseExit(f[3])
		found = true
	}
	if !found {
		return jobInfo{}, errNoJob
	}
	return info, nil
}

// parseExit reads Slurm's "code:signal".
func parseExit(s string) (code, signal int64) {
	c, sig, _ := strings.Cut(s, ":")
	code, _ = strconv.ParseInt(c, 10, 64)
	signal, _ = strconv.ParseInt(sig, 10, 64)
	return code, signal
}

// cancel cancels a job and waits until it has ended (or the timeout).
func (s *Site) cancel(ctx context.Context, id string, timeout time.Duration) error {
	if _, err := s.run(ctx, nil, nil, "scancel", id); err != nil {
		if strings.Contains(err.Error(), "Invalid job id") || strings.Contains(err.Error(), "already completing or completed") {
			return nil
		}
		return err
	}
	deadline := time.Now().Add(timeout)
	for {
		info, err := s.query(ctx, id)
		if errors.Is(err, errNoJob) || err == nil && terminal(info.State) {
			return nil
		}
		if err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("job %s is still %s %s after scancel", id, info.State, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// expandPath resolves what Slurm makes of an --output/--error pattern for
// a job: %j the job id, %x its name, %u the user, %% a percent sign;
// relative to the working directory.
func expandPath(pattern, id, name, workDir string) string {
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		if c != '%' || i+1 == len(pattern) {
			b.WriteByte(c)
			continue
		}
		i++
		switch pattern[i] {
		case 'j', 'J':
			b.WriteString(id)
		case 'x':
			b.WriteString(name)
		case 'u':
			b.WriteString(os.Getenv("USER"))
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(pattern[i])
		}
	}
	p := b.String()
	if !filepath.IsAbs(p) {
		p = filepath.Join(workDir, p)
	}
	return p
}

// tail returns the last n bytes of a file ("" when it cannot be read),
// starting at a line when it cuts.
func tail(path string, n int64) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	off := max(st.Size()-n, 0)
	buf := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil {
		return "", err
	}
	if off > 0 {
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			buf = buf[i+1:]
		}
	}
	return string(buf), nil
}
