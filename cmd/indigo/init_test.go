package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
)

// TestNetworkHint: an install that failed because a host could not be
// reached tells the user how to install offline; other failures do not.
func TestNetworkHint(t *testing.T) {
	dns := &url.Error{Op: "Get", URL: "https://registry.example/.well-known/terraform.json", Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "registry.example"}}}
	err := fmt.Errorf("provider example/thing: listing versions: discovering services of registry.example: %w", dns)
	if h := networkHint(err); !strings.Contains(h, "provider_installation") || !strings.Contains(h, "mirror") {
		t.Errorf("no offline hint for %v: %q", err, h)
	}
	if h := networkHint(errors.New("provider example/thing: no version matches >= 9.0")); h != "" {
		t.Errorf("a hint for an error that is not about the network: %q", h)
	}
}
