package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin/runner"
)

// process runs the provider binary for go-plugin (a runner.Runner). We run
// it ourselves rather than let go-plugin do it so that we can kill it while
// go-plugin is still waiting for the handshake (go-plugin's own Kill waits
// for Start to return), and so that we learn when it has exited and how.
type process struct {
	cmd            *exec.Cmd
	stdout, stderr io.ReadCloser

	mu       sync.Mutex
	started  bool
	canceled bool // killed before it started: never start it
	pid      int

	exitOnce sync.Once
	exited   chan struct{} // closed once the process is reaped
	exitErr  error         // cmd.Wait's result; read only after exited
	// onExit, when set, is told the process's peak memory once it has
	// been reaped (GCNotes); served is set once the provider is connected.
	onExit func(peakKiB int64)
	served atomic.Bool
}

var _ runner.Runner = (*process)(nil)

func newProcess(cmd *exec.Cmd) (*process, error) {
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("provider stdout: %w", err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("provider stderr: %w", err)
	}
	return &process{cmd: cmd, stdout: stdout, stderr: stderr, exited: make(chan struct{})}, nil
}

func (p *process) Start(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.canceled {
		return errors.New("start canceled")
	}
	if err := p.cmd.Start(); err != nil {
		return err
	}
	p.started = true
	p.pid = p.cmd.Process.Pid
	return nil
}

// Wait is called by go-plugin once, after it has read stdout and stderr to
// their end, so when exited is closed the stderr tail is complete.
func (p *process) Wait(context.Context) error {
	err := p.cmd.Wait()
	if p.onExit != nil {
		p.onExit(peakKiB(p.cmd.ProcessState))
	}
	p.exitOnce.Do(func() {
		p.exitErr = err
		close(p.exited)
	})
	return err
}

// Kill kills the process, or makes sure it is never started. Safe to call
// at any time, from any goroutine, any number of times.
func (p *process) Kill(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.started {
		p.canceled = true
		return nil
	}
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}

func (p *process) Stdout() io.ReadCloser { return p.stdout }
func (p *process) Stderr() io.ReadCloser { return p.stderr }
func (p *process) Name() string          { return p.cmd.Path }

func (p *process) ID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.started {
		return ""
	}
	return strconv.Itoa(p.pid)
}

// Pid is the process id, 0 before the process started.
func (p *process) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pid
}

func (p *process) Diagnose(context.Context) string {
	return fmt.Sprintf("%s did not answer the plugin handshake: it may not be a Terraform/OpenTofu provider, "+
		"may be built for another system, or may have failed while starting (see its stderr).", p.cmd.Path)
}

func (p *process) PluginToHost(network, addr string) (string, string, error) {
	return network, addr, nil
}

func (p *process) HostToPlugin(network, addr string) (string, string, error) {
	return network, addr, nil
}

// exitedByItself reports whether the process has ended other than by a
// signal: it exited, with whatever status, rather than being killed.
func (p *process) exitedByItself() bool {
	select {
	case <-p.exited:
	default:
		return false
	}
	var ee *exec.ExitError
	if errors.As(p.exitErr, &ee) {
		return ee.ProcessState.Exited()
	}
	return p.exitErr == nil
}

// exitDescription says how the process ended, once it has.
func (p *process) exitDescription() string {
	if p.exitErr == nil {
		return "exit status 0"
	}
	var ee *exec.ExitError
	if errors.As(p.exitErr, &ee) {
		return ee.ProcessState.String()
	}
	return p.exitErr.Error()
}

// stderrTail keeps the last bytes written to it: what a provider said on
// stderr just before it crashed is what the user needs to see. Debug and
// trace lines of the JSON logs providers write (go-plugin's and the SDKs')
// are left out: they go to the logger, and would crowd out a panic.
type stderrTail struct {
	mu      sync.Mutex
	limit   int
	buf     []byte // kept lines, at most 2*limit bytes
	pending []byte // the line being written, not yet ended by a newline
	cut     bool   // bytes were dropped from the front
}

func newStderrTail(limit int) *stderrTail {
	return &stderrTail{limit: limit, buf: make([]byte, 0, 2*limit)}
}

func (t *stderrTail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(b)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			t.pending = append(t.pending, b...)
			if len(t.pending) > t.limit {
				// A line this long is not log chatter; keep what fits.
				t.keep(t.pending)
				t.pending = t.pending[:0]
			}
			break
		}
		line := b[:i+1]
		b = b[i+1:]
		if len(t.pending) > 0 {
			t.pending = append(t.pending, line...)
			line = t.pending
		}
		if !isLogChatter(line) {
			t.keep(line)
		}
		t.pending = t.pending[:0]
	}
	return n, nil
}

// keep appends b to the kept bytes, dropping from the front beyond limit.
func (t *stderrTail) keep(b []byte) {
	if len(b) >= t.limit {
		b = b[len(b)-t.limit:]
		t.buf = t.buf[:0]
		t.cut = true
	}
	if len(t.buf)+len(b) > cap(t.buf) {
		// Slide the kept part down: amortised, at most once per limit bytes.
		keep := t.limit - len(b)
		copy(t.buf, t.buf[len(t.buf)-keep:])
		t.buf = t.buf[:keep]
		t.cut = true
	}
	t.buf = append(t.buf, b...)
}

var (
	debugLevel = []byte(`"@level":"debug"`)
	traceLevel = []byte(`"@level":"trace"`)
)

// isLogChatter reports whether line is a debug or trace line of an hclog
// JSON log.
func isLogChatter(line []byte) bool {
	return len(line) > 0 && line[0] == '{' && (bytes.Contains(line, debugLevel) || bytes.Contains(line, traceLevel))
}

// String returns at most limit bytes, starting at a line boundary when the
// front was cut, as valid UTF-8.
func (t *stderrTail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := append(bytes.Clone(t.buf), t.pending...)
	cut := t.cut
	if len(b) > t.limit {
		b = b[len(b)-t.limit:]
		cut = true
	}
	if cut {
		if i := bytes.IndexByte(b, '\n'); i >= 0 && i < len(b)-1 {
			b = b[i+1:]
		}
	}
	s := string(b)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// lineLogger logs every line written to it at debug level. go-plugin
// forwards what the provider writes to its os.Stdout and os.Stderr after the
// handshake through such writers.
type lineLogger struct {
	mu      sync.Mutex
	logger  hclog.Logger
	stream  string
	pending []byte
	also    io.Writer // optional: every byte is copied here too
}

const maxLogLine = 64 << 10

func (l *lineLogger) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.also != nil {
		_, _ = l.also.Write(b)
	}
	l.pending = append(l.pending, b...)
	for {
		i := bytes.IndexByte(l.pending, '\n')
		if i < 0 {
			break
		}
		l.logger.Debug(string(l.pending[:i]), "stream", l.stream)
		l.pending = l.pending[i+1:]
	}
	if len(l.pending) > maxLogLine {
		l.logger.Debug(string(l.pending), "stream", l.stream)
		l.pending = l.pending[:0]
	}
	return len(b), nil
}
