package steps

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

type nonEmpty struct{}

func (nonEmpty) Description(context.Context) string         { return "must not be empty" }
func (nonEmpty) MarkdownDescription(context.Context) string { return "must not be empty" }
func (nonEmpty) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if !req.ConfigValue.IsNull() && !req.ConfigValue.IsUnknown() && req.ConfigValue.ValueString() == "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Empty value", "Give a non-empty value.")
	}
}

type oneOf []string

func (o oneOf) Description(context.Context) string {
	return "one of " + strings.Join(o, ", ")
}
func (o oneOf) MarkdownDescription(ctx context.Context) string { return o.Description(ctx) }
func (o oneOf) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || slices.Contains(o, req.ConfigValue.ValueString()) {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Unknown runner",
		fmt.Sprintf("%q is not a runner; use one of %s.", req.ConfigValue.ValueString(), strings.Join(o, ", ")))
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// inputNames checks that every input can be an environment variable and an
// Ansible variable.
type inputNames struct{}

func (inputNames) Description(context.Context) string { return "names are identifiers" }
func (i inputNames) MarkdownDescription(ctx context.Context) string {
	return i.Description(ctx)
}
func (inputNames) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for k := range req.ConfigValue.Elements() {
		if !identifier.MatchString(k) {
			resp.Diagnostics.AddAttributeError(req.Path.AtMapKey(k), "Invalid input name",
				fmt.Sprintf("%q cannot be an environment variable or an Ansible variable: use letters, digits and _, not starting with a digit.", k))
		}
	}
}

// duration checks a Go duration ("30m", "1h30m").
type duration struct{}

func (duration) Description(context.Context) string         { return "a duration such as 30m" }
func (duration) MarkdownDescription(context.Context) string { return "a duration such as `30m`" }
func (duration) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if d, err := time.ParseDuration(req.ConfigValue.ValueString()); err != nil || d <= 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid timeout",
			fmt.Sprintf("%q is not a positive duration; write one such as \"30m\" or \"1h30m\".", req.ConfigValue.ValueString()))
	}
}
