package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// TestAccEphemeralPassword runs the indigo_password ephemeral resource
// under Terraform (and OpenTofu with INDIGO_ACC_TOFU=1): its result goes
// to indigo_file's write-only content_wo. The file holds a fresh password;
// the state Terraform keeps holds none of it; the next plan is empty
// although the next run makes a new password.
func TestAccEphemeralPassword(t *testing.T) {
	eachCLI(t, func(t *testing.T, tc resource.TestCase) resource.TestCase {
		root := t.TempDir()
		cfg := fmt.Sprintf(`
provider "indigo" {
  root = %q
}

ephemeral "indigo_password" "pw" {
  length  = 24
  special = false
}

resource "indigo_file" "cred" {
  path               = "cred.txt"
  content_wo         = ephemeral.indigo_password.pw.result
  content_wo_version = 1
}
`, root)
		check := func(s *terraform.State) error {
			got, err := os.ReadFile(filepath.Join(root, "cred.txt"))
			if err != nil {
				return err
			}
			if !regexp.MustCompile(`^[A-Za-z0-9]{24}$`).Match(got) {
				return fmt.Errorf("cred.txt = %q, want 24 letters and digits", got)
			}
			for addr, rs := range s.RootModule().Resources {
				for k, v := range rs.Primary.Attributes {
					if strings.Contains(v, string(got)) {
						return fmt.Errorf("the state holds the password in %s.%s", addr, k)
					}
				}
			}
			return nil
		}
		tc.Steps = []resource.TestStep{
			{Config: cfg, Check: check},
			{Config: cfg, PlanOnly: true},
		}
		return tc
	})
}
