package admin

import (
	"bytes"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"

	"github.com/secure-io/sio-go"
	"golang.org/x/crypto/argon2"
)

// Algorithm ids of an encrypted admin body.
const (
	argon2idAESGCM           = 0x00
	argon2idChaCha20Poly1305 = 0x01
	pbkdf2AESGCM             = 0x02
)

const (
	saltSize    = 32
	nonceSize   = 8
	headerSize  = saltSize + 1 + nonceSize
	pbkdf2Iters = 8192
)

// Encrypt encrypts data for an admin request signed with secretKey (PBKDF2,
// AES-256-GCM).
func Encrypt(secretKey string, data []byte) ([]byte, error) {
	return encrypt(secretKey, data, pbkdf2AESGCM)
}

func encrypt(secretKey string, data []byte, id byte) ([]byte, error) {
	var hdr [headerSize]byte
	if _, err := rand.Read(hdr[:saltSize]); err != nil {
		return nil, fmt.Errorf("drawing a salt: %w", err)
	}
	hdr[saltSize] = id
	stream, err := streamFor(secretKey, hdr[:saltSize], id)
	if err != nil {
		return nil, err
	}
	nonce := hdr[saltSize+1:]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("drawing a nonce: %w", err)
	}
	var out bytes.Buffer
	out.Grow(headerSize + len(data) + int(stream.Overhead(int64(len(data)))))
	out.Write(hdr[:])
	w := stream.EncryptWriter(&out, nonce, nil)
	if _, err := w.Write(data); err != nil {
		return nil, fmt.Errorf("encrypting: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encrypting: %w", err)
	}
	return out.Bytes(), nil
}

// ErrNotAuthentic is returned by Decrypt when data was not encrypted with
// the given secret key or was modified.
var ErrNotAuthentic = errors.New("encrypted admin data is not authentic (wrong secret key or corrupted data)")

// Decrypt decrypts an admin body encrypted with secretKey, with any of the
// three algorithms.
func Decrypt(secretKey string, data []byte) ([]byte, error) {
	if len(data) < headerSize {
		return nil, fmt.Errorf("encrypted admin data too short: %d bytes", len(data))
	}
	salt, id, nonce := data[:saltSize], data[saltSize], data[saltSize+1:headerSize]
	stream, err := streamFor(secretKey, salt, id)
	if err != nil {
		return nil, err
	}
	plain, err := io.ReadAll(stream.DecryptReader(bytes.NewReader(data[headerSize:]), nonce, nil))
	if errors.Is(err, sio.NotAuthentic) {
		return nil, ErrNotAuthentic
	}
	if err != nil {
		return nil, fmt.Errorf("decrypting: %w", err)
	}
	return plain, nil
}

func streamFor(secretKey string, salt []byte, id byte) (*sio.Stream, error) {
	switch id {
	case argon2idAESGCM, argon2idChaCha20Poly1305:
		key := argon2.IDKey([]byte(secretKey), salt, 1, 64*1024, 4, 32)
		if id == argon2idAESGCM {
			return sio.AES_256_GCM.Stream(key)
		}
		return sio.ChaCha20Poly1305.Stream(key)
	case pbkdf2AESGCM:
		key, err := pbkdf2.Key(sha256.New, secretKey, salt, pbkdf2Iters, 32)
		if err != nil {
			return nil, fmt.Errorf("deriving the key: %w", err)
		}
		return sio.AES_256_GCM.Stream(key)
	}
	return nil, fmt.Errorf("encrypted admin data uses unknown algorithm id %#x", id)
}
