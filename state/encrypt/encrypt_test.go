package encrypt

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Tests use the minimum iteration count to stay fast; the format is the
// same at any count.
const (
	passA = "correct horse battery staple"
	passB = "a different passphrase, longer"
)

func configFor(t *testing.T, src string) *Config {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), "main.tf", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	c, diags := Load(f.Body, func(string) string { return "" })
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return c
}

func keyBlock(name, pass string) string {
	return `key_provider "pbkdf2" "` + name + `" {
  passphrase = "` + pass + `"
  iterations = 200000
}
`
}

func sealed(t *testing.T, tg *Target, plain string) []byte {
	t.Helper()
	out, err := tg.SealState([]byte(plain), "lin-1", 7)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRoundTripAndEnvelopeShape(t *testing.T) {
	c := configFor(t, keyBlock("k", passA)+`
method "aes_gcm" "m" { keys = key_provider.pbkdf2.k }
state { method = method.aes_gcm.m }
plan { method = method.aes_gcm.m }
`)
	secret := `{"terraform_version":"1.9.0","serial":7,"lineage":"lin-1","password":"hunter2-secret"}`
	out := sealed(t, c.State, secret)
	if bytes.Contains(out, []byte("hunter2")) {
		t.Fatalf("sealed state holds the secret in clear: %s", out)
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(out, &env); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"serial", "lineage", "meta", "encrypted_data", "encryption_version"} {
		if _, ok := env[k]; !ok {
			t.Errorf("envelope lacks %q: %s", k, out)
		}
	}
	var meta map[string][]byte
	if err := json.Unmarshal(env["meta"], &meta); err != nil {
		t.Fatal(err)
	}
	var km keyMeta
	if err := json.Unmarshal(meta["key_provider.pbkdf2.k"], &km); err != nil || km.Iterations != 200000 || km.HashFunction != "sha512" || km.KeyLength != 32 || len(km.Salt) != 32 {
		t.Fatalf("key metadata = %+v (%v)", km, err)
	}
	plain, migrating, err := c.State.Open("s", out)
	if err != nil || migrating || string(plain) != secret {
		t.Fatalf("Open = %q, %v, %v", plain, migrating, err)
	}
	// A second reader with the same passphrase (a new process) opens it.
	c2 := configFor(t, keyBlock("k", passA)+`
method "aes_gcm" "m" { keys = key_provider.pbkdf2.k }
state { method = method.aes_gcm.m }
`)
	if plain, _, err := c2.State.Open("s", out); err != nil || string(plain) != secret {
		t.Fatalf("second reader: %q, %v", plain, err)
	}
	// Plan files are sealed without the state fields.
	p, err := c.Plan.Seal([]byte("plan bytes hunter2"))
	if err != nil || bytes.Contains(p, []byte("hunter2")) || bytes.Contains(p, []byte(`"serial"`)) {
		t.Fatalf("plan seal: %s, %v", p, err)
	}
}

func TestWrongPassphraseIsAClearError(t *testing.T) {
	a := configFor(t, keyBlock("k", passA)+`method "aes_gcm" "m" { keys = key_provider.pbkdf2.k }
state { method = method.aes_gcm.m }`)
	b := configFor(t, keyBlock("k", passB)+`method "aes_gcm" "m" { keys = key_provider.pbkdf2.k }
state { method = method.aes_gcm.m }`)
	out := sealed(t, a.State, `{"x":1}`)
	_, _, err := b.State.Open("terraform.tfstate", out)
	if err == nil || !strings.Contains(err.Error(), "cannot decrypt terraform.tfstate") || !strings.Contains(err.Error(), "passphrase") {
		t.Fatalf("err = %v", err)
	}
	// No configuration at all: say that encryption is missing.
	var none *Target
	if _, _, err := none.Open("terraform.tfstate", out); err == nil || !strings.Contains(err.Error(), "no encryption is configured") {
		t.Fatalf("err = %v", err)
	}
	// Encryption configured, data in clear, no unencrypted fallback.
	if _, _, err := a.State.Open("s", []byte(`{"x":1}`)); !errors.Is(err, ErrNotSealed) {
		t.Fatalf("err = %v", err)
	}
}

func TestFallbackMigrations(t *testing.T) {
	// From clear to encrypted.
	c := configFor(t, keyBlock("k", passA)+`
method "aes_gcm" "m" { keys = key_provider.pbkdf2.k }
method "unencrypted" "old" {}
state {
  method = method.aes_gcm.m
  fallback { method = method.unencrypted.old }
}`)
	plain, migrating, err := c.State.Open("s", []byte(`{"clear":true}`))
	if err != nil || !migrating || string(plain) != `{"clear":true}` {
		t.Fatalf("clear via fallback: %q %v %v", plain, migrating, err)
	}
	// From passphrase A to passphrase B.
	old := configFor(t, keyBlock("a", passA)+`method "aes_gcm" "m" { keys = key_provider.pbkdf2.a }
state { method = method.aes_gcm.m }`)
	out := sealed(t, old.State, `{"v":1}`)
	rot := configFor(t, keyBlock("a", passA)+keyBlock("b", passB)+`
method "aes_gcm" "old" { keys = key_provider.pbkdf2.a }
method "aes_gcm" "new" { keys = key_provider.pbkdf2.b }
state {
  method = method.aes_gcm.new
  fallback { method = method.aes_gcm.old }
}`)
	plain, migrating, err = rot.State.Open("s", out)
	if err != nil || !migrating || string(plain) != `{"v":1}` {
		t.Fatalf("rotation: %q %v %v", plain, migrating, err)
	}
	resealed := sealed(t, rot.State, string(plain))
	if _, _, err := old.State.Open("s", resealed); err == nil {
		t.Fatal("the old passphrase still opens a state re-sealed with the new one")
	}
	newOnly := configFor(t, keyBlock("b", passB)+`method "aes_gcm" "new" { keys = key_provider.pbkdf2.b }
state { method = method.aes_gcm.new }`)
	if _, migrating, err := newOnly.State.Open("s", resealed); err != nil || migrating {
		t.Fatalf("new key alone: %v %v", migrating, err)
	}
	// Back to clear: unencrypted first, the old method as fallback.
	dec := configFor(t, keyBlock("b", passB)+`
method "aes_gcm" "new" { keys = key_provider.pbkdf2.b }
method "unencrypted" "u" {}
state {
  method = method.unencrypted.u
  fallback { method = method.aes_gcm.new }
}`)
	if plain, _, err := dec.State.Open("s", resealed); err != nil || string(plain) != `{"v":1}` {
		t.Fatalf("decrypting migration: %q %v", plain, err)
	}
	if out, _ := dec.State.SealState([]byte(`{"v":1}`), "l", 1); string(out) != `{"v":1}` {
		t.Fatalf("unencrypted method sealed: %s", out)
	}
}

func TestConfigErrorsAreLocated(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{keyBlock("k", "short") + `method "aes_gcm" "m" { keys = key_provider.pbkdf2.k }`, "at least 16"},
		{`key_provider "aws_kms" "k" {}`, "pbkdf2 key provider"},
		{keyBlock("k", passA) + `method "aes_gcm" "m" { keys = key_provider.pbkdf2.nope }`, "Unknown key provider"},
		{keyBlock("k", passA) + `method "aes_gcm" "m" { keys = key_provider.pbkdf2.k }
state { method = method.aes_gcm.other }`, "Unknown method"},
		{`method "unencrypted" "u" {}
state {
  method = method.unencrypted.u
  enforced = true
}`, "enforced"},
	} {
		f, _ := hclsyntax.ParseConfig([]byte(tc.src), "main.tf", hcl.InitialPos)
		_, diags := Load(f.Body, func(string) string { return "" })
		if !diags.HasErrors() || !strings.Contains(diags.Error(), tc.want) || !strings.Contains(diags.Error(), "main.tf:") {
			t.Errorf("%s\n=> %v, want a located error with %q", tc.src, diags, tc.want)
		}
	}
}

func TestEnvironmentReplacesBlocks(t *testing.T) {
	f, _ := hclsyntax.ParseConfig([]byte(`method "aes_gcm" "m" { keys = key_provider.pbkdf2.k }
state { method = method.aes_gcm.m }`), "main.tf", hcl.InitialPos)
	env := map[string]string{EnvVar: keyBlock("k", passA)}
	c, diags := Load(f.Body, func(k string) string { return env[k] })
	if diags.HasErrors() || c.State == nil || c.State.Methods[0].Keys.Passphrase != passA {
		t.Fatalf("config from TF_ENCRYPTION: %v %v", c, diags)
	}
	env[EnvVar] = `{"key_provider":{"pbkdf2":{"k":{"passphrase":"` + passB + `","iterations":200000}}}}`
	c, diags = Load(f.Body, func(k string) string { return env[k] })
	if diags.HasErrors() || c.State.Methods[0].Keys.Passphrase != passB {
		t.Fatalf("JSON TF_ENCRYPTION: %v", diags)
	}
	if c, diags := Load(nil, func(string) string { return "" }); c != nil || diags.HasErrors() {
		t.Fatalf("no encryption: %v %v", c, diags)
	}
}

func BenchmarkSealState(b *testing.B) {
	f, _ := hclsyntax.ParseConfig([]byte(keyBlock("k", passA)+`method "aes_gcm" "m" { keys = key_provider.pbkdf2.k }
state { method = method.aes_gcm.m }`), "main.tf", hcl.InitialPos)
	c, _ := Load(f.Body, func(string) string { return "" })
	data := bytes.Repeat([]byte(`{"attr":"value"},`), 1<<14)
	if _, err := c.State.SealState(data, "l", 1); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		if _, err := c.State.SealState(data, "l", 1); err != nil {
			b.Fatal(err)
		}
	}
}
