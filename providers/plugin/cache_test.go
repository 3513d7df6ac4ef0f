package plugin

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// TestSchemaCache: the first start fetches the schema and stores it; a
// second start with the same key makes no GetProviderSchema call and still
// works; a damaged cache file is ignored and rewritten.
func TestSchemaCache(t *testing.T) {
	for _, protocol := range []int{5, 6} {
		t.Run(map[int]string{5: "protocol5", 6: "protocol6"}[protocol], func(t *testing.T) {
			dir := t.TempDir()
			calls := filepath.Join(dir, "calls")
			cache := &SchemaCache{Dir: filepath.Join(dir, "cache")}
			const key = "sha256:0123456789abcdef registry.terraform.io/indigo-cloud/indigotest"

			schemaCalls := func() int {
				b, err := os.ReadFile(calls)
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				return strings.Count(string(b), "GetProviderSchema\n")
			}
			identityCalls := func() int {
				b, _ := os.ReadFile(calls)
				return strings.Count(string(b), "GetResourceIdentitySchemas\n")
			}
			// run starts the provider with the cache, gets the schema, and
			// plans once to show the provider works with a cached schema.
			run := func() *Schema {
				t.Helper()
				cmd := providerCmd(t, protocol, "INDIGO_TESTPROVIDER_CALLS="+calls)
				p, err := Start(context.Background(), StartOptions{Name: testProviderName, Cmd: cmd, Cache: cache, CacheKey: key, Logger: testLogger()})
				if err != nil {
					t.Fatal(err)
				}
				defer func() { _ = p.Close() }()
				s, err := p.Schema(context.Background())
				if err != nil {
					t.Fatalf("Schema: %v", err)
				}
				thing := s.Resources["indigotest_thing"].Block
				cfg := objectOf(thing, map[string]cty.Value{"name": cty.StringVal("c")})
				plan := p.PlanResourceChange(context.Background(), PlanRequest{Addr: "indigotest_thing.c", TypeName: "indigotest_thing", PriorState: cty.NullVal(thing.ImpliedType()), ProposedNewState: cfg, Config: cfg})
				if err := plan.Diagnostics.Err(); err != nil {
					t.Fatalf("plan: %v", err)
				}
				return s
			}

			first := run()
			if n := schemaCalls(); n != 1 {
				t.Fatalf("first start: %d GetProviderSchema calls, want 1", n)
			}
			// The schema and, beside it, the identity schemas.
			entries, _ := os.ReadDir(cache.Dir)
			if len(entries) != 2 {
				t.Fatalf("cache holds %d files, want 2", len(entries))
			}
			file := cache.file(key)

			second := run()
			if n := schemaCalls(); n != 1 {
				t.Errorf("second start: %d GetProviderSchema calls in all, want still 1", n)
			}
			if !second.Resources["indigotest_thing"].Block.ImpliedType().Equals(first.Resources["indigotest_thing"].Block.ImpliedType()) {
				t.Errorf("cached schema differs from the provider's")
			}
			if id := second.Resources["indigotest_thing"].Identity; id == nil || id.Attributes["name"] == nil {
				t.Errorf("cached identity schema of indigotest_thing = %+v, want one with name", id)
			}
			if n := identityCalls(); n != 1 {
				t.Errorf("two starts: %d GetResourceIdentitySchemas calls, want 1 (then the cache)", n)
			}

			// Damage: a flipped byte in the payload, then plain garbage, then
			// an empty file. Each time the provider is asked again and the
			// file is rewritten whole.
			good, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			flipped := bytes.Clone(good)
			flipped[len(flipped)-1] ^= 0xff
			want := 1
			for _, damaged := range [][]byte{flipped, []byte("garbage"), nil} {
				if err := os.WriteFile(file, damaged, 0o600); err != nil {
					t.Fatal(err)
				}
				run()
				want++
				if n := schemaCalls(); n != want {
					t.Errorf("after damaging the cache: %d GetProviderSchema calls, want %d", n, want)
				}
				if b, _ := os.ReadFile(file); !bytes.Equal(b, good) {
					t.Errorf("damaged cache file was not rewritten")
				}
			}

			// An identity entry that verifies but does not parse: the
			// provider is asked again, and the schema has its identities.
			before := identityCalls()
			if err := cache.store(key+"\x00identity", protocol, []byte{0xff, 0xff, 0xff}); err != nil {
				t.Fatal(err)
			}
			if s := run(); s.Resources["indigotest_thing"].Identity == nil || identityCalls() != before+1 {
				t.Errorf("after an unparseable identity entry: identity %+v, %d calls more", s.Resources["indigotest_thing"].Identity, identityCalls()-before)
			}

			// Another key is another entry.
			if _, err := cache.load("another key", protocol); !os.IsNotExist(err) {
				t.Errorf("load of an unknown key: %v", err)
			}
			// The same key recorded under the other protocol does not count.
			if _, err := cache.load(key, 11-protocol); err == nil {
				t.Errorf("cache entry for protocol %d served for protocol %d", protocol, 11-protocol)
			}
		})
	}
}

// TestSchemaCacheStoreAtomic: a store leaves no temporary files and
// replaces the previous entry.
func TestSchemaCacheStoreAtomic(t *testing.T) {
	c := &SchemaCache{Dir: filepath.Join(t.TempDir(), "nested", "dir")}
	for _, payload := range []string{"first", "second, longer payload"} {
		if err := c.store("k", 6, []byte(payload)); err != nil {
			t.Fatal(err)
		}
		got, err := c.load("k", 6)
		if err != nil || string(got) != payload {
			t.Fatalf("load = %q, %v; want %q", got, err, payload)
		}
	}
	entries, err := os.ReadDir(c.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("cache dir holds %v, want one file", names)
	}
}
