package planner

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/eval"
	"github.com/indigo-cloud/indigo/state"
)

// Provider for_each (OpenTofu 1.9). A provider block with for_each is one
// configuration, one graph node, and one provider process per key: the
// node evaluates for_each (it must be known when planning) and configures
// every instance with its each.key and each.value. A resource chooses an
// instance per resource instance (provider = aws.by_region[each.key]), or
// gets one chosen by the module call that passes it or the site it is
// placed on. The state records, per object, the key of the instance that
// manages it (state.Object.ProviderKey), so the object can be read and
// deleted by the same instance after the configuration stops choosing it;
// while objects still need an instance whose key is gone from for_each,
// planning fails and says to remove (or move) them first.

// providerKeyRef says where the instance key of a resource's provider
// comes from.
type providerKeyRef struct {
	// expr is the key expression; nil when the configuration has
	// for_each but nothing chooses an instance (an error).
	expr hcl.Expression
	// cfg is the module the expression is written in.
	cfg *config.Config
	// own is set for the resource's own provider argument: the expression
	// is evaluated with the resource instance's count or for_each.
	own bool
	// up is how many module instance steps above the resource's module
	// instance the expression is evaluated (a module call's providers,
	// a site); iterAt is the step whose count or for_each is in scope
	// there (the called module instance), -1 for none.
	up, iterAt int
}

// providerEach is the provider set's record of configurations with
// for_each.
type providerEach struct {
	// refs are the key references of resources whose provider is
	// repeated, by resource node key. Written while the graph is built,
	// read-only during the walk.
	refs map[string]*providerKeyRef
	mu   sync.Mutex
	// keys are the instance keys each configuration with for_each
	// evaluated to, once its node has run.
	keys map[config.ProviderConfigAddr][]config.InstanceKey
	// decls are the declarations of those configurations, for locating
	// errors.
	decls map[config.ProviderConfigAddr]*config.ProviderConfig
}

func (e *providerEach) setRef(resKey string, kref *providerKeyRef) {
	if e.refs == nil {
		e.refs = map[string]*providerKeyRef{}
	}
	e.refs[resKey] = kref
}

// instanceKeys returns the keys of configuration addr and whether it has
// for_each and was configured.
func (e *providerEach) instanceKeys(addr config.ProviderConfigAddr) ([]config.InstanceKey, *config.ProviderConfig, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	keys, ok := e.keys[addr]
	return keys, e.decls[addr], ok
}

// checkProviderKeyRef checks that a resource's reference matches the
// configuration it resolved to: a configuration with for_each needs an
// instance key, one without takes none. It returns the key reference to
// keep (nil when the configuration has no for_each).
func (r *run) checkProviderKeyRef(res *config.Resource, addr config.ProviderConfigAddr, ref config.LocalProviderRef, kref *providerKeyRef) (*providerKeyRef, hcl.Diagnostics) {
	decl := r.providerDecl(addr)
	repeated := decl != nil && decl.ForEach != nil
	switch {
	case repeated && kref == nil:
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Provider instance not chosen",
			Detail:   fmt.Sprintf("%s uses provider %s, which has for_each: choose one of its instances with a key, e.g. provider = %s[each.key] (or, through a module call, providers = { %s = %s[each.key] }).", res.Addr(), providerDisplay(addr, decl), ref, ref.LocalName, ref),
			Subject:  providerRange(res),
		}}
	case !repeated && kref != nil:
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Provider configuration has no instances",
			Detail:   fmt.Sprintf("%s chooses an instance of provider %s, which has no for_each: remove the key, or add for_each to the provider block.", res.Addr(), providerDisplay(addr, decl)),
			Subject:  kref.expr.Range().Ptr(),
		}}
	}
	return kref, nil
}

// configureEach evaluates a provider configuration's for_each and
// configures one provider instance per key.
func (r *run) configureEach(ctx context.Context, addr config.ProviderConfigAddr, decl *config.ProviderConfig) hcl.Diagnostics {
	ex, diags := expandKeys(r.scope(addr.Module.UnkeyedInstance(), emptyIteration()), nil, decl.ForEach, addr.String())
	if diags.HasErrors() {
		return diags
	}
	e := &r.providers.each
	e.mu.Lock()
	if e.keys == nil {
		e.keys = map[config.ProviderConfigAddr][]config.InstanceKey{}
		e.decls = map[config.ProviderConfigAddr]*config.ProviderConfig{}
	}
	e.keys[addr], e.decls[addr] = ex.keys, decl
	e.mu.Unlock()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, key := range ex.keys {
		it := ex.iters[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := r.configureInstance(ctx, addr.Instance(key), decl, it)
			mu.Lock()
			diags = append(diags, d...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return diags
}

// providerInstances returns the instances of configuration addr: its
// keyed instances when it has for_each, addr itself otherwise.
func (r *run) providerInstances(addr config.ProviderConfigAddr) []config.ProviderConfigAddr {
	keys, _, ok := r.providers.each.instanceKeys(addr)
	if !ok {
		return []config.ProviderConfigAddr{addr}
	}
	out := make([]config.ProviderConfigAddr, len(keys))
	for i, k := range keys {
		out[i] = addr.Instance(k)
	}
	return out
}

// schemaProvider returns a running provider of configuration prov to read
// the schema from: prov itself, or for a configuration with for_each its
// first instance (the others run the same binary).
func (r *run) schemaProvider(ctx context.Context, prov config.ProviderConfigAddr) (*providerInstance, error) {
	if keys, _, ok := r.providers.each.instanceKeys(prov); ok && len(keys) > 0 {
		return r.providers.get(ctx, prov.Instance(keys[0]))
	}
	return r.providers.get(ctx, prov)
}

// configuredProvider returns the running instance addr names; an instance
// of a configuration with for_each must be one its for_each makes now.
func (r *run) configuredProvider(ctx context.Context, addr config.ProviderConfigAddr, inst *providerInstance) (*providerInstance, error) {
	if addr.Key == config.NoKey {
		if inst != nil {
			return inst, nil
		}
		return r.providers.get(ctx, addr)
	}
	keys, _, ok := r.providers.each.instanceKeys(addr.Config())
	if !ok || !slices.Contains(keys, addr.Key) {
		return nil, fmt.Errorf("%s is not configured: its for_each no longer has the key %s", addr, strings.Trim(addr.Key.String(), "[]"))
	}
	return r.providers.get(ctx, addr)
}

// resourceInstanceProvider returns the provider instance that manages
// resource instance addr (with iteration it) of the resource node resKey
// whose configuration is prov: prov itself, or the instance its key
// reference chooses.
func (r *run) resourceInstanceProvider(ctx context.Context, resKey string, prov config.ProviderConfigAddr, inst *providerInstance, addr config.InstanceAddr, it eval.Iteration) (config.ProviderConfigAddr, *providerInstance, hcl.Diagnostics) {
	kref := r.providers.each.refs[resKey]
	if kref == nil {
		return prov, inst, nil
	}
	sc := r.scope(addr.Module, it)
	if !kref.own {
		mi := addr.Module
		var at config.ModuleInstance
		for i := 0; i < kref.up; i++ {
			if i == kref.iterAt {
				at = mi
			}
			mi, _ = mi.Parent()
		}
		iter := emptyIteration()
		if kref.iterAt >= 0 {
			iter = r.store.iteration(at)
		}
		sc = r.scope(mi, iter)
	}
	v, diags := sc.EvalExpr(kref.expr, cty.DynamicPseudoType)
	if diags.HasErrors() {
		return prov, nil, diags
	}
	v, _ = v.Unmark()
	if !v.IsKnown() {
		return prov, nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Provider instance key not known",
			Detail:   fmt.Sprintf("The key that chooses the instance of provider %s for %s depends on values only known after apply. Use each.key, count.index, variables or locals.", prov, addr),
			Subject:  kref.expr.Range().Ptr(),
		}}
	}
	if v.Type() == cty.Number {
		// Provider instances are keyed by strings, as for_each makes them.
		if sv, err := convert.Convert(v, cty.String); err == nil {
			v = sv
		}
	}
	key, err := config.ParseInstanceKey(v)
	if err != nil || v.Type() != cty.String {
		return prov, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid provider instance key", Detail: fmt.Sprintf("The instance key of provider %s must be a string, as its for_each makes them.", prov), Subject: kref.expr.Range().Ptr()}}
	}
	keys, decl, _ := r.providers.each.instanceKeys(prov)
	if !slices.Contains(keys, key) {
		return prov, nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Provider instance not found",
			Detail:   fmt.Sprintf("%s needs provider %s, but its for_each has no key %q (it has %s). Add the key to the provider's for_each, or choose another instance.", addr, providerDisplay(prov.Instance(key), decl), string(key.(config.StringKey)), keyList(keys)),
			Subject:  kref.expr.Range().Ptr(),
		}}
	}
	iprov := prov.Instance(key)
	iinst, err := r.providers.get(ctx, iprov)
	if err != nil {
		return iprov, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Provider did not start", Detail: err.Error(), Subject: kref.expr.Range().Ptr()}}
	}
	return iprov, iinst, nil
}

// objectProvider returns the provider instance that manages the recorded
// object obj of addr, whose resource's configuration is prov: the instance
// the state records. Its key must still be in the configuration's
// for_each: deleting or reading the object needs it.
func (r *run) objectProvider(ctx context.Context, prov config.ProviderConfigAddr, inst *providerInstance, addr config.InstanceAddr, obj *state.Object) (config.ProviderConfigAddr, *providerInstance, hcl.Diagnostics) {
	if obj == nil {
		return prov, inst, nil
	}
	if obj.ProviderKey == config.NoKey {
		keys, decl, each := r.providers.each.instanceKeys(prov.Config())
		if !each || prov.Key != config.NoKey {
			// No for_each, or the configuration chose an instance.
			return prov, inst, nil
		}
		// Recorded before the configuration had for_each: no instance
		// is known to manage it, and guessing one would read or delete
		// in the wrong place.
		return prov, nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Provider instance not recorded",
			Detail: fmt.Sprintf("%s was recorded before provider %s had for_each, so the state does not say which of its instances (%s) manages it. Declare it again with provider = %s[KEY] naming the instance that manages it and apply (which records the instance), then remove it; or, if it no longer exists, run `indigo state rm %s`.",
				addr, providerDisplay(prov, decl), keyList(keys), providerDisplay(prov, decl), addr),
			Subject: decl.ForEach.Range().Ptr(),
		}}
	}
	iprov := prov.Config().Instance(obj.ProviderKey)
	keys, decl, _ := r.providers.each.instanceKeys(iprov.Config())
	if !slices.Contains(keys, obj.ProviderKey) {
		var rng *hcl.Range
		if decl != nil {
			rng = decl.ForEach.Range().Ptr()
		} else if decl = r.providerDecl(iprov.Config()); decl != nil {
			rng = decl.DeclRange.Ptr()
		}
		return iprov, nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Provider instance still in use",
			Detail: fmt.Sprintf("%s is managed by provider %s, whose key is no longer in the provider's for_each. indigo needs that instance to destroy it: first remove %s from the configuration (or move it to another instance) and apply, keeping the key; then remove the key.",
				addr, providerDisplay(iprov, decl), addr),
			Subject: rng,
		}}
	}
	iinst, err := r.providers.get(ctx, iprov)
	if err != nil {
		return iprov, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Provider did not start", Detail: err.Error()}}
	}
	return iprov, iinst, nil
}

// checkSameInstance refuses to plan an existing object of addr through
// prov when the state records that another instance of the same provider
// configuration manages it: reading or updating it through prov would look
// in the wrong place (another region, another root) and leave the object
// where it is, unmanaged. An object recorded without a key (written before
// the configuration had for_each) is adopted by the instance chosen now.
func (r *run) checkSameInstance(res *config.Resource, resKey string, prov config.ProviderConfigAddr, addr config.InstanceAddr, obj *state.Object) hcl.Diagnostics {
	if obj == nil || obj.ProviderKey == config.NoKey || obj.ProviderKey == prov.Key {
		return nil
	}
	if rs := r.prior.Resource(addr.ContainingResource()); rs == nil || rs.Provider != prov.Config() {
		// Another provider configuration altogether (a changed alias, a
		// moved block): as without for_each, the one the configuration
		// names now manages the object.
		return nil
	}
	rng := providerRange(res)
	if kref := r.providers.each.refs[resKey]; kref != nil && kref.expr != nil {
		rng = kref.expr.Range().Ptr()
	}
	was := prov.Config().Instance(obj.ProviderKey)
	_, decl, _ := r.providers.each.instanceKeys(prov.Config())
	if decl == nil {
		decl = r.providerDecl(prov.Config())
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Provider instance changed",
		Detail: fmt.Sprintf("%s is managed by provider %s, but the configuration now chooses %s. indigo does not move an object between provider instances: choose %s again, or remove %s from the configuration and apply (its old instance destroys it) before adding it back with the new instance.",
			addr, providerDisplay(was, decl), providerDisplay(prov, decl), providerDisplay(was, decl), addr),
		Subject: rng,
	}}
}

// providerDisplay prints a provider instance the way the configuration
// refers to it (indigo.by_root["east"]) when its block is known.
func providerDisplay(addr config.ProviderConfigAddr, decl *config.ProviderConfig) string {
	if decl == nil {
		return addr.String()
	}
	s := decl.Name
	if decl.Alias != "" {
		s += "." + decl.Alias
	}
	if addr.Module != config.RootPath {
		s = string(addr.Module) + "." + s
	}
	return s + config.KeyString(addr.Key)
}

// providerRange is where a resource names its provider, or the resource
// itself when it does not.
func providerRange(res *config.Resource) *hcl.Range {
	if res.ProviderRef != nil && res.ProviderRange.Filename != "" {
		return res.ProviderRange.Ptr()
	}
	return res.DeclRange.Ptr()
}

// keyList prints instance keys for a message: "east", "west" (or none).
func keyList(keys []config.InstanceKey) string {
	if len(keys) == 0 {
		return "none"
	}
	have := make([]string, len(keys))
	for i, k := range keys {
		have[i] = strings.Trim(k.String(), "[]")
	}
	return strings.Join(have, ", ")
}

// importProvider returns the provider instance that manages addr, an
// instance of res being imported: for a configuration with for_each, the
// one res's key reference chooses for it.
func (r *run) importProvider(ctx context.Context, c *config.Config, res *config.Resource, prov config.ProviderConfigAddr, inst *providerInstance, addr config.InstanceAddr) (config.ProviderConfigAddr, *providerInstance, hcl.Diagnostics) {
	resKey := keyResource(c.Path, res.Addr())
	if r.providers.each.refs[resKey] == nil {
		return prov, inst, nil
	}
	ex, diags := expandKeys(r.scope(addr.Module, emptyIteration()), res.Count, res.ForEach, addr.ContainingResource().String())
	if diags.HasErrors() {
		return prov, nil, diags
	}
	for i, k := range ex.keys {
		if k == addr.Key {
			return r.resourceInstanceProvider(ctx, resKey, prov, inst, addr, ex.iters[i])
		}
	}
	return prov, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Import into an undeclared instance", Detail: fmt.Sprintf("The count or for_each of %s does not make %s.", addr.ContainingResource(), addr), Subject: res.DeclRange.Ptr()}}
}
