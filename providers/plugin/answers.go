package plugin

import (
	"bytes"
	"cmp"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// AnswerCache keeps, across runs, the provider answers that are pure
// functions of their inputs, so that a plan with nothing to do asks the
// provider only what may have changed: ReadResource, which looks at the real
// world. Two kinds of answers are kept:
//
//   - validation (ValidateResourceConfig, ValidateDataResourceConfig,
//     ValidateProviderConfig) that found no error, keyed by the provider's
//     identity (see below), its configuration once it is configured (the
//     framework hands it to resources before validating them), the schema
//     of the type, the type and the exact configuration;
//   - a PlanResourceChange that planned no change at all (the planned state
//     is the prior state, the planned private data the prior private data,
//     nothing requires replacement, no error), keyed in addition by the
//     configuration the provider was configured with, the prior state, the
//     proposed new state, the configuration, the prior private data and
//     provider_meta. Such a cached plan is used only when, in the same
//     process, ReadResource has just returned exactly that prior state: the
//     object has not drifted since.
//
// A provider's identity is the CacheKey of StartOptions (the hash of its
// binary and its address), its name, the protocol version, and the command
// that started it: path, arguments, directory and environment (minus the
// variables a shell changes on its own, _, OLDPWD and SHLVL, and those that
// only set logging, profiling or this cache: TF_LOG*, INDIGO_LOG*,
// INDIGO_CPUPROFILE, INDIGO_TRACE, INDIGO_PARSE_CACHE, INDIGO_PROVIDER_CACHE*;
// and the Go runtime's GOGC, GOMEMLIMIT and GOMAXPROCS). Requests or answers holding unknown values,
// deferred answers, answers with errors and the plans of providers listed in
// Impure are never kept. Warnings are kept and replayed.
//
// Nothing of the user's infrastructure is stored in clear: an entry is a
// hash of the inputs, one flag and the provider's warnings sealed (AES-GCM)
// with a second hash of the inputs, which the file does not hold. Warnings
// may quote the configuration, and their attribute paths hold map keys;
// only a run that has the same inputs can open them. The files are one per
// provider binary, JSON with a header holding a checksum, written atomically
// when a Provider closes; a file that does not verify is ignored and
// rewritten. Each file keeps the answers used by one of the last four runs
// that wrote it, and at most maxAnswers of them; files of binaries not used
// for 30 days are removed.
//
// An AnswerCache is safe for concurrent use by several Providers; several
// processes may share a directory (the last writer of a file wins, and
// either version is sound).
type AnswerCache struct {
	// Dir holds the cache files; created when needed.
	Dir string
	// Impure lists what plans by consulting something besides its inputs
	// (a remote API, the clock, files): providers by source address
	// ("hashicorp/kubernetes", with or without the registry host) and
	// resource types by name ("indigo_step", no slash). Their plans are
	// never cached; their validations are. nil means
	// DefaultImpureProviders.
	Impure []string

	mu    sync.Mutex
	books map[string]*answerBook
}

// DefaultImpureProviders are the providers and resource types known to
// consult something besides their inputs while planning:
//
//   - hashicorp/kubernetes: kubernetes_manifest plans against the API
//     server (its OpenAPI schema, a server-side dry run);
//   - hashicorp/helm: helm_release fetches and renders charts in plan;
//   - gavinbunney/kubectl, alekc/kubectl: kubectl_manifest asks the API
//     server in plan;
//   - hashicorp/time: rotations depend on the clock;
//   - tls_self_signed_cert, tls_locally_signed_cert (hashicorp/tls): their
//     plan compares the clock with validity_end_time less
//     early_renewal_hours and sets ready_for_renewal, which replaces them;
//   - indigo_step (indigo's built-in provider): hashes its script or
//     playbook files, and looks for the tools that run them, in plan.
var DefaultImpureProviders = []string{
	"hashicorp/kubernetes",
	"hashicorp/helm",
	"gavinbunney/kubectl",
	"alekc/kubectl",
	"hashicorp/time",
	"tls_self_signed_cert",
	"tls_locally_signed_cert",
	"indigo_step",
}

const (
	// answersMagic's version 2 seals the warnings; files of version 1,
	// which held them in clear, are ignored and rewritten. Version 3
	// keys reads and plans on the resource's identity too; version 4
	// holds the answers in binary rather than JSON.
	answersMagic = "indigo-provider-answers 4"
	// maxAnswers bounds one file: a plan of that many resources keeps
	// half of them.
	maxAnswers = 1 << 18
	// keepRuns is how many runs that wrote a file an unused answer
	// survives.
	keepRuns = 4
	// staleAfter is how long a file nobody wrote stays.
	staleAfter = 30 * 24 * time.Hour
)

// impure reports whether the provider named name is in the Impure list,
// and which of its resource types are.
func (c *AnswerCache) impure(name string) (bool, map[string]bool) {
	list := c.Impure
	if list == nil {
		list = DefaultImpureProviders
	}
	name = normalProviderName(name)
	types := map[string]bool{}
	for _, s := range list {
		if !strings.Contains(s, "/") {
			types[strings.TrimSpace(s)] = true
		} else if normalProviderName(s) == name {
			return true, nil
		}
	}
	return false, types
}

// normalProviderName drops the default registry hosts and the case.
func normalProviderName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, host := range []string{"registry.terraform.io/", "registry.opentofu.org/"} {
		s = strings.TrimPrefix(s, host)
	}
	return s
}

// book returns the answers of the binary identified by key, shared by every
// Provider of this cache started with that key.
func (c *AnswerCache) book(key string) *answerBook {
	sum := sha256.Sum256([]byte(key))
	path := filepath.Join(c.Dir, hex.EncodeToString(sum[:16])+".answers")
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.books == nil {
		c.books = map[string]*answerBook{}
	}
	b := c.books[path]
	if b == nil {
		b = &answerBook{dir: c.Dir, path: path, key: key}
		c.books[path] = b
	}
	return b
}

// answerKey identifies one request: the hash of everything the answer may
// depend on. It is never written down: the file holds its id, and the
// answer's warnings are sealed with its seal.
type answerKey [32]byte

// answerID is what the file holds of an answerKey.
type answerID [32]byte

func (k answerKey) id() answerID {
	return sha256.Sum256(append([]byte("indigo answer id\n"), k[:]...))
}

// seal is the AES-256 key of the answer's warnings.
func (k answerKey) seal() [32]byte {
	return sha256.Sum256(append([]byte("indigo answer seal\n"), k[:]...))
}

// answer is a kept answer: the provider's warnings, sealed, and, for a
// plan, whether it said it is of the legacy SDK.
type answer struct {
	// sealed is nonce and AES-GCM of the JSON of the warnings
	// ([]storedDiag); nil when there are none.
	sealed []byte
	legacy bool
	// used is the generation of the last run that used the answer.
	used uint64
}

// answerBook is the answers of one provider binary: its file, loaded on
// first use.
type answerBook struct {
	dir, path, key string

	loadOnce sync.Once
	mu       sync.Mutex
	// run is this run's generation: the file's plus one.
	run     uint64
	answers map[answerID]*answer
	dirty   bool
	// replans holds, by answerKey, every plan the provider gave in this
	// run that may be remembered (planKey), for the same request asked
	// again: apply plans each change again before applying it. Memory
	// only: nothing of it reaches the file.
	replans sync.Map
}

func (b *answerBook) load() {
	b.loadOnce.Do(func() {
		b.answers = map[answerID]*answer{}
		f, err := readAnswers(b.path, b.key)
		if err != nil {
			// Missing, damaged or from another format: start afresh,
			// and write a good file when the run ends.
			b.run = 1
			b.dirty = !errors.Is(err, os.ErrNotExist)
			return
		}
		b.run = f.Generation + 1
		b.answers = make(map[answerID]*answer, len(f.Answers))
		for _, sa := range f.Answers {
			k, a := sa.decode()
			b.answers[k] = a
		}
	})
}

// lookup returns the kept answer for k, marking it used by this run.
func (b *answerBook) lookup(k answerKey) (Diagnostics, bool, bool) {
	b.load()
	b.mu.Lock()
	defer b.mu.Unlock()
	a := b.answers[k.id()]
	if a == nil {
		return nil, false, false
	}
	warnings, ok := openWarnings(k, a.sealed)
	if !ok {
		return nil, false, false
	}
	if a.used+1 < b.run {
		// Not used by the run that last wrote the file: record that
		// it still is, before pruning forgets it.
		b.dirty = true
	}
	a.used = b.run
	return warnings, a.legacy, true
}

// keep records an answer; warnings must be storable.
func (b *answerBook) keep(k answerKey, warnings Diagnostics, legacy bool) {
	sealed, err := sealWarnings(k, warnings)
	if err != nil {
		return
	}
	b.load()
	b.mu.Lock()
	defer b.mu.Unlock()
	id := k.id()
	if _, ok := b.answers[id]; !ok && len(b.answers) >= maxAnswers {
		return
	}
	b.answers[id] = &answer{sealed: sealed, legacy: legacy, used: b.run}
	b.dirty = true
}

// sealWarnings encrypts warnings with k's seal: nil when there are none.
func sealWarnings(k answerKey, warnings Diagnostics) ([]byte, error) {
	if len(warnings) == 0 {
		return nil, nil
	}
	plain, err := json.Marshal(encodeWarnings(warnings))
	if err != nil {
		return nil, err
	}
	aead, err := answerAEAD(k)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, plain, nil), nil
}

// openWarnings decrypts what sealWarnings sealed; false when it does not
// open with k's seal or does not decode.
func openWarnings(k answerKey, sealed []byte) (Diagnostics, bool) {
	if sealed == nil {
		return nil, true
	}
	aead, err := answerAEAD(k)
	if err != nil || len(sealed) < aead.NonceSize() {
		return nil, false
	}
	n := aead.NonceSize()
	plain, err := aead.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return nil, false
	}
	var stored []storedDiag
	if err := json.Unmarshal(plain, &stored); err != nil {
		return nil, false
	}
	return decodeWarnings(stored)
}

func answerAEAD(k answerKey) (cipher.AEAD, error) {
	seal := k.seal()
	block, err := aes.NewCipher(seal[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// flush writes the book when it changed: the answers used by this run and
// by the last keepRuns-1 runs that wrote the file.
func (b *answerBook) flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.dirty || b.answers == nil {
		return nil
	}
	f := answersFile{Generation: b.run}
	for k, a := range b.answers {
		if a.used+keepRuns <= b.run {
			continue
		}
		f.Answers = append(f.Answers, encodeAnswer(k, a))
	}
	// The most recently used first, so that a bound keeps those.
	slices.SortFunc(f.Answers, func(x, y storedAnswer) int {
		if c := cmp.Compare(y.Used, x.Used); c != 0 {
			return c
		}
		return bytes.Compare(x.ID[:], y.ID[:])
	})
	if len(f.Answers) > maxAnswers {
		f.Answers = f.Answers[:maxAnswers]
	}
	if err := writeAnswers(b.dir, b.path, b.key, &f); err != nil {
		return err
	}
	b.dirty = false
	removeStaleAnswers(b.dir, b.path)
	return nil
}

// The file: a header line, then the answers in binary.
//
//	indigo-provider-answers 4 <sha256 of the payload> <key, quoted>
//
// The payload is the generation and the number of answers (unsigned
// varints), then each answer: its 32-byte id, the run that last used it
// (varint), a byte of flags (1: legacy type system) and its sealed
// warnings (a varint length, then the bytes). A file of tens of thousands
// of answers reads in a millisecond or two (as JSON it took 40 ms).
type answersFile struct {
	Generation uint64
	Answers    []storedAnswer
}

type storedAnswer struct {
	ID     answerID
	Used   uint64
	Legacy bool
	Sealed []byte
}

func (f *answersFile) marshal() []byte {
	out := binary.AppendUvarint(nil, f.Generation)
	out = binary.AppendUvarint(out, uint64(len(f.Answers)))
	for _, a := range f.Answers {
		out = append(out, a.ID[:]...)
		out = binary.AppendUvarint(out, a.Used)
		var flags byte
		if a.Legacy {
			flags |= 1
		}
		out = append(out, flags)
		out = binary.AppendUvarint(out, uint64(len(a.Sealed)))
		out = append(out, a.Sealed...)
	}
	return out
}

var errAnswersCorrupt = errors.New("answers do not decode")

func (f *answersFile) unmarshal(data []byte) error {
	off := 0
	uvarint := func() (uint64, bool) {
		v, n := binary.Uvarint(data[off:])
		if n <= 0 {
			return 0, false
		}
		off += n
		return v, true
	}
	var ok bool
	if f.Generation, ok = uvarint(); !ok {
		return errAnswersCorrupt
	}
	n, ok := uvarint()
	// Each answer takes at least 35 bytes.
	if !ok || n > uint64(len(data)-off)/35 {
		return errAnswersCorrupt
	}
	f.Answers = make([]storedAnswer, n)
	for i := range f.Answers {
		a := &f.Answers[i]
		if len(data)-off < len(a.ID) {
			return errAnswersCorrupt
		}
		off += copy(a.ID[:], data[off:])
		if a.Used, ok = uvarint(); !ok || off >= len(data) {
			return errAnswersCorrupt
		}
		flags := data[off]
		off++
		if flags&^1 != 0 {
			return errAnswersCorrupt
		}
		a.Legacy = flags&1 != 0
		l, ok := uvarint()
		if !ok || l > uint64(len(data)-off) {
			return errAnswersCorrupt
		}
		if l > 0 {
			a.Sealed = data[off : off+int(l) : off+int(l)]
			off += int(l)
		}
	}
	if off != len(data) {
		return errAnswersCorrupt
	}
	return nil
}

type storedDiag struct {
	Summary string       `json:"summary"`
	Detail  string       `json:"detail,omitempty"`
	Path    []storedStep `json:"path,omitempty"`
}

// storedStep is one step of an attribute path: exactly one field is set.
type storedStep struct {
	Attr  *string `json:"attr,omitempty"`
	Key   *string `json:"key,omitempty"`
	Index *string `json:"index,omitempty"`
}

func answersHeader(key string, payload []byte) []byte {
	sum := sha256.Sum256(payload)
	return fmt.Appendf(nil, "%s %s %s\n", answersMagic, hex.EncodeToString(sum[:]), strconv.Quote(key))
}

func readAnswers(path, key string) (*answersFile, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	nl := bytes.IndexByte(raw, '\n')
	if nl < 0 {
		return nil, errors.New("no header")
	}
	payload := raw[nl+1:]
	if !bytes.Equal(raw[:nl+1], answersHeader(key, payload)) {
		return nil, errors.New("header does not match (other key or format, or damaged)")
	}
	var f answersFile
	if err := f.unmarshal(payload); err != nil {
		return nil, fmt.Errorf("answers: %w", err)
	}
	return &f, nil
}

func writeAnswers(dir, path, key string, f *answersFile) error {
	payload := f.marshal()
	if err := writeAtomic(dir, ".answers-*", path, answersHeader(key, payload), payload); err != nil {
		return fmt.Errorf("provider answer cache: %w", err)
	}
	return nil
}

// removeStaleAnswers removes the files of binaries not used for staleAfter,
// and temporary files a crash left behind.
func removeStaleAnswers(dir, keep string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(dir, name)
		if path == keep || e.IsDir() {
			continue
		}
		age := staleAfter
		if strings.HasPrefix(name, ".answers-") {
			age = time.Hour
		} else if !strings.HasSuffix(name, ".answers") {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > age {
			_ = os.Remove(path)
		}
	}
}

func encodeAnswer(id answerID, a *answer) storedAnswer {
	return storedAnswer{ID: id, Used: a.used, Legacy: a.legacy, Sealed: a.sealed}
}

func (sa storedAnswer) decode() (answerID, *answer) {
	return sa.ID, &answer{sealed: sa.Sealed, legacy: sa.Legacy, used: sa.Used}
}

// encodeWarnings writes warnings down; storable checked they can be.
func encodeWarnings(warnings Diagnostics) []storedDiag {
	var out []storedDiag
	for _, d := range warnings {
		sd := storedDiag{Summary: d.Summary, Detail: d.Detail}
		for _, step := range d.Attribute {
			switch s := step.(type) {
			case cty.GetAttrStep:
				sd.Path = append(sd.Path, storedStep{Attr: &s.Name})
			case cty.IndexStep:
				// storable checked the key is a known string or number.
				if s.Key.Type() == cty.String {
					key := s.Key.AsString()
					sd.Path = append(sd.Path, storedStep{Key: &key})
				} else {
					index := s.Key.AsBigFloat().Text('f', -1)
					sd.Path = append(sd.Path, storedStep{Index: &index})
				}
			}
		}
		out = append(out, sd)
	}
	return out
}

func decodeWarnings(stored []storedDiag) (Diagnostics, bool) {
	var warnings Diagnostics
	for _, sd := range stored {
		d := Diagnostic{Severity: Warning, Summary: sd.Summary, Detail: sd.Detail}
		for _, st := range sd.Path {
			switch {
			case st.Attr != nil && st.Key == nil && st.Index == nil:
				d.Attribute = append(d.Attribute, cty.GetAttrStep{Name: *st.Attr})
			case st.Key != nil && st.Attr == nil && st.Index == nil:
				d.Attribute = append(d.Attribute, cty.IndexStep{Key: cty.StringVal(*st.Key)})
			case st.Index != nil && st.Attr == nil && st.Key == nil:
				n, err := cty.ParseNumberVal(*st.Index)
				if err != nil {
					return nil, false
				}
				d.Attribute = append(d.Attribute, cty.IndexStep{Key: n})
			default:
				return nil, false
			}
		}
		warnings = append(warnings, d)
	}
	return warnings, true
}

// storable reports whether diags can be kept: warnings only, about
// attributes whose paths can be written down, and no failed call.
func storable(diags Diagnostics) bool {
	for _, d := range diags {
		if d.Severity != Warning || d.Err != nil {
			return false
		}
		for _, step := range d.Attribute {
			switch s := step.(type) {
			case cty.GetAttrStep:
			case cty.IndexStep:
				if s.Key.IsMarked() || !s.Key.IsKnown() || s.Key.IsNull() || (s.Key.Type() != cty.String && s.Key.Type() != cty.Number) {
					return false
				}
			default:
				return false
			}
		}
	}
	return true
}

// keyWriter hashes the parts of a key, each with its length, so that no two
// different sequences of parts hash alike.
type keyWriter struct{ h hash.Hash }

func newKeyWriter(kind string, ident *[32]byte) keyWriter {
	w := keyWriter{h: sha256.New()}
	w.str(kind)
	w.h.Write(ident[:])
	return w
}

func (w keyWriter) bytes(b []byte) {
	var n [9]byte
	n[0] = 1
	binary.LittleEndian.PutUint64(n[1:], uint64(len(b)))
	w.h.Write(n[:])
	w.h.Write(b)
}

func (w keyWriter) str(s string) { w.bytes([]byte(s)) }

// value writes an encoded value; nil (no value sent) differs from every
// encoding.
func (w keyWriter) value(dv *dynamicValue) {
	if dv == nil {
		w.h.Write([]byte{0})
		return
	}
	w.bytes(dv.msgpack)
	w.bytes(dv.json)
}

func (w keyWriter) sum() answerKey {
	var k answerKey
	w.h.Sum(k[:0])
	return k
}

// outsideIdentity reports whether an environment variable stays out of a
// provider's identity: those a shell changes by itself between two commands,
// those that only say how much to log or how indigo runs, and those that
// tune the Go runtime's collector and scheduler (GOGC, GOMEMLIMIT,
// GOMAXPROCS: they change how fast a Go provider answers, never what; GODEBUG
// may change behaviour and stays in). Every other
// variable may change what a provider answers (credentials, regions,
// endpoints are often read from it) and is part of the identity.
func outsideIdentity(name string) bool {
	switch name {
	case "_", "OLDPWD", "SHLVL", "GOGC", "GOMEMLIMIT", "GOMAXPROCS":
		return true
	}
	for _, prefix := range []string{"TF_LOG", "INDIGO_LOG", "INDIGO_PROVIDER_CACHE", "INDIGO_CPUPROFILE", "INDIGO_TRACE", "INDIGO_PARSE_CACHE", MTLSEnv, GCTuneEnv} {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}

// commandIdentity hashes how a provider process is started: its binary's
// key, its name, its command line, directory and environment.
func commandIdentity(opts StartOptions, name string) [32]byte {
	h := sha256.New()
	w := keyWriter{h: h}
	w.str(opts.CacheKey)
	w.str(name)
	w.str(opts.Cmd.Path)
	for _, a := range opts.Cmd.Args {
		w.str(a)
	}
	w.str(opts.Cmd.Dir)
	env := opts.Cmd.Env
	if env == nil {
		env = os.Environ()
	}
	env = slices.Clone(env)
	slices.Sort(env)
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if !outsideIdentity(k) {
			w.str(kv)
		}
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// answerState is what a Provider keeps for its answer cache.
type answerState struct {
	book   *answerBook // nil: no caching
	impure bool
	// impureTypes are the resource types whose plans are not kept.
	impureTypes map[string]bool
	// ident is the provider's identity (commandIdentity) plus its
	// protocol version.
	ident [32]byte
	// configured is the hash of the configuration ConfigureProvider
	// accepted, when it was wholly known.
	configured atomic.Pointer[[32]byte]
	// unsure is set when ConfigureProvider failed or was given unknown
	// values: the process's answers are neither kept nor looked up.
	unsure atomic.Bool
	// unchanged holds readKeys of the states ReadResource returned
	// unchanged in this process.
	unchanged sync.Map
	// schemaHashes caches the hash of each type's schema.
	schemaHashes sync.Map

	hits, asked, kept, again atomic.Int64
}

// AnswerStats counts what the answer cache did for one Provider.
type AnswerStats struct {
	// Hits are calls answered from the cache, without the provider.
	Hits int64
	// Asked are calls that could have been answered from the cache but
	// were not there, so the provider was asked.
	Asked int64
	// Kept are answers recorded for later runs.
	Kept int64
	// Again are plans answered with the provider's own answer to the
	// same request earlier in this run, without asking again.
	Again int64
}

// AnswerStats returns the answer cache's counts for this Provider (zero
// without a cache).
func (p *Provider) AnswerStats() AnswerStats {
	return AnswerStats{Hits: p.ans.hits.Load(), Asked: p.ans.asked.Load(), Kept: p.ans.kept.Load(), Again: p.ans.again.Load()}
}

// flushAnswers writes the answer cache at Close.
func (p *Provider) flushAnswers() {
	if p.ans.book == nil {
		return
	}
	st := p.AnswerStats()
	p.logger.Debug("provider answer cache", "provider", p.name, "hits", st.Hits, "asked", st.Asked, "kept", st.Kept, "again", st.Again)
	if err := p.ans.book.flush(); err != nil {
		p.logger.Warn("could not write the provider answer cache", "provider", p.name, "error", err)
	}
}

// typeSchema is what the answer cache keeps of a type's schema.
type typeSchema struct {
	// hash is the hash of the schema.
	hash [32]byte
	// writeOnly is the schema's block when a value of it can hold a
	// write-only value, else nil.
	writeOnly *Block
}

// schemaHash is the hash of the schema of a resource type ("r"), data
// source ("d") or the provider ("p", name ""), or false when it has none.
func (p *Provider) schemaHash(ls *loadedSchema, kind, name string) (typeSchema, bool) {
	id := kind + name
	if h, ok := p.ans.schemaHashes.Load(id); ok {
		return h.(typeSchema), true
	}
	var version int64
	var block *Block
	switch kind {
	case "r", "d":
		m := ls.schema.Resources
		if kind == "d" {
			m = ls.schema.DataSources
		}
		rs, ok := m[name]
		if !ok {
			return typeSchema{}, false
		}
		version, block = rs.Version, rs.Block
	case "p":
		block = ls.schema.Provider
	}
	h := sha256.New()
	w := keyWriter{h: h}
	w.str(strconv.FormatInt(version, 10))
	if !hashBlock(w, block) {
		return typeSchema{}, false
	}
	var ts typeSchema
	h.Sum(ts.hash[:0])
	if block.mayHoldWriteOnly() {
		ts.writeOnly = block
	}
	p.ans.schemaHashes.Store(id, ts)
	return ts, true
}

// secret reports whether a value of ts's schema holds a write-only value:
// it must never be persisted in any form, a hash included.
func (ts typeSchema) secret(v cty.Value) bool {
	return ts.writeOnly != nil && ts.writeOnly.HasWriteOnlyValue(v)
}

// hashBlock writes a block's schema, in a fixed order, leaving out the
// descriptions (they do not change answers).
func hashBlock(w keyWriter, b *Block) bool {
	if b == nil {
		w.str("-")
		return true
	}
	w.str(strconv.FormatBool(b.Deprecated))
	for _, name := range slices.Sorted(maps.Keys(b.Attributes)) {
		w.str(name)
		if !hashAttribute(w, b.Attributes[name]) {
			return false
		}
	}
	w.str("blocks")
	for _, name := range slices.Sorted(maps.Keys(b.BlockTypes)) {
		nb := b.BlockTypes[name]
		w.str(name)
		w.str(fmt.Sprint(nb.Nesting, nb.MinItems, nb.MaxItems))
		if !hashBlock(w, &nb.Block) {
			return false
		}
	}
	w.str("end")
	return true
}

func hashAttribute(w keyWriter, a *Attribute) bool {
	w.str(fmt.Sprint(a.Required, a.Optional, a.Computed, a.Sensitive, a.Deprecated, a.WriteOnly))
	if a.NestedType != nil {
		w.str(fmt.Sprint("nested", a.NestedType.Nesting))
		for _, name := range slices.Sorted(maps.Keys(a.NestedType.Attributes)) {
			w.str(name)
			if !hashAttribute(w, a.NestedType.Attributes[name]) {
				return false
			}
		}
		w.str("end")
		return true
	}
	if a.Type == cty.NilType {
		return false
	}
	ty, err := ctyjson.MarshalType(a.Type)
	if err != nil {
		return false
	}
	w.bytes(ty)
	return true
}

// validationKey is the key of a validation of cfg (encoded as dv) against
// the schema of kind and typeName, or false when it may not be cached.
func (p *Provider) validationKey(ctx context.Context, ls *loadedSchema, op, kind, typeName string, cfg cty.Value, dv *dynamicValue) (answerKey, bool) {
	if p.ans.book == nil || p.ans.unsure.Load() || isEphemeral(ctx) || !(dv != nil && dv.known || cfg.IsWhollyKnown()) {
		return answerKey{}, false
	}
	ts, ok := p.schemaHash(ls, kind, typeName)
	if !ok || ts.secret(cfg) {
		return answerKey{}, false
	}
	w := newKeyWriter(op, &p.ans.ident)
	// The framework hands a resource the provider's configured data
	// before validating it: a configured provider's answers are told
	// apart by its configuration.
	if configured := p.ans.configured.Load(); configured != nil {
		w.h.Write(configured[:])
	} else {
		w.str("not configured")
	}
	w.h.Write(ts.hash[:])
	w.str(typeName)
	w.value(dv)
	return w.sum(), true
}

// cachedValidation returns the kept validation answer for k.
func (p *Provider) cachedValidation(k answerKey) (Diagnostics, bool) {
	diags, _, ok := p.ans.book.lookup(k)
	if ok {
		p.ans.hits.Add(1)
	} else {
		p.ans.asked.Add(1)
	}
	return diags, ok
}

// keepValidation records a validation answer that found no error.
func (p *Provider) keepValidation(k answerKey, diags Diagnostics) {
	if storable(diags) {
		p.ans.book.keep(k, diags, false)
		p.ans.kept.Add(1)
	}
}

// noteConfigured records the configuration the provider accepted, when it
// is wholly known: plans made with it may be cached.
func (p *Provider) noteConfigured(ctx context.Context, version string, cfg cty.Value, dv *dynamicValue, diags Diagnostics) {
	if p.ans.book == nil {
		return
	}
	if diags.HasErrors() || !cfg.IsWhollyKnown() || isEphemeral(ctx) {
		// Nothing this process answers from now on is kept or
		// taken from the cache.
		p.ans.unsure.Store(true)
		return
	}
	w := newKeyWriter("ConfigureProvider", &p.ans.ident)
	w.str(version)
	w.value(dv)
	k := w.sum()
	p.ans.configured.Store((*[32]byte)(&k))
}

// readKey identifies an object whose state a ReadResource returned
// unchanged: its address (another object with the same state may have
// drifted), type, state, identity and private data.
func readKey(addr, typeName string, state, identity *dynamicValue, private []byte) answerKey {
	w := keyWriter{h: sha256.New()}
	w.str(addr)
	w.str(typeName)
	w.value(state)
	w.value(identity)
	w.bytes(private)
	return w.sum()
}

// noteRead records that ReadResource found the object as the prior state
// said (no error, nothing deferred, the same state), so that a plan from
// that state may come from the cache.
func (p *Provider) noteRead(req ReadRequest, call readCall, res *readResult, resp ReadResponse) {
	if p.ans.book == nil || p.ans.impure || p.ans.impureTypes[req.TypeName] || res.deferred || resp.Diagnostics.HasErrors() || resp.NewState == cty.NilVal || resp.NewState.IsNull() {
		return
	}
	if res.newState == nil || !bytes.Equal(res.newState.msgpack, call.state.msgpack) {
		prior, _ := req.PriorState.UnmarkDeep()
		if !resp.NewState.RawEquals(prior) {
			return
		}
	}
	if !sameIdentity(call.identity, res.identity, req.PriorIdentity, resp.NewIdentity) {
		return
	}
	p.ans.unchanged.Store(readKey(req.Addr, req.TypeName, call.state, call.identity, res.private), struct{}{})
}

// planKey is the key of a plan and what may be done with its answer.
// memo: the answer may be remembered for the rest of this run and a repeat
// of the request answered with it (answerBook.replans); this needs what
// makes a plan a pure function of its request: a cache, a provider
// configured with known values, neither it nor the type impure, no
// ephemeral value (ctx) and no write-only value in the request. keep: the
// answer may also come from and go to the cache file; this needs, besides,
// a prior state (not a create) that ReadResource has just confirmed, and
// no unknown value in the request.
func (p *Provider) planKey(ctx context.Context, ls *loadedSchema, req PlanRequest, call planCall) (k answerKey, memo, keep bool) {
	if p.ans.book == nil || p.ans.impure || p.ans.impureTypes[req.TypeName] || p.ans.unsure.Load() || isEphemeral(ctx) {
		return answerKey{}, false, false
	}
	configured := p.ans.configured.Load()
	if configured == nil {
		return answerKey{}, false, false
	}
	ts, ok := p.schemaHash(ls, "r", req.TypeName)
	// The proposed new state carries the configuration's write-only
	// values too.
	if !ok || ts.secret(req.Config) || ts.secret(req.ProposedNewState) {
		return answerKey{}, false, false
	}
	keep = req.PriorState != cty.NilVal && !req.PriorState.IsNull() &&
		req.ProposedNewState.IsWhollyKnown() && req.Config.IsWhollyKnown() && req.ProviderMeta.IsWhollyKnown()
	if keep {
		_, keep = p.ans.unchanged.Load(readKey(req.Addr, req.TypeName, call.prior, call.priorIdentity, call.priorPrivate))
	}
	w := newKeyWriter("PlanResourceChange", &p.ans.ident)
	w.h.Write(configured[:])
	w.h.Write(ts.hash[:])
	w.str(req.TypeName)
	w.value(call.prior)
	w.value(call.proposed)
	w.value(call.config)
	w.value(call.meta)
	w.value(call.priorIdentity)
	w.bytes(call.priorPrivate)
	return w.sum(), true, keep
}

// replanned answers a plan this run has asked already, by the provider's
// answer then: apply asks again, from another process of the same binary
// and configuration, every plan it carries out.
func (p *Provider) replanned(k answerKey) (*planResult, bool) {
	v, ok := p.ans.book.replans.Load(k)
	if !ok {
		return nil, false
	}
	p.ans.again.Add(1)
	return v.(*planResult), true
}

// rememberPlan keeps a plan without errors, not deferred, for the rest of
// this run (in memory only).
func (p *Provider) rememberPlan(k answerKey, res *planResult) {
	if res.deferred || res.diags.HasErrors() {
		return
	}
	p.ans.book.replans.Store(k, res)
}

// cachedPlan answers a plan from the cache: no change, with the warnings
// the provider gave.
func (p *Provider) cachedPlan(k answerKey, req PlanRequest, call planCall, ty, identityTy cty.Type) (PlanResponse, bool) {
	warnings, legacy, ok := p.ans.book.lookup(k)
	if !ok {
		p.ans.asked.Add(1)
		return PlanResponse{}, false
	}
	// Exactly what the provider would have sent back: the prior state.
	// The fast encoder took only a value of exactly ty, known and
	// unmarked, which decodes to itself: no need to decode it.
	planned := req.PriorState
	if !call.prior.known {
		var err error
		if planned, err = decodeValue(call.prior, ty); err != nil {
			p.ans.asked.Add(1)
			return PlanResponse{}, false
		}
	}
	identity, err := decodeIdentity(call.priorIdentity, identityTy)
	if err != nil {
		p.ans.asked.Add(1)
		return PlanResponse{}, false
	}
	p.ans.hits.Add(1)
	return PlanResponse{PlannedState: planned, PlannedIdentity: identity, PlannedPrivate: req.PriorPrivate, LegacyTypeSystem: legacy, Diagnostics: warnings}, true
}

// keepPlan records a plan that changes nothing.
func (p *Provider) keepPlan(k answerKey, req PlanRequest, call planCall, res *planResult, resp PlanResponse, ty cty.Type) {
	if res.deferred || len(res.requiresReplace) > 0 || !storable(resp.Diagnostics) || !bytes.Equal(res.private, req.PriorPrivate) {
		return
	}
	if res.planned == nil || !bytes.Equal(res.planned.msgpack, call.prior.msgpack) {
		prior, err := decodeValue(call.prior, ty)
		if err != nil || !resp.PlannedState.RawEquals(prior) {
			return
		}
	}
	if !sameIdentity(call.priorIdentity, res.identity, req.PriorIdentity, resp.PlannedIdentity) {
		return
	}
	p.ans.book.keep(k, resp.Diagnostics, res.legacy)
	p.ans.kept.Add(1)
}

// sameIdentity reports whether a provider answered with the identity it was
// sent (sent, got: encoded; before, after: decoded), so that an answer that
// changes nothing may be kept.
func sameIdentity(sent, got *dynamicValue, before, after cty.Value) bool {
	if sent == nil {
		return after == cty.NilVal || after.IsNull()
	}
	if got != nil && bytes.Equal(sent.msgpack, got.msgpack) {
		return true
	}
	if after == cty.NilVal || before == cty.NilVal {
		return false
	}
	b, _ := before.UnmarkDeep()
	return after.RawEquals(b)
}
