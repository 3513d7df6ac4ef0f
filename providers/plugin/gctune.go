package plugin

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Providers are Go programs, and a framework provider allocates freely on
// every call: with Go's default collector (a collection each time the heap
// doubles), collecting was about a fifth of hashicorp/local's CPU on a plan
// with nothing to do. A provider whose heap stays small can afford to let
// it grow further between collections; one whose heap is large cannot (five
// processes of a cloud provider with hundreds of MiB of schemas each would
// take gigabytes).
//
// GCNotes learns which is which from the provider's last run. When a
// provider process that started and served exits (one killed while
// starting had not reached its usual size), its peak resident memory and the collector
// setting it ran with are kept, per provider binary and name (the cache
// key), in a small file. The next start of that provider sets
// GOGC=gcSmallPercent and GOMEMLIMIT=gcSmallLimit in its environment when
// the last run's peak, scaled to what Go's default setting would have let
// it reach, is under gcSmallPeak (hashicorp/local peaks at about 60 MiB,
// including its 26 MiB binary; a cloud provider at several hundred). A
// provider never seen is judged by its binary: the providers whose heaps
// are large owe it to schemas of thousands of attributes, compiled into
// binaries of hundreds of MiB, while hashicorp/local, null, random, tls or
// archive take 20 to 30; under gcSmallBinary, it starts tuned, and its
// first run's peak decides from then on. Otherwise the environment is left
// as it was. GOGC or GOMEMLIMIT set by the user, and
// INDIGO_PROVIDER_GOGC=off, leave every provider alone.
//
// GOMEMLIMIT bounds what a provider that was small last time and is not
// this time (a data source reading a large file) can take: near the limit
// the collector runs as often as it needs to. Neither variable changes what
// a provider answers (the answer cache leaves them out of a provider's
// identity). Only Linux reports a child's peak memory where Go reads it
// (peakKiB): elsewhere nothing is learnt, and only a provider never seen
// with a small binary is tuned, every time.
type GCNotes struct {
	// Dir holds one file per provider.
	Dir string
}

const (
	gcSmallPercent = 400
	gcSmallLimit   = "512MiB"
	gcSmallPeak    = 100 << 10 // KiB
	gcSmallBinary  = 64 << 20  // bytes
	// GCTuneEnv set to "off" turns the tuning off.
	GCTuneEnv = "INDIGO_PROVIDER_GOGC"
)

// gcNote is what is kept of a provider's last run.
type gcNote struct {
	PeakKiB int64 `json:"peak_kib"`
	GOGC    int   `json:"gogc"`
}

func (n *GCNotes) path(key string) string {
	h := sha256.Sum256([]byte(key))
	return filepath.Join(n.Dir, hex.EncodeToString(h[:16])+".json")
}

// tune returns env with the collector settings for the provider key
// whose binary is exe, and the GOGC the provider runs with (0: the
// variables are not indigo's to set, nothing is to be learnt).
func (n *GCNotes) tune(key, exe string, env []string) ([]string, int) {
	if n == nil || n.Dir == "" || key == "" {
		return env, 0
	}
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		switch {
		case name == "GOGC" || name == "GOMEMLIMIT":
			return env, 0
		case name == GCTuneEnv && value == "off":
			return env, 0
		}
	}
	b, err := os.ReadFile(n.path(key))
	var last gcNote
	switch {
	case err == nil && json.Unmarshal(b, &last) == nil:
		if !small(last) {
			return env, 100
		}
	case errors.Is(err, fs.ErrNotExist):
		if fi, err := os.Stat(exe); err != nil || fi.Size() >= gcSmallBinary {
			return env, 100
		}
	default:
		return env, 100
	}
	return append(env, "GOGC="+strconv.Itoa(gcSmallPercent), "GOMEMLIMIT="+gcSmallLimit), gcSmallPercent
}

// small reports whether a run's peak, scaled back to what Go's default
// collector would have let the heap reach, is under gcSmallPeak.
func small(n gcNote) bool {
	if n.PeakKiB <= 0 || n.GOGC <= 0 {
		return false
	}
	return n.PeakKiB*200/int64(100+n.GOGC) < gcSmallPeak
}

// record keeps a run's peak when it changes what the next start does (a
// note of another setting, or the other side of gcSmallPeak): a run like
// the last writes nothing. Failures only mean nothing is learnt.
func (n *GCNotes) record(key string, gogc int, peak int64) {
	if n == nil || n.Dir == "" || key == "" || gogc == 0 || peak <= 0 {
		return
	}
	now := gcNote{PeakKiB: peak, GOGC: gogc}
	var last gcNote
	if b, err := os.ReadFile(n.path(key)); err == nil && json.Unmarshal(b, &last) == nil &&
		last.GOGC == gogc && small(last) == small(now) {
		return
	}
	if b, err := json.Marshal(now); err == nil {
		_ = writeAtomic(n.Dir, ".gcnote-*", n.path(key), b)
	}
}
