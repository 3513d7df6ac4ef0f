package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// RemoteTarget is a bucket's remote target: where the server replicates
// the bucket to. Its JSON form is the server's.
type RemoteTarget struct {
	SourceBucket string `json:"sourcebucket"`
	// Endpoint is host:port, without a scheme; Secure says whether it is
	// reached over TLS.
	Endpoint     string       `json:"endpoint"`
	Credentials  *Credentials `json:"credentials"`
	TargetBucket string       `json:"targetbucket"`
	Secure       bool         `json:"secure"`
	Path         string       `json:"path,omitempty"`
	API          string       `json:"api,omitempty"`
	ARN          string       `json:"arn,omitempty"`
	Type         string       `json:"type"`
	Region       string       `json:"region,omitempty"`
	StorageClass string       `json:"storageclass,omitempty"`
	Online       bool         `json:"isOnline"`
}

// Credentials are a remote's access and secret key. The server never sends
// the secret key back.
type Credentials struct {
	AccessKey string `json:"accessKey,omitempty"`
	SecretKey string `json:"secretKey,omitempty"`
}

// ReplicationTarget is the Type of a remote target used by bucket
// replication.
const ReplicationTarget = "replication"

// SetRemoteTarget registers t as a remote target of bucket and returns its
// ARN, which replication rules name as their destination. Registering a
// target the bucket already has (same endpoint and target bucket) returns
// the existing ARN.
func (c *Client) SetRemoteTarget(ctx context.Context, bucket string, t RemoteTarget) (string, error) {
	if t.Type == "" {
		t.Type = ReplicationTarget
	}
	if t.API == "" {
		t.API = "s3v4"
	}
	if t.Path == "" {
		t.Path = "auto"
	}
	body, err := c.encryptJSON(t)
	if err != nil {
		return "", err
	}
	data, err := c.do(ctx, http.MethodPut, "set-remote-target", url.Values{"bucket": {bucket}}, body)
	if err != nil {
		return "", err
	}
	var arn string
	if err := json.Unmarshal(data, &arn); err != nil {
		return "", fmt.Errorf("set-remote-target: decoding the ARN from %q: %w", data, err)
	}
	return arn, nil
}

// RemoteTargets lists bucket's remote targets of type typ ("" for all).
func (c *Client) RemoteTargets(ctx context.Context, bucket, typ string) ([]RemoteTarget, error) {
	var ts []RemoteTarget
	err := c.doJSON(ctx, http.MethodGet, "list-remote-targets", url.Values{"bucket": {bucket}, "type": {typ}}, nil, &ts)
	return ts, err
}

// RemoveRemoteTarget removes bucket's remote target arn. The server refuses
// while a replication rule still names it.
func (c *Client) RemoveRemoteTarget(ctx context.Context, bucket, arn string) error {
	_, err := c.do(ctx, http.MethodDelete, "remove-remote-target", url.Values{"bucket": {bucket}, "arn": {arn}}, nil)
	return err
}
