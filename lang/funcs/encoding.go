package funcs

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"unicode/utf8"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/ianaindex"
)

// Base64EncodeFunc is base64encode(string): the standard Base64 encoding
// (RFC 4648, with padding) of the string's UTF-8 bytes.
var Base64EncodeFunc = stringToString(
	"Encodes the UTF-8 bytes of a string as standard Base64.",
	func(s string) (string, error) {
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	},
)

// Base64DecodeFunc is base64decode(string): decodes standard Base64 whose
// content must be UTF-8 text (use filebase64 and friends for binary data).
var Base64DecodeFunc = stringToString(
	"Decodes standard Base64 whose decoded bytes are UTF-8 text.",
	func(s string) (string, error) {
		b, err := decodeBase64(s)
		if err != nil {
			return "", err
		}
		if !utf8.Valid(b) {
			return "", errors.New("the decoded bytes are not valid UTF-8 text; indigo strings hold only text")
		}
		return string(b), nil
	},
)

// Base64GzipFunc is base64gzip(string): gzip-compresses the string's UTF-8
// bytes and encodes the result as standard Base64.
var Base64GzipFunc = stringToString(
	"Compresses a string with gzip and encodes the result as standard Base64.",
	func(s string) (string, error) {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		if _, err := io.WriteString(w, s); err != nil {
			return "", fmt.Errorf("compressing: %w", err)
		}
		if err := w.Close(); err != nil {
			return "", fmt.Errorf("compressing: %w", err)
		}
		return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
	},
)

// Base64GunzipFunc is base64gunzip(string), from OpenTofu: the inverse of
// base64gzip. The decompressed data must be UTF-8 text.
var Base64GunzipFunc = stringToString(
	"Decodes standard Base64 and decompresses the gzip data it holds, which must be UTF-8 text.",
	func(s string) (string, error) {
		b, err := decodeBase64(s)
		if err != nil {
			return "", err
		}
		r, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return "", fmt.Errorf("the decoded bytes are not gzip data: %w", err)
		}
		out, err := io.ReadAll(r)
		if err != nil {
			return "", fmt.Errorf("decompressing: %w", err)
		}
		if !utf8.Valid(out) {
			return "", errors.New("the decompressed bytes are not valid UTF-8 text")
		}
		return string(out), nil
	},
)

// URLEncodeFunc is urlencode(string): escapes the string for use in a URL
// query (spaces become "+", reserved characters %XX).
var URLEncodeFunc = stringToString(
	"Escapes a string for use in a URL query.",
	func(s string) (string, error) { return url.QueryEscape(s), nil },
)

// URLDecodeFunc is urldecode(string): the inverse of urlencode.
var URLDecodeFunc = stringToString(
	"Unescapes a URL-query-escaped string.",
	func(s string) (string, error) {
		out, err := url.QueryUnescape(s)
		if err != nil {
			// The error quotes part of the input; keep it out.
			return "", errors.New("the string holds a malformed %-escape; each % must be followed by two hexadecimal digits")
		}
		return out, nil
	},
)

// TextEncodeBase64Func is textencodebase64(string, encoding): encodes the
// string in a character encoding named by its IANA name ("UTF-16LE",
// "windows-1252", ...) and returns the bytes as standard Base64.
var TextEncodeBase64Func = function.New(&function.Spec{
	Description: "Encodes a string in the named character encoding and returns the bytes as standard Base64.",
	Params: []function.Parameter{
		{Name: "string", Type: cty.String},
		{Name: "encoding", Type: cty.String},
	},
	Type:         function.StaticReturnType(cty.String),
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		enc, err := textEncoding(args[1].AsString())
		if err != nil {
			return cty.NilVal, function.NewArgError(1, err)
		}
		b, err := enc.NewEncoder().Bytes([]byte(args[0].AsString()))
		if err != nil {
			return cty.NilVal, function.NewArgErrorf(0, "holds characters that %s cannot represent", args[1].AsString())
		}
		return cty.StringVal(base64.StdEncoding.EncodeToString(b)), nil
	},
})

// TextDecodeBase64Func is textdecodebase64(string, encoding): decodes
// standard Base64 and interprets the bytes as text in the named encoding.
var TextDecodeBase64Func = function.New(&function.Spec{
	Description: "Decodes standard Base64 and interprets the bytes as text in the named character encoding.",
	Params: []function.Parameter{
		{Name: "source", Type: cty.String},
		{Name: "encoding", Type: cty.String},
	},
	Type:         function.StaticReturnType(cty.String),
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		enc, err := textEncoding(args[1].AsString())
		if err != nil {
			return cty.NilVal, function.NewArgError(1, err)
		}
		b, err := decodeBase64(args[0].AsString())
		if err != nil {
			return cty.NilVal, function.NewArgError(0, err)
		}
		out, err := enc.NewDecoder().Bytes(b)
		if err != nil || !utf8.Valid(out) {
			return cty.NilVal, function.NewArgErrorf(0, "the decoded bytes are not valid %s text", args[1].AsString())
		}
		return cty.StringVal(string(out)), nil
	},
})

// textEncoding finds a character encoding by its IANA name or alias.
func textEncoding(name string) (encoding.Encoding, error) {
	enc, err := ianaindex.IANA.Encoding(name)
	if err != nil || enc == nil {
		// ianaindex knows some names it has no implementation for (nil, nil).
		return nil, fmt.Errorf("%q is not a supported character encoding; use an IANA name such as UTF-8, UTF-16LE or windows-1252", name)
	}
	return enc, nil
}

// decodeBase64 decodes standard padded Base64, saying where it is malformed
// without quoting the input.
func decodeBase64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		var corrupt base64.CorruptInputError
		if errors.As(err, &corrupt) {
			return nil, fmt.Errorf("not valid standard Base64: malformed at byte %d", int64(corrupt))
		}
		return nil, fmt.Errorf("not valid standard Base64: %w", err)
	}
	return b, nil
}

// stringToString builds a function of one string argument that returns a
// string, for the many encoding and hashing functions of that shape.
func stringToString(description string, fn func(string) (string, error)) function.Function {
	return function.New(&function.Spec{
		Description: description,
		Params: []function.Parameter{
			{Name: "string", Type: cty.String},
		},
		Type:         function.StaticReturnType(cty.String),
		RefineResult: refineNotNull,
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			out, err := fn(args[0].AsString())
			if err != nil {
				return cty.NilVal, function.NewArgError(0, err)
			}
			return cty.StringVal(out), nil
		},
	})
}
