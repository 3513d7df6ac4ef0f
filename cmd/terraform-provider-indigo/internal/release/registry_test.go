package main

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// registry serves the provider registry protocol (v1) for one signed
// release, as the Terraform Registry does for a published provider.
func registry(t *testing.T, r *Release, publicKey string) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	var srv *httptest.Server
	base := "/v1/providers/" + namespace + "/" + typeName + "/"
	mux.HandleFunc(base+"versions", func(w http.ResponseWriter, _ *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"versions": []any{map[string]any{
			"version": r.Version, "protocols": []string{"6.0"},
			"platforms": []any{map[string]string{"os": r.OS, "arch": r.Arch}},
		}}})
	})
	mux.HandleFunc(base+r.Version+"/download/"+r.OS+"/"+r.Arch, func(w http.ResponseWriter, _ *http.Request) {
		sum, _ := sha256File(r.Zip)
		json.NewEncoder(w).Encode(map[string]any{
			"protocols": []string{"6.0"}, "os": r.OS, "arch": r.Arch,
			"filename":              filepath.Base(r.Zip),
			"download_url":          srv.URL + "/files/" + filepath.Base(r.Zip),
			"shasums_url":           srv.URL + "/files/" + filepath.Base(r.Sums),
			"shasums_signature_url": srv.URL + "/files/" + filepath.Base(r.Sig),
			"shasum":                sum,
			"signing_keys": map[string]any{"gpg_public_keys": []any{map[string]string{
				"key_id": "", "ascii_armor": publicKey,
			}}},
		})
	})
	mux.Handle("/files/", http.StripPrefix("/files/", http.FileServer(http.Dir(filepath.Dir(r.Zip)))))
	srv = httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestInstallFromRegistry signs the release's SHA256SUMS (release
// -gpg-key) and installs it with terraform and tofu from a registry that
// serves it: the lock file gets the h1: hash and the zh: hash from the
// signed SHA256SUMS.
func TestInstallFromRegistry(t *testing.T) {
	built, _ := release(t)
	r := *built
	key, err := openpgp.NewEntity("indigo release test", "", "release@indigo.invalid", &packet.Config{Algorithm: packet.PubKeyAlgoRSA, RSABits: 2048})
	if err != nil {
		t.Fatal(err)
	}
	// Sign a copy of the release, so other tests see it unsigned.
	dir := t.TempDir()
	for _, f := range []*string{&r.Zip, &r.Manifest, &r.Sums} {
		b, err := os.ReadFile(*f)
		if err != nil {
			t.Fatal(err)
		}
		*f = filepath.Join(dir, filepath.Base(*f))
		writeFile(t, *f, string(b))
	}
	if err := r.Sign(key); err != nil {
		t.Fatal(err)
	}
	var pub bytes.Buffer
	aw, err := armor.Encode(&pub, openpgp.PublicKeyType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := key.Serialize(aw); err != nil {
		t.Fatal(err)
	}
	aw.Close()
	srv := registry(t, &r, pub.String())
	ca := filepath.Join(t.TempDir(), "ca.pem")
	writeFile(t, ca, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})))
	var rc strings.Builder
	for _, h := range hostnames {
		fmt.Fprintf(&rc, "host %q {\n  services = {\n    \"providers.v1\" = %q\n  }\n}\n", h, srv.URL+"/v1/providers/")
	}
	rc.WriteString("provider_installation {\n  direct {}\n}\n")
	for _, c := range clis {
		t.Run(c.name, func(t *testing.T) {
			bin := c.path(t)
			work := t.TempDir()
			rcPath := filepath.Join(work, "cli.rc")
			writeFile(t, rcPath, rc.String())
			writeFile(t, filepath.Join(work, "main.tf"), requireProvider)
			env := []string{"TF_CLI_CONFIG_FILE=" + rcPath, "SSL_CERT_FILE=" + ca}
			mustRun(t, work, env, bin, "init", "-input=false")
			lock, err := os.ReadFile(filepath.Join(work, ".terraform.lock.hcl"))
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range []string{r.H1, r.ZH} {
				if !strings.Contains(string(lock), `"`+h+`"`) {
					t.Errorf("the lock file has no %s:\n%s", h, lock)
				}
			}
			if out := mustRun(t, work, env, bin, "apply", "-auto-approve", "-input=false"); !strings.Contains(out, `chosen = "a"`) {
				t.Errorf("the installed provider did not rank:\n%s", out)
			}
		})
	}
}
