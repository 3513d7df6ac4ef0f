package plugin

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// SchemaCache keeps provider schemas on disk so that starting a provider
// whose binary has not changed costs no GetProviderSchema call (a large
// provider's schema is megabytes and takes the provider a noticeable time to
// build).
//
// One file per cache key, written atomically (temporary file, fsync, rename),
// holding the provider's GetProviderSchema response as it came over the wire,
// the protocol version and a checksum. A file that does not verify, or whose
// contents do not parse, is ignored and rewritten: the cache is never
// trusted over the provider.
//
// The cache key must change whenever the schema may: a hash of the provider
// binary (plus the provider's name when one binary serves several) is right.
// A SchemaCache is safe for concurrent use by several Providers and several
// processes: readers see either the old or the new file.
type SchemaCache struct {
	// Dir is the directory holding the cache files; created when needed.
	Dir string
}

const cacheMagic = "indigo-provider-schema 1"

func (c *SchemaCache) file(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(c.Dir, hex.EncodeToString(sum[:16])+".schema")
}

// header is the first line of a cache file:
//
//	indigo-provider-schema 1 <protocol> <sha256 of payload> <key, quoted>
func cacheHeader(key string, protocolVersion int, payload []byte) []byte {
	sum := sha256.Sum256(payload)
	return fmt.Appendf(nil, "%s %d %s %s\n", cacheMagic, protocolVersion, hex.EncodeToString(sum[:]), strconv.Quote(key))
}

// load returns the cached GetProviderSchema response for key, if there is a
// well-formed one recorded under protocolVersion.
func (c *SchemaCache) load(key string, protocolVersion int) ([]byte, error) {
	b, err := os.ReadFile(c.file(key))
	if err != nil {
		return nil, err
	}
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 {
		return nil, errors.New("no header")
	}
	payload := b[nl+1:]
	if !bytes.Equal(b[:nl+1], cacheHeader(key, protocolVersion, payload)) {
		return nil, errors.New("header does not match (other key or protocol, or damaged)")
	}
	return payload, nil
}

// store writes the schema for key atomically.
func (c *SchemaCache) store(key string, protocolVersion int, payload []byte) error {
	if err := writeAtomic(c.Dir, ".schema-*", c.file(key), cacheHeader(key, protocolVersion, payload), payload); err != nil {
		return fmt.Errorf("schema cache: %w", err)
	}
	return nil
}

// writeAtomic writes the parts to path through a temporary file in dir
// (named after pattern) that is synced and renamed: readers see the old
// file or the whole new one.
func writeAtomic(dir, pattern, path string, parts ...[]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if tmp != "" {
			_ = os.Remove(tmp)
		}
	}()
	for _, part := range parts {
		if _, err := f.Write(part); err != nil {
			_ = f.Close()
			return fmt.Errorf("writing %s: %w", tmp, err)
		}
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("syncing %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	tmp = ""
	return nil
}
