package admin

import (
	"context"
	"net/http"
	"net/url"
)

// Tier is a remote tier: storage that lifecycle transitions move objects
// to, named by an uppercase name that rules use as their storage class.
// Only MinIO tiers are modelled. Its JSON form is the server's.
type Tier struct {
	Version string     `json:"Version"`
	Type    string     `json:"Type,omitempty"`
	Name    string     `json:"Name,omitempty"`
	MinIO   *MinIOTier `json:"MinIO,omitempty"`
}

// MinIOTier is where a tier of type "minio" keeps its objects. The server
// does not send SecretKey back.
type MinIOTier struct {
	Endpoint  string `json:"Endpoint,omitempty"` // scheme://host:port
	AccessKey string `json:"AccessKey,omitempty"`
	SecretKey string `json:"SecretKey,omitempty"`
	Bucket    string `json:"Bucket,omitempty"`
	Prefix    string `json:"Prefix,omitempty"`
	Region    string `json:"Region,omitempty"`
}

// NewMinIOTier returns a tier named name that keeps objects on another
// MinIO server.
func NewMinIOTier(name string, m MinIOTier) Tier {
	return Tier{Version: "v1", Type: "minio", Name: name, MinIO: &m}
}

// AddTier adds t. The server checks that it can reach the tier's bucket.
func (c *Client) AddTier(ctx context.Context, t Tier) error {
	body, err := c.encryptJSON(t)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, http.MethodPut, "tier", nil, body)
	return err
}

// Tiers lists the server's tiers.
func (c *Client) Tiers(ctx context.Context) ([]Tier, error) {
	var ts []Tier
	err := c.doJSON(ctx, http.MethodGet, "tier", nil, nil, &ts)
	return ts, err
}

// RemoveTier removes the tier name. The server refuses while the tier holds
// objects unless force is set.
func (c *Client) RemoveTier(ctx context.Context, name string, force bool) error {
	q := url.Values{}
	if force {
		q.Set("force", "true")
	}
	_, err := c.do(ctx, http.MethodDelete, "tier/"+url.PathEscape(name), q, nil)
	return err
}
