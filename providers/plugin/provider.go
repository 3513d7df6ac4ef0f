package plugin

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-plugin/runner"
	"github.com/zclconf/go-cty/cty"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The handshake every Terraform provider expects: go-plugin passes the cookie
// in the environment and a provider started without it refuses to run.
const (
	magicCookieKey   = "TF_PLUGIN_MAGIC_COOKIE"
	magicCookieValue = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
)

const (
	// stderrTailSize is how much of a provider's stderr is kept for error
	// messages: enough for a Go panic's message and the top of its stack.
	stderrTailSize = 4 << 10
	// exitGrace is how long a failed call waits for the provider process to
	// be reaped before deciding it is still alive: a crash closes the
	// connection a moment before the process is gone.
	exitGrace = 2 * time.Second
)

// DefaultTerraformVersion is the Terraform version reported to providers
// (ConfigureProvider) when ConfigureRequest.TerraformVersion is empty: the
// language indigo implements. Some providers check it.
const DefaultTerraformVersion = "1.11.0"

// StartOptions says how to start a provider.
type StartOptions struct {
	// Name is the provider's address, used in messages:
	// "registry.terraform.io/hashicorp/local". Defaults to the binary's name.
	Name string
	// Cmd starts the provider binary; the caller sets its path, arguments,
	// directory and environment (nil Env: this process's environment).
	// Start adds the plugin handshake variables to the environment. A Cmd
	// can be used for one Start only.
	Cmd *exec.Cmd
	// Logger receives the provider's log output and stderr at debug level,
	// and this package's own messages. nil: silent, and the provider is told
	// not to log (TF_LOG_SDK=OFF and friends, unless Cmd.Env sets TF_LOG or
	// them), which halves the cost of a call to a framework provider.
	Logger hclog.Logger
	// Cache, when set with a CacheKey, keeps the provider's schema on disk.
	Cache *SchemaCache
	// CacheKey identifies the provider binary for the cache, e.g. the
	// sha256 of the binary, plus the provider's name for binaries serving
	// several providers.
	CacheKey string
	// Answers, when set with a CacheKey, keeps the provider's answers that
	// are pure functions of their inputs between runs (see AnswerCache).
	Answers *AnswerCache
	// GC, when set with a CacheKey, keeps the provider's peak memory
	// between runs and lets one that stayed small collect garbage less
	// often (see GCNotes).
	GC *GCNotes
}

// Provider is a running provider plugin. Its methods are safe for concurrent
// use. Values go in and come out as cty values of the types the provider's
// schema implies; marks are stripped on the way in (see Block.SensitivePaths
// to re-apply them). Close releases the process.
type Provider struct {
	name     string
	logger   hclog.Logger
	client   *plugin.Client
	proc     *process
	proto    protocol
	version  int
	stderr   *stderrTail
	cache    *SchemaCache
	cacheKey string

	schemaMu sync.Mutex // held while a schema is being fetched
	loaded   atomic.Pointer[loadedSchema]

	ans answerState

	closeOnce sync.Once
	closed    atomic.Bool
}

// loadedSchema is a provider's schema with the types the calls need worked
// out once.
type loadedSchema struct {
	schema       *Schema
	providerType cty.Type
	metaType     cty.Type // cty.NilType: no provider_meta schema
	resources    map[string]cty.Type
	dataSources  map[string]cty.Type
	identities   map[string]cty.Type // of the resource types that have one
}

func newLoadedSchema(s *Schema) *loadedSchema {
	ls := &loadedSchema{
		schema:       s,
		providerType: s.Provider.ImpliedType(),
		resources:    make(map[string]cty.Type, len(s.Resources)),
		dataSources:  make(map[string]cty.Type, len(s.DataSources)),
		identities:   make(map[string]cty.Type),
	}
	if s.ProviderMeta != nil {
		ls.metaType = s.ProviderMeta.ImpliedType()
	}
	for name, rs := range s.Resources {
		ls.resources[name] = rs.Block.ImpliedType()
		if rs.Identity != nil {
			ls.identities[name] = rs.Identity.ImpliedType()
		}
	}
	for name, ds := range s.DataSources {
		ls.dataSources[name] = ds.Block.ImpliedType()
	}
	return ls
}

// starter lets the context watcher kill the process go-plugin is starting
// without racing go-plugin's creation of it.
type starter struct {
	mu       sync.Mutex
	proc     *process
	canceled bool
}

func (s *starter) cancel() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.canceled = true
	if s.proc != nil {
		_ = s.proc.Kill(context.Background())
	}
}

// Start starts the provider process, performs the plugin handshake (magic
// cookie, protocol version 6 or 5, whichever the provider speaks, mutual TLS
// with a per-process certificate) and connects. It does not fetch the schema:
// Schema does, and every call that needs it.
//
// If ctx ends before the handshake completes the process is killed. Without
// a deadline in ctx, a provider gets one minute to start.
func Start(ctx context.Context, opts StartOptions) (*Provider, error) {
	if opts.Cmd == nil {
		return nil, errors.New("starting provider: no command")
	}
	if opts.Cmd.Process != nil {
		return nil, errors.New("starting provider: command already started")
	}
	name := opts.Name
	if name == "" {
		name = filepath.Base(opts.Cmd.Path)
	}
	if opts.Answers != nil && opts.CacheKey != "" {
		// Read the kept answers while the process starts, instead of
		// on the first call (ten thousand of them take tens of ms).
		go opts.Answers.book(opts.CacheKey).load()
	}
	logger := opts.Logger
	if logger == nil || logger.GetLevel() == hclog.NoLevel {
		// Level Off, not hclog.NewNullLogger (whose level is NoLevel, as
		// callers that log nothing pass it): go-plugin skips parsing the
		// provider's JSON log lines only for a logger that says it is off,
		// and the provider is told not to log (quietProviderLogs). Parsing
		// them cost indigo about 40% of its CPU on a plan, and logging
		// them about half the provider's.
		logger = hclog.New(&hclog.LoggerOptions{Level: hclog.Off, Output: io.Discard})
	}
	silent := logger.GetLevel() == hclog.Off
	var ident [32]byte
	if opts.Answers != nil && opts.CacheKey != "" {
		// Before go-plugin adds its handshake (a fresh certificate
		// each time) to the environment.
		ident = commandIdentity(opts, name)
	}
	var certPEM string
	var tlsConfig *tls.Config
	if connectionTLS() {
		var err error
		if certPEM, tlsConfig, err = clientTLS(); err != nil {
			return nil, &CallError{Provider: name, Operation: "start", Err: err}
		}
	}
	tail := newStderrTail(stderrTailSize)
	st := &starter{}
	var startTimeout time.Duration
	if deadline, ok := ctx.Deadline(); ok {
		startTimeout = max(time.Until(deadline), time.Millisecond)
	}

	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig: plugin.HandshakeConfig{
			MagicCookieKey:   magicCookieKey,
			MagicCookieValue: magicCookieValue,
		},
		VersionedPlugins: map[int]plugin.PluginSet{
			5: {"provider": grpcProvider{major: 5}},
			6: {"provider": grpcProvider{major: 6}},
		},
		RunnerFunc: func(_ hclog.Logger, handshake *exec.Cmd, socketDir string) (runner.Runner, error) {
			// go-plugin describes the handshake environment on a Cmd of its
			// own; it goes on top of the caller's environment.
			cmd := opts.Cmd
			env := cmd.Env
			if env == nil {
				env = os.Environ()
			}
			env = append(slices.Clip(env), handshake.Env...)
			if certPEM != "" {
				env = append(env, "PLUGIN_CLIENT_CERT="+certPEM)
			} else {
				if err := privateDir(socketDir); err != nil {
					return nil, err
				}
				// indigo itself may be a plugin (terraform-provider-indigo
				// starts the engine's providers): the certificate its own
				// client gave it would make the provider serve TLS.
				env = slices.DeleteFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "PLUGIN_CLIENT_CERT=") })
			}
			if silent {
				env = quietProviderLogs(env)
			}
			env, gogc := opts.GC.tune(opts.CacheKey, cmd.Path, env)
			cmd.Env = env
			st.mu.Lock()
			defer st.mu.Unlock()
			if st.canceled {
				// go-plugin removes the socket directory it made only
				// when a process ran.
				_ = os.RemoveAll(socketDir)
				return nil, context.Cause(ctx)
			}
			proc, err := newProcess(cmd)
			if proc != nil && gogc != 0 {
				// Only a provider that started and served: one killed
				// while it started had not reached its usual size.
				proc.onExit = func(peak int64) {
					if proc.served.Load() {
						opts.GC.record(opts.CacheKey, gogc, peak)
					}
				}
			}
			st.proc = proc
			return proc, err
		},
		SkipHostEnv:      true,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		// When the connection is a TCP port (connectionTLS), the mutual
		// TLS go-plugin's AutoMTLS sets up, with a cheaper key
		// (clientTLS): go-plugin trusts the certificate the provider
		// returns in its handshake, and only it.
		TLSConfig:    tlsConfig,
		StartTimeout: startTimeout,
		Logger:       logger,
		Stderr:       tail,
		SyncStdout:   &lineLogger{logger: logger, stream: "stdout"},
		SyncStderr:   &lineLogger{logger: logger, stream: "stderr", also: tail},
	})

	p := &Provider{name: name, logger: logger, client: client, stderr: tail, cache: opts.Cache, cacheKey: opts.CacheKey}
	fail := func(err error) (*Provider, error) {
		client.Kill()
		st.mu.Lock()
		proc := st.proc
		st.mu.Unlock()
		switch {
		case ctx.Err() != nil:
			err = fmt.Errorf("starting: %w", context.Cause(ctx))
		case proc == nil || proc.Pid() == 0:
			// The binary never ran (not found, not executable): err says why.
		case proc.exitedByItself():
			// client.Kill has reaped it: it ended before the handshake.
			err = fmt.Errorf("%w (%s) before completing the plugin handshake", ErrProviderExited, proc.exitDescription())
		default:
			err = fmt.Errorf("%w: plugin handshake: %v", ErrInvalidResponse, err)
		}
		return nil, &CallError{Provider: name, Operation: "start", StderrTail: tail.String(), Err: err}
	}

	stopWatch := context.AfterFunc(ctx, st.cancel)
	if err := startClient(client); err != nil {
		stopWatch()
		return fail(err)
	}
	rpc, err := client.Client()
	if err != nil {
		stopWatch()
		return fail(err)
	}
	raw, err := rpc.Dispense("provider")
	if !stopWatch() || ctx.Err() != nil {
		return fail(ctx.Err())
	}
	if err != nil {
		return fail(err)
	}
	proto, ok := raw.(protocol)
	if !ok {
		return fail(fmt.Errorf("unexpected plugin client %T", raw))
	}
	p.proto = proto
	p.proc = st.proc
	p.proc.served.Store(true)
	p.version = client.NegotiatedVersion()
	if opts.Answers != nil && opts.CacheKey != "" {
		p.ans.book = opts.Answers.book(opts.CacheKey)
		p.ans.impure, p.ans.impureTypes = opts.Answers.impure(name)
		p.ans.ident = sha256.Sum256(fmt.Appendf(ident[:], "protocol %d", p.version))
	}
	logger.Debug("provider started", "provider", name, "protocol", p.version, "pid", p.proc.Pid())
	return p, nil
}

// providerLogLevels are the variables terraform-plugin-go, the framework and
// the legacy SDK read their log levels from. Unset, they log at debug level
// and leave the filtering to the client, which costs a framework provider
// about half its time per call.
var providerLogLevels = []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_HELPER_SCHEMA", "TF_LOG_PROVIDER"}

// quietProviderLogs turns the provider's own logging off, for a caller that
// discards it anyway, unless the environment already says otherwise.
func quietProviderLogs(env []string) []string {
	for _, name := range providerLogLevels {
		set := slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, name+"=") })
		if !set && !slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "TF_LOG=") }) {
			env = append(env, name+"=OFF")
		}
	}
	return env
}

// ProtocolVersion is the major protocol version negotiated with the
// provider: 5 or 6.
func (p *Provider) ProtocolVersion() int { return p.version }

// Name is the provider's name as given in StartOptions.
func (p *Provider) Name() string { return p.name }

// Close stops the provider process and releases everything Start acquired:
// the connection, the process (asked to exit, killed after two seconds) and
// the goroutines reading its output. Calls in flight fail. Close is
// idempotent and always returns nil; it returns an error for the io.Closer
// contract.
func (p *Provider) Close() error {
	p.closeOnce.Do(func() {
		p.closed.Store(true)
		p.flushAnswers()
		done := make(chan struct{})
		go func() {
			defer close(done)
			p.client.Kill()
		}()
		// go-plugin asks the provider to shut down over gRPC and waits
		// for the answer without a deadline: a frozen provider (stopped,
		// deadlocked) never answers. Kill it; the call then fails and
		// the rest of the cleanup runs.
		select {
		case <-done:
		case <-time.After(closeGrace):
			if p.proc != nil {
				_ = p.proc.Kill(context.Background())
			}
			<-done
		}
	})
	return nil
}

// closeGrace is how long Close lets a provider shut down by itself.
const closeGrace = 3 * time.Second

// Stop asks the provider to abandon what it is doing (the StopProvider RPC),
// typically after the user pressed Ctrl-C. Calls in flight return, usually
// with errors; the provider stays usable in principle, but the usual next step
// is Close.
func (p *Provider) Stop(ctx context.Context) error {
	msg, err := p.proto.stop(ctx)
	if err != nil {
		return p.callError(ctx, "StopProvider", "", err)
	}
	if msg != "" {
		return fmt.Errorf("provider %s: stop: %s", p.name, msg)
	}
	return nil
}

// Schema returns the provider's schema: from the cache when StartOptions has
// one holding it and the provider allows it (GetProviderSchemaOptional),
// else from the provider, once per Provider.
func (p *Provider) Schema(ctx context.Context) (*Schema, error) {
	ls, err := p.loadSchema(ctx)
	if err != nil {
		return nil, err
	}
	return ls.schema, nil
}

func (p *Provider) loadSchema(ctx context.Context) (*loadedSchema, error) {
	if ls := p.loaded.Load(); ls != nil {
		return ls, nil
	}
	p.schemaMu.Lock()
	defer p.schemaMu.Unlock()
	if ls := p.loaded.Load(); ls != nil {
		return ls, nil
	}

	useCache := p.cache != nil && p.cacheKey != ""
	if useCache {
		if s := p.cachedSchema(); s != nil {
			if err := p.loadIdentitySchemas(ctx, s, true); err != nil {
				return nil, err
			}
			ls := newLoadedSchema(s)
			p.loaded.Store(ls)
			return ls, nil
		}
	}

	raw, err := p.proto.getProviderSchema(ctx)
	if err != nil {
		return nil, p.callError(ctx, "GetProviderSchema", "", err)
	}
	s, diags, err := p.proto.parseSchema(raw)
	if err != nil {
		return nil, p.callError(ctx, "GetProviderSchema", "", err)
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("provider %s: GetProviderSchema: %w", p.name, diags.Err())
	}
	for _, d := range diags {
		p.logger.Warn("provider schema warning", "provider", p.name, "summary", d.Summary, "detail", d.Detail)
	}
	if useCache {
		if err := p.cache.store(p.cacheKey, p.version, raw); err != nil {
			p.logger.Warn("could not cache provider schema", "provider", p.name, "error", err)
		}
	}
	if err := p.loadIdentitySchemas(ctx, s, false); err != nil {
		return nil, err
	}
	ls := newLoadedSchema(s)
	p.loaded.Store(ls)
	return ls, nil
}

// cachedSchema returns the cached schema, or nil when there is none worth
// using: missing, damaged, unparseable, or from a provider that wants its
// GetProviderSchema call anyway.
func (p *Provider) cachedSchema() *Schema {
	raw, err := p.cache.load(p.cacheKey, p.version)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			p.logger.Debug("ignoring schema cache entry", "provider", p.name, "error", err)
		}
		return nil
	}
	s, diags, err := p.proto.parseSchema(raw)
	if err != nil || diags.HasErrors() {
		p.logger.Debug("ignoring unparseable schema cache entry", "provider", p.name, "error", err)
		return nil
	}
	if !s.Capabilities.GetProviderSchemaOptional {
		return nil
	}
	return s
}

// callError describes a failed call. It tells a crash (the process exited)
// from a hang or cancellation (ctx ended), an operation the provider does not
// implement, a call after Close and a nonsensical answer, and attaches the
// tail of the provider's stderr.
func (p *Provider) callError(ctx context.Context, op, addr string, err error) *CallError {
	ce := &CallError{Provider: p.name, Addr: addr, Operation: op}
	code := status.Code(err)
	switch {
	case errors.Is(err, ErrInvalidResponse):
		ce.Err = err
	case p.closed.Load():
		ce.Err = fmt.Errorf("%w: %v", ErrClosed, err)
	case p.waitExit(code):
		ce.Err = fmt.Errorf("%w (%s)", ErrProviderExited, p.proc.exitDescription())
	case ctxEnded(ctx, code):
		ce.Err = fmt.Errorf("no answer: %w", context.Cause(ctx))
	case code == codes.Unimplemented:
		ce.Err = fmt.Errorf("%w: %s", errors.ErrUnsupported, status.Convert(err).Message())
	default:
		ce.Err = err
	}
	ce.StderrTail = p.stderr.String()
	return ce
}

// waitExit reports whether the provider process has exited, waiting a
// little for it when the error is a lost connection.
func (p *Provider) waitExit(code codes.Code) bool {
	select {
	case <-p.proc.exited:
		return true
	default:
	}
	if code != codes.Unavailable {
		return false
	}
	t := time.NewTimer(exitGrace)
	defer t.Stop()
	select {
	case <-p.proc.exited:
		return true
	case <-t.C:
		return false
	}
}

// ctxEnded reports whether ctx has ended. gRPC enforces the context's
// deadline with a timer of its own, which can fire a moment before the
// context says it is done: a DeadlineExceeded status that close to the
// deadline is the context's.
func ctxEnded(ctx context.Context, code codes.Code) bool {
	if ctx.Err() != nil {
		return true
	}
	deadline, ok := ctx.Deadline()
	if code != codes.DeadlineExceeded || !ok || time.Until(deadline) > 100*time.Millisecond {
		return false
	}
	t := time.NewTimer(200 * time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return true
	case <-t.C:
		return false
	}
}

// failed is the Diagnostics of a call that failed as a call.
func (p *Provider) failed(ctx context.Context, op, addr string, err error) Diagnostics {
	var ce *CallError
	if !errors.As(err, &ce) {
		ce = p.callError(ctx, op, addr, err)
	}
	return callFailed(ce)
}
