package plugin

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/hashicorp/go-plugin"
)

// clientTLS makes the certificate indigo presents to one provider process
// and the TLS configuration that goes with it, for the mutual TLS of the
// plugin handshake: the provider is given the certificate (PEM) in
// PLUGIN_CLIENT_CERT and answers the handshake with a certificate of its
// own, which go-plugin adds to the configuration as the only root the
// connection trusts. This is what go-plugin's automatic mTLS does, with a
// P-256 key instead of a P-521 one: making and using the P-521 key took
// about 30 ms of indigo's CPU per provider process, a tenth of a
// 1,000-resource plan with nothing to do; a P-256 key takes well under
// one. The certificate is self-signed, lives as long as the process, and
// is usable as a client only.
func clientTLS() (certPEM string, cfg *tls.Config, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", nil, fmt.Errorf("making the provider connection's key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return "", nil, fmt.Errorf("making the provider connection's certificate: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "localhost", Organization: []string{"indigo"}},
		DNSNames:     []string{"localhost"},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(30 * 24 * time.Hour),
		// The provider verifies it against itself as the only CA.
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", nil, fmt.Errorf("making the provider connection's certificate: %w", err)
	}
	cfg = &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		MinVersion:   tls.VersionTLS12,
		ServerName:   "localhost",
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), cfg, nil
}

// connectionTLS reports whether the connection to a provider is made over
// mutual TLS. go-plugin connects over a Unix socket everywhere but on
// Windows, in a directory it makes with mode 0700 (privateDir checks it):
// no other user can open the socket, and a process of the same user can
// read the provider's memory and environment anyway, so TLS on it keeps
// out nobody the directory does not. It cost each command about 25 ms
// before the first provider call (the provider making a P-521 key, signing
// the handshake with it, indigo verifying the signature) and 6% of
// indigo's CPU on a plan of 1,000 resources with nothing to do. On
// Windows, where the connection is a loopback TCP port any local user may
// open, and when INDIGO_PROVIDER_MTLS is on, it is mutual TLS as go-plugin's
// AutoMTLS (which Terraform and OpenTofu use) makes it.
func connectionTLS() bool {
	if runtime.GOOS == "windows" {
		return true
	}
	switch strings.ToLower(os.Getenv(MTLSEnv)) {
	case "on", "1", "true", "yes":
		return true
	}
	return false
}

// MTLSEnv set to "on" makes every provider connection mutual TLS.
const MTLSEnv = "INDIGO_PROVIDER_MTLS"

// privateDir refuses a socket directory other users may enter.
func privateDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("provider socket directory: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("provider socket directory %s is open to other users (mode %v): set %s=on to connect over mutual TLS", dir, fi.Mode().Perm(), MTLSEnv)
	}
	return nil
}

// startClient starts a go-plugin client. A provider that answers the
// handshake with a certificate of its own accord while the connection is
// not TLS (it would have to set go-plugin's TLSProvider, which no
// terraform-plugin-go provider does) made go-plugin dereference the
// missing TLS configuration: an error instead.
func startClient(client *plugin.Client) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the provider answered the handshake with a TLS certificate it was not asked for (set %s=on): %v", MTLSEnv, r)
		}
	}()
	_, err = client.Start()
	return err
}
