package testsrv

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// kubePKI is a control plane's certificates and keys, all PEM files in
// dir: a CA, the apiserver's serving certificate, the admin's client
// certificate, and the service-account signing key pair. Keys are ECDSA
// P-256: quick to make, and accepted everywhere Kubernetes reads keys.
type kubePKI struct {
	dir                     string
	caFile, caKeyFile       string
	servingCert, servingKey string
	adminCert, adminKey     string
	saKey, saPub            string

	ca    *x509.Certificate
	caKey *ecdsa.PrivateKey
	caPEM []byte
}

func newKubePKI(dir string) (*kubePKI, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	p := &kubePKI{dir: dir}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "indigo-test-ca"},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	p.caFile, p.caKeyFile, err = p.write(dir, "ca", tmpl, nil, key)
	if err != nil {
		return nil, err
	}
	p.caKey = key
	if p.caPEM, err = os.ReadFile(p.caFile); err != nil {
		return nil, err
	}
	block, _ := pem.Decode(p.caPEM)
	if p.ca, err = x509.ParseCertificate(block.Bytes); err != nil {
		return nil, err
	}

	serving := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback, net.IPv4(10, 96, 0, 1)},
	}
	if p.servingCert, p.servingKey, err = p.issue(dir, "apiserver", serving); err != nil {
		return nil, err
	}
	if p.adminCert, p.adminKey, err = p.clientCert("admin", []string{"system:masters"}); err != nil {
		return nil, err
	}

	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	p.saKey = filepath.Join(dir, "sa.key")
	p.saPub = filepath.Join(dir, "sa.pub")
	der, err := x509.MarshalPKCS8PrivateKey(saKey)
	if err != nil {
		return nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return nil, err
	}
	if err := writePEM(p.saKey, "PRIVATE KEY", der, 0o600); err != nil {
		return nil, err
	}
	if err := writePEM(p.saPub, "PUBLIC KEY", pub, 0o644); err != nil {
		return nil, err
	}
	return p, nil
}

// clientCert issues a client certificate for user (CN) in groups (O) into
// the PKI's directory.
func (p *kubePKI) clientCert(user string, groups []string) (certFile, keyFile string, err error) {
	return p.clientCertIn(p.dir, user, groups)
}

func (p *kubePKI) clientCertIn(dir, user string, groups []string) (certFile, keyFile string, err error) {
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: user, Organization: groups},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	name := "user-" + strings.NewReplacer(":", "-", "/", "-").Replace(user)
	return p.issue(dir, name, tmpl)
}

// issue signs tmpl with the CA for a new key; it writes NAME.crt and
// NAME.key in dir.
func (p *kubePKI) issue(dir, name string, tmpl *x509.Certificate) (certFile, keyFile string, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	return p.write(dir, name, tmpl, p.ca, key)
}

// write fills in tmpl's serial and validity, signs it with the CA (or
// itself when parent is nil), and writes the certificate and key.
func (p *kubePKI) write(dir, name string, tmpl, parent *x509.Certificate, key *ecdsa.PrivateKey) (certFile, keyFile string, err error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return "", "", err
	}
	tmpl.SerialNumber = serial
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(10 * 24 * time.Hour)
	signer := p.caKey
	if parent == nil {
		parent, signer = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		return "", "", fmt.Errorf("certificate %s: %w", name, err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", "", err
	}
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if err := writePEM(certFile, "CERTIFICATE", der, 0o644); err != nil {
		return "", "", err
	}
	if err := writePEM(keyFile, "EC PRIVATE KEY", keyDER, 0o600); err != nil {
		return "", "", err
	}
	return certFile, keyFile, nil
}

func writePEM(path, kind string, der []byte, mode os.FileMode) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), mode)
}

// client is an HTTP client presenting the certificate pair.
func (p *kubePKI) client(certFile, keyFile string) (*http.Client, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	return newTLSClient(p.caPEM, cert), nil
}

// writeKubeconfig writes a kubeconfig for user with the certificate pair,
// the CA and both files inline, with one cluster and one context named
// k.Context.
func (k *Kube) writeKubeconfig(path, user, certFile, keyFile string) error {
	cert, err := os.ReadFile(certFile)
	if err != nil {
		return err
	}
	key, err := os.ReadFile(keyFile)
	if err != nil {
		return err
	}
	b64 := base64.StdEncoding.EncodeToString
	text := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: %[1]s
  cluster:
    server: %[2]s
    certificate-authority-data: %[3]s
users:
- name: %[4]q
  user:
    client-certificate-data: %[5]s
    client-key-data: %[6]s
contexts:
- name: %[1]s
  context:
    cluster: %[1]s
    user: %[4]q
current-context: %[1]s
`, k.Context, k.Server, b64(k.pki.caPEM), user, b64(cert), b64(key))
	return os.WriteFile(path, []byte(text), 0o600)
}
