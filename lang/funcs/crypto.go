package funcs

import (
	"crypto/md5"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/gocty"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"
)

// MD5Func is md5(string): the MD5 digest of the string's UTF-8 bytes, as
// lowercase hexadecimal.
var MD5Func = hashFunc("MD5", md5.New, hex.EncodeToString)

// SHA1Func is sha1(string): the SHA-1 digest of the string, as hexadecimal.
var SHA1Func = hashFunc("SHA-1", sha1.New, hex.EncodeToString)

// SHA256Func is sha256(string): the SHA-256 digest of the string, as
// hexadecimal.
var SHA256Func = hashFunc("SHA-256", sha256.New, hex.EncodeToString)

// SHA512Func is sha512(string): the SHA-512 digest of the string, as
// hexadecimal.
var SHA512Func = hashFunc("SHA-512", sha512.New, hex.EncodeToString)

// Base64SHA256Func is base64sha256(string): the SHA-256 digest of the
// string, as standard Base64 of the raw digest bytes.
var Base64SHA256Func = hashFunc("SHA-256", sha256.New, base64.StdEncoding.EncodeToString)

// Base64SHA512Func is base64sha512(string): the SHA-512 digest of the
// string, as standard Base64 of the raw digest bytes.
var Base64SHA512Func = hashFunc("SHA-512", sha512.New, base64.StdEncoding.EncodeToString)

func hashFunc(algo string, newHash func() hash.Hash, encode func([]byte) string) function.Function {
	return stringToString(
		fmt.Sprintf("Returns the %s digest of the UTF-8 bytes of a string.", algo),
		func(s string) (string, error) {
			h := newHash()
			h.Write([]byte(s))
			return encode(h.Sum(nil)), nil
		},
	)
}

// BcryptFunc is bcrypt(string[, cost]): a bcrypt hash of the string with a
// fresh random salt (so a new value on every call: it is impure), with the
// given cost (default 10).
var BcryptFunc = function.New(&function.Spec{
	Description: "Returns a bcrypt hash of a string with a random salt and the given cost (default 10).",
	Params: []function.Parameter{
		{Name: "string", Type: cty.String},
	},
	VarParam:     &function.Parameter{Name: "cost", Type: cty.Number},
	Type:         function.StaticReturnType(cty.String),
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		cost := bcrypt.DefaultCost
		switch len(args) {
		case 1:
		case 2:
			if err := gocty.FromCtyValue(args[1], &cost); err != nil {
				return cty.NilVal, function.NewArgErrorf(1, "must be a whole number from %d to %d", bcrypt.MinCost, bcrypt.MaxCost)
			}
		default:
			return cty.NilVal, function.NewArgErrorf(2, "bcrypt takes at most two arguments: a string and a cost")
		}
		if cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
			return cty.NilVal, function.NewArgErrorf(1, "must be a whole number from %d to %d, not %d", bcrypt.MinCost, bcrypt.MaxCost, cost)
		}
		h, err := bcrypt.GenerateFromPassword([]byte(args[0].AsString()), cost)
		if errors.Is(err, bcrypt.ErrPasswordTooLong) {
			return cty.NilVal, function.NewArgErrorf(0, "is longer than the 72 bytes bcrypt can hash")
		}
		if err != nil {
			return cty.NilVal, fmt.Errorf("hashing with bcrypt: %w", err)
		}
		return cty.StringVal(string(h)), nil
	},
})

// UUIDFunc is uuid(): a new random (version 4) UUID on every call, so it is
// impure.
var UUIDFunc = function.New(&function.Spec{
	Description: "Returns a new random (version 4) UUID.",
	Params:      []function.Parameter{},
	Type:        function.StaticReturnType(cty.String),
	Impl: func([]cty.Value, cty.Type) (cty.Value, error) {
		id, err := uuid.NewRandom()
		if err != nil {
			return cty.NilVal, fmt.Errorf("generating a random UUID: %w", err)
		}
		return cty.StringVal(id.String()), nil
	},
	RefineResult: refineNotNull,
})

// UUIDv5Func is uuidv5(namespace, name): the name-based (SHA-1, version 5)
// UUID of name within a namespace, given as "dns", "url", "oid", "x500" or
// as a UUID.
var UUIDv5Func = function.New(&function.Spec{
	Description: `Returns the name-based (version 5) UUID of a name in a namespace: "dns", "url", "oid", "x500" or a UUID.`,
	Params: []function.Parameter{
		{Name: "namespace", Type: cty.String},
		{Name: "name", Type: cty.String},
	},
	Type:         function.StaticReturnType(cty.String),
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		var ns uuid.UUID
		switch s := args[0].AsString(); s {
		case "dns":
			ns = uuid.NameSpaceDNS
		case "url":
			ns = uuid.NameSpaceURL
		case "oid":
			ns = uuid.NameSpaceOID
		case "x500":
			ns = uuid.NameSpaceX500
		default:
			var err error
			if ns, err = uuid.Parse(s); err != nil {
				return cty.NilVal, function.NewArgErrorf(0, `must be "dns", "url", "oid", "x500" or a UUID`)
			}
		}
		return cty.StringVal(uuid.NewSHA1(ns, []byte(args[1].AsString())).String()), nil
	},
})

// RSADecryptFunc is rsadecrypt(ciphertext, privatekey): decrypts Base64
// ciphertext encrypted with RSA PKCS #1 v1.5 (as cloud APIs return Windows
// passwords), using an unencrypted PEM private key (PKCS #1, PKCS #8 or
// OpenSSH format).
var RSADecryptFunc = function.New(&function.Spec{
	Description: "Decrypts Base64 RSA (PKCS #1 v1.5) ciphertext with a PEM private key.",
	Params: []function.Parameter{
		{Name: "ciphertext", Type: cty.String},
		{Name: "privatekey", Type: cty.String},
	},
	Type:         function.StaticReturnType(cty.String),
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		ct, err := decodeBase64(args[0].AsString())
		if err != nil {
			return cty.NilVal, function.NewArgError(0, err)
		}
		raw, err := ssh.ParseRawPrivateKey([]byte(args[1].AsString()))
		if err != nil {
			var missing *ssh.PassphraseMissingError
			if errors.As(err, &missing) {
				return cty.NilVal, function.NewArgErrorf(1, "is protected by a passphrase; rsadecrypt needs an unencrypted key")
			}
			// The parser's errors do not quote the key, so they are safe.
			return cty.NilVal, function.NewArgErrorf(1, "is not a PEM-encoded private key: %s", err)
		}
		key, ok := raw.(*rsa.PrivateKey)
		if !ok {
			return cty.NilVal, function.NewArgErrorf(1, "is a %T, not an RSA private key", raw)
		}
		out, err := rsa.DecryptPKCS1v15(nil, key, ct)
		if err != nil {
			return cty.NilVal, function.NewArgErrorf(0, "cannot be decrypted with this key (wrong key, or not PKCS #1 v1.5 ciphertext)")
		}
		if !utf8.Valid(out) {
			return cty.NilVal, function.NewArgErrorf(0, "decrypts to bytes that are not UTF-8 text")
		}
		return cty.StringVal(string(out)), nil
	},
})
