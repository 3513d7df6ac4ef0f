package testsrv

import (
	"context"
	"slices"
	"strings"
	"testing"
)

func TestDexIDTokenCarriesGroups(t *testing.T) {
	d := StartDex(t, DexOptions{
		Users: []DexUser{
			{Email: "alice@example.org", Password: "alice-pw", Groups: []string{"cms"}},
			{Email: "bob@example.org", Password: "bob-pw"},
		},
		ClientID: "minio",
	})
	if !strings.HasPrefix(d.Issuer, "http://127.0.0.1:") || !strings.HasSuffix(d.Issuer, "/dex") {
		t.Errorf("Issuer = %q", d.Issuer)
	}
	claims, err := TokenClaims(d.IDToken(t, "alice@example.org", "alice-pw"))
	if err != nil {
		t.Fatal(err)
	}
	if claims["iss"] != d.Issuer || claims["aud"] != "minio" || claims["email"] != "alice@example.org" {
		t.Errorf("claims iss %v, aud %v, email %v; want %s, minio, alice@example.org", claims["iss"], claims["aud"], claims["email"], d.Issuer)
	}
	if groups, _ := claims["groups"].([]any); !slices.Equal(groups, []any{"cms"}) {
		t.Errorf(`groups claim = %v, want ["cms"]`, claims["groups"])
	}
	// A user without groups has no groups in its token.
	claims, err = TokenClaims(d.IDToken(t, "bob@example.org", "bob-pw"))
	if err != nil {
		t.Fatal(err)
	}
	if groups, _ := claims["groups"].([]any); len(groups) != 0 {
		t.Errorf("bob's groups claim = %v, want none", claims["groups"])
	}
	// The password is checked.
	if _, err := d.Token(context.Background(), "alice@example.org", "wrong"); err == nil {
		t.Error("a wrong password got a token")
	}

	env := OpenIDEnv(d, "minio", "s3cret")
	want := "MINIO_IDENTITY_OPENID_CONFIG_URL=" + d.Issuer + "/.well-known/openid-configuration"
	if !slices.Contains(env, want) || !slices.Contains(env, "MINIO_IDENTITY_OPENID_CLAIM_NAME=groups") ||
		!slices.Contains(env, "MINIO_IDENTITY_OPENID_SCOPES=openid,groups,profile,email") {
		t.Errorf("OpenIDEnv = %q", env)
	}
}
