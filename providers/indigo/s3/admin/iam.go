package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Error codes of the server's user and group store.
const (
	CodeNoSuchUser  = "XMinioAdminNoSuchUser"
	CodeNoSuchGroup = "XMinioAdminNoSuchGroup"
	// CodePolicyChangeAlreadyApplied answers an attach of a policy the
	// user or group has already, or a detach of one it has not.
	CodePolicyChangeAlreadyApplied = "XMinioAdminPolicyChangeAlreadyApplied"
)

// AddUser creates the server's own (built-in) user accessKey with
// secretKey, or replaces the secret key of one that exists. The body is
// encrypted: it carries the secret key. indigo does not manage users'
// secrets; this is for tests and for tools that set up a site.
func (c *Client) AddUser(ctx context.Context, accessKey, secretKey string) error {
	body, err := c.encryptJSON(struct {
		SecretKey string `json:"secretKey"`
		Status    string `json:"status"`
	}{secretKey, "enabled"})
	if err != nil {
		return err
	}
	_, err = c.do(ctx, http.MethodPut, "add-user", url.Values{"accessKey": {accessKey}}, body)
	return err
}

// RemoveUser deletes the built-in user accessKey. A missing user is an
// error with code CodeNoSuchUser.
func (c *Client) RemoveUser(ctx context.Context, accessKey string) error {
	_, err := c.do(ctx, http.MethodDelete, "remove-user", url.Values{"accessKey": {accessKey}}, nil)
	return err
}

// UserInfo is what the server says of a built-in user (never its secret).
type UserInfo struct {
	// Policies are the policies attached to the user itself, not those it
	// has through its groups.
	Policies []string
	Status   string
	MemberOf []string
}

// User returns what the server holds of the built-in user accessKey. A
// missing user is an error with code CodeNoSuchUser.
func (c *Client) User(ctx context.Context, accessKey string) (UserInfo, error) {
	var u struct {
		PolicyName string   `json:"policyName"`
		Status     string   `json:"status"`
		MemberOf   []string `json:"memberOf"`
	}
	if err := c.doJSON(ctx, http.MethodGet, "user-info", url.Values{"accessKey": {accessKey}}, nil, &u); err != nil {
		return UserInfo{}, err
	}
	return UserInfo{Policies: splitPolicies(u.PolicyName), Status: u.Status, MemberOf: u.MemberOf}, nil
}

// GroupInfo is what the server holds of a group of its own user store.
type GroupInfo struct {
	Name    string
	Status  string // "enabled" or "disabled"
	Members []string
	// Policies are the policies attached to the group, sorted.
	Policies []string
}

// Group returns the group name. A missing group is an error with code
// CodeNoSuchGroup.
func (c *Client) Group(ctx context.Context, name string) (GroupInfo, error) {
	var g struct {
		Name    string   `json:"name"`
		Status  string   `json:"status"`
		Members []string `json:"members"`
		Policy  string   `json:"policy"`
	}
	if err := c.doJSON(ctx, http.MethodGet, "group", url.Values{"group": {name}}, nil, &g); err != nil {
		return GroupInfo{}, err
	}
	members := slices.Clone(g.Members)
	slices.Sort(members)
	return GroupInfo{Name: g.Name, Status: g.Status, Members: members, Policies: splitPolicies(g.Policy)}, nil
}

// Groups lists the names of the server's groups.
func (c *Client) Groups(ctx context.Context) ([]string, error) {
	var names []string
	err := c.doJSON(ctx, http.MethodGet, "groups", nil, nil, &names)
	return names, err
}

// groupChange is the body of update-group-members (plain JSON).
type groupChange struct {
	Group    string   `json:"group"`
	Members  []string `json:"members"`
	IsRemove bool     `json:"isRemove"`
	Status   string   `json:"groupStatus,omitempty"`
}

// AddGroupMembers adds members (built-in users, which must exist) to the
// group name, creating the group when it does not exist. A member the
// server does not have fails the call with code CodeNoSuchUser and adds
// nobody.
func (c *Client) AddGroupMembers(ctx context.Context, name string, members []string) error {
	return c.updateGroup(ctx, groupChange{Group: name, Members: members})
}

// RemoveGroupMembers removes members from the group name; the group stays,
// empty or not.
func (c *Client) RemoveGroupMembers(ctx context.Context, name string, members []string) error {
	if len(members) == 0 {
		// An empty list would remove the group itself.
		return nil
	}
	return c.updateGroup(ctx, groupChange{Group: name, Members: members, IsRemove: true})
}

// RemoveGroup deletes the group name, which must have no members
// (RemoveGroupMembers first). A missing group is an error with code
// CodeNoSuchGroup.
func (c *Client) RemoveGroup(ctx context.Context, name string) error {
	return c.updateGroup(ctx, groupChange{Group: name, Members: []string{}, IsRemove: true})
}

func (c *Client) updateGroup(ctx context.Context, ch groupChange) error {
	if ch.Members == nil {
		ch.Members = []string{}
	}
	body, err := json.Marshal(ch)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, http.MethodPut, "update-group-members", nil, body)
	return err
}

// SetGroupStatus enables or disables the group name: the members of a
// disabled group do not get its policies.
func (c *Client) SetGroupStatus(ctx context.Context, name string, enabled bool) error {
	status := "disabled"
	if enabled {
		status = "enabled"
	}
	_, err := c.do(ctx, http.MethodPut, "set-group-status", url.Values{"group": {name}, "status": {status}}, nil)
	return err
}

// PolicyTarget is a user or a group of the server's own user store that
// policies are attached to: exactly one of User and Group is set.
type PolicyTarget struct {
	User  string
	Group string
}

func (t PolicyTarget) String() string {
	if t.Group != "" {
		return fmt.Sprintf("group %q", t.Group)
	}
	return fmt.Sprintf("user %q", t.User)
}

// AttachPolicies attaches policies to t, keeping what t has already. The
// server refuses the whole call with CodePolicyChangeAlreadyApplied when
// every policy named is attached already.
func (c *Client) AttachPolicies(ctx context.Context, t PolicyTarget, policies []string) error {
	return c.policyAssociation(ctx, "attach", t, policies)
}

// DetachPolicies detaches policies from t, keeping the others. The server
// refuses the whole call with CodePolicyChangeAlreadyApplied when none of
// them is attached.
func (c *Client) DetachPolicies(ctx context.Context, t PolicyTarget, policies []string) error {
	return c.policyAssociation(ctx, "detach", t, policies)
}

// policyAssociation is POST idp/builtin/policy/{attach,detach}: an
// encrypted JSON body, sent as application/octet-stream.
func (c *Client) policyAssociation(ctx context.Context, op string, t PolicyTarget, policies []string) error {
	body, err := c.encryptJSON(struct {
		Policies []string `json:"policies"`
		User     string   `json:"user,omitempty"`
		Group    string   `json:"group,omitempty"`
	}{policies, t.User, t.Group})
	if err != nil {
		return err
	}
	_, err = c.doWith(ctx, http.MethodPost, "idp/builtin/policy/"+op, nil, body, "application/octet-stream")
	return err
}

// splitPolicies splits the server's comma-separated policy list, sorted.
func splitPolicies(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}
