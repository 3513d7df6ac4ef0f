//go:build unix

package local_test

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/indigo-cloud/indigo/internal/faults"
	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/local"
	"github.com/indigo-cloud/indigo/state/statetest"
)

// TestJournalOnFailingDisk appends to journals on a loop-mounted ext4
// filesystem that turns read-only on an error (errors=remount-ro) at a
// random moment, brings the disk back, and checks that every append that
// returned nil is in its journal. Without the confirming append
// (journal.confirm), an fsync that overlaps the error returns nil for a
// record the disk never got, in about one trial in eight here. Each
// trial runs four journals at once, all hit by the one error. Needs root
// and loop devices (skipped otherwise); INDIGO_FAULT_TRIALS sets the
// number of trials (default 30).
func TestJournalOnFailingDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("mounts a filesystem once per trial")
	}
	trials := 30
	if n, err := strconv.Atoi(os.Getenv("INDIGO_FAULT_TRIALS")); err == nil && n > 0 {
		trials = n
	}
	const journals = 4
	disk := faults.NewDisk(t, 4<<20)
	ctx := context.Background()
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	lost := 0
	for trial := 1; trial <= trials; trial++ {
		var (
			wg    sync.WaitGroup
			bs    [journals]*local.Backend
			acked [journals]int
			start = make(chan struct{})
		)
		for k := range journals {
			bs[k] = local.New(filepath.Join(disk.Dir, fmt.Sprintf("t%d-%d.state", trial, k)))
			j, err := bs[k].OpenJournal(ctx, state.JournalHeader{Lineage: state.NewLineage()}, nil)
			if err != nil {
				t.Fatalf("trial %d: %v", trial, err)
			}
			wg.Go(func() {
				defer j.Close()
				<-start
				for i := 0; ; i++ {
					rec := state.Record{Kind: state.RecordSet, Addr: statetest.Instance("r", nil), Provider: statetest.Provider, Object: statetest.Object(strconv.Itoa(i), 1)}
					if err := j.Append(ctx, []state.Record{rec}); err != nil {
						return
					}
					acked[k]++
				}
			})
		}
		close(start)
		time.Sleep(time.Duration(rng.Int63n(int64(300 * time.Millisecond))))
		if err := disk.Break(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		if !disk.ReadOnly() {
			t.Fatalf("trial %d: the disk is not read-only after the error", trial)
		}
		if err := disk.Repair(); err != nil {
			t.Fatal(err)
		}
		if disk.ReadOnly() {
			t.Fatalf("trial %d: the disk is still read-only after Repair", trial)
		}
		for k, b := range bs {
			jc, err := b.ReadJournal(ctx)
			if err != nil {
				t.Fatalf("trial %d: reading journal %d back: %v", trial, k, err)
			}
			if len(jc.Records) < acked[k] {
				lost++
				t.Errorf("trial %d: %d appends to journal %d returned nil; once the disk is back it holds %d records", trial, acked[k], k, len(jc.Records))
			}
			for i, r := range jc.Records {
				if r.Object == nil || string(r.Object.Private) != "private-"+strconv.Itoa(i) {
					t.Fatalf("trial %d: record %d of journal %d is not the one appended %d-th", trial, i, k, i)
				}
			}
			if err := os.Remove(b.JournalPath()); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("%d trials of %d journals: %d journals lost acknowledged appends", trials, journals, lost)
}
