package eval_test

import (
	"strings"
	"testing"
)

// TestEphemeralInstanceKeys: validate refuses, as plan does, a count or
// for_each derived from an ephemeral value where instance keys are
// recorded, and lets an ephemeral resource take its keys from one.
func TestEphemeralInstanceKeys(t *testing.T) {
	const vars = `
variable "n" {
  type      = number
  ephemeral = true
}
variable "names" {
  type      = set(string)
  ephemeral = true
}
`
	for _, tc := range []struct{ name, src, want string }{
		{"count", `resource "indigo_file" "f" {
  count = var.n
  path  = "f"
}`, "Invalid count argument"},
		{"for_each", `resource "indigo_file" "f" {
  for_each = var.names
  path     = each.key
}`, "Invalid for_each argument"},
		{"ephemeral resource", `ephemeral "indigo_password" "p" {
  for_each = var.names
  length   = 8
}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := validateSrc(t, vars+tc.src).Error()
			found := strings.Contains(text, "derived from an ephemeral value")
			if tc.want == "" && found {
				t.Errorf("an ephemeral resource's keys were refused: %s", text)
			}
			if tc.want != "" && (!found || !strings.Contains(text, tc.want)) {
				t.Errorf("want %q about an ephemeral value, got %s", tc.want, text)
			}
		})
	}
}
