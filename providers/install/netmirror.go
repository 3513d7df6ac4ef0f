package install

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// netMirror speaks the provider network mirror protocol:
//
//	GET BASE/HOSTNAME/NAMESPACE/TYPE/index.json   {"versions": {"1.2.3": {}}}
//	GET BASE/HOSTNAME/NAMESPACE/TYPE/VERSION.json {"archives": {"linux_amd64":
//	                                                {"url": "...", "hashes": ["h1:..."]}}}
//
// Archive URLs are relative to the document that lists them.
type netMirror struct {
	method Method
	base   *url.URL
	fetch  *fetcher
}

func newNetMirror(m Method, f *fetcher) (*netMirror, error) {
	base, err := url.Parse(m.Location)
	if err != nil {
		return nil, fmt.Errorf("%s: invalid URL: %w", m, err)
	}
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	return &netMirror{method: m, base: base, fetch: f}, nil
}

func (n *netMirror) providerURL(p Provider, file string) *url.URL {
	rel := &url.URL{Path: strings.Join([]string{p.Hostname, p.Namespace, p.Type, file}, "/")}
	return n.base.ResolveReference(rel)
}

func (n *netMirror) versions(ctx context.Context, p Provider) ([]Version, error) {
	var doc struct {
		Versions map[string]struct{} `json:"versions"`
	}
	err := n.fetch.getJSON(ctx, n.providerURL(p, "index.json"), &doc)
	if errors.Is(err, errNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", n.method, err)
	}
	var vs []Version
	for s := range doc.Versions {
		if v, err := ParseVersion(s); err == nil {
			vs = append(vs, v)
		}
	}
	return vs, nil
}

func (n *netMirror) find(ctx context.Context, p Provider, v Version, plat Platform) (*packageMeta, error) {
	docURL := n.providerURL(p, v.String()+".json")
	var doc struct {
		Archives map[string]struct {
			URL    string   `json:"url"`
			Hashes []string `json:"hashes"`
		} `json:"archives"`
	}
	err := n.fetch.getJSON(ctx, docURL, &doc)
	if errors.Is(err, errNotFound) {
		return nil, notAvailablef("%s has no %s v%s", n.method, p.ForDisplay(), v)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", n.method, err)
	}
	a, ok := doc.Archives[plat.String()]
	if !ok {
		var have []string
		for k := range doc.Archives {
			have = append(have, k)
		}
		sort.Strings(have)
		return nil, notAvailablef("%s has %s v%s only for %s", n.method, p.ForDisplay(), v, strings.Join(have, ", "))
	}
	u, err := resolve(docURL, a.URL)
	if err != nil {
		return nil, fmt.Errorf("%s: %s v%s: %w", n.method, p.ForDisplay(), v, err)
	}
	meta := &packageMeta{provider: p, version: v, platform: plat, method: n.method, url: u.String()}
	for _, s := range a.Hashes {
		h, err := ParseHash(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %s v%s: %w", n.method, p.ForDisplay(), v, err)
		}
		meta.wantAny = append(meta.wantAny, h)
	}
	meta.wantAny = knownHashes(meta.wantAny)
	return meta, nil
}
