package marks

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func TestContains(t *testing.T) {
	secret := cty.StringVal("s3cr3t").Mark(Sensitive)
	tests := []struct {
		name string
		v    cty.Value
		want bool
	}{
		{"plain", cty.StringVal("x"), false},
		{"top", secret, true},
		{"nested", cty.ObjectVal(map[string]cty.Value{"a": cty.ListVal([]cty.Value{secret})}), true},
		{"other mark", cty.StringVal("x").Mark("other"), false},
	}
	for _, tt := range tests {
		if got := Contains(tt.v, Sensitive); got != tt.want {
			t.Errorf("%s: Contains = %v, want %v", tt.name, got, tt.want)
		}
	}
	if Has(cty.ObjectVal(map[string]cty.Value{"a": secret}), Sensitive) {
		t.Error("Has must only look at the top-level value")
	}
}

func TestErrorMessageText(t *testing.T) {
	msg := cty.StringVal("token hunter2 is short")
	if got := ErrorMessageText(msg); got != "token hunter2 is short" {
		t.Errorf("plain message: got %q", got)
	}
	for _, m := range []valueMark{Ephemeral, Sensitive} {
		got := ErrorMessageText(msg.Mark(m))
		if got == "" || strings.Contains(got, "hunter2") {
			t.Errorf("%s message: got %q, want it withheld", string(m), got)
		}
	}
}
