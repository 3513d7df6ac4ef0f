package supervise

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestServiceEnv(t *testing.T) {
	base := []string{"PATH=/bin", "HOME=/root", "INDIGO_BUILTIN_PROVIDER=indigo", "TF_PLUGIN_MAGIC_COOKIE=x",
		"PLUGIN_MIN_PORT=1", "PLUGIN_PROTOCOL_VERSIONS=6", "FOO=old", "PLUGINS_DIR=/keep"}
	got := Env(base, map[string]string{"FOO": "new", "B": "2", "A": "1"})
	want := []string{"PATH=/bin", "HOME=/root", "PLUGINS_DIR=/keep", "A=1", "B=2", "FOO=new"}
	if !slices.Equal(got, want) {
		t.Errorf("Env = %q, want %q", got, want)
	}
}

func TestLogTail(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var long strings.Builder
	for i := range 1000 {
		long.WriteString(strings.Repeat("x", i%50) + "line\n")
	}
	tests := []struct {
		name, content string
		want          []string
	}{
		{"short", "one\ntwo\n", []string{"Last lines of its log", "one\ntwo"}},
		{"empty", "", []string{"is empty"}},
		{"long", long.String() + "the end\n", []string{"the end"}},
	}
	for _, tt := range tests {
		got := LogTail(write(tt.name, tt.content))
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: LogTail = %q, want it to contain %q", tt.name, got, w)
			}
		}
		if n := strings.Count(got, "\n"); n > LogTailLines+3 {
			t.Errorf("%s: logTail has %d lines, want at most %d of the log", tt.name, n, LogTailLines)
		}
	}
	if got := LogTail(filepath.Join(dir, "missing")); !strings.Contains(got, "cannot be read") {
		t.Errorf("missing log: %q", got)
	}
}
