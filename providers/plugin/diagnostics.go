package plugin

import (
	"errors"
	"fmt"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// Severity is how bad a Diagnostic is.
type Severity int

const (
	// Error: the operation did not succeed.
	Error Severity = iota + 1
	// Warning: the operation succeeded but something deserves attention.
	Warning
)

// String returns "error" or "warning".
func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	default:
		return "invalid severity"
	}
}

// Diagnostic is a problem reported by a provider, or by this package about a
// call to a provider.
type Diagnostic struct {
	Severity Severity
	Summary  string
	Detail   string
	// Attribute, when set, is the path of the attribute at fault inside the
	// value the request carried (configuration, state); the caller maps it to
	// a source range.
	Attribute cty.Path
	// Err is set when the diagnostic stands for a failed call rather than a
	// problem the provider reported: usually a *CallError.
	Err error
}

// Diagnostics is a list of diagnostics, in the order they were reported.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Err returns nil when there are no errors, else an error describing every
// error diagnostic. errors.As finds a *CallError through it when a call
// failed.
func (ds Diagnostics) Err() error {
	var errs []error
	for _, d := range ds {
		if d.Severity != Error {
			continue
		}
		if d.Err != nil {
			errs = append(errs, d.Err)
			continue
		}
		errs = append(errs, diagnosticError{d})
	}
	return errors.Join(errs...)
}

// diagnosticError is a provider-reported error diagnostic seen as an error.
type diagnosticError struct{ d Diagnostic }

func (e diagnosticError) Error() string {
	var b strings.Builder
	if len(e.d.Attribute) > 0 {
		fmt.Fprintf(&b, "%s: ", FormatPath(e.d.Attribute))
	}
	b.WriteString(e.d.Summary)
	if e.d.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.d.Detail)
	}
	return b.String()
}

// FormatPath writes a path the way a user writes a reference: rule[0].port,
// tags["env"].
func FormatPath(path cty.Path) string {
	var b strings.Builder
	for i, step := range path {
		switch s := step.(type) {
		case cty.GetAttrStep:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.Name)
		case cty.IndexStep:
			switch {
			case s.Key.IsNull() || !s.Key.IsKnown():
				b.WriteString("[?]")
			case s.Key.Type() == cty.String:
				fmt.Fprintf(&b, "[%q]", s.Key.AsString())
			case s.Key.Type() == cty.Number:
				fmt.Fprintf(&b, "[%s]", s.Key.AsBigFloat().Text('f', -1))
			default:
				b.WriteString("[...]")
			}
		}
	}
	return b.String()
}

// callFailed turns a failed call into the one diagnostic a response carries.
func callFailed(err *CallError) Diagnostics {
	return Diagnostics{{Severity: Error, Summary: err.summary(), Detail: err.Error(), Err: err}}
}
