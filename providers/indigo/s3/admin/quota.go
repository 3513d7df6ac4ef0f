package admin

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
)

// bucketQuota is the quota document of set-bucket-quota and
// get-bucket-quota. Older servers read "quota", newer ones "size"; both are
// sent so either enforces it.
type bucketQuota struct {
	Quota uint64 `json:"quota"`
	Size  uint64 `json:"size"`
	Type  string `json:"quotatype,omitempty"`
}

// BucketQuota returns bucket's hard quota in bytes; 0 means none.
func (c *Client) BucketQuota(ctx context.Context, bucket string) (uint64, error) {
	var q bucketQuota
	if err := c.doJSON(ctx, http.MethodGet, "get-bucket-quota", url.Values{"bucket": {bucket}}, nil, &q); err != nil {
		return 0, err
	}
	if q.Size > 0 {
		return q.Size, nil
	}
	return q.Quota, nil
}

// SetBucketQuota sets bucket's hard quota to bytes; 0 removes the quota.
func (c *Client) SetBucketQuota(ctx context.Context, bucket string, bytes uint64) error {
	q := bucketQuota{}
	if bytes > 0 {
		q = bucketQuota{Quota: bytes, Size: bytes, Type: "hard"}
	}
	body, err := json.Marshal(q)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, http.MethodPut, "set-bucket-quota", url.Values{"bucket": {bucket}}, body)
	return err
}
