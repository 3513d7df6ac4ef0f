package plugin

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestProviderConnectionIsMutualTLS checks that a provider is handed the
// client certificate clientTLS makes (P-256, self-signed, for client
// authentication only) and that calls then work: the provider serves TLS
// that requires and verifies that certificate, and indigo trusts only the
// certificate the provider returned, so a call that completes went through
// both checks.
func TestProviderConnectionIsMutualTLS(t *testing.T) {
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
