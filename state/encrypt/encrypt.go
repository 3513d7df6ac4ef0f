// Package encrypt is encryption at rest for state snapshots, journals and
// plan files, configured like OpenTofu's encryption block and written in
// OpenTofu's envelope format, so that either tool reads what the other
// wrote with the same passphrase.
//
// The envelope is a JSON document:
//
//	{"serial": 3, "lineage": "…",
//	 "meta": {"key_provider.pbkdf2.NAME": base64(JSON key metadata)},
//	 "encrypted_data": base64(nonce ‖ AES-GCM ciphertext ‖ tag),
//	 "encryption_version": "v0"}
//
// serial and lineage are copied in clear (state only) so that a backend
// can refuse a lost update without the key. The pbkdf2 key metadata is
// {"salt": base64, "iterations": n, "hash_function": "sha256"|"sha512",
// "key_length": 16|24|32}: the reader derives the key from its passphrase
// and that metadata. A writer draws one salt per Target and reuses the
// derived key for everything it seals, as OpenTofu does, so a run pays for
// one derivation. AES-GCM uses a random 12-byte nonce per message.
//
// A Target lists its methods in order: the first seals, all are tried to
// open (the fallback chain), and an "unencrypted" method in the chain
// accepts data in clear. That is how a state is migrated from clear to
// encrypted, or from one passphrase to another: the next write seals with
// the first method.
package encrypt

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
)

// Version is the envelope version OpenTofu writes and reads.
const Version = "v0"

// Defaults and minimums of the pbkdf2 key provider (OpenTofu's values).
const (
	DefaultIterations    = 600000
	MinIterations        = 200000
	DefaultKeyLength     = 32
	DefaultSaltLength    = 32
	DefaultHashFunction  = "sha512"
	MinPassphraseLength  = 16
	unencryptedType      = "unencrypted"
	aesGCMType           = "aes_gcm"
	pbkdf2Type           = "pbkdf2"
	keyProviderAddrStart = "key_provider."
)

// KeyProvider is a key_provider "pbkdf2" "NAME" block.
type KeyProvider struct {
	Name         string
	Passphrase   string
	KeyLength    int
	Iterations   int
	SaltLength   int
	HashFunction string
}

// Addr is the key provider's address, also its key in an envelope's meta.
func (k *KeyProvider) Addr() string { return keyProviderAddrStart + pbkdf2Type + "." + k.Name }

// Method is a method block: aes_gcm with its key provider, or unencrypted.
type Method struct {
	Type string // "aes_gcm" or "unencrypted"
	Name string
	Keys *KeyProvider
	// AAD is additional authenticated data (aes_gcm's aad), usually empty.
	AAD []byte
}

// Addr is the method's address (method.TYPE.NAME).
func (m *Method) Addr() string { return "method." + m.Type + "." + m.Name }

// Target is a state {} or plan {} block resolved into its method chain.
type Target struct {
	// Name says what is sealed ("state", "plan") in errors.
	Name string
	// Methods: the first seals; all, in order, are tried to open.
	Methods []*Method

	mu       sync.Mutex
	sealKey  []byte
	sealMeta map[string][]byte
	derived  map[string][]byte // metadata JSON + passphrase identity -> key
}

// Encrypts reports whether the target seals what it writes (its first
// method is not unencrypted).
func (t *Target) Encrypts() bool {
	return t != nil && len(t.Methods) > 0 && t.Methods[0].Type != unencryptedType
}

// ErrNotSealed is wrapped by Open's error for data in clear when no
// unencrypted method is in the chain.
var ErrNotSealed = errors.New("the data is not encrypted")

type keyMeta struct {
	Salt         []byte `json:"salt"`
	Iterations   int    `json:"iterations"`
	HashFunction string `json:"hash_function"`
	KeyLength    int    `json:"key_length"`
}

type envelope struct {
	Meta    map[string][]byte `json:"meta"`
	Data    []byte            `json:"encrypted_data"`
	Version string            `json:"encryption_version"`
}

type stateEnvelope struct {
	Serial  *uint64 `json:"serial,omitempty"`
	Lineage string  `json:"lineage,omitempty"`
	envelope
}

func hashFunc(name string) func() hash.Hash {
	switch name {
	case "sha256":
		return sha256.New
	case "sha512":
		return sha512.New
	}
	return nil
}

func derive(k *KeyProvider, m keyMeta) ([]byte, error) {
	h := hashFunc(m.HashFunction)
	if h == nil {
		return nil, fmt.Errorf("%s: unknown hash function %q in the key metadata", k.Addr(), m.HashFunction)
	}
	if m.Iterations <= 0 || m.KeyLength <= 0 || len(m.Salt) == 0 {
		return nil, fmt.Errorf("%s: the key metadata is incomplete", k.Addr())
	}
	return pbkdf2.Key(h, k.Passphrase, m.Salt, m.Iterations, m.KeyLength)
}

// sealingKey returns the key the first method seals with and the
// metadata that goes with it, deriving it once per Target.
func (t *Target) sealingKey() ([]byte, map[string][]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sealKey != nil {
		return t.sealKey, t.sealMeta, nil
	}
	k := t.Methods[0].Keys
	m := keyMeta{Salt: make([]byte, k.SaltLength), Iterations: k.Iterations, HashFunction: k.HashFunction, KeyLength: k.KeyLength}
	if _, err := rand.Read(m.Salt); err != nil {
		return nil, nil, fmt.Errorf("%s: drawing a salt: %w", k.Addr(), err)
	}
	key, err := derive(k, m)
	if err != nil {
		return nil, nil, err
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, nil, err
	}
	t.sealKey, t.sealMeta = key, map[string][]byte{k.Addr(): raw}
	return t.sealKey, t.sealMeta, nil
}

// openingKey derives (or recalls) the key method m's provider makes from
// the metadata an envelope carries.
func (t *Target) openingKey(m *Method, meta map[string][]byte) ([]byte, error) {
	k := m.Keys
	raw, ok := meta[k.Addr()]
	if !ok {
		return nil, fmt.Errorf("%s: the data carries no metadata for this key provider (it was sealed with %s)", k.Addr(), metaNames(meta))
	}
	cacheKey := k.Addr() + "\x00" + k.Passphrase + "\x00" + string(raw)
	t.mu.Lock()
	defer t.mu.Unlock()
	if key, ok := t.derived[cacheKey]; ok {
		return key, nil
	}
	var km keyMeta
	if err := json.Unmarshal(raw, &km); err != nil {
		return nil, fmt.Errorf("%s: reading the key metadata: %w", k.Addr(), err)
	}
	key, err := derive(k, km)
	if err != nil {
		return nil, err
	}
	if t.derived == nil {
		t.derived = map[string][]byte{}
	}
	t.derived[cacheKey] = key
	return key, nil
}

func metaNames(meta map[string][]byte) string {
	names := make([]string, 0, len(meta))
	for n := range meta {
		names = append(names, n)
	}
	if len(names) == 0 {
		return "no key provider"
	}
	return strings.Join(names, ", ")
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func (t *Target) seal(plain []byte) (envelope, error) {
	key, meta, err := t.sealingKey()
	if err != nil {
		return envelope{}, err
	}
	gcm, err := newGCM(key)
	if err != nil {
		return envelope{}, fmt.Errorf("%s: %w", t.Methods[0].Addr(), err)
	}
	nonce := make([]byte, gcm.NonceSize(), gcm.NonceSize()+len(plain)+gcm.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return envelope{}, fmt.Errorf("drawing a nonce: %w", err)
	}
	return envelope{Meta: meta, Data: gcm.Seal(nonce, nonce, plain, t.Methods[0].AAD), Version: Version}, nil
}

// Seal returns plain sealed in an envelope by the first method, or plain
// itself when that method is unencrypted.
func (t *Target) Seal(plain []byte) ([]byte, error) {
	if !t.Encrypts() {
		return plain, nil
	}
	env, err := t.seal(plain)
	if err != nil {
		return nil, err
	}
	return json.Marshal(env)
}

// SealState is Seal for a state snapshot: serial and lineage are copied
// into the envelope in clear, where OpenTofu expects them.
func (t *Target) SealState(plain []byte, lineage string, serial uint64) ([]byte, error) {
	if !t.Encrypts() {
		return plain, nil
	}
	env, err := t.seal(plain)
	if err != nil {
		return nil, err
	}
	return json.Marshal(stateEnvelope{Serial: &serial, Lineage: lineage, envelope: env})
}

// IsSealed reports whether data is an envelope.
func IsSealed(data []byte) bool {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' || !bytes.Contains(data, []byte(`"encryption_version"`)) {
		return false
	}
	var env envelope
	return json.Unmarshal(data, &env) == nil && env.Version != ""
}

// Open returns the plain bytes of data: the envelope opened by the first
// method of the chain that can, or data itself when it is in clear and the
// chain has an unencrypted method. migrating is true when a method other
// than the first was needed (the next write re-seals with the first).
// name is the file or object, for errors. A nil Target opens only data in
// clear.
func (t *Target) Open(name string, data []byte) (plain []byte, migrating bool, err error) {
	if !IsSealed(data) {
		if t == nil || len(t.Methods) == 0 {
			return data, false, nil
		}
		for i, m := range t.Methods {
			if m.Type == unencryptedType {
				return data, i != 0, nil
			}
		}
		return nil, false, fmt.Errorf("%s is not encrypted, but the %s encryption configuration has no unencrypted method to read it with: %w. To encrypt an existing %s, add a fallback { method = method.unencrypted.NAME } for one run", name, t.Name, ErrNotSealed, t.Name)
	}
	if t == nil || !t.Encrypts() && len(t.Methods) <= 1 {
		return nil, false, fmt.Errorf("%s is encrypted (OpenTofu's encryption format), but no encryption is configured: add the encryption block (or TF_ENCRYPTION) with its key provider", name)
	}
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, false, fmt.Errorf("%s: reading the encryption envelope: %w", name, err)
	}
	if env.Version != Version {
		return nil, false, fmt.Errorf("%s is encrypted with envelope version %q; this indigo reads version %q", name, env.Version, Version)
	}
	var errs []string
	for i, m := range t.Methods {
		if m.Type == unencryptedType {
			continue
		}
		key, err := t.openingKey(m, env.Meta)
		if err == nil {
			var gcm cipher.AEAD
			if gcm, err = newGCM(key); err == nil {
				if len(env.Data) < gcm.NonceSize() {
					err = errors.New("the encrypted data is too short")
				} else {
					n := gcm.NonceSize()
					var out []byte
					if out, err = gcm.Open(nil, env.Data[:n], env.Data[n:], m.AAD); err == nil {
						return out, i != 0, nil
					}
					err = errors.New("the key does not open it (wrong passphrase, or the data was altered)")
				}
			}
		}
		errs = append(errs, fmt.Sprintf("%s: %s", m.Addr(), err))
	}
	return nil, false, fmt.Errorf("cannot decrypt %s with any configured %s method; check the passphrase. Tried:\n  %s", name, t.Name, strings.Join(errs, "\n  "))
}
