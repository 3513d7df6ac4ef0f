package container

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// site is what the container target needs of the provider's resource
// data: paths resolved under the provider's root, and the root made ready
// before the first write. providers/indigo's site provides it.
type site interface {
	ResolvePath(p string) (string, error)
	PrepareWrite(abs string) error
}

func siteOf(providerData any) site {
	s, _ := providerData.(site)
	return s
}

var errNotConfigured = errors.New("indigo_container needs a configured indigo provider")

// nameRE is what a container name may be: it names a directory.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)

// check is a string validator from a function that returns what is wrong.
type check struct {
	desc string
	fn   func(string) string
}

func (c check) Description(_ context.Context) string           { return c.desc }
func (c check) MarkdownDescription(ctx context.Context) string { return c.desc }

func (c check) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if msg := c.fn(req.ConfigValue.ValueString()); msg != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid value", msg+".")
	}
}

var (
	_ validator.String = check{}

	validName = check{desc: "a container name: letters, digits, '_', '.', '-'", fn: func(s string) string {
		if !nameRE.MatchString(s) {
			return fmt.Sprintf("%q is not a container name: use letters, digits, '_', '.' and '-', starting with a letter or digit (it names the directory containers/NAME)", s)
		}
		return ""
	}}
	validImage = check{desc: "an image reference", fn: func(s string) string {
		if _, err := parseImage(s); err != nil {
			return err.Error()
		}
		return ""
	}}
	validDuration = check{desc: `a positive duration such as "30s"`, fn: func(s string) string {
		if d, err := time.ParseDuration(s); err != nil || d <= 0 {
			return fmt.Sprintf("%q is not a positive duration such as \"30s\"", s)
		}
		return ""
	}}
	validRuntime = check{desc: `"proot" or "bwrap"`, fn: func(s string) string {
		if s != runtimeProot && s != runtimeBwrap {
			return fmt.Sprintf("%q is not a runtime: use \"proot\" or \"bwrap\" (bubblewrap)", s)
		}
		return ""
	}}
	validGuestPath = check{desc: "an absolute path inside the container", fn: func(s string) string {
		if !strings.HasPrefix(s, "/") {
			return fmt.Sprintf("%q must be an absolute path inside the container", s)
		}
		return ""
	}}
)

// nonEmptyList wants a list with at least one element whose first is not
// empty (a command).
type nonEmptyList struct{}

func (nonEmptyList) Description(context.Context) string {
	return "a program and its arguments"
}
func (v nonEmptyList) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (nonEmptyList) ValidateList(ctx context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	elems := req.ConfigValue.Elements()
	if len(elems) == 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Empty command", "command must name the program to run, then its arguments; leave it out to run the image's own command.")
		return
	}
	if s, ok := elems[0].(types.String); ok && !s.IsUnknown() && s.ValueString() == "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Empty command", "The program (the first element of command) is empty.")
	}
}

// portRange wants a TCP port, 1 to 65535.
type portRange struct{}

func (portRange) Description(context.Context) string               { return "a TCP port, 1 to 65535" }
func (v portRange) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (portRange) ValidateInt64(_ context.Context, req validator.Int64Request, resp *validator.Int64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if p := req.ConfigValue.ValueInt64(); p < 1 || p > 65535 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid port", fmt.Sprintf("%d is not a TCP port (1 to 65535).", p))
	}
}
