//go:build unix

package local_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/local"
	"github.com/indigo-cloud/indigo/state/statetest"
)

func TestConformance(t *testing.T) {
	statetest.RunWith(t, func(t *testing.T) state.Backend {
		return local.New(filepath.Join(t.TempDir(), "indigo.state"))
	}, statetest.Options{
		Short: testing.Short(),
		TearJournal: func(t *testing.T, b state.Backend) {
			p := b.(*local.Backend).JournalPath()
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			// Cut the last record in the middle, as a crash during its
			// write would.
			if err := os.Truncate(p, fi.Size()-20); err != nil {
				t.Fatal(err)
			}
		},
	})
}
