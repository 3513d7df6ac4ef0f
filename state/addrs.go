package state

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/zclconf/go-cty/cty"
)

// Package config prints every address but parses only resource addresses.
// The parsers state needs for the other kinds live here, next to the only
// code that reads them back; they accept exactly what the String methods
// of package config print (and, for provider configurations, the legacy
// `provider.NAME` form older Terraform state files use).

// addrPart is one NAME or NAME[KEY] of a written address.
type addrPart struct {
	name   string
	key    cty.Value // cty.NilVal when absent
	hasKey bool
}

// splitAddr parses s as an HCL traversal and groups it into names, each
// followed by at most one index.
func splitAddr(s string) ([]addrPart, error) {
	trav, diags := hclsyntax.ParseTraversalAbs([]byte(s), "", hcl.InitialPos)
	if diags.HasErrors() {
		return nil, fmt.Errorf("%q is not a valid address", s)
	}
	var parts []addrPart
	for _, t := range trav {
		switch t := t.(type) {
		case hcl.TraverseRoot:
			parts = append(parts, addrPart{name: t.Name})
		case hcl.TraverseAttr:
			parts = append(parts, addrPart{name: t.Name})
		case hcl.TraverseIndex:
			if len(parts) == 0 || parts[len(parts)-1].hasKey {
				return nil, fmt.Errorf("%q is not a valid address: unexpected index", s)
			}
			parts[len(parts)-1].key = t.Key
			parts[len(parts)-1].hasKey = true
		default:
			return nil, fmt.Errorf("%q is not a valid address", s)
		}
	}
	return parts, nil
}

// moduleSteps consumes leading module.NAME[KEY] and deployment.NAME[KEY]
// pairs from parts, leaving at least keep parts, and returns the module
// instance they name and the remaining parts.
func moduleSteps(s string, parts []addrPart, keep int) (config.ModuleInstance, []addrPart, error) {
	var mod config.ModuleInstance
	for len(parts) >= 2+keep {
		var kind config.StepKind
		switch parts[0].name {
		case "module":
			kind = config.ModuleStep
		case "deployment":
			kind = config.DeploymentStep
		case "storage":
			kind = config.StorageStep
		default:
			return mod, parts, nil
		}
		if parts[0].hasKey {
			return "", nil, fmt.Errorf("%q is not a valid address: %s takes no index", s, parts[0].name)
		}
		var key config.InstanceKey
		if parts[1].hasKey {
			k, err := config.ParseInstanceKey(parts[1].key)
			if err != nil {
				return "", nil, fmt.Errorf("%q is not a valid address: %w", s, err)
			}
			key = k
		}
		mod = mod.Child(kind, parts[1].name, key)
		parts = parts[2:]
	}
	return mod, parts, nil
}

// parseModuleInstance parses a module instance path as printed by
// config.ModuleInstance.String: module.a["x"].deployment.b.
func parseModuleInstance(s string) (config.ModuleInstance, error) {
	if s == "" {
		return config.RootModule, nil
	}
	parts, err := splitAddr(s)
	if err != nil {
		return "", err
	}
	mod, rest, err := moduleSteps(s, parts, 0)
	if err != nil {
		return "", err
	}
	if len(rest) != 0 {
		return "", fmt.Errorf("%q is not a module path: it should consist of module.NAME, deployment.NAME and storage.NAME steps", s)
	}
	return mod, nil
}

// parseObjectAddr parses the address of one of indigo's own objects as
// printed by config.ObjectAddr.String: deployment.galaxy,
// module.m.storage.archive, deployment.galaxy.component.web.
func parseObjectAddr(s string) (config.ObjectAddr, error) {
	parts, err := splitAddr(s)
	if err != nil {
		return config.ObjectAddr{}, err
	}
	mod, rest, err := moduleSteps(s, parts, 2)
	if err != nil {
		return config.ObjectAddr{}, err
	}
	if len(rest) != 2 || rest[0].hasKey || rest[1].hasKey {
		return config.ObjectAddr{}, fmt.Errorf("%q is not an object address like deployment.NAME or storage.NAME", s)
	}
	kind, ok := config.ObjectKindFor(rest[0].name)
	if !ok {
		return config.ObjectAddr{}, fmt.Errorf("%q is not an object address: %q is not a kind of object", s, rest[0].name)
	}
	return config.ObjectAddr{Module: mod, Kind: kind, Name: rest[1].name}, nil
}

// parseProviderConfigAddr parses a provider configuration address as printed
// by config.ProviderConfigAddr.String:
// module.net.provider["registry.terraform.io/hashicorp/aws"].west. The
// legacy form provider.aws.west (Terraform 0.12 state) is also accepted and
// resolved to the implied provider.
func parseProviderConfigAddr(s string) (config.ProviderConfigAddr, error) {
	parts, err := splitAddr(s)
	if err != nil {
		return config.ProviderConfigAddr{}, err
	}
	var path config.ModulePath
	for len(parts) >= 2 && parts[0].name == "module" && !parts[0].hasKey {
		// Provider configurations belong to a static module path; Terraform
		// never writes keys here, and any that appear are ignored.
		path = path.Child(config.ModuleStep, parts[1].name)
		parts = parts[2:]
	}
	if len(parts) == 0 || parts[0].name != "provider" {
		return config.ProviderConfigAddr{}, fmt.Errorf("%q is not a provider configuration address like provider[\"registry.terraform.io/hashicorp/aws\"]", s)
	}
	addr := config.ProviderConfigAddr{Module: path}
	first := parts[0]
	parts = parts[1:]
	switch {
	case first.hasKey:
		if first.key.Type() != cty.String || first.key.IsNull() {
			return config.ProviderConfigAddr{}, fmt.Errorf("%q: the provider source must be a string", s)
		}
		p, err := config.ParseProviderSource(first.key.AsString())
		if err != nil {
			return config.ProviderConfigAddr{}, fmt.Errorf("%q: %w", s, err)
		}
		addr.Provider = p
	case len(parts) > 0 && !parts[0].hasKey:
		addr.Provider = config.ImpliedProvider(parts[0].name)
		parts = parts[1:]
	default:
		return config.ProviderConfigAddr{}, fmt.Errorf("%q does not name a provider", s)
	}
	if len(parts) == 1 {
		addr.Alias = parts[0].name
		if parts[0].hasKey {
			// An instance of a provider configuration with for_each.
			k, err := config.ParseInstanceKey(parts[0].key)
			if err != nil {
				return config.ProviderConfigAddr{}, fmt.Errorf("%q: %w", s, err)
			}
			addr.Key = k
		}
		parts = parts[1:]
	}
	if len(parts) != 0 {
		return config.ProviderConfigAddr{}, fmt.Errorf("%q has unexpected parts after the provider", s)
	}
	return addr, nil
}

// parseResourceAddr parses a whole-resource address, wrapping the
// diagnostics of package config into an error.
func parseResourceAddr(s string) (config.AbsResource, error) {
	a, diags := config.ParseAbsResource(s)
	if diags.HasErrors() {
		return config.AbsResource{}, fmt.Errorf("%q is not a valid resource address", s)
	}
	return a, nil
}

// parseInstanceAddr parses a resource instance address, wrapping the
// diagnostics of package config into an error.
func parseInstanceAddr(s string) (config.InstanceAddr, error) {
	a, diags := config.ParseInstanceAddr(s)
	if diags.HasErrors() {
		return config.InstanceAddr{}, fmt.Errorf("%q is not a valid resource instance address", s)
	}
	return a, nil
}
