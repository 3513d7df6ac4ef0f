package s3

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/minio/minio-go/v7"

	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/encrypt"
)

// generationMeta is the user metadata of the journal head that names its
// generation (x-amz-meta-indigo-generation).
const generationMeta = "Indigo-Generation"

// entryKey names entry seq of generation gen; the zero padding makes key
// order the order of appends.
func (b *Backend) entryKey(gen string, seq int64) string {
	return fmt.Sprintf("%s%s/%020d", b.JournalPrefix(), gen, seq)
}

// errJournalChanged means the journal was replaced while it was read.
var errJournalChanged = errors.New("the journal was replaced while it was read")

// ReadJournal reads the head and its generation's entries and parses them
// as one journal file. When the journal is replaced meanwhile (another run
// started a new one), it reads again.
func (b *Backend) ReadJournal(ctx context.Context) (*state.JournalContents, error) {
	for attempt := 0; ; attempt++ {
		jc, err := b.readJournal(ctx)
		if errors.Is(err, errJournalChanged) && attempt < 10 {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading the journal of %s: %w", b.where, err)
		}
		return jc, nil
	}
}

func (b *Backend) readJournal(ctx context.Context) (*state.JournalContents, error) {
	head, found, err := b.get(ctx, b.JournalKey())
	if err != nil || !found {
		return nil, err
	}
	gen := metadata(head.metadata, generationMeta)
	if gen == "" {
		return nil, &state.CorruptError{Name: b.JournalKey(), Reason: "the journal head names no generation (metadata " + generationMeta + ")"}
	}
	keys, err := b.list(ctx, b.JournalPrefix()+gen+"/")
	if err != nil {
		return nil, err
	}
	sort.Strings(keys)
	entries, err := b.getAll(ctx, keys)
	if err != nil {
		return nil, err
	}
	// Entries are only ever added to a generation, never changed; had the
	// head been replaced meanwhile, the entries read may be a mix.
	etag, found, err := b.stat(ctx, b.JournalKey())
	if err != nil {
		return nil, err
	}
	if !found || etag != head.etag {
		return nil, errJournalChanged
	}
	data := head.data
	for _, e := range entries {
		data = append(data, e...)
	}
	return state.ParseJournalSealed(b.where+" (journal)", data, b.enc)
}

// metadata looks up a user metadata value whatever the case of its name.
func metadata(m map[string]string, name string) string {
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// list returns the keys under prefix.
func (b *Backend) list(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	for o := range b.client.ListObjects(ctx, b.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, explain(o.Err)
		}
		keys = append(keys, o.Key)
	}
	return keys, nil
}

// getAll reads the objects keys, a few at a time. An object that is gone
// means the journal was replaced meanwhile.
func (b *Backend) getAll(ctx context.Context, keys []string) ([][]byte, error) {
	out := make([][]byte, len(keys))
	errs := make([]error, len(keys))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			obj, found, err := b.get(ctx, k)
			switch {
			case err != nil:
				errs[i] = err
			case !found:
				errs[i] = errJournalChanged
			default:
				out[i] = obj.data
			}
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// OpenJournal starts a new generation: its first entry holds carry, then
// the head is replaced to name it, then the other generations' entries are
// deleted.
func (b *Backend) OpenJournal(ctx context.Context, h state.JournalHeader, carry []state.Record) (state.Journal, error) {
	j := &journal{b: b, gen: state.NewLineage()}
	if len(carry) > 0 {
		buf, err := lines(carry, b.enc)
		if err != nil {
			return nil, fmt.Errorf("starting the journal of %s: %w", b.where, err)
		}
		if _, err := b.put(ctx, b.entryKey(j.gen, 0), buf, ifAbsent, nil); err != nil {
			return nil, fmt.Errorf("starting the journal of %s: %w", b.where, explain(err))
		}
		j.next = 1
	}
	etag, err := b.put(ctx, b.JournalKey(), state.MarshalJournalHeader(h), always, map[string]string{generationMeta: j.gen})
	if err != nil {
		return nil, fmt.Errorf("starting the journal of %s: %w", b.where, explain(err))
	}
	j.head = etag
	// Left-over entries are harmless (no head names them); deleting them
	// keeps the bucket small, and a failure here is no failure to open.
	b.removeGenerationsBut(ctx, j.gen)
	return j, nil
}

// removeGenerationsBut deletes the journal entries of every generation but
// gen.
func (b *Backend) removeGenerationsBut(ctx context.Context, gen string) {
	keep := b.JournalPrefix() + gen + "/"
	objs := make(chan minio.ObjectInfo)
	go func() {
		defer close(objs)
		for o := range b.client.ListObjects(ctx, b.bucket, minio.ListObjectsOptions{Prefix: b.JournalPrefix(), Recursive: true}) {
			if o.Err != nil {
				return
			}
			if !strings.HasPrefix(o.Key, keep) {
				objs <- o
			}
		}
	}()
	for range b.client.RemoveObjects(ctx, b.bucket, objs, minio.RemoveObjectsOptions{}) {
		// Errors are dropped: see OpenJournal.
	}
}

func lines(recs []state.Record, enc *encrypt.Target) ([]byte, error) {
	var buf []byte
	for _, r := range recs {
		var err error
		if buf, err = state.AppendJournalLineSealed(buf, r, enc); err != nil {
			return nil, fmt.Errorf("encoding journal record: %w", err)
		}
	}
	return buf, nil
}

// journal appends entries to one generation.
type journal struct {
	b    *Backend
	gen  string
	head string // the ETag of the head this journal wrote

	mu     sync.Mutex
	next   int64
	closed bool
	broken error
}

// Append writes recs as the next entry, then checks that the head is still
// the one this journal wrote.
func (j *journal) Append(ctx context.Context, recs []state.Record) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	b := j.b
	switch {
	case j.closed:
		return fmt.Errorf("appending to the journal of %s: it is closed", b.where)
	case j.broken != nil:
		return fmt.Errorf("appending to the journal of %s: %w", b.where, j.broken)
	}
	buf, err := lines(recs, b.enc)
	if err != nil {
		return err
	}
	if _, err := b.put(ctx, b.entryKey(j.gen, j.next), buf, ifAbsent, nil); err != nil {
		// The entry may or may not have been stored: no later entry may
		// follow it.
		j.broken = fmt.Errorf("an earlier append failed: %w", explain(err))
		return fmt.Errorf("appending to the journal of %s: %w", b.where, explain(err))
	}
	j.next++
	etag, found, err := b.stat(ctx, b.JournalKey())
	if err != nil {
		j.broken = fmt.Errorf("an earlier append could not be confirmed: %w", err)
		return fmt.Errorf("appending to the journal of %s: checking the journal head: %w", b.where, err)
	}
	if !found || etag != j.head {
		j.broken = errors.New("the journal was restarted by another run: this run no longer holds the state's lock (was it force-unlocked?)")
		return fmt.Errorf("appending to the journal of %s: %w", b.where, j.broken)
	}
	return nil
}

// Close marks the journal closed; it holds no resources of its own.
func (j *journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.closed = true
	return nil
}
