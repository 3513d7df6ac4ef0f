package main

import (
	"strings"
	"testing"
)

// indigo output writes values as Terraform does, records no null output,
// and says how to print a sensitive one it hides.
func TestOutputCommand(t *testing.T) {
	dir := builtinTerraformDir(t, `
output "m" {
  value = tomap({ b = "2", a = "1" })
}
output "n" {
  value = null
}
output "s" {
  value     = "hunter2"
  sensitive = true
}
`)
	wantSays(t, dir, "", 0, nil, "init", "-input=false", "-no-color")
	wantSays(t, dir, "", 0, []string{"Outputs:\n\nm = tomap({\n  \"a\" = \"1\"\n  \"b\" = \"2\"\n})\ns = <sensitive>\n"},
		"apply", "-auto-approve", "-no-color")
	out := wantSays(t, dir, "", 0, []string{"m = tomap({", "s = <sensitive>\n"}, "output", "-no-color")
	if strings.Contains(out, "n = ") {
		t.Errorf("indigo output lists the null output n:\n%s", out)
	}
	wantSays(t, dir, "", 1, []string{`no output "n" recorded`, "null"}, "output", "n")
	wantSays(t, dir, "", 0, []string{"<sensitive>\n", "Output s is sensitive: indigo output -raw s (or -json s) prints its value."}, "output", "s")
	wantSays(t, dir, "", 0, []string{"hunter2"}, "output", "-raw", "s")
}
