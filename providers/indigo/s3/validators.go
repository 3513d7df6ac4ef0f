package s3

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// bucketName checks a bucket name against S3's naming rules.
type bucketName struct{}

func (bucketName) Description(context.Context) string {
	return "3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit"
}
func (v bucketName) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v bucketName) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	name := req.ConfigValue.ValueString()
	if err := s3utils.CheckValidBucketNameStrict(name); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid bucket name",
			fmt.Sprintf("%q is not a valid S3 bucket name (%v): use %s.", name, err, v.Description(ctx)))
	}
}

// tierName checks a tier name: MinIO wants uppercase.
type tierName struct{}

func (tierName) Description(context.Context) string {
	return "uppercase letters, digits, hyphens and underscores"
}
func (v tierName) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v tierName) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	name := req.ConfigValue.ValueString()
	ok := name != ""
	for _, r := range name {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			ok = false
		}
	}
	if !ok {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid tier name",
			fmt.Sprintf("%q is not a valid tier name: MinIO wants %s, e.g. %q.", name, v.Description(ctx), strings.ToUpper(name)))
	}
}

// nonEmpty rejects "".
type nonEmpty struct{}

func (nonEmpty) Description(context.Context) string               { return "must not be empty" }
func (v nonEmpty) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (nonEmpty) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if !req.ConfigValue.IsNull() && !req.ConfigValue.IsUnknown() && req.ConfigValue.ValueString() == "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Empty value", "This attribute must not be empty.")
	}
}

// atLeast checks an int64 lower bound.
type atLeast int64

func (v atLeast) Description(context.Context) string             { return fmt.Sprintf("at least %d", int64(v)) }
func (v atLeast) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (v atLeast) ValidateInt64(_ context.Context, req validator.Int64Request, resp *validator.Int64Response) {
	if !req.ConfigValue.IsNull() && !req.ConfigValue.IsUnknown() && req.ConfigValue.ValueInt64() < int64(v) {
		resp.Diagnostics.AddAttributeError(req.Path, "Value too small", fmt.Sprintf("%d is less than %d.", req.ConfigValue.ValueInt64(), int64(v)))
	}
}

// listAtLeast checks a list's (or block list's) minimum length.
type listAtLeast int

func (v listAtLeast) Description(context.Context) string             { return fmt.Sprintf("at least %d", int(v)) }
func (v listAtLeast) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (v listAtLeast) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsUnknown() {
		return
	}
	if n := len(req.ConfigValue.Elements()); n < int(v) {
		resp.Diagnostics.AddAttributeError(req.Path, "Too few blocks", fmt.Sprintf("Give at least %d; there are %d.", int(v), n))
	}
}
