package main

import (
	"context"

	"sort"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/planner"
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
	ctx   context.Context
	provs planner.Providers

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

type startedProvider struct {
	p      planner.Provider
	schema *plugin.Schema
}

func newSchemaSource(ctx context.Context, provs planner.Providers) *schemaSource {
	return &schemaSource{ctx: ctx, provs: provs, started: map[config.Provider]*startedProvider{}, sem: make(chan struct{}, validateParallelism)}
}

func (s *schemaSource) get(addr config.Provider) *startedProvider {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sp, ok := s.started[addr]; ok {
		return sp
	}
	sp := &startedProvider{}
	s.started[addr] = sp
	p, err := s.provs.Start(s.ctx, addr)
	if err != nil {
		return sp
	}
	sp.p = p
	if schema, err := p.Schema(s.ctx); err == nil {
		sp.schema = schema
	}
	return sp
}

// resource is eval.ValidateOptions.Schemas.
func (s *schemaSource) resource(c *config.Config, r *config.Resource) eval.ResourceSchema {
	addr := c.Module.ProviderFor(r.ProviderLocalName())
	sp := s.get(addr)
	if sp.schema == nil {
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
		if sp.p != nil {
			_ = sp.p.Close()
		}
	}
}
