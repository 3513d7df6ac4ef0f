package indigo

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/indigo-cloud/indigo/providers/indigo/internal/check"
)

func nonEmpty() validator.String {
	return check.String{Desc: "must not be empty", Check: func(s string) string {
		if s == "" {
			return "must not be empty"
		}
		return ""
	}}
}

// parsePermission reads an octal permission such as "0644" or "755".
func parsePermission(s string) (uint32, error) {
	if len(s) < 3 || len(s) > 4 {
		return 0, fmt.Errorf("%q is not an octal permission such as \"0644\"", s)
	}
	n, err := strconv.ParseUint(s, 8, 32)
	if err != nil {
		return 0, fmt.Errorf("%q is not an octal permission such as \"0644\"", s)
	}
	if n > 0o777 {
		return 0, fmt.Errorf("%q: setuid, setgid and sticky bits are not supported; use at most 0777", s)
	}
	return uint32(n), nil
}

func permission() validator.String {
	return check.String{Desc: `an octal permission of 3 or 4 digits, such as "0644"`, Check: func(s string) string {
		if _, err := parsePermission(s); err != nil {
			return err.Error()
		}
		return ""
	}}
}

func base64String() validator.String {
	return check.String{Desc: "standard base64 (RFC 4648, with padding)", Check: func(s string) string {
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			return fmt.Sprintf("not valid base64: %v", err)
		}
		return ""
	}}
}

func duration() validator.String { return check.Duration() }

func httpURL() validator.String {
	return check.String{Desc: "an http:// or https:// URL", Check: func(s string) string {
		u, err := url.Parse(s)
		if err != nil {
			return fmt.Sprintf("%q is not a URL: %v", s, err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Sprintf("%q must be an http:// or https:// URL with a host", s)
		}
		return ""
	}}
}

func hostPort() validator.String {
	return check.String{Desc: `a host:port address such as "127.0.0.1:8080"`, Check: func(s string) string {
		host, port, err := net.SplitHostPort(s)
		if err != nil || host == "" {
			return fmt.Sprintf("%q is not a host:port address such as \"127.0.0.1:8080\"", s)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("%q: the port must be a number from 1 to 65535", s)
		}
		return ""
	}}
}

// exactlyOneOf is a resource config validator: exactly one of the attributes
// must be set. Unknown values postpone the check to apply time.
type exactlyOneOf []string

func (v exactlyOneOf) Description(context.Context) string {
	return "exactly one of " + strings.Join(v, ", ") + " must be set"
}
func (v exactlyOneOf) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v exactlyOneOf) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var set []string
	for _, name := range v {
		var val attr.Value
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(name), &val)...)
		if val == nil {
			continue
		}
		if val.IsUnknown() {
			return
		}
		if !val.IsNull() {
			set = append(set, name)
		}
	}
	switch len(set) {
	case 1:
	case 0:
		resp.Diagnostics.AddError("Missing content", fmt.Sprintf("Set exactly one of %s.", strings.Join(v, ", ")))
	default:
		resp.Diagnostics.AddAttributeError(path.Root(set[1]), "Conflicting content",
			fmt.Sprintf("%s and %s are both set; set exactly one of %s.", set[0], set[1], strings.Join(v, ", ")))
	}
}

// healthCheckShape requires exactly one of http and tcp in a health_check
// block.
type healthCheckShape struct{}

func (healthCheckShape) Description(context.Context) string {
	return "exactly one of http and tcp must be set"
}
func (v healthCheckShape) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (healthCheckShape) ValidateObject(_ context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	attrs := req.ConfigValue.Attributes()
	count := 0
	for _, name := range []string{"http", "tcp"} {
		v := attrs[name]
		if v == nil {
			continue
		}
		if v.IsUnknown() {
			return
		}
		if !v.IsNull() {
			count++
		}
	}
	if count != 1 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid health check",
			fmt.Sprintf("%s: set exactly one of http (a URL to GET) and tcp (an address to connect to).", req.Path))
	}
}
