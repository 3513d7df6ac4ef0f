package terraform

import (
	"os"
	"testing"

	"github.com/indigo-cloud/indigo/internal/testsrv"
)

// TestMain stops the servers the tests start (PostgreSQL, MinIO).
func TestMain(m *testing.M) { os.Exit(testsrv.Main(m)) }
