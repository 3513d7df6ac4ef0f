// Package check holds the attribute validators that more than one of the
// built-in provider's targets uses (providers/indigo, its container room):
// a string validator made from a function, TCP ports, and commands.
package check

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// String is a validator.String built from a description and a function
// that returns a problem with a known, non-null value ("" when it is fine).
type String struct {
	Desc  string
	Check func(string) string
}

func (v String) Description(context.Context) string         { return v.Desc }
func (v String) MarkdownDescription(context.Context) string { return v.Desc }

func (v String) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if problem := v.Check(req.ConfigValue.ValueString()); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid value", fmt.Sprintf("%s: %s.", req.Path, problem))
	}
}

// Port accepts TCP port numbers.
type Port struct{}

func (Port) Description(context.Context) string         { return "a TCP port from 1 to 65535" }
func (Port) MarkdownDescription(context.Context) string { return "a TCP port from 1 to 65535" }

func (Port) ValidateInt64(_ context.Context, req validator.Int64Request, resp *validator.Int64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if n := req.ConfigValue.ValueInt64(); n < 1 || n > 65535 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid port", fmt.Sprintf("%s: %d is not a TCP port (1 to 65535).", req.Path, n))
	}
}

// Command accepts a non-empty list whose first element (the program) is
// not empty.
type Command struct{}

func (Command) Description(context.Context) string {
	return "a non-empty list: the program, then its arguments"
}
func (v Command) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (Command) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	elems := req.ConfigValue.Elements()
	if len(elems) == 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Empty command", fmt.Sprintf("%s must name the program to run, then its arguments.", req.Path))
		return
	}
	if s, ok := elems[0].(types.String); ok && !s.IsUnknown() && s.ValueString() == "" {
		resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(0), "Empty program", fmt.Sprintf("%s: the program name must not be empty.", req.Path.AtListIndex(0)))
	}
}

// Duration accepts a positive Go duration.
func Duration() String {
	return String{Desc: `a positive Go duration such as "30s" or "500ms"`, Check: func(s string) string {
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Sprintf("%q is not a duration such as \"30s\" or \"500ms\"", s)
		}
		if d <= 0 {
			return fmt.Sprintf("%q must be positive", s)
		}
		return ""
	}}
}
