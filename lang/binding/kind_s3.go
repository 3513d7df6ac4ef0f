package binding

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/units"
)

func init() {
	Register(&Kind{
		Name: "s3",
		Doc: "An S3 endpoint (MinIO is the reference): each storage copy is a versioned bucket, copies are kept by " +
			"bucket replication from the primary, lifecycle rules become S3 lifecycle rules, size a bucket quota.",
		DefaultProvider: config.BuiltinProvider,
		Settings: []Setting{
			{Name: "endpoint", Type: cty.String, Required: true, Doc: "the endpoint's URL, http://host:port or https://host:port"},
			{Name: "access_key", Type: cty.String, Sensitive: true, Doc: "the access key; default the environment's AWS_ACCESS_KEY_ID"},
			{Name: "secret_key", Type: cty.String, Sensitive: true, Doc: "the secret key; default the environment's AWS_SECRET_ACCESS_KEY"},
			{Name: "region", Type: cty.String, Doc: "the endpoint's region (default us-east-1)"},
			{Name: "media", Type: cty.List(cty.String), Doc: "the media its buckets are on (default [\"disk\"]), matched against qos media"},
			{Name: "latency", Type: cty.String, Doc: "its access class: online (default), nearline or offline, matched against qos latency"},
			{Name: "storage_classes", Type: cty.List(cty.String), Doc: "the storage classes it offers (default [\"STANDARD\"]); qos redundancy picks one"},
			{Name: "max_size", Type: cty.String, Doc: "the largest size a storage may ask of it, a quantity such as \"100TiB\" (default: no limit)"},
			{Name: "bucket_prefix", Type: cty.String, Doc: "the first part of bucket names (default \"indigo\")"},
			{Name: "tiers", Type: cty.Map(tierType), Doc: "where lifecycle transitions go, by tier name: { TAPE = { site = \"c\", media = [\"tape\"], latency = \"nearline\" } }, site being another s3 site of the module that stores the tier's data"},
		},
		Storage:  s3Storage,
		Provider: s3Provider,
		Check:    s3Check,
	})
}

// S3Bucket is the name of the bucket that holds st's copy on site: the
// site's bucket prefix ("indigo"), the storage's name and the site's name,
// lower-cased, with every character S3 does not allow made a hyphen, at
// most 63 characters.
func S3Bucket(st *Storage, site Site) string {
	prefix := site.Setting("bucket_prefix")
	if prefix == "" {
		prefix = "indigo"
	}
	var b strings.Builder
	for _, r := range strings.ToLower(prefix + "-" + st.Addr.Name + "-" + site.Name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	name := strings.Trim(b.String(), "-")
	if len(name) > 63 {
		name = strings.TrimRight(name[:63], "-")
	}
	for len(name) < 3 {
		name += "0"
	}
	return name
}

// s3Storage: a copy is a versioned bucket tagged with the storage's
// address; the primary's bucket replicates to every other copy; lifecycle
// rules are the bucket's S3 lifecycle configuration.
func s3Storage(b *StorageBinder) {
	st, site := b.Storage(), b.Site()
	bucketRes := b.Name("bucket")
	attrs := map[string]hcl.Expression{
		"name":          b.String(S3Bucket(st, site)),
		"versioning":    b.Value(cty.True),
		"tags":          b.Value(cty.MapVal(map[string]cty.Value{"indigo-storage": cty.StringVal(st.Addr.String())})),
		"force_destroy": b.Value(cty.BoolVal(st.ForceDestroy)),
	}
	if st.QoS.Size > 0 {
		attrs["quota"] = b.Value(cty.NumberIntVal(int64(math.Ceil(st.QoS.Size))))
	}
	b.Resource("indigo_s3_bucket", bucketRes, attrs)
	b.SetAttribute("bucket", b.Ref("indigo_s3_bucket", bucketRes, "name"))
	b.SetAttribute("endpoint", b.String(site.Setting("endpoint")))

	if b.Copy() == 0 {
		for _, replica := range st.Copies[1:] {
			if replica.Kind != site.Kind {
				b.Errorf("Copies on different kinds of site", "%s has its primary copy on the s3 site %s and a copy on the %s site %s; S3 replication reaches S3 sites only. Place every copy on s3 sites.", st.Addr, site.Name, replica.Kind, replica.Name)
				continue
			}
			rattrs := map[string]hcl.Expression{
				"bucket":        b.Ref("indigo_s3_bucket", bucketRes, "name"),
				"target":        b.String(replica.Name),
				"target_bucket": b.Ref("indigo_s3_bucket", Name("bucket_"+replica.Name), "name"),
			}
			if st.QoS.Redundancy != "" {
				rattrs["storage_class"] = b.String(st.QoS.Redundancy)
			}
			b.Resource("indigo_s3_replication", Name("replica_"+replica.Name), rattrs)
		}
	}

	var rules []*hclsyntax.Block
	for i, lr := range st.Lifecycle {
		days, whole := wholeDays(lr)
		if !whole {
			b.ErrorAt(lr.Range, "Lifecycle delay shorter than a day",
				"S3 counts lifecycle delays in whole days, and %s has a copy on the s3 site %s: write after as a number of days, such as \"30d\".", st.Addr, site.Name)
			continue
		}
		r := map[string]hcl.Expression{"id": b.String(fmt.Sprintf("indigo-%d", i+1))}
		if len(lr.Transition) > 0 {
			tierName, tier, ok := findTier(site, lr.Transition)
			store, known := st.Sites[tier.site]
			if !ok || !known {
				continue // s3Check rejected the site
			}
			// The tier's data goes to a bucket of the tier's site, under a
			// tier of this site's server named for the tier and the storage.
			name := strings.ToUpper(Name(tierName + "_" + st.Addr.Name))
			storeRes := Name("tier_" + tierName + "_" + site.Name)
			b.ResourceOn(store, "indigo_s3_bucket", storeRes, map[string]hcl.Expression{
				"name":          b.String(S3Bucket(st, store) + "-tier-" + strings.ToLower(Name(tierName))),
				"versioning":    b.Value(cty.False),
				"tags":          b.Value(cty.MapVal(map[string]cty.Value{"indigo-storage": cty.StringVal(st.Addr.String()), "indigo-tier-of": cty.StringVal(site.Name)})),
				"force_destroy": b.Value(cty.BoolVal(st.ForceDestroy)),
			})
			tierRes := Name("tier_" + tierName + "_" + site.Name)
			b.Resource("indigo_s3_tier", tierRes, map[string]hcl.Expression{
				"name":   b.String(name),
				"remote": b.String(store.Name),
				"bucket": b.Ref("indigo_s3_bucket", storeRes, "name"),
			})
			r["transition_days"] = b.Value(cty.NumberIntVal(days))
			r["transition_storage_class"] = b.Ref("indigo_s3_tier", tierRes, "name")
			if lr.Prefix != "" {
				r["prefix"] = b.String(lr.Prefix)
			}
			rules = append(rules, b.Block("rule", r))
			continue
		}
		if lr.Prefix != "" {
			r["prefix"] = b.String(lr.Prefix)
		}
		if lr.Expire && lr.Noncurrent {
			r["noncurrent_expiration_days"] = b.Value(cty.NumberIntVal(days))
		} else if lr.Expire {
			r["expiration_days"] = b.Value(cty.NumberIntVal(days))
		}
		rules = append(rules, b.Block("rule", r))
	}
	if len(rules) > 0 {
		b.Resource("indigo_s3_lifecycle", b.Name("lifecycle"), map[string]hcl.Expression{
			"bucket": b.Ref("indigo_s3_bucket", bucketRes, "name"),
		}, rules...)
	}
}

func wholeDays(lr LifecycleRule) (int64, bool) {
	if lr.After%units.Day != 0 || lr.After <= 0 {
		return 0, false
	}
	return int64(lr.After / units.Day), true
}

// s3Check says why a site cannot hold a copy of st: what the storage asks
// that the site does not offer.
func s3Check(st *Storage, site Site) []string {
	why := offerCheck(st, site)
	classes := settingList(site.Settings, "storage_classes")
	if len(classes) == 0 {
		classes = []string{"STANDARD"}
	}
	if st.QoS.Redundancy != "" && !slices.Contains(classes, st.QoS.Redundancy) {
		why = append(why, fmt.Sprintf("offers the storage classes %s, not %s", strings.Join(classes, ", "), st.QoS.Redundancy))
	}
	for _, lr := range st.Lifecycle {
		if len(lr.Transition) == 0 {
			continue
		}
		name, tier, ok := findTier(site, lr.Transition)
		switch {
		case !ok:
			why = append(why, fmt.Sprintf("has no tier offering %s (its tiers setting names where transitions go)", describeTransition(lr.Transition)))
		case st.Sites != nil && st.Sites[tier.site].Kind != "s3":
			why = append(why, fmt.Sprintf("its tier %s is on %q, which is not an s3 site of this module", name, tier.site))
		}
	}
	return why
}

var tierType = cty.ObjectWithOptionalAttrs(map[string]cty.Type{
	"site":    cty.String,
	"media":   cty.List(cty.String),
	"latency": cty.String,
}, []string{"media", "latency"})

type tier struct {
	site    string
	media   []string
	latency string
}

// findTier returns the first tier (by name) of the site that offers what
// a transition asks: one of its media, and its latency.
func findTier(site Site, transition map[string]cty.Value) (string, tier, bool) {
	if site.Settings == cty.NilVal || site.Settings.IsNull() || !site.Settings.Type().HasAttribute("tiers") {
		return "", tier{}, false
	}
	tiers, _ := site.Settings.GetAttr("tiers").UnmarkDeep()
	if tiers.IsNull() || !tiers.IsWhollyKnown() {
		return "", tier{}, false
	}
	var wantMedia []string
	if m, ok := transition["media"]; ok {
		m, _ = m.UnmarkDeep()
		if m.CanIterateElements() {
			for _, x := range m.AsValueSlice() {
				if x.Type() == cty.String && !x.IsNull() {
					wantMedia = append(wantMedia, x.AsString())
				}
			}
		}
	}
	wantLatency := ""
	if l, ok := transition["latency"]; ok {
		l, _ = l.UnmarkDeep()
		if l.Type() == cty.String && !l.IsNull() {
			wantLatency = l.AsString()
		}
	}
	m := tiers.AsValueMap()
	for _, name := range slices.Sorted(maps.Keys(m)) {
		v := m[name]
		t := tier{site: v.GetAttr("site").AsString()}
		if x := v.GetAttr("latency"); !x.IsNull() {
			t.latency = x.AsString()
		}
		if x := v.GetAttr("media"); !x.IsNull() {
			for _, e := range x.AsValueSlice() {
				t.media = append(t.media, e.AsString())
			}
		}
		if len(wantMedia) > 0 && !slices.ContainsFunc(wantMedia, func(w string) bool { return slices.Contains(t.media, w) }) {
			continue
		}
		if wantLatency != "" && wantLatency != t.latency {
			continue
		}
		return name, t, true
	}
	return "", tier{}, false
}

func describeTransition(tr map[string]cty.Value) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(tr)) {
		v, _ := tr[k].UnmarkDeep()
		parts = append(parts, k+" "+strings.Trim(fmt.Sprint(ctyString(v)), " "))
	}
	return strings.Join(parts, ", ")
}

func ctyString(v cty.Value) string {
	switch {
	case v.IsNull() || !v.IsKnown():
		return "?"
	case v.Type() == cty.String:
		return v.AsString()
	case v.CanIterateElements():
		var out []string
		for _, x := range v.AsValueSlice() {
			out = append(out, ctyString(x))
		}
		return strings.Join(out, "/")
	}
	return v.GoString()
}

// s3Provider configures indigo's provider for an s3 site from its
// settings: its own endpoint, and its peers as the remotes its buckets
// replicate to. Credentials stay in provider configuration, which is never
// stored.
func s3Provider(site Site, peers []Site) *hclsyntax.Body {
	rng := site.Range
	lit := func(v cty.Value) hclsyntax.Expression { return &hclsyntax.LiteralValueExpr{Val: v, SrcRange: rng} }
	block := func(typ string, s Site, name bool) *hclsyntax.Block {
		body := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}, SrcRange: rng, EndRange: rng}
		set := func(k string, v cty.Value) {
			body.Attributes[k] = &hclsyntax.Attribute{Name: k, Expr: lit(v), SrcRange: rng, NameRange: rng}
		}
		if name {
			set("name", cty.StringVal(s.Name))
		}
		for _, k := range []string{"endpoint", "access_key", "secret_key", "region"} {
			if s.Settings == cty.NilVal || s.Settings.IsNull() {
				continue
			}
			if v := s.Settings.GetAttr(k); !v.IsNull() {
				set(k, v)
			}
		}
		return &hclsyntax.Block{Type: typ, Body: body, TypeRange: rng, OpenBraceRange: rng, CloseBraceRange: rng}
	}
	out := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}, SrcRange: rng, EndRange: rng}
	out.Blocks = append(out.Blocks, block("s3", site, false))
	for _, p := range peers {
		out.Blocks = append(out.Blocks, block("s3_remote", p, true))
	}
	return out
}

// offerCheck compares what a storage's QoS asks with the media, latency
// and max_size settings a site declares (disk, online and no limit when
// unset).
func offerCheck(st *Storage, site Site) []string {
	var why []string
	media := settingList(site.Settings, "media")
	if len(media) == 0 {
		media = []string{"disk"}
	}
	if len(st.QoS.Media) > 0 && !slices.ContainsFunc(st.QoS.Media, func(m string) bool { return slices.Contains(media, m) }) {
		why = append(why, fmt.Sprintf("offers media %s, not %s", strings.Join(media, ", "), strings.Join(st.QoS.Media, " or ")))
	}
	latency := site.Setting("latency")
	if latency == "" {
		latency = "online"
	}
	if st.QoS.Latency != "" && st.QoS.Latency != latency {
		why = append(why, fmt.Sprintf("is %s, not %s", latency, st.QoS.Latency))
	}
	if max := site.Setting("max_size"); max != "" && st.QoS.Size > 0 {
		if limit, err := units.ParseQuantity(max); err != nil {
			why = append(why, fmt.Sprintf("its max_size %q is not a quantity: %s", max, err))
		} else if st.QoS.Size > limit {
			why = append(why, fmt.Sprintf("holds at most %s per storage, less than the %.0f bytes asked", max, st.QoS.Size))
		}
	}
	return why
}

// settingList returns a list-of-strings setting, nil when unset.
func settingList(settings cty.Value, name string) []string {
	if settings == cty.NilVal || settings.IsNull() || !settings.Type().IsObjectType() || !settings.Type().HasAttribute(name) {
		return nil
	}
	v, _ := settings.GetAttr(name).UnmarkDeep()
	if v.IsNull() || !v.IsWhollyKnown() || !v.CanIterateElements() {
		return nil
	}
	var out []string
	for _, x := range v.AsValueSlice() {
		if x.Type() == cty.String && !x.IsNull() {
			out = append(out, x.AsString())
		}
	}
	return out
}
