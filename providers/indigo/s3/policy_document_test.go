package s3

import (
	"context"
	"testing"
)

func TestCanonicalPolicy(t *testing.T) {
	base := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::a/*"]}]}`
	for _, tc := range []struct {
		name  string
		a, b  string
		equal bool
	}{
		{"spacing and key order", base, `{ "Statement": [ { "Resource": ["arn:aws:s3:::a/*"], "Action": ["s3:GetObject"], "Effect": "Allow" } ], "Version": "2012-10-17" }`, true},
		{"a string for a one-element list", base, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::a/*"}]}`, true},
		{"one statement object", base, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::a/*"}}`, true},
		{"empty Sid", base, `{"Version":"2012-10-17","Statement":[{"Sid":"","Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::a/*"]}]}`, true},
		{"resource order and duplicates",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::a"]}]}`,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListBucket","s3:ListBucket"],"Resource":["arn:aws:s3:::a","arn:aws:s3:::b"]}]}`, true},
		{"statement order",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Effect":"Deny","Action":"s3:PutObject","Resource":"*"}]}`,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:PutObject","Resource":"*"},{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`, true},
		{"condition values",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"StringLike":{"s3:prefix":"a/*"}}}]}`,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"StringLike":{"s3:prefix":["a/*"]}}}]}`, true},
		{"another action", base, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject"],"Resource":["arn:aws:s3:::a/*"]}]}`, false},
		{"another effect", base, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::a/*"]}]}`, false},
		{"a statement more", base, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::a/*"]},{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"]}]}`, false},
		{"action case matters to us", base, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:getobject"],"Resource":["arn:aws:s3:::a/*"]}]}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ca, err := canonicalPolicy(tc.a)
			if err != nil {
				t.Fatal(err)
			}
			cb, err := canonicalPolicy(tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if (ca == cb) != tc.equal {
				t.Errorf("equal = %v, want %v:\n%s\n%s", ca == cb, tc.equal, ca, cb)
			}
			eq, _ := newPolicyDocument(tc.a).StringSemanticEquals(context.Background(), newPolicyDocument(tc.b))
			if eq != tc.equal {
				t.Errorf("StringSemanticEquals = %v, want %v", eq, tc.equal)
			}
		})
	}
	for _, bad := range []string{``, `{`, `[]`, `"s"`, `{} {}`, `{"Version":"2012-10-17"}`, `{"Statement":"x"}`, `{"Statement":["x"]}`} {
		if got, err := canonicalPolicy(bad); err == nil {
			t.Errorf("canonicalPolicy(%q) = %q, want an error", bad, got)
		}
	}
}

func FuzzCanonicalPolicy(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringLike":{"s3:prefix":"a"}}}]}`)
	f.Add(`{"Statement":{"Principal":{"AWS":"*"}}}`)
	f.Fuzz(func(t *testing.T, doc string) {
		c, err := canonicalPolicy(doc)
		if err != nil {
			return
		}
		again, err := canonicalPolicy(c)
		if err != nil || again != c {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", doc, c, again, err)
		}
	})
}
