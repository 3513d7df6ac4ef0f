package state_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/local"
	"github.com/indigo-cloud/indigo/state/statetest"
)

func BenchmarkEncode(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		s := statetest.Sample(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			var size int
			for b.Loop() {
				data, err := state.Encode(s)
				if err != nil {
					b.Fatal(err)
				}
				size = len(data)
			}
			b.SetBytes(int64(size))
			b.ReportMetric(float64(size), "file-bytes")
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		data, err := state.Encode(statetest.Sample(n))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := state.Decode("bench", data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkJournalAppend measures one intent+result pair made durable
// (two appends, each synced and confirmed by a second sync) on the local
// backend, serially and from ten goroutines sharing group commits.
func BenchmarkJournalAppend(b *testing.B) {
	ctx := context.Background()
	for _, par := range []int{1, 10} {
		b.Run(fmt.Sprintf("parallel=%d", par), func(b *testing.B) {
			be := local.New(filepath.Join(b.TempDir(), "indigo.state"))
			m, err := state.Open(ctx, be, state.OpenOptions{Operation: "bench", FlushInterval: -1})
			if err != nil {
				b.Fatal(err)
			}
			defer m.Close(ctx)
			obj := statetest.Object("bench", 1)
			b.ReportAllocs()
			b.SetParallelism(par)
			n := 0
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					n++
					addr := statetest.Instance("bench", config.StringKey(state.NewIntentID()))
					id, err := m.Intent(ctx, state.Intent{Op: state.OpCreate, Addr: addr, Provider: statetest.Provider, Planned: obj})
					if err == nil {
						err = m.Result(ctx, state.Result{IntentID: id, Object: obj})
					}
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
