package admin

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

func TestCannedPoliciesAgainstMinIO(t *testing.T) {
	ctx := context.Background()
	m := testsrv.StartMinIO(t, testsrv.MinIOOptions{})
	c, err := New(m.Endpoint, m.AccessKey, m.SecretKey, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/*"}]}`
	if err := c.AddCannedPolicy(ctx, "readers", []byte(doc)); err != nil {
		t.Fatal(err)
	}
	got, err := c.CannedPolicy(ctx, "readers")
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Version   string
		Statement []struct {
			Effect   string
			Action   []string
			Resource []string
		}
	}
	if err := json.Unmarshal(got, &p); err != nil {
		t.Fatalf("info-canned-policy answered %s: %v", got, err)
	}
	if p.Version != "2012-10-17" || len(p.Statement) != 1 || p.Statement[0].Effect != "Allow" ||
		len(p.Statement[0].Action) != 1 || p.Statement[0].Action[0] != "s3:GetObject" {
		t.Errorf("the policy read back = %s", got)
	}

	// The server checks documents and names.
	if err := c.AddCannedPolicy(ctx, "bad", []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Teleport","Resource":"*"}]}`)); ErrorCode(err) != "XMinioMalformedIAMPolicy" {
		t.Errorf("an unknown action: %v (code %q)", err, ErrorCode(err))
	}
	if err := c.AddCannedPolicy(ctx, "a,b", []byte(doc)); err == nil {
		t.Error("a policy name with a comma was accepted")
	}
	// Attaching to a user or group the server does not have.
	if err := c.SetPolicy(ctx, "readers", "nobody", false); ErrorCode(err) != "XMinioAdminNoSuchUser" {
		t.Errorf("SetPolicy on a missing user: %v (code %q)", err, ErrorCode(err))
	}
	if err := c.SetPolicy(ctx, "readers", "nogroup", true); ErrorCode(err) != "XMinioAdminNoSuchGroup" {
		t.Errorf("SetPolicy on a missing group: %v (code %q)", err, ErrorCode(err))
	}

	if err := c.RemoveCannedPolicy(ctx, "readers"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CannedPolicy(ctx, "readers"); ErrorCode(err) != CodeNoSuchPolicy {
		t.Errorf("reading a removed policy: %v (code %q), want %s", err, ErrorCode(err), CodeNoSuchPolicy)
	}
}
