package steps

import (
	"context"

	"github.com/indigo-cloud/indigo/providers/indigo/internal/supervise"
)

// endGroup kills what is left of the process group pgid of a cancelled
// step and waits until none of it runs.
func endGroup(pgid int) error {
	return supervise.TerminateGroup(context.Background(), pgid, 0)
}
