package config

import (
	"testing"

	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// TestValidIdentifier: the direct answer for ASCII names is the
// scanner's, for every string of up to three characters from a set that
// holds each kind of character, and for names beyond ASCII.
func TestValidIdentifier(t *testing.T) {
	chars := []string{"a", "Z", "_", "-", "0", "9", ".", " ", "$", "é", "\x00", "\x7f", "日"}
	check := func(s string) {
		if got, want := ValidIdentifier(s), hclsyntax.ValidIdentifier(s); got != want {
			t.Errorf("valid(%q) = %v, the scanner says %v", s, got, want)
		}
	}
	check("")
	for _, a := range chars {
		check(a)
		for _, b := range chars {
			check(a + b)
			for _, c := range chars {
				check(a + b + c)
			}
		}
	}
	for _, s := range []string{"r9999", "local_file", "my-name", "_x", "9lives", "-x", "a.b", "ümlaut", "aü", "a\u200d", "a b"} {
		check(s)
	}
}
