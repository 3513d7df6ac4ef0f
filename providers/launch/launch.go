// Package launch starts the provider plugins a run needs: indigo's built-in
// providers by re-executing the indigo binary in plugin mode, every other
// provider from the binary that providers/install finds and verifies
// against the dependency lock file. Each is a separate process spoken to
// over go-plugin by providers/plugin, with its schema (and, when asked, its
// answers that are pure functions of their inputs) cached on disk keyed by
// the binary's hash.
//
// It does not install anything (indigo init does) and knows nothing of the
// planner, which receives what Start returns through its own interface.
package launch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"

	"github.com/hashicorp/go-hclog"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/providers/builtin"
	"github.com/indigo-cloud/indigo/providers/install"
	"github.com/indigo-cloud/indigo/providers/plugin"
)

// Finder finds an installed provider binary, verified against the lock
// file; providers/install's Installer implements it.
type Finder interface {
	Find(ctx context.Context, p install.Provider, locks *install.Locks) (install.Installed, error)
}

// Launcher starts providers. The zero Launcher starts built-in providers
// only, without a schema cache.
type Launcher struct {
	// Finder and Locks find other providers; nil Finder means none.
	Finder Finder
	Locks  *install.Locks
	// Cache keeps provider schemas between runs; nil disables it.
	Cache *plugin.SchemaCache
	// Answers keeps the provider answers that are pure functions of their
	// inputs between runs; nil disables it. It needs the binary's hash,
	// which Start works out for Cache too.
	Answers *plugin.AnswerCache
	// GC keeps each provider's peak memory between runs, to start one
	// that stayed small with a cheaper garbage collection; nil disables it.
	GC *plugin.GCNotes
	// Logger receives provider logs; nil is silent.
	Logger hclog.Logger
	// Dir is the working directory of provider processes ("" = ours).
	Dir string
	// Warn is told about things the user should know (dev overrides).
	Warn func(string)

	once    sync.Once
	selfKey string
	mu      sync.Mutex
	hashes  map[string]string
}

// Start starts the provider with source address addr.
func (l *Launcher) Start(ctx context.Context, addr config.Provider) (*plugin.Provider, error) {
	p := install.Provider(addr)
	var cmd *exec.Cmd
	var key string
	if addr.IsBuiltin() {
		if !builtin.Has(addr.Type) || builtin.Address(addr.Type) != addr.String() {
			return nil, fmt.Errorf("indigo has no built-in provider %q (built-in: %v)", addr.Type, builtin.Types())
		}
		c, err := builtin.Command(addr.Type)
		if err != nil {
			return nil, err
		}
		cmd = c
		if h := l.selfHash(); h != "" {
			key = h + " " + addr.String()
		}
	} else {
		if l.Finder == nil {
			return nil, fmt.Errorf("provider %s is not installed: run \"indigo init\"", addr.ForDisplay())
		}
		inst, err := l.Finder.Find(ctx, p, l.Locks)
		if err != nil {
			return nil, err
		}
		if l.Warn != nil {
			for _, w := range inst.Warnings {
				l.Warn(w)
			}
		}
		cmd = exec.Command(inst.Executable)
		// Without the package's hash nothing may be cached. Find has
		// just hashed the whole package to check it against the lock
		// file (the h1: hash covers the binary): no need to read it twice.
		if inst.Hash != "" {
			key = string(inst.Hash) + " " + addr.String()
		} else if h := l.fileHash(inst.Executable); h != "" {
			key = h + " " + addr.String()
		}
	}
	cmd.Dir = l.Dir
	opts := plugin.StartOptions{Name: addr.ForDisplay(), Cmd: cmd, Logger: l.Logger}
	if key != "" && (l.Cache != nil || l.Answers != nil || l.GC != nil) {
		opts.Cache, opts.CacheKey, opts.Answers, opts.GC = l.Cache, key, l.Answers, l.GC
	}
	return plugin.Start(ctx, opts)
}

// selfHash identifies the running binary, which serves the built-in
// providers: its Go build ID (which ends with a hash of its content) with
// its size and modification time, so that a build ID set by hand
// (-ldflags=-buildid=...) cannot make two binaries look alike; the sha256
// of the whole binary when it has no build ID.
func (l *Launcher) selfHash() string {
	l.once.Do(func() {
		exe, err := os.Executable()
		if err != nil {
			return
		}
		fi, err := os.Stat(exe)
		if id := goBuildID(exe); id != "" && err == nil {
			l.selfKey = fmt.Sprintf("go-build-id:%s size:%d mtime:%d", id, fi.Size(), fi.ModTime().UnixNano())
			return
		}
		l.selfKey = l.fileHash(exe)
	})
	return l.selfKey
}

func (l *Launcher) fileHash(path string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.hashes == nil {
		l.hashes = map[string]string{}
	}
	if h, ok := l.hashes[path]; ok {
		return h
	}
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	sum := hex.EncodeToString(h.Sum(nil))
	l.hashes[path] = sum
	return sum
}
