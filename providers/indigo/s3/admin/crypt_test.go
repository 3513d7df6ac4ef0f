package admin

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestEncryptRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		id   byte
		size int
	}{
		{"pbkdf2 empty", pbkdf2AESGCM, 0},
		{"pbkdf2 small", pbkdf2AESGCM, 100},
		{"pbkdf2 several fragments", pbkdf2AESGCM, 3*16384 + 17},
		{"argon2id aes-gcm", argon2idAESGCM, 1000},
		{"argon2id chacha20-poly1305", argon2idChaCha20Poly1305, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plain := bytes.Repeat([]byte("indigo "), tc.size/7+1)[:tc.size]
			enc, err := encrypt("s3cr3t-key", plain, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if enc[saltSize] != tc.id {
				t.Errorf("algorithm id byte = %#x, want %#x", enc[saltSize], tc.id)
			}
			if tc.size > 16 && bytes.Contains(enc, plain[:16]) {
				t.Error("ciphertext contains the plaintext")
			}
			got, err := Decrypt("s3cr3t-key", enc)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, plain) {
				t.Errorf("round trip changed the data: got %d bytes, want %d", len(got), len(plain))
			}
			if _, err := Decrypt("other-key", enc); !errors.Is(err, ErrNotAuthentic) {
				t.Errorf("decrypting with another key: %v, want ErrNotAuthentic", err)
			}
			bad := bytes.Clone(enc)
			bad[len(bad)-1] ^= 1
			if _, err := Decrypt("s3cr3t-key", bad); !errors.Is(err, ErrNotAuthentic) {
				t.Errorf("decrypting modified data: %v, want ErrNotAuthentic", err)
			}
		})
	}
}

func TestEncryptLayout(t *testing.T) {
	plain := []byte(`{"quota":1}`)
	a, err := Encrypt("k", plain)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Encrypt("k", plain)
	if err != nil {
		t.Fatal(err)
	}
	// salt | id | nonce | ciphertext of len(plain) + one 16-byte tag.
	if want := 32 + 1 + 8 + len(plain) + 16; len(a) != want {
		t.Errorf("length = %d, want %d", len(a), want)
	}
	if a[32] != 0x02 {
		t.Errorf("Encrypt uses algorithm %#x, want 0x02 (PBKDF2, AES-256-GCM)", a[32])
	}
	if bytes.Equal(a[:32], b[:32]) || bytes.Equal(a[33:41], b[33:41]) {
		t.Error("two encryptions share a salt or nonce")
	}
}

func TestDecryptRejects(t *testing.T) {
	if _, err := Decrypt("k", make([]byte, 40)); err == nil || !strings.Contains(err.Error(), "too short") {
		t.Errorf("short data: %v", err)
	}
	data := make([]byte, 60)
	data[32] = 0x07
	if _, err := Decrypt("k", data); err == nil || !strings.Contains(err.Error(), "unknown algorithm") {
		t.Errorf("unknown id: %v", err)
	}
}
