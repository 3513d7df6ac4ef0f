package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/providers/builtin"
)

func TestMain(m *testing.M) {
	// A built-in provider started by a test re-executes this test binary.
	builtin.MaybeServe()
	testscript.Main(withServers{m}, map[string]func(){
		"indigo": func() { os.Exit(Main()) },
	})
}

// withServers runs the tests through testsrv.Main, which stops the servers
// started once for the package (PostgreSQL).
type withServers struct{ m *testing.M }

func (w withServers) Run() int { return testsrv.Main(w.m) }

// TestScripts runs the CLI scenarios in testdata/script: each is a txtar
// archive of files and the commands a user would type, with the output
// they must see.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: testsrv.Updating(),
		Setup: func(env *testscript.Env) error {
			// Keep tests independent of the machine's CLI configuration.
			env.Setenv("TF_CLI_CONFIG_FILE", "")
			env.Setenv("INDIGO_CLI_CONFIG_FILE", "")
			env.Setenv("HOME", env.WorkDir)
			return nil
		},
	})
}
