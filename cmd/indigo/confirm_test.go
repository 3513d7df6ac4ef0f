package main

import (
	"strings"
	"testing"
)

// apply and destroy ask as Terraform asks, naming a workspace other than
// the default one; with -auto-approve the progress follows the plan at
// once, and after an answer it follows a blank line. A refusal says what
// was cancelled and exits 1.
func TestConfirmationWords(t *testing.T) {
	dir := builtinTerraformDir(t, "resource \"terraform_data\" \"x\" {\n  input = \"a\"\n}\n")
	wantSays(t, dir, "", 0, nil, "init", "-input=false", "-no-color")
	wantSays(t, dir, "yes\n", 0, []string{
		"\nDo you want to perform these actions?\n  indigo will perform the actions described above.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: \nterraform_data.x: Creating...",
	}, "apply", "-no-color")
	wantSays(t, dir, "", 0, []string{
		"Plan: 0 to add, 0 to change, 1 to destroy.\nterraform_data.x: Destroying...",
	}, "destroy", "-auto-approve", "-no-color")
	wantSays(t, dir, "", 0, nil, "workspace", "new", "-no-color", "blue")
	wantSays(t, dir, "yes\n", 0, []string{
		"\nDo you want to perform these actions in workspace \"blue\"?\n  indigo will perform",
	}, "apply", "-no-color")
	out := wantSays(t, dir, "no\n", 1, []string{
		"\nDo you really want to destroy all resources in workspace \"blue\"?\n  indigo will destroy all your managed infrastructure, as shown above.\n  There is no undo. Only 'yes' will be accepted to confirm.\n\n  Enter a value: ",
		"\nDestroy cancelled.",
	}, "destroy", "-no-color")
	if strings.Contains(out, "Destroying...") {
		t.Errorf("destroy went on without a yes:\n%s", out)
	}
}
