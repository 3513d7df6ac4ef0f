package provision

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"

	"github.com/zclconf/go-cty/cty"
)

// localExec runs command on this machine through the interpreter
// (/bin/sh -c by default), in working_dir, with environment added to
// indigo's own.
func localExec(ctx context.Context, cfg cty.Value, out Output) error {
	command := str(cfg, "command")
	argv := strs(cfg, "interpreter")
	if len(argv) == 0 {
		argv = []string{"/bin/sh", "-c"}
	}
	argv = append(argv, command)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = str(cfg, "working_dir")
	cmd.Env = os.Environ()
	if env := cfg.GetAttr("environment"); !env.IsNull() && env.IsKnown() {
		m := env.AsValueMap()
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if v := m[k]; !v.IsNull() {
				cmd.Env = append(cmd.Env, k+"="+v.AsString())
			}
		}
	}
	quiet := cfg.GetAttr("quiet")
	if !quiet.IsNull() && quiet.True() {
		out = nil
	}
	w := newLineWriter(out)
	cmd.Stdout, cmd.Stderr = w, w
	err := cmd.Run()
	_ = w.Close()
	if err != nil {
		if quiet.IsNull() || !quiet.True() {
			return fmt.Errorf("running %q: %w", command, err)
		}
		return fmt.Errorf("running the command: %w", err)
	}
	return nil
}
