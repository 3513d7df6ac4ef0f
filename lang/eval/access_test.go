package eval_test

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/indigo-cloud/indigo/lang/eval"
)

const accessSites = `
provider "indigo" {
  root = "sites"
}
site "disk" {
  provider = indigo
  kind     = "local"
  settings {
    accounts = { "user:alice" = "alice", "group:cms" = "cms" }
  }
}
storage "archive" {}
`

func validateSrc(t *testing.T, src string) hcl.Diagnostics {
	t.Helper()
	cfg, diags := loadSrcDiags(t, src)
	if diags.HasErrors() {
		return diags
	}
	return append(diags, eval.Validate(cfg, eval.ValidateOptions{})...)
}

// TestPolicyValidation: each problem with a policy or a group is reported
// once, with its severity, at the expression that causes it.
func TestPolicyValidation(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		sev       hcl.DiagnosticSeverity
		summary   string
		line      int
	}{
		{"deploy on storage", `group "cms" { members = ["alice"] }
policy "p" {
  principals = [group.cms]
  actions    = ["deploy"]
  resources  = [storage.archive]
}`, hcl.DiagError, "Action means nothing for the resources", 3},
		{"write on storage and a deployment", `group "cms" { members = ["alice"] }
policy "p" {
  principals = [group.cms]
  actions    = ["read", "write"]
  resources  = [storage.archive, deployment.web]
}
deployment "web" {
  resource "indigo_directory" "d" {
    path = "d"
  }
}`, hcl.DiagWarning, "Action means nothing for some resources", 3},
		{"a boolean condition", `group "cms" { members = ["alice"] }
policy "p" {
  principals = [group.cms]
  actions    = ["read"]
  resources  = [storage.archive]
  condition  = true
}`, hcl.DiagError, "Condition cannot be enforced", 5},
		{"a condition key nothing enforces", `group "cms" { members = ["alice"] }
policy "p" {
  principals = [group.cms]
  actions    = ["read"]
  resources  = [storage.archive]
  condition  = { user_agent = "curl" }
}`, hcl.DiagError, "Condition cannot be enforced", 5},
		{"a prefix on admin", `group "cms" { members = ["alice"] }
policy "p" {
  principals = [group.cms]
  actions    = ["admin"]
  resources  = [storage.archive]
  condition  = { prefix = "raw/" }
}`, hcl.DiagError, "Condition cannot be enforced", 5},
		{"a group nobody is in", `group "cms" {}
policy "p" {
  principals = [group.cms]
  actions    = ["read"]
  resources  = [storage.archive]
}`, hcl.DiagWarning, "Group without members", 0},
		{"a group of groups", `group "cms" { members = ["group:atlas"] }`, hcl.DiagError, "Invalid group member", 0},
		{"a principal of no kind", `group "cms" { members = ["alice"] }
policy "p" {
  principals = ["role:admin"]
  actions    = ["read"]
  resources  = [storage.archive]
}`, hcl.DiagError, "Invalid principal", 2},
		{"an undeclared group as a string", `policy "p" {
  principals = ["group:cmss"]
  actions    = ["read"]
  resources  = [storage.archive]
}`, hcl.DiagError, "Reference to undeclared group", 1},
		{"a deny that shadows everything", `group "cms" { members = ["alice"] }
policy "allow" {
  principals = [group.cms]
  actions    = ["read", "list"]
  resources  = [storage.archive]
}
policy "deny" {
  effect     = "deny"
  principals = [group.cms]
  actions    = ["*"]
  resources  = [storage.archive]
}`, hcl.DiagWarning, "Policy gives nothing", 1},
		{"issuer without claim", `group "cms" {
  issuer = "https://iam.example.org/"
}`, hcl.DiagError, "Group issuer without a claim", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			diags := validateSrc(t, accessSites+tc.src)
			var found *hcl.Diagnostic
			for _, d := range diags {
				if d.Summary == tc.summary {
					if found != nil {
						t.Errorf("%q reported twice", tc.summary)
					}
					found = d
				} else if d.Severity == hcl.DiagError && d.Summary != "Empty deployment" {
					t.Errorf("unexpected error: %s", d)
				}
			}
			if found == nil {
				t.Fatalf("want %q, got %s", tc.summary, diags)
			}
			if found.Severity != tc.sev {
				t.Errorf("severity %v, want %v", found.Severity, tc.sev)
			}
			if found.Subject == nil {
				t.Fatal("not located")
			}
			// Lines are counted from 0, the first line after accessSites.
			base := strings.Count(accessSites, "\n")
			if tc.line > 0 && found.Subject.Start.Line != base+tc.line+1 {
				t.Errorf("at line %d, want %d: %s", found.Subject.Start.Line-base-1, tc.line, found)
			}
		})
	}
}

func TestPolicyValidationClean(t *testing.T) {
	diags := validateSrc(t, accessSites+`group "cms" {
  members = ["alice", "sub:1234@iam"]
  issuer  = "https://iam.example.org/"
  claim   = "cms"
}
policy "p" {
  principals = [group.cms, "user:bob"]
  actions    = ["read", "list"]
  resources  = [storage.archive]
  condition  = { prefix = "raw/", source_ip = ["10.0.0.0/8"] }
}`)
	if len(diags) > 0 {
		t.Fatalf("want no diagnostics, got %s", diags)
	}
}

func TestSiteAccountsValidation(t *testing.T) {
	diags := validateSrc(t, strings.Replace(accessSites, `"group:cms" = "cms"`, `"sub:x" = "cms"`, 1))
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "Invalid site accounts") {
		t.Fatalf("want Invalid site accounts, got %s", diags)
	}
}
