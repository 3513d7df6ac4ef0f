package planner

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/providers/plugin"
)

// DefaultProviderTimeout is how long one provider call may take before the
// run gives up on it, when Options.ProviderTimeout is zero. It is long
// enough for a slow cloud API to create a server or a volume, and short
// enough that a provider that hangs (frozen, deadlocked, waiting on a dead
// network) does not hold a run and its lock for ever.
const DefaultProviderTimeout = 30 * time.Minute

// timeoutProvider bounds every call to a provider by a timeout. A call
// that runs out comes back as the provider client's *plugin.CallError
// (context.DeadlineExceeded), which names the provider, the operation and
// the resource, followed by a diagnostic that says which limit ran out and
// how to change it.
type timeoutProvider struct {
	Provider
	name    string
	timeout time.Duration
	// hung is set once a call ran out of time: the provider is not asked
	// anything else in this run, so a hung provider with many resources
	// costs one timeout, not one per resource.
	hung atomic.Bool
}

// errProviderHung marks the diagnostics of calls not made because the
// provider stopped answering earlier in the run.
var errProviderHung = errors.New("the provider stopped answering earlier in this run")

// withTimeout wraps p; a timeout below zero leaves it unbounded.
func withTimeout(p Provider, addr config.Provider, timeout time.Duration) Provider {
	if timeout == 0 {
		timeout = DefaultProviderTimeout
	}
	if timeout < 0 {
		return p
	}
	return &timeoutProvider{Provider: p, name: addr.ForDisplay(), timeout: timeout}
}

// call runs fn under the timeout and adds the explanation when the
// timeout, not the caller, ended it.
func (t *timeoutProvider) call(ctx context.Context, op, addr string, fn func(context.Context) plugin.Diagnostics) plugin.Diagnostics {
	if t.hung.Load() {
		what := op
		if addr != "" {
			what += " of " + addr
		}
		return plugin.Diagnostics{{
			Severity: plugin.Error,
			Err:      errProviderHung,
			Summary:  "Provider not called: it stopped answering",
			Detail: fmt.Sprintf("Provider %s did not answer an earlier call of this run within %s, so indigo did not call it for %s: nothing was asked of it. Run indigo apply again once the provider answers.",
				t.name, t.timeout, what),
		}}
	}
	cctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	diags := fn(cctx)
	if ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded) && diags.HasErrors() {
		t.hung.Store(true)
		diags = append(diags, t.timedOut(op, addr))
	}
	return diags
}

func (t *timeoutProvider) timedOut(op, addr string) plugin.Diagnostic {
	what := op
	if addr != "" {
		what += " of " + addr
	}
	return plugin.Diagnostic{
		Severity: plugin.Error,
		Err:      context.DeadlineExceeded,
		Summary:  "Provider call timed out",
		Detail: fmt.Sprintf("Provider %s did not finish %s within %s, so indigo stopped waiting. "+
			"If the provider is merely slow, raise the limit with -provider-timeout or INDIGO_PROVIDER_TIMEOUT (for example 2h); if it hangs, find out why (its log: INDIGO_LOG=debug). "+
			"Then run indigo apply (or plan) again: an operation that was cut off stays in flight in the state journal and is reconciled first.",
			t.name, what, t.timeout),
	}
}

func (t *timeoutProvider) Schema(ctx context.Context) (*plugin.Schema, error) {
	cctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	s, err := t.Provider.Schema(cctx)
	if err != nil && ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("%w; %s", err, t.timedOut("GetProviderSchema", "").Detail)
	}
	return s, err
}

func (t *timeoutProvider) ValidateProviderConfig(ctx context.Context, cfg cty.Value) (v cty.Value, diags plugin.Diagnostics) {
	diags = t.call(ctx, "ValidateProviderConfig", "", func(ctx context.Context) plugin.Diagnostics {
		var d plugin.Diagnostics
		v, d = t.Provider.ValidateProviderConfig(ctx, cfg)
		return d
	})
	return v, diags
}

func (t *timeoutProvider) ConfigureProvider(ctx context.Context, req plugin.ConfigureRequest) plugin.Diagnostics {
	return t.call(ctx, "ConfigureProvider", "", func(ctx context.Context) plugin.Diagnostics {
		return t.Provider.ConfigureProvider(ctx, req)
	})
}

func (t *timeoutProvider) ValidateResourceConfig(ctx context.Context, req plugin.ValidateRequest) plugin.Diagnostics {
	return t.call(ctx, "ValidateResourceConfig", req.Addr, func(ctx context.Context) plugin.Diagnostics {
		return t.Provider.ValidateResourceConfig(ctx, req)
	})
}

func (t *timeoutProvider) ValidateDataResourceConfig(ctx context.Context, req plugin.ValidateRequest) plugin.Diagnostics {
	return t.call(ctx, "ValidateDataResourceConfig", req.Addr, func(ctx context.Context) plugin.Diagnostics {
		return t.Provider.ValidateDataResourceConfig(ctx, req)
	})
}

func (t *timeoutProvider) UpgradeResourceState(ctx context.Context, req plugin.UpgradeRequest) (resp plugin.UpgradeResponse) {
	resp.Diagnostics = t.call(ctx, "UpgradeResourceState", req.Addr, func(ctx context.Context) plugin.Diagnostics {
		resp = t.Provider.UpgradeResourceState(ctx, req)
		return resp.Diagnostics
	})
	return resp
}

func (t *timeoutProvider) UpgradeResourceIdentity(ctx context.Context, req plugin.UpgradeIdentityRequest) (resp plugin.UpgradeIdentityResponse) {
	resp.Diagnostics = t.call(ctx, "UpgradeResourceIdentity", req.Addr, func(ctx context.Context) plugin.Diagnostics {
		resp = t.Provider.UpgradeResourceIdentity(ctx, req)
		return resp.Diagnostics
	})
	return resp
}

func (t *timeoutProvider) ReadResource(ctx context.Context, req plugin.ReadRequest) (resp plugin.ReadResponse) {
	resp.Diagnostics = t.call(ctx, "ReadResource", req.Addr, func(ctx context.Context) plugin.Diagnostics {
		resp = t.Provider.ReadResource(ctx, req)
		return resp.Diagnostics
	})
	return resp
}

func (t *timeoutProvider) PlanResourceChange(ctx context.Context, req plugin.PlanRequest) (resp plugin.PlanResponse) {
	resp.Diagnostics = t.call(ctx, "PlanResourceChange", req.Addr, func(ctx context.Context) plugin.Diagnostics {
		resp = t.Provider.PlanResourceChange(ctx, req)
		return resp.Diagnostics
	})
	return resp
}

func (t *timeoutProvider) ApplyResourceChange(ctx context.Context, req plugin.ApplyRequest) (resp plugin.ApplyResponse) {
	resp.Diagnostics = t.call(ctx, "ApplyResourceChange", req.Addr, func(ctx context.Context) plugin.Diagnostics {
		resp = t.Provider.ApplyResourceChange(ctx, req)
		return resp.Diagnostics
	})
	return resp
}

func (t *timeoutProvider) ImportResourceState(ctx context.Context, req plugin.ImportRequest) (resp plugin.ImportResponse) {
	resp.Diagnostics = t.call(ctx, "ImportResourceState", req.Addr, func(ctx context.Context) plugin.Diagnostics {
		resp = t.Provider.ImportResourceState(ctx, req)
		return resp.Diagnostics
	})
	return resp
}

func (t *timeoutProvider) MoveResourceState(ctx context.Context, req plugin.MoveRequest) (resp plugin.MoveResponse) {
	resp.Diagnostics = t.call(ctx, "MoveResourceState", req.Addr, func(ctx context.Context) plugin.Diagnostics {
		resp = t.Provider.MoveResourceState(ctx, req)
		return resp.Diagnostics
	})
	return resp
}

func (t *timeoutProvider) ReadDataSource(ctx context.Context, req plugin.ReadDataRequest) (resp plugin.ReadDataResponse) {
	resp.Diagnostics = t.call(ctx, "ReadDataSource", req.Addr, func(ctx context.Context) plugin.Diagnostics {
		resp = t.Provider.ReadDataSource(ctx, req)
		return resp.Diagnostics
	})
	return resp
}
