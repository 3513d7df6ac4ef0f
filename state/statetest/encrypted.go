package statetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/indigo-cloud/indigo/state"
	"github.com/indigo-cloud/indigo/state/encrypt"
)

// Passphrases of the encrypted suite.
const (
	PassphraseA = "statetest passphrase number one"
	PassphraseB = "statetest passphrase number two"
)

// Encryption returns a state target sealing with aes_gcm under a pbkdf2
// key from passphrase (the minimum iteration count, to stay fast), with an
// unencrypted fallback when migrating is set.
func Encryption(t testing.TB, passphrase string, migrating bool) *encrypt.Target {
	t.Helper()
	src := `key_provider "pbkdf2" "k" {
  passphrase = "` + passphrase + `"
  iterations = 200000
}
method "aes_gcm" "m" { keys = key_provider.pbkdf2.k }
method "unencrypted" "u" {}
state {
  method = method.aes_gcm.m
`
	if migrating {
		src += "  fallback { method = method.unencrypted.u }\n"
	}
	src += "}\n"
	f, diags := hclsyntax.ParseConfig([]byte(src), "encryption.tf", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	c, diags := encrypt.Load(f.Body, func(string) string { return "" })
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return c.State
}

// EncryptedOptions adapts RunEncrypted to a backend.
type EncryptedOptions struct {
	// New returns a backend for the workspace named ws (the same ws, the
	// same stored state), sealing with enc (nil: in clear).
	New func(t *testing.T, ws string, enc *encrypt.Target) state.Backend
	// Stored returns every byte the backend keeps for ws (snapshot,
	// backup and journal), for the suite to search for secrets in clear
	// and to check that nothing changed.
	Stored func(t *testing.T, ws string) []byte
}

const suiteSecret = "s3cr3t-hunter2-value"

func secretObject() *state.Object {
	attrs, _ := json.Marshal(map[string]any{"id": "db", "password": suiteSecret})
	return &state.Object{AttrsJSON: attrs, Private: []byte("private-" + suiteSecret)}
}

// RunEncrypted checks encryption at rest on a backend: nothing it stores
// holds a secret in clear (snapshot, backup and journal), a wrong key is a
// clear error that overwrites nothing, and a fallback migrates a state in
// clear to a sealed one and one key to another.
func RunEncrypted(t *testing.T, o EncryptedOptions) {
	opts := state.OpenOptions{Operation: "apply", Who: "suite@test", Version: "0.0.0-test", FlushInterval: -1}
	write := func(t *testing.T, b state.Backend, name string, persist bool) {
		t.Helper()
		c := ctx(t)
		m, err := state.Open(c, b, opts)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if err := m.SetObject(c, Instance(name, nil), "", Provider, secretObject()); err != nil {
			t.Fatal(err)
		}
		if err := m.SetOutput(c, "pw", &state.Output{Value: json.RawMessage(`"` + suiteSecret + `"`), Type: json.RawMessage(`"string"`), Sensitive: true}); err != nil {
			t.Fatal(err)
		}
		if persist {
			if err := m.Close(c); err != nil {
				t.Fatal(err)
			}
		} else {
			t.Cleanup(func() { _ = m.Abandon(c) })
		}
	}
	read := func(t *testing.T, b state.Backend) (*state.State, error) {
		t.Helper()
		c := ctx(t)
		m, err := state.Open(c, b, opts)
		if err != nil {
			return nil, err
		}
		s := m.State()
		return s, m.Close(c)
	}
	t.Run("NothingInClear", func(t *testing.T) {
		a := Encryption(t, PassphraseA, false)
		// The journal alone (a run still going), then snapshot + backup.
		write(t, o.New(t, "clear-1", a), "first", false)
		if raw := o.Stored(t, "clear-1"); bytes.Contains(raw, []byte(suiteSecret)) || len(raw) == 0 {
			t.Fatalf("the journal of a running, encrypted run holds the secret in clear (%d bytes)", len(raw))
		}
		write(t, o.New(t, "clear-2", a), "one", true)
		write(t, o.New(t, "clear-2", a), "two", true)
		if raw := o.Stored(t, "clear-2"); bytes.Contains(raw, []byte(suiteSecret)) {
			t.Fatal("the encrypted state holds the secret in clear")
		}
		s, err := read(t, o.New(t, "clear-2", Encryption(t, PassphraseA, false)))
		if err != nil {
			t.Fatal(err)
		}
		if obj := s.ResourceInstance(Instance("two", nil)); obj == nil || !bytes.Contains(obj.AttrsJSON, []byte(suiteSecret)) {
			t.Fatalf("round trip lost the object: %+v", obj)
		}
	})
	t.Run("WrongKey", func(t *testing.T) {
		write(t, o.New(t, "wrong", Encryption(t, PassphraseA, false)), "x", true)
		before := o.Stored(t, "wrong")
		for _, enc := range []*encrypt.Target{Encryption(t, PassphraseB, false), nil} {
			b := o.New(t, "wrong", enc)
			_, err := read(t, b)
			if err == nil || !strings.Contains(err.Error(), "decrypt") && !strings.Contains(err.Error(), "no encryption is configured") {
				t.Fatalf("open with the wrong key: %v", err)
			}
			var ce *state.CorruptError
			if errors.As(err, &ce) {
				t.Fatalf("a wrong key is reported as damage: %v", err)
			}
			s := Sample(1)
			s.Serial = 100
			if err := b.WriteSnapshot(ctx(t), s); err == nil {
				t.Fatal("a snapshot was written over a state the key cannot open")
			}
		}
		if after := o.Stored(t, "wrong"); !bytes.Equal(before, after) {
			t.Fatal("a run with the wrong key changed the stored state")
		}
	})
	t.Run("Migration", func(t *testing.T) {
		write(t, o.New(t, "mig", nil), "plain", true)
		if !bytes.Contains(o.Stored(t, "mig"), []byte(suiteSecret)) {
			t.Fatal("the state written in clear does not hold the value (test is not testing)")
		}
		// Without the fallback, a state in clear is refused.
		if _, err := read(t, o.New(t, "mig", Encryption(t, PassphraseA, false))); !errors.Is(err, encrypt.ErrNotSealed) {
			t.Fatalf("clear state under enforced encryption: %v", err)
		}
		// The first sealed write keeps the clear snapshot as its backup;
		// the second replaces that too.
		write(t, o.New(t, "mig", Encryption(t, PassphraseA, true)), "sealed", true)
		write(t, o.New(t, "mig", Encryption(t, PassphraseA, true)), "sealed2", true)
		if bytes.Contains(o.Stored(t, "mig"), []byte(suiteSecret)) {
			t.Fatal("after two sealed writes the state still holds the secret in clear")
		}
		s, err := read(t, o.New(t, "mig", Encryption(t, PassphraseA, false)))
		if err != nil {
			t.Fatalf("sealed after migration, read without the fallback: %v", err)
		}
		if s.ResourceInstance(Instance("plain", nil)) == nil || s.ResourceInstance(Instance("sealed", nil)) == nil {
			t.Fatal("migration lost resources")
		}
		if _, err := read(t, o.New(t, "mig", nil)); err == nil {
			t.Fatal("a sealed state was read without a key")
		}
	})
}
