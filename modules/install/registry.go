package install

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	svchost "github.com/hashicorp/terraform-svchost"

	"github.com/indigo-cloud/indigo/lang/modsrc"
	provinstall "github.com/indigo-cloud/indigo/providers/install"
)

// modulesService is the service discovery ID of the module registry
// protocol.
const modulesService = "modules.v1"

// maxDocument bounds the JSON documents a registry returns.
const maxDocument = 8 << 20

// registryLocation speaks the module registry protocol:
//
//	GET https://HOST/.well-known/terraform.json  {"modules.v1": "/v1/modules/"}
//	GET BASE/NAMESPACE/NAME/SYSTEM/versions
//	GET BASE/NAMESPACE/NAME/SYSTEM/VERSION/download  → X-Terraform-Get
//
// and returns the source the registry points at, with the version chosen:
// the newest that cons allows.
func (r *run) registryLocation(src modsrc.Source, cons provinstall.Constraints) (modsrc.Source, provinstall.Version, error) {
	var none provinstall.Version
	host := string(src.Module.Host)
	base, err := r.discover(host)
	if err != nil {
		return modsrc.Source{}, none, err
	}
	pkg := base.ResolveReference(&url.URL{Path: src.Module.Namespace + "/" + src.Module.Name + "/" + src.Module.TargetSystem + "/"})
	var doc struct {
		Modules []struct {
			Versions []struct {
				Version string `json:"version"`
			} `json:"versions"`
		} `json:"modules"`
	}
	vurl := pkg.ResolveReference(&url.URL{Path: "versions"})
	// The token is the registry host's, wherever discovery points.
	tok := r.in.Credentials[host]
	resp, body, err := r.get(vurl, tok)
	if err != nil {
		return modsrc.Source{}, none, fmt.Errorf("the registry %s cannot be reached: %s. Check the network, or run init again when it is back", hostDisplay(host), err)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return modsrc.Source{}, none, fmt.Errorf("the registry %s has no module %s. Check the namespace, name and target system of the source", hostDisplay(host), src.Module.ForRegistryProtocol())
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return modsrc.Source{}, none, fmt.Errorf("the registry %s refused %s (%s): give a token in a credentials \"%s\" block of the CLI configuration or in TF_TOKEN_%s", hostDisplay(host), vurl.Redacted(), resp.Status, host, tokenVar(host))
	case resp.StatusCode/100 != 2:
		return modsrc.Source{}, none, fmt.Errorf("the registry %s answered %s for %s", hostDisplay(host), resp.Status, vurl.Redacted())
	}
	if err := json.Unmarshal(body, &doc); err != nil || len(doc.Modules) == 0 {
		return modsrc.Source{}, none, fmt.Errorf("the registry %s sent an invalid version list for %s", hostDisplay(host), src.Module.ForRegistryProtocol())
	}
	var vs []provinstall.Version
	var listed []string
	for _, v := range doc.Modules[0].Versions {
		pv, err := provinstall.ParseVersion(v.Version)
		if err != nil {
			continue
		}
		vs = append(vs, pv)
		listed = append(listed, v.Version)
	}
	chosen, ok := cons.Newest(vs)
	if !ok {
		return modsrc.Source{}, none, fmt.Errorf("no version of %s matches the constraint %q (the registry has %s). Change the version argument", src.Module.ForDisplay(), cons.String(), strings.Join(listed, ", "))
	}
	durl := pkg.ResolveReference(&url.URL{Path: chosen.String() + "/download"})
	resp, body, err = r.get(durl, tok)
	if err != nil {
		return modsrc.Source{}, none, fmt.Errorf("the registry %s cannot be reached: %s", hostDisplay(host), err)
	}
	loc := resp.Header.Get("X-Terraform-Get")
	if loc == "" && resp.StatusCode == http.StatusOK {
		var d struct {
			Location string `json:"location"`
		}
		if json.Unmarshal(body, &d) == nil {
			loc = d.Location
		}
	}
	if resp.StatusCode/100 != 2 || loc == "" {
		return modsrc.Source{}, none, fmt.Errorf("the registry %s did not say where %s %s is (%s, no X-Terraform-Get header)", hostDisplay(host), src.Module.ForDisplay(), chosen, resp.Status)
	}
	target, err := resolveLocation(durl, loc)
	if err != nil {
		return modsrc.Source{}, none, fmt.Errorf("the registry %s points %s %s at %q: %s", hostDisplay(host), src.Module.ForDisplay(), chosen, loc, err)
	}
	if target.Kind == modsrc.Registry || target.Kind == modsrc.Local {
		return modsrc.Source{}, none, fmt.Errorf("the registry %s points %s %s at %q, which is not a package location", hostDisplay(host), src.Module.ForDisplay(), chosen, loc)
	}
	return target, chosen, nil
}

// resolveLocation parses a download location, which may be relative to
// the download URL.
func resolveLocation(base *url.URL, loc string) (modsrc.Source, error) {
	if strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "./") || strings.HasPrefix(loc, "../") {
		u, err := base.Parse(loc)
		if err != nil {
			return modsrc.Source{}, err
		}
		loc = u.String()
	}
	return modsrc.Parse(loc)
}

// discover returns the modules.v1 URL of host.
func (r *run) discover(host string) (*url.URL, error) {
	disco := &url.URL{Scheme: "https", Host: host, Path: "/.well-known/terraform.json"}
	var raw string
	if s, ok := r.in.Services[host]; ok {
		raw = s[modulesService]
	} else {
		resp, body, err := r.get(disco, "")
		if err != nil {
			return nil, fmt.Errorf("the registry %s cannot be reached: %s. Check the network and the hostname, or run init again when it is back", hostDisplay(host), err)
		}
		if resp.StatusCode/100 != 2 {
			return nil, fmt.Errorf("%s is not a module registry: service discovery at %s answered %s", hostDisplay(host), disco, resp.Status)
		}
		var services map[string]any
		if err := json.Unmarshal(body, &services); err != nil {
			return nil, fmt.Errorf("%s is not a module registry: %s is not a service discovery document", hostDisplay(host), disco)
		}
		raw, _ = services[modulesService].(string)
	}
	if raw == "" {
		return nil, fmt.Errorf("%s does not offer a module registry (no %s service)", hostDisplay(host), modulesService)
	}
	u, err := disco.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: invalid %s URL %q", hostDisplay(host), modulesService, raw)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// get fetches u, with the bearer token tok when set; the body is read
// whatever the status.
func (r *run) get(u *url.URL, tok provinstall.Token) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(r.ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("User-Agent", "indigo")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+string(tok))
	}
	resp, err := r.in.client().Do(req)
	if err != nil {
		return nil, nil, unwrapURLError(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument))
	return resp, body, err
}

func hostDisplay(h string) string {
	if hh, err := svchost.ForComparison(h); err == nil {
		return hh.ForDisplay()
	}
	return h
}

// tokenVar is the TF_TOKEN_ variable name for host.
func tokenVar(host string) string {
	return strings.NewReplacer(".", "_", "-", "__", ":", "_").Replace(host)
}
