package admin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7/pkg/signer"
)

// Client calls one MinIO server's admin API. It is safe for concurrent use.
type Client struct {
	endpoint  *url.URL
	accessKey string
	secretKey string
	region    string
	http      *http.Client
}

// New returns a client for the server at endpoint (scheme://host:port; the
// scheme decides TLS). region is what requests are signed for; "" means
// us-east-1. hc nil means http.DefaultClient.
func New(endpoint, accessKey, secretKey, region string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("admin endpoint %q: %w", endpoint, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("admin endpoint %q: want http://host:port or https://host:port", endpoint)
	}
	if region == "" {
		region = "us-east-1"
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{endpoint: u, accessKey: accessKey, secretKey: secretKey, region: region, http: hc}, nil
}

// Error is a failed admin call: the server's status and, when it sent one,
// its error code and message.
type Error struct {
	Method, Path string
	StatusCode   int
	Code         string
	Message      string
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	if e.Code != "" {
		return fmt.Sprintf("%s %s: %s (%s, HTTP %d)", e.Method, e.Path, msg, e.Code, e.StatusCode)
	}
	return fmt.Sprintf("%s %s: %s (HTTP %d)", e.Method, e.Path, msg, e.StatusCode)
}

// ErrorCode returns the server's error code of err, or "" when err is not
// an *Error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// do sends a signed request to /minio/admin/v3/<op> and returns the
// response body of a 2xx answer.
func (c *Client) do(ctx context.Context, method, op string, query url.Values, body []byte) ([]byte, error) {
	return c.doWith(ctx, method, op, query, body, "")
}

// doWith is do with a Content-Type header (none when contentType is "").
func (c *Client) doWith(ctx context.Context, method, op string, query url.Values, body []byte, contentType string) ([]byte, error) {
	u := *c.endpoint
	u.Path = strings.TrimSuffix(u.Path, "/") + "/minio/admin/v3/" + op
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	req.ContentLength = int64(len(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req = signer.SignV4(*req, c.accessKey, c.secretKey, "", c.region)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the response: %w", method, u.Path, err)
	}
	if resp.StatusCode/100 != 2 {
		e := &Error{Method: method, Path: u.Path, StatusCode: resp.StatusCode}
		var body struct{ Code, Message string }
		if json.Unmarshal(data, &body) == nil {
			e.Code, e.Message = body.Code, body.Message
		} else if len(data) > 0 && len(data) < 512 {
			e.Message = strings.TrimSpace(string(data))
		}
		return nil, e
	}
	return data, nil
}

// doJSON is do with v decoded from the response's JSON body.
func (c *Client) doJSON(ctx context.Context, method, op string, query url.Values, body []byte, v any) error {
	data, err := c.do(ctx, method, op, query, body)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s %s: decoding the response: %w", method, op, err)
	}
	return nil
}

// encryptJSON marshals v and encrypts it with the client's secret key.
func (c *Client) encryptJSON(v any) ([]byte, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return Encrypt(c.secretKey, plain)
}
