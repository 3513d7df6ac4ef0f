// Package status is the model of `indigo status`: for each storage, the
// quality of service its configuration asks for, each copy as the real
// systems hold it (read back by a refresh), and a verdict: the QoS holds,
// is in transition, or is broken, with the reasons.
//
// The verdict is not a second diff engine: it reads the execution plan the
// planner made for the storage (a normal plan, which refreshes every
// object first). A resource of the storage's scope that the plan would
// change is a reason the QoS does not hold, and the plan names it. What a
// resource's computed attributes say about the real system (replication
// pending or missing objects, files missing from a copy) adds detail.
//
// The package is pure: Build takes the plan and what the configuration
// asks for and does no I/O. planner.Status computes both; cmd/indigo
// renders the Report. It knows the resource types the site kinds of
// lang/binding realise storage with by name (indigo_s3_bucket,
// indigo_s3_replication, indigo_s3_lifecycle, indigo_directory,
// indigo_file, indigo_storage_copy, indigo_s3_tier); any other resource of a storage's
// scope is reported generically, by its address and planned action.
package status

import (
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/indigo-cloud/indigo/lang/binding"
	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/planner/plan"
)

// Verdict says whether a storage holds its QoS.
type Verdict string

const (
	// Holds: every copy exists and matches the configuration, replication
	// is enabled and in sync, the lifecycle rules are in force.
	Holds Verdict = "holds"
	// InTransition: the storage is on its way to its QoS, by itself
	// (replication still delivering objects) or with the next apply (the
	// configuration changed since the last one: a copy added, a rule
	// changed, a copy moving to another site).
	InTransition Verdict = "in_transition"
	// Broken: the real systems lost something the last apply made (a copy
	// gone, a rule or the replication removed, objects missing on a
	// replica that replication will not deliver): indigo apply repairs it.
	Broken Verdict = "broken"
)

// worse returns the worse of two verdicts.
func worse(a, b Verdict) Verdict {
	rank := map[Verdict]int{Holds: 0, InTransition: 1, Broken: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// Report is the status of the storages shown.
type Report struct {
	// Storages are sorted by address.
	Storages []*Storage
}

// Holds reports whether every storage of the report holds its QoS.
func (r *Report) Holds() bool {
	for _, s := range r.Storages {
		if s.Verdict != Holds {
			return false
		}
	}
	return true
}

// Storage is the status of one storage.
type Storage struct {
	Addr config.ObjectAddr
	// QoS is what the configuration asks for.
	QoS Spec
	// Sites are the sites the plan places the copies on, the primary
	// first; Recorded are those the state records (the last apply's).
	Sites, Recorded []string
	// Copies are the copies on Sites, then any left on other sites.
	Copies []*Copy
	// Verdict and Reasons say whether the QoS holds and, if not, why.
	Verdict Verdict
	Reasons []Reason
}

// Spec is a storage's QoS as configured, evaluated.
type Spec struct {
	Addr      config.ObjectAddr
	QoS       binding.QoS
	Lifecycle []binding.LifecycleRule
	// Sites describes the sites the storage may be placed on, by name.
	Sites map[string]Site
}

// Site is what the report says of a site.
type Site struct {
	Kind, Location string
}

// Copy is one copy of a storage, on one site, as read back.
type Copy struct {
	Site, Kind, Location string
	// Primary is the copy the others replicate from.
	Primary bool
	// Planned is false for a copy on a site the storage is leaving.
	Planned bool
	// Exists says whether the object holding the copy exists.
	Exists bool
	// Holder is the object holding the copy: HolderKind "bucket" or
	// "path", and its name.
	HolderKind, Holder string
	// Objects and Bytes are what the copy holds, when its kind counts them.
	Objects, Bytes *int64
	// Replication is how the copy is kept from its source, for a copy that
	// is one (a replica); nil for the primary.
	Replication *Replication
	// Rules are the lifecycle rules in force, as read back; nil when the
	// copy's kind has none to read.
	Rules []Rule
	// Resources are the resources that realise the copy, with what the
	// plan would do to each.
	Resources []Resource
}

// Replication is the state of what keeps a replica in sync with its
// source. Fields the copy's kind does not report are nil.
type Replication struct {
	// From is the site of the source.
	From string
	// Enabled says whether replication is configured and enabled.
	Enabled *bool
	// InSync says whether the replica holds every object of the source,
	// objects still on their way aside.
	InSync *bool
	// Pending counts objects waiting to be replicated; Failed those whose
	// replication failed.
	Pending, Failed *int64
	// Missing counts objects (files) the replica lacks; Extra those it
	// holds that the source does not; Expired those due for expiry.
	Missing, Extra, Expired *int64
}

// Rule is one lifecycle rule as read back: its attributes that are set.
type Rule struct {
	ID    string
	Attrs map[string]cty.Value
}

// Resource is one resource realising a copy.
type Resource struct {
	Addr config.InstanceAddr
	Type string
	// Exists says whether the real object exists (the refresh found it).
	Exists bool
	// Action is what the plan would do to it; Changed the attributes an
	// update would change.
	Action  plan.Action
	Changed []string
	// Drifted says the real object changed since the last apply.
	Drifted bool
}

// Reason is why a storage does not hold its QoS.
type Reason struct {
	// Verdict is InTransition or Broken.
	Verdict Verdict
	// Site is the copy concerned, if one is; Resource the resource whose
	// planned change this reason is, if one is.
	Site     string
	Resource string
	Message  string
}

// The resource types of lang/binding's storage realisations.
const (
	typeBucket      = "indigo_s3_bucket"
	typeReplication = "indigo_s3_replication"
	typeLifecycle   = "indigo_s3_lifecycle"
	typeDirectory   = "indigo_directory"
	typeFile        = "indigo_file"
	typeStorageCopy = "indigo_storage_copy"
	typeTier        = "indigo_s3_tier"
)

// Build makes the report of the storages specs from plan p, a normal plan
// (its changes' Before values are what the refresh read) made with the
// prior state's placements recorded.
func Build(specs []Spec, p *plan.Plan, recorded map[config.ObjectAddr][]string) *Report {
	rep := &Report{}
	for _, spec := range specs {
		rep.Storages = append(rep.Storages, buildStorage(spec, p, recorded[spec.Addr]))
	}
	sort.Slice(rep.Storages, func(i, j int) bool { return rep.Storages[i].Addr.String() < rep.Storages[j].Addr.String() })
	return rep
}

// ScopeOf is the module instance that holds the resources of storage addr.
func ScopeOf(addr config.ObjectAddr) config.ModuleInstance {
	return addr.Module.Child(config.StorageStep, addr.Name, config.NoKey)
}

func buildStorage(spec Spec, p *plan.Plan, recorded []string) *Storage {
	st := &Storage{Addr: spec.Addr, QoS: spec, Recorded: recorded, Verdict: Holds}
	for _, pl := range p.Placements {
		if pl.Addr == spec.Addr {
			st.Sites = pl.Sites
		}
	}
	scope := ScopeOf(spec.Addr)
	drift := map[config.InstanceAddr]*plan.ResourceChange{}
	for _, d := range p.Drift {
		if d.Addr.Module == scope {
			drift[d.Addr] = d
		}
	}
	var changes []*plan.ResourceChange
	for _, c := range p.Changes {
		if c.Addr.Module == scope {
			changes = append(changes, c)
		}
	}

	// The copies: planned sites first, then recorded ones, then any other
	// site a resource of the scope names.
	copies := map[string]*Copy{}
	var order []string
	addCopy := func(site string, planned bool) *Copy {
		if c, ok := copies[site]; ok {
			c.Planned = c.Planned || planned
			return c
		}
		info := spec.Sites[site]
		c := &Copy{Site: site, Kind: info.Kind, Location: info.Location, Planned: planned}
		copies[site] = c
		order = append(order, site)
		return c
	}
	for i, s := range st.Sites {
		addCopy(s, true).Primary = i == 0
	}
	for _, s := range recorded {
		addCopy(s, false)
	}
	// A resource belongs to the copy its name ends with (bucket_b,
	// replica_b, tier_tape_b: the copy on b), whatever site it lives on
	// (replica_b is on the primary's, a tier's bucket on the tier's).
	siteOf := func(c *plan.ResourceChange) string {
		name, best := c.Addr.Resource.Name, ""
		for site := range spec.Sites {
			if strings.HasSuffix(name, "_"+site) && len(site) > len(best) {
				best = site
			}
		}
		for site := range copies {
			if strings.HasSuffix(name, "_"+site) && len(site) > len(best) {
				best = site
			}
		}
		if best != "" {
			return best
		}
		return c.Site
	}

	reason := func(v Verdict, site, res, format string, args ...any) {
		st.Reasons = append(st.Reasons, Reason{Verdict: v, Site: site, Resource: res, Message: fmt.Sprintf(format, args...)})
		st.Verdict = worse(st.Verdict, v)
	}

	// Read every resource into its copy.
	type entry struct {
		c      *plan.ResourceChange
		copy   *Copy
		res    Resource
		before cty.Value
	}
	var entries []*entry
	for _, c := range changes {
		if c.DeposedKey != "" {
			if c.Action != plan.NoOp {
				reason(InTransition, "", c.Addr.String(), "%s has an object left over from a replacement (deposed %s) that apply destroys", c.Addr, c.DeposedKey)
			}
			continue
		}
		site := siteOf(c)
		if site == "" {
			site = "?"
		}
		cp := addCopy(site, false)
		before := unmarked(c.Before)
		e := &entry{c: c, copy: cp, before: before, res: Resource{
			Addr: c.Addr, Type: c.Addr.Resource.Type, Exists: !before.IsNull(), Action: c.Action,
		}}
		if c.Action == plan.Update {
			e.res.Changed = changedAttrs(c.Before, c.After)
		}
		e.res.Drifted = drifted(drift[c.Addr], e.res.Changed)
		cp.Resources = append(cp.Resources, e.res)
		entries = append(entries, e)
	}

	// What the copies hold.
	for _, e := range entries {
		cp, v := e.copy, e.before
		switch role(e.res) {
		case typeBucket:
			cp.HolderKind, cp.Holder, cp.Exists = "bucket", plannedString(e.c, "name"), e.res.Exists
			if e.res.Exists {
				cp.Objects, cp.Bytes = intAttr(v, "objects"), intAttr(v, "bytes")
			}
		case typeStorageCopy:
			cp.HolderKind, cp.Exists = "path", e.res.Exists
			cp.Holder = stringAttr(v, "id")
			if cp.Holder == "" {
				cp.Holder = plannedString(e.c, "path")
			}
			if e.res.Exists {
				cp.Objects, cp.Bytes = intAttr(v, "files"), intAttr(v, "bytes")
				if src := stringAttr(v, "source"); src != "" || intAttr(v, "missing") != nil {
					r := replicationOf(cp)
					r.InSync, r.Missing, r.Extra, r.Expired = boolAttr(v, "in_sync"), intAttr(v, "missing"), intAttr(v, "extra"), intAttr(v, "expired")
				}
			}
		case typeDirectory:
			if cp.HolderKind == "" || cp.HolderKind == "path" && cp.Holder == "" {
				cp.HolderKind, cp.Exists = "path", e.res.Exists
				cp.Holder = stringAttr(v, "id")
				if cp.Holder == "" {
					cp.Holder = plannedString(e.c, "path")
				}
			}
		case typeReplication:
			r := replicationOf(cp)
			r.From = e.c.Site
			if r.From == "" && len(st.Sites) > 0 {
				r.From = st.Sites[0]
			}
			if e.res.Exists {
				r.Enabled, r.InSync = boolAttr(v, "enabled"), boolAttr(v, "in_sync")
				r.Pending, r.Failed = intAttr(v, "pending"), intAttr(v, "failed")
			} else {
				r.Enabled = ptr(false)
			}
		}
		if rules, ok := rulesOf(v); ok {
			cp.Rules = append(cp.Rules, rules...)
		}
	}
	// A copy with no holding object of a known type exists when any of its
	// resources does.
	for _, cp := range copies {
		if cp.HolderKind == "" {
			for _, r := range cp.Resources {
				cp.Exists = cp.Exists || r.Exists
			}
		}
	}
	// A replica that is not in sync misses what its source holds more.
	for _, cp := range copies {
		r := cp.Replication
		if r == nil || r.Missing != nil || r.InSync == nil || *r.InSync || cp.Objects == nil {
			continue
		}
		if src := copies[r.From]; src != nil && src.Objects != nil && *src.Objects > *cp.Objects {
			r.Missing = ptr(*src.Objects - *cp.Objects)
		}
	}

	// The reasons: first the placement, then each planned change, then
	// what the real systems report by themselves.
	if want := spec.QoS.Copies; want > 0 && len(st.Sites) < want {
		reason(Broken, "", "", "%d copies are asked for, but only %d site(s) can take one", want, len(st.Sites))
	}
	if len(recorded) > 0 && !sameSites(recorded, st.Sites) {
		var added, leaving []string
		for _, s := range st.Sites {
			if !slices.Contains(recorded, s) {
				added = append(added, s)
			}
		}
		for _, s := range recorded {
			if !slices.Contains(st.Sites, s) {
				leaving = append(leaving, s)
			}
		}
		var parts []string
		if len(added) > 0 {
			parts = append(parts, "a copy is added on "+siteWords(added))
		}
		if len(leaving) > 0 {
			parts = append(parts, "the copy on "+siteWords(leaving)+" goes")
		}
		reason(InTransition, "", "", "%s (placed on %s, was %s)", strings.Join(parts, " and "), strings.Join(st.Sites, ", "), strings.Join(recorded, ", "))
	}
	for _, e := range entries {
		if e.c.Action == plan.NoOp {
			continue
		}
		v, msg := explain(e.c, e.res, e.copy)
		reason(v, e.copy.Site, e.c.Addr.String(), "%s", msg)
	}
	for _, site := range order {
		cp := copies[site]
		r := cp.Replication
		if r == nil {
			continue
		}
		if r.Pending != nil && *r.Pending > 0 && (r.InSync == nil || *r.InSync) {
			reason(InTransition, site, "", "replication to %s is pending: %s on the way", site, plural(*r.Pending, "object"))
		}
	}
	for _, site := range order {
		st.Copies = append(st.Copies, copies[site])
	}
	return st
}

// drifted reports whether the refresh found a change, d, that the plan
// undoes: the object gone, or one of the attributes an update changes
// (changed) different from what the last apply recorded. Drift in what a
// resource only observes (a bucket's object count) is not.
func drifted(d *plan.ResourceChange, changed []string) bool {
	if d == nil {
		return false
	}
	prior, fresh := unmarked(d.Before), unmarked(d.After)
	if fresh.IsNull() || len(changed) == 0 {
		return true
	}
	for _, name := range changed {
		if !attr(prior, name).RawEquals(attr(fresh, name)) {
			return true
		}
	}
	return false
}

// explain says why a resource's planned change means the QoS does not
// hold, and how badly.
func explain(c *plan.ResourceChange, res Resource, cp *Copy) (Verdict, string) {
	v := InTransition
	if res.Drifted {
		// The real object changed since the last apply: it lost what the
		// apply made.
		v = Broken
	}
	site := cp.Site
	before := unmarked(c.Before)
	switch {
	case c.Action == plan.Delete || c.Action == plan.Forget:
		return InTransition, fmt.Sprintf("%s is no longer wanted on site %s and would be destroyed (%s)", what(res), site, c.Addr)
	case c.Action == plan.Create && res.Drifted:
		return Broken, fmt.Sprintf("%s on site %s is gone (%s would be created again)", what(res), site, c.Addr)
	case c.Action == plan.Create:
		return InTransition, fmt.Sprintf("%s on site %s is not created yet (%s)", what(res), site, c.Addr)
	case c.Action.IsReplace():
		return v, fmt.Sprintf("%s on site %s would be replaced (%s, %s)", what(res), site, c.Addr, replaceWhy(c))
	}
	switch role(res) {
	case typeReplication:
		r := cp.Replication
		var parts []string
		if r != nil && r.Enabled != nil && !*r.Enabled {
			parts = append(parts, fmt.Sprintf("replication from %s to %s is disabled or its rule was removed", r.From, site))
		}
		if r != nil && r.InSync != nil && !*r.InSync {
			missing := "objects"
			if r.Missing != nil {
				missing = plural(*r.Missing, "object")
			}
			detail := ""
			if r.Failed != nil && *r.Failed > 0 {
				detail = fmt.Sprintf(", %s failed to replicate", plural(*r.Failed, "object"))
			}
			parts = append(parts, fmt.Sprintf("replica %s is missing %s that replication will not deliver%s", site, missing, detail))
		}
		if len(parts) > 0 {
			return Broken, fmt.Sprintf("%s (%s)", strings.Join(parts, "; "), c.Addr)
		}
	case typeStorageCopy:
		var parts []string
		for _, n := range []string{"missing", "extra", "expired"} {
			if x := intAttr(before, n); x != nil && *x > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", *x, n))
			}
		}
		if len(parts) > 0 {
			return Broken, fmt.Sprintf("copy on site %s is out of sync: %s file(s) (%s)", site, strings.Join(parts, ", "), c.Addr)
		}
	case typeLifecycle:
		if res.Drifted {
			return Broken, fmt.Sprintf("the lifecycle rules on site %s differ from the configuration: a rule was removed or changed (%s)", site, c.Addr)
		}
	}
	attrs := ""
	if len(res.Changed) > 0 {
		attrs = ": " + strings.Join(res.Changed, ", ")
	}
	if v == Broken {
		return v, fmt.Sprintf("%s on site %s was changed outside indigo and would be updated (%s%s)", what(res), site, c.Addr, attrs)
	}
	return v, fmt.Sprintf("%s on site %s would be updated to the configuration (%s%s)", what(res), site, c.Addr, attrs)
}

func replaceWhy(c *plan.ResourceChange) string {
	switch c.Reason {
	case plan.ReasonPlacementMoved:
		return "the copy moves"
	case plan.ReasonTainted:
		return "it is tainted"
	case plan.ReasonCannotUpdate:
		var paths []string
		for _, p := range c.RequiredReplace {
			paths = append(paths, plan.FormatPath(p))
		}
		return "cannot update " + strings.Join(paths, ", ")
	}
	return "replacement planned"
}

// role is the type of a resource, or "" for one that plays no part the
// report reads: a bucket other than the copy's own (bucket_SITE), such as
// the bucket a lifecycle tier moves data to.
func role(r Resource) string {
	if r.Type == typeBucket && !strings.HasPrefix(r.Addr.Resource.Name, "bucket_") {
		return ""
	}
	return r.Type
}

// what names the part a resource plays in a copy, for people.
func what(r Resource) string {
	switch role(r) {
	case "":
		if r.Type == typeBucket {
			return "the bucket " + r.Addr.Resource.Name
		}
	case typeBucket:
		return "the bucket"
	case typeReplication:
		return "the replication"
	case typeLifecycle:
		return "the lifecycle rules"
	case typeDirectory:
		return "the copy's directory"
	case typeFile:
		return "the copy's QoS file"
	case typeStorageCopy:
		return "the copy"
	case typeTier:
		return "the lifecycle tier " + r.Addr.Resource.Name
	}
	return r.Addr.Resource.String()
}

func replicationOf(cp *Copy) *Replication {
	if cp.Replication == nil {
		cp.Replication = &Replication{}
	}
	return cp.Replication
}

// rulesOf reads the rule blocks of a resource value.
func rulesOf(v cty.Value) ([]Rule, bool) {
	if v.IsNull() || !v.Type().IsObjectType() || !v.Type().HasAttribute("rule") {
		return nil, false
	}
	list := v.GetAttr("rule")
	if list.IsNull() || !list.IsKnown() || !list.CanIterateElements() {
		return nil, true
	}
	rules := []Rule{}
	for it := list.ElementIterator(); it.Next(); {
		_, r := it.Element()
		if r.IsNull() || !r.Type().IsObjectType() {
			continue
		}
		rule := Rule{Attrs: map[string]cty.Value{}}
		for name := range r.Type().AttributeTypes() {
			x := r.GetAttr(name)
			if x.IsNull() || !x.IsKnown() {
				continue
			}
			if name == "id" && x.Type() == cty.String {
				rule.ID = x.AsString()
				continue
			}
			rule.Attrs[name] = x
		}
		rules = append(rules, rule)
	}
	return rules, true
}

// changedAttrs lists the top-level attributes an update changes. One that
// becomes unknown (a computed attribute recomputed) is listed only when
// nothing else is.
func changedAttrs(before, after cty.Value) []string {
	before, after = unmarked(before), unmarked(after)
	if before.IsNull() || after.IsNull() || !before.Type().IsObjectType() || !after.Type().IsObjectType() {
		return nil
	}
	var known, unknown []string
	for name := range after.Type().AttributeTypes() {
		if !before.Type().HasAttribute(name) {
			continue
		}
		b, a := before.GetAttr(name), after.GetAttr(name)
		switch {
		case !a.IsWhollyKnown():
			if !b.IsNull() {
				unknown = append(unknown, name)
			}
		case !b.RawEquals(a):
			known = append(known, name)
		}
	}
	if len(known) == 0 {
		known = unknown
	}
	sort.Strings(known)
	return known
}

// unmarked drops the marks of v, replacing sensitive values by null so
// nothing secret reaches a report.
func unmarked(v cty.Value) cty.Value {
	if v == cty.NilVal {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	if !marks.Contains(v, marks.Sensitive) {
		u, _ := v.UnmarkDeep()
		return u
	}
	out, _ := cty.Transform(v, func(_ cty.Path, x cty.Value) (cty.Value, error) {
		if x.HasMark(marks.Sensitive) {
			return cty.NullVal(x.Type()), nil
		}
		return x, nil
	})
	u, _ := out.UnmarkDeep()
	return u
}

func attr(v cty.Value, name string) cty.Value {
	if v.IsNull() || !v.IsKnown() || !v.Type().IsObjectType() || !v.Type().HasAttribute(name) {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	return v.GetAttr(name)
}

func stringAttr(v cty.Value, name string) string {
	x := attr(v, name)
	if x.IsNull() || !x.IsKnown() || x.Type() != cty.String {
		return ""
	}
	return x.AsString()
}

// plannedString is a string attribute of the object read back, or else of
// the planned one (for an object not created yet).
func plannedString(c *plan.ResourceChange, name string) string {
	if s := stringAttr(unmarked(c.Before), name); s != "" {
		return s
	}
	return stringAttr(unmarked(c.After), name)
}

func intAttr(v cty.Value, name string) *int64 {
	x := attr(v, name)
	if x.IsNull() || !x.IsKnown() || x.Type() != cty.Number {
		return nil
	}
	n, acc := x.AsBigFloat().Int64()
	if acc != big.Exact {
		return nil
	}
	return &n
}

func boolAttr(v cty.Value, name string) *bool {
	x := attr(v, name)
	if x.IsNull() || !x.IsKnown() || x.Type() != cty.Bool {
		return nil
	}
	return ptr(x.True())
}

func ptr[T any](v T) *T { return &v }

func sameSites(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

func siteWords(sites []string) string {
	if len(sites) == 0 {
		return "no site"
	}
	if len(sites) == 1 {
		return "site " + sites[0]
	}
	return "sites " + strings.Join(sites, ", ")
}

func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// FormatDuration writes a lifecycle delay the way a configuration does:
// "30d", "12h", "90m".
func FormatDuration(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d <= 0:
		return ""
	case d%day == 0:
		return fmt.Sprintf("%dd", d/day)
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return d.String()
}
