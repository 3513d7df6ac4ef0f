package plugin

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestProviderConnectionIsMutualTLS checks, with INDIGO_PROVIDER_MTLS=on
// (the default on Windows), that a provider is handed the client
// certificate clientTLS makes (P-256, self-signed, for client
// authentication only) and that calls then work: the provider serves TLS
// that requires and verifies that certificate, and indigo trusts only the
// certificate the provider returned, so a call that completes went through
// both checks.
func TestProviderConnectionIsMutualTLS(t *testing.T) {
	t.Setenv(MTLSEnv, "on")
	for _, protocol := range []int{5, 6} {
		t.Run(fmt.Sprintf("protocol%d", protocol), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			p := startProvider(t, protocol)
			if _, err := p.Schema(ctx); err != nil {
				t.Fatalf("Schema over the provider connection: %v", err)
			}
			environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", p.proc.Pid()))
			if err != nil {
				t.Skipf("cannot read the provider's environment: %v", err)
			}
			var certPEM string
			for _, kv := range strings.Split(string(environ), "\x00") {
				if v, ok := strings.CutPrefix(kv, "PLUGIN_CLIENT_CERT="); ok {
					certPEM = v
				}
			}
			block, _ := pem.Decode([]byte(certPEM))
			if block == nil {
				t.Fatalf("the provider has no client certificate in PLUGIN_CLIENT_CERT: %q", certPEM)
			}
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
			if !ok || pub.Curve != elliptic.P256() {
				t.Errorf("client key %T, want ECDSA P-256", cert.PublicKey)
			}
			if err := cert.CheckSignatureFrom(cert); err != nil {
				t.Errorf("the client certificate is not self-signed: %v", err)
			}
			if len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
				t.Errorf("extended key usage %v, want client authentication only", cert.ExtKeyUsage)
			}
		})
	}
}

// TestProviderConnectionIsAPrivateSocket checks the default on Unix: no
// client certificate (not even one indigo inherited), a Unix socket in a
// directory only this user may enter, and calls that work; and that a
// socket directory others may enter is refused.
func TestProviderConnectionIsAPrivateSocket(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the connection is a TCP port with mutual TLS on Windows")
	}
	t.Setenv(MTLSEnv, "")
	// indigo run as a plugin itself (terraform-provider-indigo under
	// Terraform) inherits its client's certificate: not passed on.
	inherited, _, err := clientTLS()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PLUGIN_CLIENT_CERT", inherited)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := startProvider(t, 5)
	if _, err := p.Schema(ctx); err != nil {
		t.Fatalf("Schema over the provider connection: %v", err)
	}
	environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", p.proc.Pid()))
	if err != nil {
		t.Skipf("cannot read the provider's environment: %v", err)
	}
	var socketDir string
	for _, kv := range strings.Split(string(environ), "\x00") {
		if strings.HasPrefix(kv, "PLUGIN_CLIENT_CERT=") {
			t.Errorf("the provider was handed a client certificate: TLS on a private socket")
		}
		if v, ok := strings.CutPrefix(kv, "PLUGIN_UNIX_SOCKET_DIR="); ok {
			socketDir = v
		}
	}
	if socketDir == "" {
		t.Fatal("the provider was not told where to make its socket")
	}
	fi, err := os.Stat(socketDir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("socket directory %s has mode %v: others may enter", socketDir, fi.Mode().Perm())
	}

	open := t.TempDir()
	if err := os.Chmod(open, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := privateDir(open); err == nil || !strings.Contains(err.Error(), MTLSEnv) {
		t.Errorf("privateDir(%s, mode 0755) = %v, want an error naming %s", open, err, MTLSEnv)
	}
}
