package slurm_test

import (
	"os"
	"testing"

	"github.com/indigo-cloud/indigo/internal/testsrv"
	"github.com/indigo-cloud/indigo/providers/indigo"
	"github.com/indigo-cloud/indigo/providers/indigo/internal/protoharness"
)

func TestMain(m *testing.M) { os.Exit(testsrv.Main(m)) }

// newHarness starts the indigo provider's server in process with a slurm
// block for cluster s, jobs working under workDir.
func newHarness(t testing.TB, s *testsrv.Slurm, workDir string) *protoharness.Harness {
	t.Helper()
	return protoharness.New(t, indigo.NewProtocol6Server("test")(), map[string]any{
		"slurm": map[string]any{"site": "hpc", "conf": s.Conf, "work_dir": workDir},
	})
}
