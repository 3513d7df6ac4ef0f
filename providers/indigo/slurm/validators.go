package slurm

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// patternCheck accepts strings matching a regular expression.
type patternCheck struct {
	re   *regexp.Regexp
	want string
}

func pattern(re *regexp.Regexp, want string) validator.String {
	return patternCheck{re: re, want: want}
}

func (v patternCheck) Description(context.Context) string         { return "must be " + v.want }
func (v patternCheck) MarkdownDescription(context.Context) string { return "must be " + v.want }

func (v patternCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if !v.re.MatchString(req.ConfigValue.ValueString()) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid value", fmt.Sprintf("%s is %q; it must be %s.", req.Path, req.ConfigValue.ValueString(), v.want))
	}
}

// duration accepts a positive Go duration.
type duration struct{}

func (duration) Description(context.Context) string { return `a duration such as "30m" or "2h"` }
func (duration) MarkdownDescription(context.Context) string {
	return `a duration such as "30m" or "2h"`
}

func (duration) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if d, err := time.ParseDuration(req.ConfigValue.ValueString()); err != nil || d <= 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration", fmt.Sprintf("%s is %q; write a positive duration such as \"30m\" or \"2h\".", req.Path, req.ConfigValue.ValueString()))
	}
}

// optionList accepts sbatch options: each starts with "-" (a value
// without one would be read as the script's path).
type optionList struct{}

func (optionList) Description(context.Context) string { return "sbatch options, each starting with -" }
func (optionList) MarkdownDescription(context.Context) string {
	return "sbatch options, each starting with -"
}

func (optionList) ValidateList(ctx context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for i, e := range req.ConfigValue.Elements() {
		s, ok := e.(types.String)
		if !ok || s.IsUnknown() || s.IsNull() {
			continue
		}
		if !strings.HasPrefix(s.ValueString(), "-") {
			resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(i), "Invalid sbatch option",
				fmt.Sprintf("%q is not an option: write each as sbatch takes it, e.g. \"--qos=long\".", s.ValueString()))
		}
	}
}
