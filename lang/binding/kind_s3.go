package binding

import (
	"fmt"
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
		if len(lr.Transition) > 0 {
			// s3Check rejects the site: transitions need a tier.
			continue
		}
		r := map[string]hcl.Expression{"id": b.String(fmt.Sprintf("indigo-%d", i+1))}
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
	classes := settingList(site.Settings, "storage_classes")
	if len(classes) == 0 {
		classes = []string{"STANDARD"}
	}
	if st.QoS.Redundancy != "" && !slices.Contains(classes, st.QoS.Redundancy) {
		why = append(why, fmt.Sprintf("offers the storage classes %s, not %s", strings.Join(classes, ", "), st.QoS.Redundancy))
	}
	if max := site.Setting("max_size"); max != "" && st.QoS.Size > 0 {
		if limit, err := units.ParseQuantity(max); err != nil {
			why = append(why, fmt.Sprintf("its max_size %q is not a quantity: %s", max, err))
		} else if st.QoS.Size > limit {
			why = append(why, fmt.Sprintf("holds at most %s per storage, less than the %.0f bytes asked", max, st.QoS.Size))
		}
	}
	for _, lr := range st.Lifecycle {
		if len(lr.Transition) > 0 {
			why = append(why, "has no tier for a lifecycle transition (transitions to another medium or latency need a tier, which s3 sites do not set up yet)")
			break
		}
	}
	return why
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
