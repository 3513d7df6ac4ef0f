package install

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	svchost "github.com/hashicorp/terraform-svchost"
)

// MethodKind is an installation method, named as its block in the CLI
// configuration's provider_installation block.
type MethodKind string

// Installation methods.
const (
	// Direct asks each provider's origin registry (the hostname in its
	// address) over the provider registry protocol.
	Direct MethodKind = "direct"
	// FilesystemMirror reads a local directory in Terraform's packed or
	// unpacked mirror layout.
	FilesystemMirror MethodKind = "filesystem_mirror"
	// NetworkMirror asks an HTTPS server speaking the provider network
	// mirror protocol, for providers of any hostname.
	NetworkMirror MethodKind = "network_mirror"
)

// Method is one way to obtain providers, limited to the providers its
// include patterns select (all when empty) minus those its exclude patterns
// select.
type Method struct {
	Kind MethodKind
	// Location is the directory of a filesystem mirror or the base URL of
	// a network mirror; empty for Direct.
	Location string
	Include  []Pattern
	Exclude  []Pattern
	// Implied is true for methods indigo assumed because the CLI
	// configuration has no provider_installation block.
	Implied bool
}

// Allows reports whether the method may be used for p. Exclusions win.
func (m Method) Allows(p Provider) bool {
	switch {
	case anyMatches(m.Exclude, p):
		return false
	case len(m.Include) > 0:
		return anyMatches(m.Include, p)
	}
	return true
}

// String describes the method for messages.
func (m Method) String() string {
	switch m.Kind {
	case FilesystemMirror:
		return "filesystem mirror " + m.Location
	case NetworkMirror:
		return "network mirror " + m.Location
	default:
		return "origin registry"
	}
}

// Token is an API token for a registry or mirror host. It prints as
// "(sensitive)" so that it cannot reach a log or an error message by
// accident; only the HTTP request that needs it reads its value.
type Token string

// String hides the token.
func (Token) String() string { return "(sensitive)" }

// GoString hides the token from %#v.
func (Token) GoString() string { return "(sensitive)" }

// Sources says where providers come from: the provider_installation block
// of the CLI configuration (see CLIConfig.Sources), or the implied default.
type Sources struct {
	// DevOverrides maps a provider to a directory holding a development
	// build. Such a provider is used from there as is: no version
	// selection, no checksum, no lock file entry.
	DevOverrides map[Provider]string
	// Methods are tried in order; a version is chosen among all the
	// versions that the methods allowed for a provider offer.
	Methods []Method
	// Services overrides service discovery for a hostname (the CLI
	// configuration's host blocks): hostname → service ID → URL.
	Services map[string]map[string]string
	// Credentials holds API tokens by hostname (with ":port" when the port
	// is not 443), sent as a bearer token to that host only.
	Credentials map[string]Token
}

// methodsFor returns the methods that may serve p.
func (s Sources) methodsFor(p Provider) []Method {
	var out []Method
	for _, m := range s.Methods {
		if m.Allows(p) {
			out = append(out, m)
		}
	}
	return out
}

// token returns the credentials for the host of u, if any.
func (s Sources) token(u *url.URL) Token {
	if len(s.Credentials) == 0 {
		return ""
	}
	host := u.Hostname()
	if h, err := svchost.ForComparison(host); err == nil {
		host = string(h)
	}
	if port := u.Port(); port != "" && port != "443" {
		host += ":" + port
	}
	return s.Credentials[host]
}

// ImpliedMirrorDirs returns the directories Terraform (and indigo) search
// as filesystem mirrors when the CLI configuration has no
// provider_installation block, in order: indigo.d/plugins and
// terraform.d/plugins in the working directory, ~/.indigo.d/plugins,
// ~/.terraform.d/plugins, then indigo/plugins and terraform/plugins under
// each XDG data directory. Only existing directories are returned.
func ImpliedMirrorDirs(env CLIEnv) []string {
	var dirs []string
	if env.WorkDir != "" {
		dirs = append(dirs, filepath.Join(env.WorkDir, "indigo.d", "plugins"), filepath.Join(env.WorkDir, "terraform.d", "plugins"))
	}
	if env.HomeDir != "" {
		dirs = append(dirs, filepath.Join(env.HomeDir, ".indigo.d", "plugins"), filepath.Join(env.HomeDir, ".terraform.d", "plugins"))
	}
	dataHome := env.Getenv("XDG_DATA_HOME")
	if dataHome == "" && env.HomeDir != "" {
		dataHome = filepath.Join(env.HomeDir, ".local", "share")
	}
	dataDirs := env.Getenv("XDG_DATA_DIRS")
	if dataDirs == "" {
		dataDirs = "/usr/local/share/:/usr/share/"
	}
	for _, d := range append([]string{dataHome}, filepath.SplitList(dataDirs)...) {
		if d == "" || !filepath.IsAbs(d) {
			continue // the XDG specification says to ignore relative paths
		}
		dirs = append(dirs, filepath.Join(d, "indigo", "plugins"), filepath.Join(d, "terraform", "plugins"))
	}
	var out []string
	seen := make(map[string]bool)
	for _, d := range dirs {
		d = filepath.Clean(d)
		if seen[d] {
			continue
		}
		seen[d] = true
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			out = append(out, d)
		}
	}
	return out
}

// ImpliedSources is what indigo uses when the CLI configuration has no
// provider_installation block, as Terraform does: each existing implied
// mirror directory, then the origin registries for every provider that
// none of those directories holds.
func ImpliedSources(env CLIEnv) Sources {
	var s Sources
	var found []Provider
	for _, dir := range ImpliedMirrorDirs(env) {
		s.Methods = append(s.Methods, Method{Kind: FilesystemMirror, Location: dir, Implied: true})
		found = append(found, mirrorProviders(dir)...)
	}
	sortProviders(found)
	direct := Method{Kind: Direct, Implied: true}
	for i, p := range found {
		if i == 0 || found[i-1] != p {
			direct.Exclude = append(direct.Exclude, ExactPattern(p))
		}
	}
	s.Methods = append(s.Methods, direct)
	return s
}

// describeMethods lists methods for an error message.
func describeMethods(ms []Method) string {
	if len(ms) == 0 {
		return "no installation method (check the provider_installation block of the CLI configuration)"
	}
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.String()
	}
	return strings.Join(names, ", ")
}

// sortedOverrides returns the dev override providers in address order.
func (s Sources) sortedOverrides() []Provider {
	ps := make([]Provider, 0, len(s.DevOverrides))
	for p := range s.DevOverrides {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].Less(ps[j]) })
	return ps
}

// String describes the sources, one method per line, for "indigo providers"
// style output.
func (s Sources) String() string {
	var b strings.Builder
	for _, p := range s.sortedOverrides() {
		fmt.Fprintf(&b, "dev override %s = %s\n", p.ForDisplay(), s.DevOverrides[p])
	}
	for _, m := range s.Methods {
		b.WriteString(m.String())
		if len(m.Include) > 0 {
			b.WriteString(" include=" + joinPatterns(m.Include))
		}
		if len(m.Exclude) > 0 {
			b.WriteString(" exclude=" + joinPatterns(m.Exclude))
		}
		if m.Implied {
			b.WriteString(" (implied)")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func joinPatterns(ps []Pattern) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}
