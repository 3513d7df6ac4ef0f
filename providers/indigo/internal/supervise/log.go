package supervise

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// LogTailBytes and LogTailLines bound how much of a failed process's log
// goes into an error.
const (
	LogTailBytes = 4096
	LogTailLines = 20
)

// LogTail returns the last lines of a log file, formatted for an error
// detail, or a note that it could not be read.
func LogTail(name string) string {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Sprintf("\n\nIts log %s cannot be read: %v", name, err)
	}
	defer f.Close()
	size, _ := f.Seek(0, io.SeekEnd)
	start := max(size-LogTailBytes, 0)
	buf := make([]byte, size-start)
	if _, err := f.ReadAt(buf, start); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Sprintf("\n\nIts log %s cannot be read: %v", name, err)
	}
	text := strings.TrimRight(strings.ToValidUTF8(string(buf), "\uFFFD"), "\n")
	if text == "" {
		return fmt.Sprintf("\n\nIts log %s is empty.", name)
	}
	lines := strings.Split(text, "\n")
	if start > 0 && len(lines) > 1 {
		lines = lines[1:] // the first line was cut
	}
	if len(lines) > LogTailLines {
		lines = lines[len(lines)-LogTailLines:]
	}
	return fmt.Sprintf("\n\nLast lines of its log %s:\n%s", name, strings.Join(lines, "\n"))
}

// pluginEnv lists variables that belong to the provider's own plugin
// handshake and must not leak into a process: one that happens to be a Go
// plugin host or the indigo binary would otherwise behave as a plugin.
var pluginEnv = []string{"INDIGO_BUILTIN_PROVIDER=", "TF_PLUGIN_MAGIC_COOKIE=", "PLUGIN_"}

// Env is base (the provider's environment) without plugin variables, with
// extra set on top in a stable order.
func Env(base []string, extra map[string]string) []string {
	out := make([]string, 0, len(base)+len(extra))
next:
	for _, kv := range base {
		for _, prefix := range pluginEnv {
			if strings.HasPrefix(kv, prefix) {
				continue next
			}
		}
		if k, _, _ := strings.Cut(kv, "="); hasKey(extra, k) {
			continue
		}
		out = append(out, kv)
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, k+"="+extra[k])
	}
	return out
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}
