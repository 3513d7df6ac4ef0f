package funcs

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func TestBase64(t *testing.T) {
	runCalls(t, Base64EncodeFunc, []callCase{
		{"encode", args(cty.StringVal("Hello, wörld")), cty.StringVal("SGVsbG8sIHfDtnJsZA=="), ""},
		{"empty", args(cty.StringVal("")), cty.StringVal(""), ""},
		{"sensitive", args(sensitive(cty.StringVal("a"))), sensitive(cty.StringVal("YQ==")), ""},
	})
	runCalls(t, Base64DecodeFunc, []callCase{
		{"decode", args(cty.StringVal("SGVsbG8sIHfDtnJsZA==")), cty.StringVal("Hello, wörld"), ""},
		{"unknown", args(cty.UnknownVal(cty.String)), cty.UnknownVal(cty.String), ""},
		{"malformed", args(cty.StringVal("SGV$bG8=")), cty.NilVal, "malformed at byte 3"},
		{"binary", args(cty.StringVal("/w==")), cty.NilVal, "not valid UTF-8"},
	})
}

func TestBase64DecodeErrorHidesValue(t *testing.T) {
	_, err := Base64DecodeFunc.Call(args(sensitive(cty.StringVal("hunter2!"))))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error %v must exist and must not quote the input", err)
	}
}

func TestBase64Gzip(t *testing.T) {
	text := strings.Repeat("indigo ", 100)
	enc, err := Base64GzipFunc.Call(args(cty.StringVal(text)))
	if err != nil {
		t.Fatal(err)
	}
	if len(enc.AsString()) >= len(text) {
		t.Errorf("compressed form is %d bytes, not shorter than the %d of the input", len(enc.AsString()), len(text))
	}
	if !strings.HasPrefix(enc.AsString(), "H4sI") {
		t.Errorf("%q does not start with the Base64 of the gzip magic number", enc.AsString())
	}
	runCalls(t, Base64GunzipFunc, []callCase{
		{"round trip", args(enc), cty.StringVal(text), ""},
		{"not gzip", args(cty.StringVal("aGVsbG8=")), cty.NilVal, "not gzip data"},
		{"not base64", args(cty.StringVal("%%%")), cty.NilVal, "not valid standard Base64"},
	})
}

func TestURLEncoding(t *testing.T) {
	runCalls(t, URLEncodeFunc, []callCase{
		{"query", args(cty.StringVal("a b&c=d/é")), cty.StringVal("a+b%26c%3Dd%2F%C3%A9"), ""},
	})
	runCalls(t, URLDecodeFunc, []callCase{
		{"query", args(cty.StringVal("a+b%26c%3Dd%2F%C3%A9")), cty.StringVal("a b&c=d/é"), ""},
		{"bad escape", args(cty.StringVal("100%zz")), cty.NilVal, "malformed %-escape"},
	})
}

func TestTextBase64(t *testing.T) {
	runCalls(t, TextEncodeBase64Func, []callCase{
		{"UTF-16LE", args(cty.StringVal("Hi"), cty.StringVal("UTF-16LE")), cty.StringVal("SABpAA=="), ""},
		{"windows-1252", args(cty.StringVal("é"), cty.StringVal("windows-1252")), cty.StringVal("6Q=="), ""},
		{"unrepresentable", args(cty.StringVal("日本"), cty.StringVal("windows-1252")), cty.NilVal, "cannot represent"},
		{"unknown encoding", args(cty.StringVal("x"), cty.StringVal("klingon")), cty.NilVal, "not a supported character encoding"},
	})
	runCalls(t, TextDecodeBase64Func, []callCase{
		{"UTF-16LE", args(cty.StringVal("SABpAA=="), cty.StringVal("UTF-16LE")), cty.StringVal("Hi"), ""},
		{"windows-1252", args(cty.StringVal("6Q=="), cty.StringVal("windows-1252")), cty.StringVal("é"), ""},
		{"not base64", args(cty.StringVal("!"), cty.StringVal("UTF-8")), cty.NilVal, "not valid standard Base64"},
	})
}
