package funcs

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"regexp"
	"testing"

	"github.com/zclconf/go-cty/cty"
	"golang.org/x/crypto/bcrypt"
)

func TestHashes(t *testing.T) {
	hello := args(cty.StringVal("hello"))
	runCalls(t, MD5Func, []callCase{{"md5", hello, cty.StringVal("5d41402abc4b2a76b9719d911017c592"), ""}})
	runCalls(t, SHA1Func, []callCase{{"sha1", hello, cty.StringVal("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"), ""}})
	runCalls(t, SHA256Func, []callCase{
		{"sha256", hello, cty.StringVal("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"), ""},
		{"sensitive", args(sensitive(cty.StringVal("hello"))), sensitive(cty.StringVal("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")), ""},
		{"unknown", args(cty.UnknownVal(cty.String)), cty.UnknownVal(cty.String), ""},
	})
	runCalls(t, SHA512Func, []callCase{{"sha512", hello, cty.StringVal("9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043"), ""}})
	runCalls(t, Base64SHA256Func, []callCase{{"base64sha256", hello, cty.StringVal("LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="), ""}})
	runCalls(t, Base64SHA512Func, []callCase{{"base64sha512", hello, cty.StringVal("m3HSJL1i83hdltRq0+o9czGb+8KJDKra4t/3JRlnPKcjI8PZm6XBHXx6zG4UuMXaDEZjR1wuXDre9G9zvN7AQw=="), ""}})
}

func TestBcrypt(t *testing.T) {
	h, err := BcryptFunc.Call(args(cty.StringVal("pw"), cty.NumberIntVal(4)))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\$2a\$04\$`).MatchString(h.AsString()) {
		t.Errorf("%q is not a cost-4 bcrypt hash", h.AsString())
	}
	if err := bcrypt.CompareHashAndPassword([]byte(h.AsString()), []byte("pw")); err != nil {
		t.Errorf("hash does not verify: %s", err)
	}
	runCalls(t, BcryptFunc, []callCase{
		{"cost too low", args(cty.StringVal("pw"), cty.NumberIntVal(3)), cty.NilVal, "from 4 to 31"},
		{"fractional cost", args(cty.StringVal("pw"), cty.NumberFloatVal(4.5)), cty.NilVal, "whole number"},
		{"too many arguments", args(cty.StringVal("pw"), cty.NumberIntVal(4), cty.NumberIntVal(4)), cty.NilVal, "at most two"},
		{"too long", args(cty.StringVal(string(make([]byte, 73)))), cty.NilVal, "72 bytes"},
		{"unknown", args(cty.UnknownVal(cty.String)), cty.UnknownVal(cty.String), ""},
	})
}

func TestUUID(t *testing.T) {
	a, err := UUIDFunc.Call(nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := UUIDFunc.Call(nil)
	v4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if !v4.MatchString(a.AsString()) || a.RawEquals(b) {
		t.Errorf("uuid() gave %q and %q, want two different version 4 UUIDs", a.AsString(), b.AsString())
	}
	runCalls(t, UUIDv5Func, []callCase{
		// Reference values from Python's uuid.uuid5.
		{"dns", args(cty.StringVal("dns"), cty.StringVal("www.example.com")), cty.StringVal("2ed6657d-e927-568b-95e1-2665a8aea6a2"), ""},
		{"url", args(cty.StringVal("url"), cty.StringVal("https://www.example.com/")), cty.StringVal("3d3ed9d2-aa3d-5fa6-90e8-ed662e90f559"), ""},
		{"uuid namespace", args(cty.StringVal("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), cty.StringVal("www.example.com")), cty.StringVal("2ed6657d-e927-568b-95e1-2665a8aea6a2"), ""},
		{"bad namespace", args(cty.StringVal("nope"), cty.StringVal("x")), cty.NilVal, `must be "dns"`},
	})
}

func TestRSADecrypt(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ct, err := rsa.EncryptPKCS1v15(rand.Reader, &key.PublicKey, []byte("s3cret-päss"))
	if err != nil {
		t.Fatal(err)
	}
	ctB64 := cty.StringVal(base64.StdEncoding.EncodeToString(ct))
	pkcs1 := cty.StringVal(string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})))
	der8, _ := x509.MarshalPKCS8PrivateKey(key)
	pkcs8 := cty.StringVal(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der8})))
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	otherPEM := cty.StringVal(string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(other)})))

	runCalls(t, RSADecryptFunc, []callCase{
		{"pkcs1", args(ctB64, pkcs1), cty.StringVal("s3cret-päss"), ""},
		{"pkcs8", args(ctB64, pkcs8), cty.StringVal("s3cret-päss"), ""},
		{"sensitive key", args(ctB64, sensitive(pkcs1)), sensitive(cty.StringVal("s3cret-päss")), ""},
		{"wrong key", args(ctB64, otherPEM), cty.NilVal, "cannot be decrypted with this key"},
		{"not a key", args(ctB64, cty.StringVal("hello")), cty.NilVal, "not a PEM-encoded private key"},
		{"not base64", args(cty.StringVal("@@"), pkcs1), cty.NilVal, "not valid standard Base64"},
	})
}
