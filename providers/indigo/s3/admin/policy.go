package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
)

// CodeNoSuchPolicy is the server's error code for a canned policy it does
// not have.
const CodeNoSuchPolicy = "XMinioAdminNoSuchPolicy"

// AddCannedPolicy creates or replaces the canned policy name with document
// (a policy in MinIO's IAM policy language, sent as is). The server checks
// the document and refuses one it cannot parse.
func (c *Client) AddCannedPolicy(ctx context.Context, name string, document []byte) error {
	_, err := c.do(ctx, http.MethodPut, "add-canned-policy", url.Values{"name": {name}}, document)
	return err
}

// CannedPolicy returns the document of the canned policy name as the
// server holds it (re-encoded by the server: the bytes differ from what
// AddCannedPolicy sent). A missing policy is an error with code
// CodeNoSuchPolicy.
func (c *Client) CannedPolicy(ctx context.Context, name string) ([]byte, error) {
	data, err := c.do(ctx, http.MethodGet, "info-canned-policy", url.Values{"name": {name}}, nil)
	if err != nil {
		return nil, err
	}
	if !json.Valid(data) {
		return nil, errors.New("GET info-canned-policy: the server's answer is not JSON")
	}
	return data, nil
}

// RemoveCannedPolicy deletes the canned policy name. A missing policy is an
// error with code CodeNoSuchPolicy.
func (c *Client) RemoveCannedPolicy(ctx context.Context, name string) error {
	_, err := c.do(ctx, http.MethodDelete, "remove-canned-policy", url.Values{"name": {name}}, nil)
	return err
}

// SetPolicy attaches the canned policies policy (comma-separated names) to
// a user (access key) or, when isGroup, to a group of the server's own
// user store, replacing what it had; "" detaches every policy.
func (c *Client) SetPolicy(ctx context.Context, policy, userOrGroup string, isGroup bool) error {
	q := url.Values{"policyName": {policy}, "userOrGroup": {userOrGroup}, "isGroup": {strconv.FormatBool(isGroup)}}
	_, err := c.do(ctx, http.MethodPut, "set-user-or-group-policy", q, nil)
	return err
}
