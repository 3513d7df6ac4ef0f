package hcllang

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// TestImportTargetDecodes: an import block's to is read as an address
// whose keys may be expressions, in both syntaxes; resolving it with the
// keys' values gives the instance address.
func TestImportTargetDecodes(t *testing.T) {
	for _, tc := range []struct{ name, file, src, want string }{
		{"static", "main.tf", `import {
  to = aws_s3_bucket.b["x"]
  id = "x"
}`, `aws_s3_bucket.b["x"]`},
		{"each.key", "main.tf", `import {
  for_each = { k = "v" }
  to       = aws_s3_bucket.b[each.key]
  id       = each.value
}`, `aws_s3_bucket.b["k"]`},
		{"module instance", "main.tf", `import {
  for_each = { k = "v" }
  to       = module.m[each.key].aws_s3_bucket.b
  id       = each.value
}`, `module.m["k"].aws_s3_bucket.b`},
		{"module and resource instance", "main.tf", `import {
  for_each = { k = "v" }
  to       = module.m[each.key].aws_s3_bucket.b[each.key]
  id       = each.value
}`, `module.m["k"].aws_s3_bucket.b["k"]`},
		{"JSON", "main.tf.json", `{"import": [{"for_each": {"k": "v"}, "to": "module.m[each.key].aws_s3_bucket.b[each.key]", "id": "${each.value}"}]}`, `module.m["k"].aws_s3_bucket.b["k"]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, diags := loadString(t, map[string]string{tc.file: tc.src})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if len(cfg.Module.Imports) != 1 {
				t.Fatalf("%d imports", len(cfg.Module.Imports))
			}
			im := cfg.Module.Imports[0]
			addr, known, d := im.To.Resolve(func(e hcl.Expression) (cty.Value, hcl.Diagnostics) {
				if got := string(e.Range().SliceBytes([]byte(tc.src))); got != "each.key" && tc.file == "main.tf" {
					t.Errorf("key expression reads %q", got)
				}
				return cty.StringVal("k"), nil
			})
			if d.HasErrors() || !known || addr.String() != tc.want {
				t.Errorf("resolved to %s (known %v, %s), want %s", addr, known, d.Error(), tc.want)
			}
		})
	}
}

// TestImportProviderInstanceDecodes: an import's provider may name an
// instance of a configuration with for_each.
func TestImportProviderInstanceDecodes(t *testing.T) {
	cfg, diags := loadString(t, map[string]string{"main.tf": `
provider "aws" {
  alias    = "by_region"
  for_each = toset(["eu"])
}
import {
  for_each = toset(["eu"])
  to       = aws_s3_bucket.b[each.key]
  provider = aws.by_region[each.key]
  id       = "b"
}`})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	im := cfg.Module.Imports[0]
	if im.ProviderRef == nil || im.ProviderRef.String() != "aws.by_region" || im.ProviderKey == nil || im.ProviderRange.Start.Line != 9 {
		t.Fatalf("provider %v key %v at %v", im.ProviderRef, im.ProviderKey, im.ProviderRange)
	}
}

// TestImportIdentityDecodes: an import block finds its object by id or by
// identity, exactly one of the two; the errors say where.
func TestImportIdentityDecodes(t *testing.T) {
	cfg, diags := loadString(t, map[string]string{"main.tf": `import {
  to       = aws_instance.web
  identity = { id = "i-0123", region = "eu-west-1" }
}`})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if im := cfg.Module.Imports[0]; im.ID != nil || im.Identity == nil {
		t.Errorf("import by identity decoded as id %v, identity %v", im.ID, im.Identity)
	}
	for _, tc := range []struct{ name, src, want string }{
		{"both", `import {
  to       = aws_instance.web
  id       = "i-0123"
  identity = { id = "i-0123" }
}`, "main.tf:4,3-11: Conflicting import arguments"},
		{"neither", `import {
  to = aws_instance.web
}`, "main.tf:1,1-7: Missing import id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := loadString(t, map[string]string{"main.tf": tc.src})
			if !diags.HasErrors() || !strings.Contains(diags.Error(), tc.want) {
				t.Errorf("diagnostics %q, want %q", diags.Error(), tc.want)
			}
		})
	}
}
