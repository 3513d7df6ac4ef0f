package engine

import (
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// siteSpec is a candidate site as the data source and resources take it:
// the arguments of an indigo site block.
type siteSpec struct {
	Name         string
	Kind         string
	Location     string
	Capabilities []string
	SLA          map[string]string
	Shares       map[string]float64
	Cost         map[string]float64
	Metrics      string
	Settings     map[string]string
}

// fieldKind is the Terraform type of an argument described once for both
// the data source and the resource schemas.
type fieldKind int

const (
	fieldString fieldKind = iota
	fieldList
	fieldStringMap
	fieldNumberMap
)

type field struct {
	name     string
	kind     fieldKind
	required bool
	desc     string
}

// siteFields are the arguments of an inline site.
var siteFields = []field{
	{"name", fieldString, true, "The site's name; candidates, prefer and the results use it."},
	{"kind", fieldString, false, `The site's kind: "local" (default), "s3", "openstack", "kubernetes" (see indigo's docs/sites.md).`},
	{"location", fieldString, false, `Where the site is, e.g. "IT"; matched by locations.`},
	{"capabilities", fieldList, false, `What the site offers ("gpu", "tape", ...); matched by capabilities.`},
	{"sla", fieldStringMap, false, `What the site promised: capacity quotas as numbers or quantities (cpus = 64, memory = "256GiB", storage = "1PiB"), availability (0..1) and id.`},
	{"shares", fieldNumberMap, false, `The fraction (0..1) of each SLA quota a group may use, by group name; "*" for every other group.`},
	{"cost", fieldNumberMap, false, "Prices: cpu_hour, gpu_hour, memory_gb_hour, gb_month, <resource>_hour, <resource>_month."},
	{"metrics", fieldString, false, "Observed figures: a JSON file (relative to the Terraform working directory) or a Prometheus text-format URL. Stale or unreadable metrics are noted, never silently used."},
	{"settings", fieldStringMap, false, "The kind's own settings (an s3 site's endpoint, media, ...; see indigo's docs/sites.md). Not sensitive: give keys through the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)."},
}

// placementSpec is the arguments of an indigo placement block. Site names
// become site.NAME references.
type placementSpec struct {
	Candidates   []string
	Prefer       []string
	Require      map[string]string
	Locations    []string
	Capabilities []string
	Group        string
	Weights      map[string]float64
	Fallback     bool
}

// quantity returns a number for a figure that reads as one ("8", "0.999"),
// else the string ("16GiB"): indigo takes capacities as either.
func quantity(s string) cty.Value {
	if f, _, err := big.ParseFloat(strings.TrimSpace(s), 10, 512, big.ToNearestEven); err == nil {
		return cty.NumberVal(f)
	}
	return cty.StringVal(s)
}

func stringList(l []string) cty.Value {
	if len(l) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vals := make([]cty.Value, len(l))
	for i, s := range l {
		vals[i] = cty.StringVal(s)
	}
	return cty.ListVal(vals)
}

func numberObject(m map[string]float64) cty.Value {
	vals := make(map[string]cty.Value, len(m))
	for k, v := range m {
		vals[k] = cty.NumberFloatVal(v)
	}
	return cty.ObjectVal(vals)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// references returns the tokens of a list of KIND.NAME references.
func references(kind string, names []string) hclwrite.Tokens {
	elems := make([]hclwrite.Tokens, len(names))
	for i, n := range names {
		elems[i] = hclwrite.TokensForTraversal(hcl.Traversal{hcl.TraverseRoot{Name: kind}, hcl.TraverseAttr{Name: n}})
	}
	return hclwrite.TokensForTuple(elems)
}

// writeSite appends a site block. A site of a kind other than s3 is given
// the default indigo provider configuration: its resources are indigo's
// own (a local site), and ranking does not start it.
func writeSite(body *hclwrite.Body, s siteSpec) {
	b := body.AppendNewBlock("site", []string{s.Name}).Body()
	kind := s.Kind
	if kind == "" {
		kind = "local"
	}
	if kind != "s3" {
		b.SetAttributeTraversal("provider", hcl.Traversal{hcl.TraverseRoot{Name: "indigo"}})
	}
	b.SetAttributeValue("kind", cty.StringVal(kind))
	if s.Location != "" {
		b.SetAttributeValue("location", cty.StringVal(s.Location))
	}
	if len(s.Capabilities) > 0 {
		b.SetAttributeValue("capabilities", stringList(s.Capabilities))
	}
	if len(s.Settings) > 0 {
		sb := b.AppendNewBlock("settings", nil).Body()
		for _, k := range sortedKeys(s.Settings) {
			sb.SetAttributeValue(k, cty.StringVal(s.Settings[k]))
		}
	}
	if len(s.SLA) > 0 {
		sb := b.AppendNewBlock("sla", nil).Body()
		for _, k := range sortedKeys(s.SLA) {
			v := quantity(s.SLA[k])
			if k == "id" {
				v = cty.StringVal(s.SLA[k])
			}
			sb.SetAttributeValue(k, v)
		}
	}
	if len(s.Shares) > 0 {
		b.SetAttributeValue("shares", numberObject(s.Shares))
	}
	if len(s.Cost) > 0 {
		b.SetAttributeValue("cost", numberObject(s.Cost))
	}
	if s.Metrics != "" {
		m := s.Metrics
		if !strings.Contains(m, "://") {
			m = absPath(m)
		}
		b.SetAttributeValue("metrics", cty.StringVal(m))
	}
}

// writePlacement appends a placement block.
func writePlacement(body *hclwrite.Body, p placementSpec) {
	b := body.AppendNewBlock("placement", nil).Body()
	if len(p.Candidates) > 0 {
		b.SetAttributeRaw("sites", references("site", p.Candidates))
	}
	if len(p.Prefer) > 0 {
		b.SetAttributeRaw("prefer", references("site", p.Prefer))
	}
	req := map[string]cty.Value{}
	for k, v := range p.Require {
		req[k] = quantity(v)
	}
	if len(p.Locations) > 0 {
		req["location"] = stringList(p.Locations)
	}
	if len(p.Capabilities) > 0 {
		req["capabilities"] = stringList(p.Capabilities)
	}
	if len(req) > 0 {
		b.SetAttributeValue("require", cty.ObjectVal(req))
	}
	if p.Group != "" {
		b.SetAttributeTraversal("group", hcl.Traversal{hcl.TraverseRoot{Name: "group"}, hcl.TraverseAttr{Name: p.Group}})
	}
	if len(p.Weights) > 0 {
		b.SetAttributeValue("weights", numberObject(p.Weights))
	}
	if p.Fallback {
		b.SetAttributeValue("fallback", cty.True)
	}
}

// formatFloat prints a figure for messages.
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// hclInitial is where parsed snippets of generated HCL start.
var hclInitial = hcl.InitialPos
