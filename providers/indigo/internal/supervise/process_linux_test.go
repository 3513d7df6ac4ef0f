//go:build linux

package supervise

import (
	"os"
	"testing"
)

func TestParseProcStat(t *testing.T) {
	tests := []struct {
		line      string
		state     byte
		start     uint64
		wantError bool
	}{
		{"1234 (sleep) S 1 1234 1234 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 5767168 200 18446744073709551615", 'S', 987654, false},
		{"42 (a) (b) c) Z 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 55 0 0", 'Z', 55, false},
		{"42 (sh) R 1 2 3", 0, 0, true},
		{"no parenthesis", 0, 0, true},
		{"42 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 notanumber 0", 0, 0, true},
	}
	for _, tt := range tests {
		state, start, err := parseProcStat([]byte(tt.line))
		if (err != nil) != tt.wantError || state != tt.state || start != tt.start {
			t.Errorf("parseProcStat(%q) = %q, %d, %v; want %q, %d, error %v", tt.line, state, start, err, tt.state, tt.start, tt.wantError)
		}
	}
	// Our own process, for real.
	state, start, err := ReadProcStat(os.Getpid())
	if err != nil || start == 0 || state == 'Z' {
		t.Errorf("ReadProcStat(self) = %q, %d, %v", state, start, err)
	}
}
