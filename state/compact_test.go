package state

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestIsCompactJSON: JSON taken as it is when isCompactJSON says so is
// what json.Compact would have made of it, and JSON with white space
// between tokens is compacted.
func TestIsCompactJSON(t *testing.T) {
	for _, tc := range []struct {
		in      string
		compact bool
	}{
		{`{"a":"b","c":[1,2,{"d":null}]}`, true},
		{`{"a":"with space, tab\tand \"quotes\" \\"}`, true},
		{`{"a":"\\"}`, true},
		{`{"a": "b"}`, false},
		{"{\"a\":\n\"b\"}", false},
		{`{"a":"b" }`, false},
		{`["x y",	1]`, false},
		{`{"k":"\u00e9 \u2028"}`, true},
	} {
		got := isCompactJSON([]byte(tc.in))
		if got != tc.compact {
			t.Errorf("isCompactJSON(%s) = %v, want %v", tc.in, got, tc.compact)
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(tc.in)); err != nil {
			t.Fatal(err)
		}
		if same := buf.String() == tc.in; same != tc.compact {
			t.Errorf("json.Compact(%s) = %s: compact already = %v, isCompactJSON says %v", tc.in, buf.String(), same, got)
		}
	}
}
