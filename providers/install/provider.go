package install

import (
	"fmt"
	"runtime"
	"strings"

	tfaddr "github.com/hashicorp/terraform-registry-address"
	svchost "github.com/hashicorp/terraform-svchost"
)

// DefaultRegistryHost is the hostname implied by a source address without one.
const DefaultRegistryHost = "registry.terraform.io"

// BuiltinHost is the pseudo-hostname of providers that ship inside indigo.
const BuiltinHost = "indigo.dev"

// BuiltinNamespace is the namespace of providers that ship inside indigo.
const BuiltinNamespace = "builtin"

// Builtin is indigo's own provider. It is never installed: the indigo binary
// starts it by re-executing itself.
var Builtin = Provider{Hostname: BuiltinHost, Namespace: BuiltinNamespace, Type: "indigo"}

// BuiltinTerraform is the provider Terraform builds in, which indigo builds
// in too: terraform.io/builtin/terraform.
var BuiltinTerraform = Provider{Hostname: "terraform.io", Namespace: BuiltinNamespace, Type: "terraform"}

// Provider is a provider source address, HOSTNAME/NAMESPACE/TYPE, in its
// normalised form (lower case, hostname in its comparison form). It is
// comparable and used as a map key.
//
// Its fields match lang/config's provider address so a caller converts one
// into the other with a plain type conversion.
type Provider struct {
	Hostname  string
	Namespace string
	Type      string
}

// String returns the fully-qualified address, as written in lock files.
func (p Provider) String() string {
	return hostForDisplay(p.Hostname) + "/" + p.Namespace + "/" + p.Type
}

// ForDisplay returns the address as users usually write it: without the
// hostname when it is the default registry.
func (p Provider) ForDisplay() string {
	if p.Hostname == DefaultRegistryHost {
		return p.Namespace + "/" + p.Type
	}
	return p.String()
}

// Less orders addresses by hostname, then namespace, then type: the order of
// a lock file's provider blocks.
func (p Provider) Less(o Provider) bool {
	switch {
	case p.Hostname != o.Hostname:
		return p.Hostname < o.Hostname
	case p.Namespace != o.Namespace:
		return p.Namespace < o.Namespace
	}
	return p.Type < o.Type
}

// IsZero reports whether p is the zero address.
func (p Provider) IsZero() bool { return p == Provider{} }

// IsBuiltin reports whether p ships inside the indigo binary and so is never
// installed, locked or searched for.
func (p Provider) IsBuiltin() bool {
	return p.Hostname == BuiltinHost && p.Namespace == BuiltinNamespace || p == BuiltinTerraform
}

// IsBuiltin reports whether p ships inside the indigo binary.
func IsBuiltin(p Provider) bool { return p.IsBuiltin() }

// ImpliedProvider returns the address assumed for a provider local name that
// has no required_providers entry: indigo's built-in provider for "indigo",
// otherwise registry.terraform.io/hashicorp/NAME, as Terraform assumes.
func ImpliedProvider(localName string) Provider {
	name := strings.ToLower(localName)
	switch name {
	case Builtin.Type:
		return Builtin
	case BuiltinTerraform.Type:
		return BuiltinTerraform
	}
	return Provider{Hostname: DefaultRegistryHost, Namespace: "hashicorp", Type: name}
}

// ParseProvider parses a source address as written in required_providers:
// TYPE, NAMESPACE/TYPE or HOSTNAME/NAMESPACE/TYPE. A bare TYPE is the
// implied address (see ImpliedProvider). The result is normalised.
func ParseProvider(s string) (Provider, error) {
	if !strings.Contains(s, "/") {
		name, err := tfaddr.ParseProviderPart(s)
		if err != nil {
			return Provider{}, fmt.Errorf("invalid provider source %q: %w", s, err)
		}
		return ImpliedProvider(name), nil
	}
	a, err := tfaddr.ParseProviderSource(s)
	if err != nil {
		return Provider{}, fmt.Errorf("invalid provider source %q: %w", s, err)
	}
	if a.Namespace == tfaddr.LegacyProviderNamespace || a.Namespace == tfaddr.UnknownProviderNamespace {
		return Provider{}, fmt.Errorf("invalid provider source %q: the namespace must be given", s)
	}
	return Provider{Hostname: string(a.Hostname), Namespace: a.Namespace, Type: a.Type}, nil
}

// MustParseProvider is ParseProvider for constants known to be valid; it
// panics on an error and must not be used on outside input.
func MustParseProvider(s string) Provider {
	p, err := ParseProvider(s)
	if err != nil {
		panic(err)
	}
	return p
}

// hostForDisplay returns the hostname as a user would type it (Unicode form).
func hostForDisplay(h string) string {
	return svchost.Hostname(h).ForDisplay()
}

// Platform is a target operating system and CPU architecture, written
// OS_ARCH (linux_amd64) as in Terraform's package names and directories.
type Platform struct {
	OS   string
	Arch string
}

// CurrentPlatform is the platform this binary runs on.
var CurrentPlatform = Platform{OS: runtime.GOOS, Arch: runtime.GOARCH}

// String returns OS_ARCH.
func (p Platform) String() string { return p.OS + "_" + p.Arch }

// ParsePlatform parses OS_ARCH.
func ParsePlatform(s string) (Platform, error) {
	os, arch, ok := strings.Cut(s, "_")
	if !ok || os == "" || arch == "" || strings.Contains(arch, "_") || s != strings.ToLower(s) {
		return Platform{}, fmt.Errorf("invalid platform %q: must be OS_ARCH, like linux_amd64", s)
	}
	return Platform{OS: os, Arch: arch}, nil
}
