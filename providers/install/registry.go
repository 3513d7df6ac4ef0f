package install

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/ProtonMail/go-crypto/openpgp"
)

// providersService is the service discovery ID of the provider registry
// protocol.
const providersService = "providers.v1"

// registry speaks the provider registry protocol to each provider's origin
// host:
//
//	GET https://HOST/.well-known/terraform.json  {"providers.v1": "/v1/providers/"}
//	GET BASE/NAMESPACE/TYPE/versions
//	GET BASE/NAMESPACE/TYPE/VERSION/download/OS/ARCH
//
// then the SHA256SUMS document and its detached OpenPGP signature, checked
// against the signing keys the download response lists.
type registry struct {
	method Method
	fetch  *fetcher

	mu   sync.Mutex
	base map[string]*url.URL // discovered providers.v1 URL by hostname
}

func newRegistry(m Method, f *fetcher) *registry {
	return &registry{method: m, fetch: f, base: make(map[string]*url.URL)}
}

// baseURL returns the providers.v1 URL of host, from the CLI
// configuration's host block or from service discovery.
func (r *registry) baseURL(ctx context.Context, host string) (*url.URL, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if u, ok := r.base[host]; ok {
		return u, nil
	}
	disco := &url.URL{Scheme: "https", Host: host, Path: "/.well-known/terraform.json"}
	var services map[string]any
	if s, ok := r.fetch.sources.Services[host]; ok {
		services = make(map[string]any, len(s))
		for k, v := range s {
			services[k] = v
		}
	} else {
		err := r.fetch.getJSON(ctx, disco, &services)
		if errors.Is(err, errNotFound) {
			return nil, fmt.Errorf("host %s is not a provider registry (no service discovery document)", hostForDisplay(host))
		}
		if err != nil {
			return nil, fmt.Errorf("discovering services of %s: %w", hostForDisplay(host), err)
		}
	}
	raw, ok := services[providersService].(string)
	if !ok || raw == "" {
		return nil, fmt.Errorf("host %s does not offer a provider registry (%s)", hostForDisplay(host), providersService)
	}
	u, err := resolve(disco, raw)
	if err != nil {
		return nil, fmt.Errorf("discovering services of %s: %s: %w", hostForDisplay(host), providersService, err)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	r.base[host] = u
	return u, nil
}

func (r *registry) endpoint(ctx context.Context, p Provider, parts ...string) (*url.URL, error) {
	base, err := r.baseURL(ctx, p.Hostname)
	if err != nil {
		return nil, err
	}
	segs := append([]string{p.Namespace, p.Type}, parts...)
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return base.ResolveReference(&url.URL{Path: strings.Join(segs, "/")}), nil
}

// protocolsSupported reports whether a version's plugin protocol list
// ("5.2", "6.0") includes one indigo speaks. An absent list is accepted.
func protocolsSupported(ps []string) bool {
	if len(ps) == 0 {
		return true
	}
	for _, p := range ps {
		major, _, _ := strings.Cut(p, ".")
		if major == "5" || major == "6" {
			return true
		}
	}
	return false
}

func (r *registry) versions(ctx context.Context, p Provider) ([]Version, error) {
	u, err := r.endpoint(ctx, p, "versions")
	if err != nil {
		return nil, err
	}
	var doc struct {
		Versions []struct {
			Version   string   `json:"version"`
			Protocols []string `json:"protocols"`
		} `json:"versions"`
	}
	err = r.fetch.getJSON(ctx, u, &doc)
	if errors.Is(err, errNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("registry %s: %w", hostForDisplay(p.Hostname), err)
	}
	var vs []Version
	for _, e := range doc.Versions {
		v, err := ParseVersion(e.Version)
		if err != nil || !protocolsSupported(e.Protocols) {
			continue
		}
		vs = append(vs, v)
	}
	return vs, nil
}

type downloadResponse struct {
	Protocols           []string `json:"protocols"`
	OS                  string   `json:"os"`
	Arch                string   `json:"arch"`
	Filename            string   `json:"filename"`
	DownloadURL         string   `json:"download_url"`
	SHASumsURL          string   `json:"shasums_url"`
	SHASumsSignatureURL string   `json:"shasums_signature_url"`
	SHASum              string   `json:"shasum"`
	SigningKeys         struct {
		GPGPublicKeys []struct {
			KeyID      string `json:"key_id"`
			ASCIIArmor string `json:"ascii_armor"`
		} `json:"gpg_public_keys"`
	} `json:"signing_keys"`
}

func (r *registry) find(ctx context.Context, p Provider, v Version, plat Platform) (*packageMeta, error) {
	u, err := r.endpoint(ctx, p, v.String(), "download", plat.OS, plat.Arch)
	if err != nil {
		return nil, err
	}
	var d downloadResponse
	err = r.fetch.getJSON(ctx, u, &d)
	if errors.Is(err, errNotFound) {
		return nil, notAvailablef("registry %s has no %s v%s for %s", hostForDisplay(p.Hostname), p.ForDisplay(), v, plat)
	}
	if err != nil {
		return nil, fmt.Errorf("registry %s: %w", hostForDisplay(p.Hostname), err)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("registry %s: %s v%s for %s: %s", hostForDisplay(p.Hostname), p.ForDisplay(), v, plat, fmt.Sprintf(format, args...))
	}
	switch {
	case d.OS != plat.OS || d.Arch != plat.Arch:
		return nil, bad("the registry answered for %s_%s", d.OS, d.Arch)
	case !protocolsSupported(d.Protocols) || len(d.Protocols) == 0:
		return nil, bad("the provider speaks plugin protocol %s; indigo speaks 5 and 6", strings.Join(d.Protocols, ", "))
	case d.Filename == "" || strings.ContainsAny(d.Filename, "/\\"):
		return nil, bad("invalid filename %q", d.Filename)
	case d.DownloadURL == "" || d.SHASumsURL == "" || d.SHASumsSignatureURL == "":
		return nil, bad("the response lacks download_url, shasums_url or shasums_signature_url")
	case len(d.SigningKeys.GPGPublicKeys) == 0:
		return nil, bad("the response lists no signing key")
	}
	download, err := resolve(u, d.DownloadURL)
	if err != nil {
		return nil, bad("%s", err)
	}
	sumsURL, err := resolve(u, d.SHASumsURL)
	if err != nil {
		return nil, bad("%s", err)
	}
	sigURL, err := resolve(u, d.SHASumsSignatureURL)
	if err != nil {
		return nil, bad("%s", err)
	}
	sums, err := r.fetch.get(ctx, sumsURL, maxMetadataSize, false)
	if err != nil {
		return nil, bad("fetching SHA256SUMS: %s", err)
	}
	sig, err := r.fetch.get(ctx, sigURL, maxMetadataSize, false)
	if err != nil {
		return nil, bad("fetching the SHA256SUMS signature: %s", err)
	}

	var keyring openpgp.EntityList
	for _, k := range d.SigningKeys.GPGPublicKeys {
		ents, err := openpgp.ReadArmoredKeyRing(strings.NewReader(k.ASCIIArmor))
		if err != nil {
			return nil, bad("signing key %s: %s", k.KeyID, err)
		}
		keyring = append(keyring, ents...)
	}
	signer, err := openpgp.CheckDetachedSignature(keyring, bytes.NewReader(sums), bytes.NewReader(sig), nil)
	if err != nil {
		return nil, bad("the signature of SHA256SUMS does not verify with the registry's signing keys: %s", err)
	}

	listed, err := parseSHA256Sums(sums)
	if err != nil {
		return nil, bad("%s", err)
	}
	want, ok := listed[d.Filename]
	if !ok {
		return nil, bad("SHA256SUMS does not list %s", d.Filename)
	}
	if d.SHASum != "" {
		if h, err := zipHashFromHex(d.SHASum); err != nil || h != want {
			return nil, bad("the registry's shasum for %s differs from its signed SHA256SUMS", d.Filename)
		}
	}
	meta := &packageMeta{
		provider: p, version: v, platform: plat, method: r.method,
		url:     download.String(),
		wantZip: want,
		keyID:   strings.ToUpper(signer.PrimaryKey.KeyIdString()),
	}
	for name, h := range listed {
		if strings.HasSuffix(name, ".zip") {
			meta.signedHashes = append(meta.signedHashes, h)
		}
	}
	sort.Slice(meta.signedHashes, func(i, j int) bool { return meta.signedHashes[i] < meta.signedHashes[j] })
	return meta, nil
}

// parseSHA256Sums reads a document in the format of sha256sum(1): one
// "HEX  FILENAME" line per file ("HEX *FILENAME" in binary mode).
func parseSHA256Sums(doc []byte) (map[string]Hash, error) {
	out := make(map[string]Hash)
	sc := bufio.NewScanner(bytes.NewReader(doc))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		sum, name, ok := strings.Cut(text, " ")
		name = strings.TrimLeft(name, " *")
		if !ok || name == "" {
			return nil, fmt.Errorf("SHA256SUMS line %d is not \"CHECKSUM  FILENAME\"", line)
		}
		h, err := zipHashFromHex(sum)
		if err != nil {
			return nil, fmt.Errorf("SHA256SUMS line %d: %w", line, err)
		}
		out[name] = h
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading SHA256SUMS: %w", err)
	}
	return out, nil
}
