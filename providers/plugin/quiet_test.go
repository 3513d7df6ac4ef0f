package plugin

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// TestSilentLoggersQuietTheProvider checks that a caller logging nothing,
// with no logger or with hclog's null logger (what indigo passes without
// INDIGO_LOG), starts the provider with its logs off: otherwise a framework
// provider logs every call at debug level and go-plugin parses each line,
// which cost most of indigo's CPU on a plan. A logger that logs gets them.
func TestSilentLoggersQuietTheProvider(t *testing.T) {
	for _, tc := range []struct {
		name   string
		logger hclog.Logger
		quiet  bool
	}{
		{"no logger", nil, true},
		{"null logger", hclog.NewNullLogger(), true},
		{"off", hclog.New(&hclog.LoggerOptions{Level: hclog.Off}), true},
		{"debug", hclog.New(&hclog.LoggerOptions{Level: hclog.Debug, Output: &strings.Builder{}}), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := providerCmd(t, 6)
			cmd.Env = slices.DeleteFunc(cmd.Env, func(kv string) bool { return strings.HasPrefix(kv, "TF_LOG") })
			p, err := Start(ctx, StartOptions{Name: testProviderName, Cmd: cmd, Logger: tc.logger})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", p.proc.Pid()))
			if err != nil {
				t.Skipf("cannot read the provider's environment: %v", err)
			}
			env := strings.Split(string(environ), "\x00")
			for _, name := range providerLogLevels {
				if got := slices.Contains(env, name+"=OFF"); got != tc.quiet {
					t.Errorf("%s=OFF in the provider's environment: %v, want %v", name, got, tc.quiet)
				}
			}
		})
	}
}
