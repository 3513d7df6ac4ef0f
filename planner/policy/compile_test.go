package policy

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

const cmsRead = `
group "cms" {
  members = ["alice"]
  issuer  = "https://dex.example.org/dex"
  claim   = "cms"
}
storage "archive" {}
policy "cms_read" {
  principals = [group.cms]
  actions    = ["read", "list"]
  resources  = [storage.archive]
}
`

func TestCompileMinIO(t *testing.T) {
	out, diags := Compile(placeEverywhere(evalAccess(t, cmsRead)))
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %s", diags)
	}
	mp := out.Sites["minio"].MinIO["cms"]
	if mp == nil {
		t.Fatalf("no policy named after the claim value: %v", out.Sites["minio"].MinIO)
	}
	got, _ := json.Marshal(mp.Document)
	want := `{"Version":"2012-10-17","Statement":[` +
		`{"Effect":"Allow","Action":["s3:GetObject","s3:GetObjectVersion"],"Resource":["arn:aws:s3:::indigo-archive-minio/*"]},` +
		`{"Effect":"Allow","Action":["s3:GetBucketLocation","s3:ListBucket","s3:ListBucketVersions"],"Resource":["arn:aws:s3:::indigo-archive-minio"]}]}`
	if string(got) != want {
		t.Errorf("document\n got %s\nwant %s", got, want)
	}
	if !mp.Claim || strings.Join(mp.Groups, ",") != "cms" || strings.Join(out.Sites["minio"].MinIOGroups["cms"], ",") != "alice" {
		t.Errorf("attachments: claim %v groups %v minio groups %v", mp.Claim, mp.Groups, out.Sites["minio"].MinIOGroups)
	}
	// Same input, same bytes: a plan shows no change.
	again, _ := Compile(placeEverywhere(evalAccess(t, cmsRead)))
	b1, _ := json.Marshal(out.Sites)
	b2, _ := json.Marshal(again.Sites)
	if string(b1) != string(b2) {
		t.Error("compiling twice gave different documents")
	}
}

func TestCompileMinIOConditionsAndDeny(t *testing.T) {
	src := cmsRead + `
policy "cms_write_raw" {
  principals = [group.cms]
  actions    = ["write", "delete", "list"]
  resources  = [storage.archive]
  condition  = { prefix = "raw/", source_ip = ["10.0.0.0/8"], not_before = "2027-01-01T00:00:00Z", not_after = "2027-12-31T23:59:59Z" }
}
policy "no_deletes" {
  effect     = "deny"
  principals = [group.cms]
  actions    = ["delete"]
  resources  = [storage.archive]
}
`
	in := placeEverywhere(evalAccess(t, src))
	delete(in.Placed, storageAddr("archive"))
	in.Placed[storageAddr("archive")] = []Placed{{Site: "minio", Bucket: "b"}}
	out, diags := Compile(in)
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %s", diags)
	}
	got := out.Sites["minio"].MinIO["cms"].Document.String()
	want := `Allow s3:GetObject,s3:GetObjectVersion on arn:aws:s3:::b/*
Allow s3:GetBucketLocation,s3:ListBucket,s3:ListBucketVersions on arn:aws:s3:::b
Allow s3:AbortMultipartUpload,s3:DeleteObject,s3:DeleteObjectVersion,s3:ListMultipartUploadParts,s3:PutObject on arn:aws:s3:::b/raw/* if map[DateGreaterThanEquals:map[aws:CurrentTime:[2027-01-01T00:00:00Z]] DateLessThanEquals:map[aws:CurrentTime:[2027-12-31T23:59:59Z]] IpAddress:map[aws:SourceIp:[10.0.0.0/8]]]
Allow s3:ListBucket,s3:ListBucketVersions on arn:aws:s3:::b if map[DateGreaterThanEquals:map[aws:CurrentTime:[2027-01-01T00:00:00Z]] DateLessThanEquals:map[aws:CurrentTime:[2027-12-31T23:59:59Z]] IpAddress:map[aws:SourceIp:[10.0.0.0/8]] StringLike:map[s3:prefix:[raw/*]]]
Allow s3:GetBucketLocation on arn:aws:s3:::b if map[DateGreaterThanEquals:map[aws:CurrentTime:[2027-01-01T00:00:00Z]] DateLessThanEquals:map[aws:CurrentTime:[2027-12-31T23:59:59Z]] IpAddress:map[aws:SourceIp:[10.0.0.0/8]]]
Deny s3:DeleteObject,s3:DeleteObjectVersion on arn:aws:s3:::b/*
`
	if got != want {
		t.Errorf("document\n got:\n%s\nwant:\n%s", got, want)
	}
}

func TestCompilePOSIX(t *testing.T) {
	src := `
group "cms" {
  members = ["alice", "bob"]
}
storage "archive" {}
policy "cms_rw" {
  principals = [group.cms]
  actions    = ["read", "list", "write", "delete"]
  resources  = [storage.archive]
}
policy "bob_no_write" {
  effect     = "deny"
  principals = ["user:bob"]
  actions    = ["write", "delete"]
  resources  = [storage.archive]
}
policy "carol_raw" {
  principals = ["user:carol"]
  actions    = ["read", "list"]
  resources  = [storage.archive]
  condition  = { prefix = "raw/" }
}
`
	out, diags := Compile(placeEverywhere(evalAccess(t, src)))
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %s", diags)
	}
	acls := out.Sites["disk"].ACLs
	for path, want := range map[string]string{
		"storage/archive":     "u::rwx,u:alice:rwX,u:bob:r-X,u:carol:--x,g::---,g:cms:rwX,m::rwx,o::---,d:u::rwx,d:u:alice:rwX,d:u:bob:r-X,d:g::---,d:g:cms:rwX,d:m::rwx,d:o::---",
		"storage/archive/raw": "u::rwx,u:alice:rwX,u:bob:r-X,u:carol:r-X,g::---,g:cms:rwX,m::rwx,o::---,d:u::rwx,d:u:alice:rwX,d:u:bob:r-X,d:u:carol:r-X,d:g::---,d:g:cms:rwX,d:m::rwx,d:o::---",
	} {
		if acls[path] == nil {
			t.Fatalf("no ACL for %s: %v", path, acls)
		}
		if got := acls[path].Spec(); got != want {
			t.Errorf("%s\n got %s\nwant %s", path, got, want)
		}
	}
}

func TestCompileDiagnostics(t *testing.T) {
	for _, tc := range []struct {
		name, src, summary string
		sev                hcl.DiagnosticSeverity
		line               int
	}{
		{"source_ip on a local copy", `
group "cms" { members = ["alice"] }
storage "archive" {}
policy "p" {
  principals = [group.cms]
  actions    = ["read", "list"]
  resources  = [storage.archive]
  condition  = { source_ip = "10.0.0.0/8" }
}`, "Condition cannot be enforced", hcl.DiagError, 8},
		{"a prefix that is no directory", `
group "cms" { members = ["alice"] }
storage "archive" {}
policy "p" {
  principals = [group.cms]
  actions    = ["read", "list"]
  resources  = [storage.archive]
  condition  = { prefix = "raw" }
}`, "Condition cannot be enforced", hcl.DiagError, 8},
		{"read without list", `
group "cms" { members = ["alice"] }
storage "archive" {}
policy "p" {
  principals = [group.cms]
  actions    = ["read"]
  resources  = [storage.archive]
}`, "Grant broader on POSIX", hcl.DiagWarning, 6},
		{"a user with no account", `
group "cms" { members = ["alice"] }
storage "archive" {}
policy "p" {
  principals = ["user:dave"]
  actions    = ["read", "list"]
  resources  = [storage.archive]
}`, "Principal not enforced on POSIX", hcl.DiagWarning, 5},
		{"a condition on a Kubernetes deployment", `
group "cms" { members = ["alice"] }
deployment "web" {
  resource "indigo_directory" "d" {
    path = "d"
  }
}
policy "p" {
  principals = [group.cms]
  actions    = ["deploy"]
  resources  = [deployment.web]
  condition  = { not_after = "2027-01-01T00:00:00Z" }
}`, "Condition cannot be enforced", hcl.DiagError, 12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := Compile(placeEverywhere(evalAccess(t, tc.src)))
			var hits []*hcl.Diagnostic
			for _, d := range diags {
				if d.Summary == tc.summary {
					hits = append(hits, d)
				}
			}
			if len(hits) != 1 {
				t.Fatalf("want one %q, got %s", tc.summary, diags)
			}
			if hits[0].Severity != tc.sev || hits[0].Subject == nil || hits[0].Subject.Start.Line != tc.line {
				t.Errorf("got %v at %v, want severity %v at line %d: %s", hits[0].Severity, hits[0].Subject, tc.sev, tc.line, hits[0].Detail)
			}
		})
	}
}

func TestCompileKubernetes(t *testing.T) {
	src := `
group "ops" {
  members = ["alice"]
  issuer  = "https://dex.example.org/dex"
  claim   = "ops"
}
deployment "web" {
  resource "indigo_directory" "d" {
    path = "d"
  }
}
policy "ops_run" {
  principals = [group.ops]
  actions    = ["read", "list", "manage"]
  resources  = [deployment.web]
}
policy "ops_no_delete" {
  effect     = "deny"
  principals = [group.ops]
  actions    = ["manage"]
  resources  = [deployment.web]
}
`
	out, diags := Compile(placeEverywhere(evalAccess(t, src)))
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %s", diags)
	}
	objs := out.Sites["k8s"].Kubernetes
	if len(objs) != 2 || objs[0].Kind != "Role" || objs[1].Kind != "RoleBinding" {
		t.Fatalf("want a Role and a RoleBinding, got %+v", objs)
	}
	if objs[0].Metadata.Namespace != "science" || objs[0].Metadata.Name != "indigo-group-ops" {
		t.Errorf("metadata %+v", objs[0].Metadata)
	}
	if got := strings.Join(objs[0].Rules[0].Verbs, ","); got != "get,list,watch" {
		t.Errorf("verbs %s: the deny takes manage's verbs out", got)
	}
	b, _ := json.Marshal(objs[1].Subjects)
	if string(b) != `[{"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"ops"},{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"alice"}]` {
		t.Errorf("subjects %s", b)
	}
}
