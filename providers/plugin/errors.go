package plugin

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrProviderExited is wrapped by a CallError when the provider process
	// exited (crashed, panicked, was killed) before answering.
	ErrProviderExited = errors.New("provider process exited")
	// ErrInvalidResponse is wrapped by a CallError when the provider's answer
	// could not be understood: a value that does not decode against the
	// schema, a schema with an invalid type, a failed handshake.
	ErrInvalidResponse = errors.New("invalid response from provider")
	// ErrClosed is wrapped by a CallError for calls made after Close.
	ErrClosed = errors.New("provider closed")
)

// CallError is a call to a provider that failed as a call: the provider
// crashed or hung, broke the protocol, or the context ended first. Problems
// the provider reports about the request itself are Diagnostics, not
// CallErrors.
//
// A failed call is returned as an error Diagnostic whose Err is the
// *CallError, so errors.As(diags.Err(), &callErr) finds it.
type CallError struct {
	// Provider is the provider's address as given in StartOptions.Name.
	Provider string
	// Addr is the resource instance address the call was about, when there
	// is one.
	Addr string
	// Operation is the protocol operation ("PlanResourceChange") or "start".
	Operation string
	// StderrTail is the end of what the provider wrote on its standard
	// error, where a crash leaves its panic message and stack.
	StderrTail string
	// Err is the cause. errors.Is reaches ErrProviderExited,
	// ErrInvalidResponse, ErrClosed, errors.ErrUnsupported (the provider does
	// not implement the operation), context.Canceled or
	// context.DeadlineExceeded through it.
	Err error
}

// Error names the provider, the operation, the resource and the cause, and
// ends with the provider's last words on stderr, if any.
func (e *CallError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "provider %s: %s", e.Provider, e.Operation)
	if e.Addr != "" {
		fmt.Fprintf(&b, " of %s", e.Addr)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	if tail := strings.TrimSpace(e.StderrTail); tail != "" {
		b.WriteString("\n\nThe provider's last output on stderr:\n")
		b.WriteString(tail)
	}
	return b.String()
}

// Unwrap returns Err.
func (e *CallError) Unwrap() error { return e.Err }

// summary is the one-line summary of the Diagnostic standing for e.
func (e *CallError) summary() string {
	switch {
	case errors.Is(e.Err, ErrProviderExited):
		return "Provider crashed"
	case errors.Is(e.Err, context.DeadlineExceeded):
		return "Provider did not answer in time"
	case errors.Is(e.Err, context.Canceled):
		return "Provider call canceled"
	case errors.Is(e.Err, ErrInvalidResponse):
		return "Provider returned an invalid response"
	case errors.Is(e.Err, errors.ErrUnsupported):
		return "Provider does not support " + e.Operation
	case errors.Is(e.Err, ErrClosed):
		return "Provider already closed"
	default:
		return "Provider call failed"
	}
}

// FunctionError is the error a provider-defined function returned.
type FunctionError struct {
	// Function is the function's name.
	Function string
	Text     string
	// Argument is the zero-based index of the argument at fault, or -1.
	Argument int
}

// Error returns the function's message, naming the argument at fault.
func (e *FunctionError) Error() string {
	if e.Argument >= 0 {
		return fmt.Sprintf("function %s, argument %d: %s", e.Function, e.Argument+1, e.Text)
	}
	return fmt.Sprintf("function %s: %s", e.Function, e.Text)
}
