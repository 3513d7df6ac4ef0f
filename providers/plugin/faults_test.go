package plugin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
	"go.uber.org/goleak"
)

// TestFaults runs a deliberately faulty provider: each fault must come back
// as a *CallError naming the provider, the operation and the resource, with
// the provider's last words, and leave no process or goroutine behind once
// the Provider is closed.
func TestFaults(t *testing.T) {
	needTestProvider(t)
	cases := []struct {
		fault, op   string
		timeout     time.Duration
		wantIs      error
		wantStderr  string
		wantSummary string
	}{
		{fault: "crash", op: "PlanResourceChange", wantIs: ErrProviderExited, wantStderr: "disk on fire", wantSummary: "Provider crashed"},
		{fault: "panic", op: "PlanResourceChange", wantIs: ErrProviderExited, wantStderr: "deliberate panic in PlanResourceChange", wantSummary: "Provider crashed"},
		{fault: "hang", op: "PlanResourceChange", timeout: 500 * time.Millisecond, wantIs: context.DeadlineExceeded, wantSummary: "Provider did not answer in time"},
		{fault: "garbage", op: "PlanResourceChange", wantIs: ErrInvalidResponse, wantSummary: "Provider returned an invalid response"},
		{fault: "crash", op: "ApplyResourceChange", wantIs: ErrProviderExited, wantStderr: "disk on fire", wantSummary: "Provider crashed"},
		{fault: "garbage", op: "ApplyResourceChange", wantIs: ErrInvalidResponse, wantSummary: "Provider returned an invalid response"},
		{fault: "garbage", op: "ReadResource", wantIs: ErrInvalidResponse, wantSummary: "Provider returned an invalid response"},
		{fault: "panic", op: "ReadResource", wantIs: ErrProviderExited, wantStderr: "deliberate panic in ReadResource", wantSummary: "Provider crashed"},
	}
	for _, protocol := range []int{5, 6} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("protocol%d/%s/%s", protocol, tc.fault, tc.op), func(t *testing.T) {
				defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
				p := startProvider(t, protocol, "INDIGO_TESTPROVIDER_FAULT="+tc.fault, "INDIGO_TESTPROVIDER_FAULT_OP="+tc.op)
				pid := p.proc.Pid()

				ctx := context.Background()
				if tc.timeout > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tc.timeout)
					defer cancel()
				}
				const addr = `indigotest_thing.victim["x"]`
				diags := callOp(ctx, t, p, tc.op, addr)

				var ce *CallError
				if !errors.As(diags.Err(), &ce) {
					t.Fatalf("diagnostics %v: no *CallError", diags)
				}
				if ce.Provider != testProviderName || ce.Addr != addr || ce.Operation != tc.op {
					t.Errorf("CallError names provider %q, resource %q, operation %q", ce.Provider, ce.Addr, ce.Operation)
				}
				if !errors.Is(ce, tc.wantIs) {
					t.Errorf("error %v does not wrap %v", ce, tc.wantIs)
				}
				if !strings.Contains(ce.StderrTail, tc.wantStderr) {
					t.Errorf("stderr tail %q does not contain %q", ce.StderrTail, tc.wantStderr)
				}
				msg := ce.Error()
				for _, want := range []string{testProviderName, addr, tc.op, tc.wantStderr} {
					if !strings.Contains(msg, want) {
						t.Errorf("error message does not mention %q:\n%s", want, msg)
					}
				}
				if got := diags[len(diags)-1].Summary; got != tc.wantSummary {
					t.Errorf("diagnostic summary %q, want %q", got, tc.wantSummary)
				}

				if err := p.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
				if !processGone(pid) {
					t.Errorf("provider process %d still exists after Close", pid)
				}
				// Calls after Close fail cleanly.
				after := p.ReadResource(context.Background(), ReadRequest{Addr: addr, TypeName: "indigotest_thing"})
				if !errors.Is(after.Diagnostics.Err(), ErrClosed) && !errors.Is(after.Diagnostics.Err(), ErrProviderExited) {
					t.Errorf("call after Close: %v", after.Diagnostics.Err())
				}
			})
		}
	}
}

// callOp makes a call that reaches op in the test provider.
func callOp(ctx context.Context, t *testing.T, p *Provider, op, addr string) Diagnostics {
	t.Helper()
	s, err := p.Schema(context.Background())
	if err != nil {
		t.Fatalf("Schema: %v", err)
	}
	thing := s.Resources["indigotest_thing"].Block
	null := cty.NullVal(thing.ImpliedType())
	cfg := objectOf(thing, map[string]cty.Value{"name": cty.StringVal("victim")})
	switch op {
	case "PlanResourceChange":
		return p.PlanResourceChange(ctx, PlanRequest{Addr: addr, TypeName: "indigotest_thing", PriorState: null, ProposedNewState: cfg, Config: cfg}).Diagnostics
	case "ApplyResourceChange":
		planned := objectOf(thing, map[string]cty.Value{"name": cty.StringVal("victim"), "id": cty.UnknownVal(cty.String), "revision": cty.UnknownVal(cty.Number)})
		return p.ApplyResourceChange(ctx, ApplyRequest{Addr: addr, TypeName: "indigotest_thing", PriorState: null, PlannedState: planned, Config: cfg}).Diagnostics
	case "ReadResource":
		state := objectOf(thing, map[string]cty.Value{"name": cty.StringVal("victim"), "id": cty.StringVal("thing-victim")})
		return p.ReadResource(ctx, ReadRequest{Addr: addr, TypeName: "indigotest_thing", PriorState: state}).Diagnostics
	}
	t.Fatalf("no call for %s", op)
	return nil
}

// TestFaultCrashBeforeSchema: a provider that dies on its first RPC fails
// Schema and every call needing it with the same kind of error.
func TestFaultCrashBeforeSchema(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	p := startProvider(t, 6, "INDIGO_TESTPROVIDER_FAULT=crash", "INDIGO_TESTPROVIDER_FAULT_OP=GetProviderSchema")
	pid := p.proc.Pid()
	_, err := p.Schema(context.Background())
	var ce *CallError
	if !errors.As(err, &ce) || ce.Operation != "GetProviderSchema" || !errors.Is(err, ErrProviderExited) || !strings.Contains(ce.StderrTail, "disk on fire") {
		t.Fatalf("Schema error = %v, want a crash during GetProviderSchema", err)
	}
	diags := p.ValidateResourceConfig(context.Background(), ValidateRequest{Addr: "indigotest_thing.a", TypeName: "indigotest_thing", Config: cty.EmptyObjectVal})
	if !errors.Is(diags.Err(), ErrProviderExited) {
		t.Errorf("validate after the crash: %v", diags)
	}
	_ = p.Close()
	if !processGone(pid) {
		t.Errorf("provider process %d still exists", pid)
	}
}

// TestFaultStart covers providers that fail before or during the handshake,
// and a context that ends while the provider is starting.
func TestFaultStart(t *testing.T) {
	needTestProvider(t)
	cases := []struct {
		fault      string
		timeout    time.Duration
		wantIs     error
		wantStderr string
	}{
		{fault: "handshake-exit", wantIs: ErrProviderExited, wantStderr: "configuration missing"},
		{fault: "handshake-garbage", wantIs: ErrInvalidResponse},
		{fault: "handshake-silent", timeout: 500 * time.Millisecond, wantIs: context.DeadlineExceeded},
	}
	for _, tc := range cases {
		t.Run(tc.fault, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			ctx := context.Background()
			if tc.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
			}
			cmd := providerCmd(t, 6, "INDIGO_TESTPROVIDER_FAULT="+tc.fault)
			start := time.Now()
			p, err := Start(ctx, StartOptions{Name: testProviderName, Cmd: cmd, Logger: testLogger()})
			if err == nil {
				_ = p.Close()
				t.Fatal("Start succeeded")
			}
			if elapsed := time.Since(start); elapsed > 20*time.Second {
				t.Errorf("Start took %v to fail", elapsed)
			}
			var ce *CallError
			if !errors.As(err, &ce) || ce.Operation != "start" || ce.Provider != testProviderName {
				t.Fatalf("error %v is not a CallError for start", err)
			}
			if !errors.Is(err, tc.wantIs) {
				t.Errorf("error %v does not wrap %v", err, tc.wantIs)
			}
			if !strings.Contains(ce.StderrTail, tc.wantStderr) {
				t.Errorf("stderr tail %q does not contain %q", ce.StderrTail, tc.wantStderr)
			}
			if cmd.Process != nil && !processGone(cmd.Process.Pid) {
				t.Errorf("provider process %d still exists", cmd.Process.Pid)
			}
		})
	}
}

// TestStartMissingBinary: a binary that does not exist is a start error
// saying so.
func TestStartMissingBinary(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cmd := providerCmd(t, 6)
	cmd.Path = "/nonexistent/terraform-provider-nothing"
	_, err := Start(context.Background(), StartOptions{Cmd: cmd})
	var ce *CallError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("Start of a missing binary: %v", err)
	}
	if ce.Provider != "terraform-provider-nothing" {
		t.Errorf("provider name defaults to %q, want the binary's name", ce.Provider)
	}
}

// TestCloseIdempotent: Close twice, concurrently, is fine.
func TestCloseIdempotent(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	p := startProvider(t, 5)
	pid := p.proc.Pid()
	done := make(chan struct{})
	go func() { _ = p.Close(); close(done) }()
	_ = p.Close()
	<-done
	if !processGone(pid) {
		t.Errorf("provider process %d still exists", pid)
	}
}

// TestFaultCancel: canceling the context of a call to a hung provider ends
// the call with context.Canceled; the provider is then closed cleanly.
func TestFaultCancel(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	p := startProvider(t, 6, "INDIGO_TESTPROVIDER_FAULT=hang", "INDIGO_TESTPROVIDER_FAULT_OP=ApplyResourceChange")
	pid := p.proc.Pid()
	ctx, cancel := context.WithCancel(context.Background())
	timer := time.AfterFunc(300*time.Millisecond, cancel)
	defer timer.Stop()
	diags := callOp(ctx, t, p, "ApplyResourceChange", "indigotest_thing.slow")
	var ce *CallError
	if !errors.As(diags.Err(), &ce) || !errors.Is(ce, context.Canceled) || ce.summary() != "Provider call canceled" {
		t.Fatalf("diagnostics %v, want a canceled CallError", diags)
	}
	// The provider still answers other calls while one hangs.
	if _, err := p.Metadata(context.Background()); err != nil {
		t.Errorf("Metadata while a call hangs: %v", err)
	}
	_ = p.Close()
	if !processGone(pid) {
		t.Errorf("provider process %d still exists", pid)
	}
}

// TestFaultFrozenClose: Close of a provider whose process is frozen
// (SIGSTOP: it holds its connection and answers nothing) does not wait for
// ever on the shutdown it asks for: the process is killed and Close
// returns.
func TestFaultFrozenClose(t *testing.T) {
	p := startProvider(t, 6)
	pid := p.proc.Pid()
	if _, err := p.Schema(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(pid, syscall.SIGKILL)
	done := make(chan struct{})
	go func() {
		_ = p.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Close of a frozen provider did not return within 30 s")
	}
	for range 100 {
		if processGone(pid) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("the frozen provider process %d is still there after Close", pid)
}
