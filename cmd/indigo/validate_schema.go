package main

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/planner"
	"github.com/indigo-cloud/indigo/providers/launch"
	"github.com/indigo-cloud/indigo/providers/plugin"
)

// schemaSource gives validate the schemas of the providers the resources
// use, starting each provider once (a schema cached on disk spares the
// GetProviderSchema call). A provider that cannot be started (not
// installed yet) gives no schema: its resources get the expression
// checks only.
//
// The providers' own validations run beside the walk, up to
// validateParallelism at a time (ten thousand one after the other took
// seconds); wait collects their problems.
type schemaSource struct {
	ctx    context.Context
	logger hclog.Logger
	provs  planner.Providers

	mu      sync.Mutex
	started map[config.Provider]*startedProvider

	sem     chan struct{}
	pending sync.WaitGroup
	diagsMu sync.Mutex
	diags   hcl.Diagnostics
}

// validateParallelism is how many validation calls run at once, as plan's
// default -parallelism.
const validateParallelism = 10

// startedProvider is one provider process and its schema, once ready is
// closed.
type startedProvider struct {
	ready  chan struct{}
	p      planner.Provider
	schema *plugin.Schema
	// early is set on a provider started before the configuration was
	// loaded (prestart).
	early bool
	// err is why the provider did not start or give its schema; warning
	// says so, at the first resource of warnedIn that needed the schema
	// (warnedFor).
	err       error
	warning   *hcl.Diagnostic
	warnedIn  string
	warnedFor *config.Resource
}

func newSchemaSource(ctx context.Context) *schemaSource {
	return &schemaSource{ctx: ctx, started: map[config.Provider]*startedProvider{}, sem: make(chan struct{}, validateParallelism)}
}

// prestart starts, each in the background, the providers that the lock
// file names, with their schemas, so that they are ready when the
// configuration has loaded (starting a provider and hashing its binary
// takes as long as loading thousands of blocks). A provider the
// configuration turns out not to use is closed unused.
func (s *schemaSource) prestart(l *launch.Launcher) {
	if l.Locks == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, lp := range l.Locks.Providers() {
		addr := config.Provider(lp.Provider)
		if _, ok := s.started[addr]; ok {
			continue
		}
		sp := &startedProvider{ready: make(chan struct{}), early: true}
		s.started[addr] = sp
		go func() {
			defer close(sp.ready)
			if p, err := l.Start(s.ctx, addr); err == nil {
				sp.p = p
				sp.schema, _ = p.Schema(s.ctx)
			}
		}()
	}
}

// use sets how the configuration's providers start, once it has loaded.
func (s *schemaSource) use(provs planner.Providers) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.provs = provs
}

func (s *schemaSource) get(addr config.Provider) *startedProvider {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sp, ok := s.started[addr]; ok {
		<-sp.ready
		if sp.p != nil || !sp.early {
			return sp
		}
		// Started early without success: start it as the
		// configuration says, as if it had not been.
	}
	sp := &startedProvider{ready: make(chan struct{})}
	defer close(sp.ready)
	s.started[addr] = sp
	p, err := s.provs.Start(s.ctx, addr)
	if err != nil {
		sp.err = err
		return sp
	}
	sp.p = p
	if sp.schema, err = p.Schema(s.ctx); err != nil {
		sp.err = err
	}
	return sp
}

// unchecked warns, once per provider, that resources of addr are checked
// without its schema, at the first such resource (in the first module to
// have one, the first in the order of its resources, whatever order they
// are validated in): validate still passes, but it could not find what
// only the schema tells.
func (s *schemaSource) unchecked(c *config.Config, addr config.Provider, sp *startedProvider, r *config.Resource) {
	s.diagsMu.Lock()
	defer s.diagsMu.Unlock()
	if sp.warning != nil {
		if sp.warnedIn == c.Path.String() && config.CompareResources(r, sp.warnedFor) < 0 {
			sp.warning.Subject, sp.warnedFor = r.TypeRange.Ptr(), r
		}
		return
	}
	why := "it is not installed. Run indigo init to install the providers the configuration requires, then validate again."
	if sp.err != nil {
		why = sp.err.Error()
	}
	sp.warning = &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  "Resources checked without their provider's schema",
		Detail: fmt.Sprintf("The resources' types, arguments and values were not checked against the schema of provider %s: %s",
			addr.ForDisplay(), why),
		Subject: r.TypeRange.Ptr(),
	}
	sp.warnedIn, sp.warnedFor = c.Path.String(), r
	s.diags = append(s.diags, sp.warning)
}

// resource is eval.ValidateOptions.Schemas.
func (s *schemaSource) resource(c *config.Config, r *config.Resource) eval.ResourceSchema {
	addr := c.Module.ProviderFor(r.ProviderLocalName())
	sp := s.get(addr)
	if sp.schema == nil {
		s.unchecked(c, addr, sp, r)
		return eval.ResourceSchema{}
	}
	types := sp.schema.Resources
	switch r.Mode {
	case config.DataMode:
		types = sp.schema.DataSources
	case config.EphemeralMode:
		types = sp.schema.EphemeralResources
	}
	out := eval.ResourceSchema{Known: true, Provider: addr.ForDisplay()}
	if rs, ok := types[r.Type]; ok && rs.Block != nil {
		out.Spec = rs.Block.DecoderSpec()
		addr := r.Addr().String()
		if !c.Path.IsRoot() {
			addr = c.Path.String() + "." + addr
		}
		out.Validate = func(val cty.Value) hcl.Diagnostics {
			s.pending.Add(1)
			s.sem <- struct{}{}
			go func() {
				defer s.pending.Done()
				d := planner.ValidateResourceConfig(s.ctx, sp.p, r, addr, val)
				<-s.sem
				if len(d) > 0 {
					s.diagsMu.Lock()
					s.diags = append(s.diags, d...)
					s.diagsMu.Unlock()
				}
			}()
			return nil
		}
		return out
	}
	for name := range types {
		out.Types = append(out.Types, name)
	}
	sort.Strings(out.Types)
	return out
}

// provider is eval.ValidateOptions.ProviderSchemas: the schema of a
// provider block's body.
func (s *schemaSource) provider(c *config.Config, pc *config.ProviderConfig) eval.ResourceSchema {
	addr := c.Module.ProviderFor(pc.Name)
	sp := s.get(addr)
	if sp.schema == nil {
		return eval.ResourceSchema{}
	}
	return eval.ResourceSchema{Known: true, Provider: addr.ForDisplay(), Spec: sp.schema.Provider.DecoderSpec()}
}

// function is eval.ValidateOptions.Functions: what the schema of provider
// p declares of its function fn.
func (s *schemaSource) function(p config.Provider, fn string) (*eval.FunctionDecl, bool) {
	sp := s.get(p)
	if sp.schema == nil {
		return nil, false
	}
	fd, ok := sp.schema.Functions[fn]
	if !ok {
		return nil, true
	}
	return planner.FunctionDecl(fd), true
}

// wait waits for the providers' validations and returns their problems.
func (s *schemaSource) wait() hcl.Diagnostics {
	s.pending.Wait()
	s.diagsMu.Lock()
	defer s.diagsMu.Unlock()
	return s.diags
}

// close ends the provider processes, once their validations are done.
func (s *schemaSource) close() {
	s.pending.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sp := range s.started {
		<-sp.ready
		if sp.p != nil {
			_ = sp.p.Close()
		}
	}
}
