package s3

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/minio/minio-go/v7"

	"github.com/indigo-cloud/indigo/providers/indigo/s3/admin"
)

// errorCode returns the S3 or admin API error code of err, or "".
func errorCode(err error) string {
	if err == nil {
		return ""
	}
	if c := admin.ErrorCode(err); c != "" {
		return c
	}
	// minio.ToErrorResponse does not unwrap: a listing's error arrives
	// wrapped ("listing the replica: ...").
	var r minio.ErrorResponse
	if errors.As(err, &r) {
		return r.Code
	}
	return ""
}

// Error codes the resources act on.
const (
	codeNoSuchBucket       = "NoSuchBucket"
	codeBucketNotEmpty     = "BucketNotEmpty"
	codeNoSuchTagSet       = "NoSuchTagSet"
	codeNoSuchLifecycle    = "NoSuchLifecycleConfiguration"
	codeReplicationMissing = "ReplicationConfigurationNotFoundError"
)

// failure turns a failed call into a diagnostic that names the endpoint,
// the operation and the bucket (or other object) it was about, and says
// what to do when the cause is a usual one.
func failure(e *Endpoint, op, what string, err error) diag.Diagnostic {
	summary, detail := describe(e, op, what, err)
	return diag.NewErrorDiagnostic(summary, detail)
}

func describe(e *Endpoint, op, what string, err error) (summary, detail string) {
	doing := fmt.Sprintf("%s %s on the %s", op, what, e)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "S3 call interrupted", fmt.Sprintf("%s was interrupted: %v.", capitalize(doing), err)
	}
	var nerr net.Error
	var uerr *url.Error
	var operr *net.OpError
	if errors.As(err, &operr) || errors.As(err, &uerr) || errors.As(err, &nerr) {
		return "S3 endpoint unreachable", fmt.Sprintf(
			"%s failed: the server did not answer (%v). Check that it is running and that the provider's %s endpoint is right.",
			capitalize(doing), err, e.label)
	}
	code := errorCode(err)
	switch code {
	case "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "XMinioAdminInvalidAccessKey", "XMinioAdminInvalidSecretKey":
		hint := "access_key and secret_key"
		if e.label == BlockS3 {
			hint += " (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
		}
		return "S3 credentials rejected", fmt.Sprintf(
			"%s failed: the server rejected the credentials (access key %q): %s Check %s in the provider's %s block.",
			capitalize(doing), e.accessKey, message(err), hint, e.label)
	case "AccessDenied", "XMinioAdminNotAllowed":
		return "S3 access denied", fmt.Sprintf(
			"%s failed: access key %q may not do this: %s Grant it the permission or use other credentials.",
			capitalize(doing), e.accessKey, message(err))
	case "BucketAlreadyExists", "BucketAlreadyOwnedByYou":
		return "S3 bucket name taken", fmt.Sprintf(
			"%s failed: a bucket with that name already exists (%s). Choose another name, or import the existing bucket if indigo should manage it.",
			capitalize(doing), code)
	case codeNoSuchBucket:
		return "S3 bucket not found", fmt.Sprintf("%s failed: the bucket does not exist.", capitalize(doing))
	}
	return "S3 call failed", fmt.Sprintf("%s failed: %s", capitalize(doing), message(err))
}

// message is the server's message and code for err, or err itself.
func message(err error) string {
	var aerr *admin.Error
	if errors.As(err, &aerr) {
		return aerr.Error() + "."
	}
	r := minio.ToErrorResponse(err)
	if r.Code == "" {
		return err.Error() + "."
	}
	msg := r.Message
	if msg == "" {
		msg = r.Code
	}
	return fmt.Sprintf("%s (%s, HTTP %d).", msg, r.Code, r.StatusCode)
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
