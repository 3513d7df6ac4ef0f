package pg_test

import (
	"os"
	"testing"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// TestMain stops the package's PostgreSQL server (testsrv.Postgres) when
// the tests are done.
func TestMain(m *testing.M) { os.Exit(testsrv.Main(m)) }
