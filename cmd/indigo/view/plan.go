package view

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/indigo-cloud/indigo/lang/config"
	"github.com/indigo-cloud/indigo/lang/marks"
	"github.com/indigo-cloud/indigo/planner/plan"
	"github.com/indigo-cloud/indigo/planner/rank"
)

// PlanOptions tune the human plan view.
type PlanOptions struct {
	// ShowUnchanged prints unchanged attributes, elements and lines instead
	// of counting them in a "# (N unchanged ... hidden)" line.
	ShowUnchanged bool
	// NoLegend leaves out the explanation of the action symbols, for a
	// plan printed right before apply asks for confirmation a second time.
	NoLegend bool
}

// Plan writes p the way a Terraform user expects to read a plan: objects
// changed outside indigo, then every change with its attribute diff and the
// reason for it, changes to outputs, where each placed component goes and
// why, notes, and the "Plan: N to add..." summary. Sensitive values are
// never printed. The output is deterministic.
func Plan(w io.Writer, p *plan.Plan, opts PlanOptions) error {
	bw := bufio.NewWriter(w)
	r := planRenderer{p: p, opts: opts}
	bw.WriteString(r.render())
	return bw.Flush()
}

type planRenderer struct {
	p    *plan.Plan
	opts PlanOptions
	b    strings.Builder
}

func (r *planRenderer) render() string {
	p := r.p
	if p == nil {
		return ""
	}
	changes := visibleChanges(p.Changes)
	drift := visibleDrift(p.Drift)
	outputs := visibleOutputs(p.Outputs)
	placements := sortedPlacements(p.Placements)

	if len(drift) > 0 {
		r.drift(drift)
	}
	placementsChanged := false
	for _, pl := range placements {
		if !sameStrings(pl.Sites, pl.Previous) {
			placementsChanged = true
		}
	}
	if len(changes) == 0 && len(outputs) == 0 && !placementsChanged {
		if p.Errored {
			// What the refresh found, then the errors (below the
			// plan), as Terraform shows a plan that failed.
			if p.Mode == plan.RefreshOnlyMode && len(drift) > 0 {
				r.noChanges(true)
				r.b.WriteString("\n" + Rule + "\n")
			}
			r.b.WriteString("\nPlanning failed. indigo encountered an error while generating this plan.\n\n\n" + Rule + "\n")
			return r.b.String()
		}
		r.noChanges(len(drift) > 0)
		r.notes()
		return r.b.String()
	}
	if len(changes) > 0 {
		if !r.opts.NoLegend {
			r.legend(changes)
		}
		if p.Errored {
			// Incomplete, and not applicable: said as Terraform says it.
			r.b.WriteString("\nindigo planned the following actions, but then encountered a problem:\n")
		} else {
			r.b.WriteString("\nindigo will perform the following actions:\n")
		}
		for _, c := range changes {
			r.b.WriteByte('\n')
			r.change(c, false)
		}
		r.b.WriteByte('\n')
		r.summary()
	}
	if len(outputs) > 0 {
		r.outputs(outputs, p.Outputs)
		if len(changes) == 0 {
			r.prose("\nYou can apply this plan to save these new output values to the indigo state, without changing any real infrastructure.\n")
		}
	}
	if len(placements) > 0 {
		r.placements(placements)
	}
	r.notes()
	return r.b.String()
}

// visibleChanges are the changes a reader needs to see: everything but
// no-ops, except no-ops that move or import an object.
func visibleChanges(cs []*plan.ResourceChange) []*plan.ResourceChange {
	var out []*plan.ResourceChange
	for _, c := range cs {
		if c == nil {
			continue
		}
		if c.Action == plan.NoOp && !moved(c) && c.Importing == nil {
			continue
		}
		out = append(out, c)
	}
	sortChanges(out)
	return out
}

func visibleDrift(cs []*plan.ResourceChange) []*plan.ResourceChange {
	var out []*plan.ResourceChange
	for _, c := range cs {
		if c != nil && c.Action != plan.NoOp {
			out = append(out, c)
		}
	}
	sortChanges(out)
	return out
}

func sortChanges(cs []*plan.ResourceChange) {
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].Addr != cs[j].Addr {
			return cs[i].Addr.Less(cs[j].Addr)
		}
		return cs[i].DeposedKey < cs[j].DeposedKey
	})
}

func visibleOutputs(os []*plan.OutputChange) []*plan.OutputChange {
	var out []*plan.OutputChange
	for _, o := range os {
		if o != nil && o.Action != plan.NoOp {
			out = append(out, o)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func sortedPlacements(ps []*plan.Placement) []*plan.Placement {
	var out []*plan.Placement
	for _, pl := range ps {
		if pl != nil {
			out = append(out, pl)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Addr.String() < out[j].Addr.String() })
	return out
}

func moved(c *plan.ResourceChange) bool {
	return c.PrevAddr != (config.InstanceAddr{}) && c.PrevAddr != c.Addr
}

// actionSymbol is the symbol in front of a resource block.
func actionSymbol(a plan.Action) string {
	switch a {
	case plan.Create:
		return "+"
	case plan.Read:
		return "<="
	case plan.Update:
		return "~"
	case plan.DeleteThenCreate:
		return "-/+"
	case plan.CreateThenDelete:
		return "+/-"
	case plan.Delete:
		return "-"
	case plan.Forget:
		return "."
	}
	return " "
}

var legendOrder = []struct {
	action plan.Action
	text   string
}{
	{plan.Create, "create"},
	{plan.Update, "update in-place"},
	{plan.Delete, "destroy"},
	{plan.DeleteThenCreate, "destroy and then create replacement"},
	{plan.CreateThenDelete, "create replacement and then destroy"},
	{plan.Read, "read (data resources)"},
	{plan.Forget, "forget (remove from the state, do not destroy)"},
}

// prose writes text folded at Columns, as Terraform folds its messages
// when its output is not a terminal.
func (r *planRenderer) prose(text string) {
	r.b.WriteString(wrap(text, Columns))
}

func (r *planRenderer) legend(changes []*plan.ResourceChange) {
	used := map[plan.Action]bool{}
	for _, c := range changes {
		used[c.Action] = true
	}
	r.prose("\nindigo used the selected providers to generate the following execution plan. Resource actions are indicated with the following symbols:\n")
	for _, l := range legendOrder {
		if used[l.action] {
			fmt.Fprintf(&r.b, "%3s %s\n", actionSymbol(l.action), l.text)
		}
	}
}

// change renders one resource change: the header comments and the block.
func (r *planRenderer) change(c *plan.ResourceChange, drift bool) {
	for _, h := range r.headers(c, drift) {
		fmt.Fprintf(&r.b, "  # %s\n", h)
	}
	sym := actionSymbol(c.Action)
	if drift && c.Action == plan.Forget {
		sym = "-"
	}
	kind := "resource"
	if c.Addr.Resource.Mode == config.DataMode {
		kind = "data"
	}
	open := fmt.Sprintf("%s %q %q", kind, c.Addr.Resource.Type, c.Addr.Resource.Name)
	var body strings.Builder
	vw := &valueWriter{b: &body, replace: c.RequiredReplace, verbose: r.opts.ShowUnchanged}
	before, after := c.Before, c.After
	switch c.Action {
	case plan.Create, plan.Read:
		before = cty.NilVal
	case plan.Delete:
		after = cty.NilVal
	case plan.Forget:
		// Nothing changes in the object: show what identifies it.
		after = before
	}
	vw.resourceBody(1, before, after)
	line := fmt.Sprintf("%3s %s", sym, open)
	if body.Len() == 0 {
		r.b.WriteString(line + " {}\n")
		return
	}
	r.b.WriteString(line + " {\n")
	r.b.WriteString(body.String())
	r.b.WriteString(indentUnit + "}\n")
}

// resourceBody renders the attributes of a resource object.
func (d *valueWriter) resourceBody(depth int, before, after cty.Value) {
	isObj := func(v cty.Value) bool { return v != cty.NilVal && v.Type().IsObjectType() }
	switch {
	case isObj(before) || isObj(after):
		d.objectBody(depth, before, after, nil)
	case after != cty.NilVal && !after.IsKnown():
		d.line(depth, symNone, "# (all attributes known after apply)")
	}
}

// headers returns the comment lines above a resource block.
func (r *planRenderer) headers(c *plan.ResourceChange, drift bool) []string {
	addr := c.Addr.String()
	if c.DeposedKey != "" {
		addr += fmt.Sprintf(" (deposed object %s)", c.DeposedKey)
	}
	if drift {
		switch c.Action {
		case plan.Delete, plan.Forget:
			return []string{addr + " has been deleted"}
		case plan.Create:
			return []string{addr + " has been created"}
		}
		return []string{addr + " has changed"}
	}
	var hs []string
	switch c.Action {
	case plan.NoOp:
		switch {
		case c.Importing != nil:
			hs = append(hs, addr+" will be imported")
			if moved(c) {
				hs = append(hs, "(moved from "+c.PrevAddr.String()+")")
			}
		default:
			hs = append(hs, c.PrevAddr.String()+" has moved to "+addr)
		}
		return hs
	case plan.Create:
		hs = append(hs, addr+" will be created")
	case plan.Read:
		hs = append(hs, addr+" will be read during apply")
	case plan.Update:
		hs = append(hs, addr+" will be updated in-place")
	case plan.DeleteThenCreate, plan.CreateThenDelete:
		switch c.Reason {
		case plan.ReasonTainted:
			hs = append(hs, addr+" is tainted, so must be replaced")
		case plan.ReasonRequested:
			hs = append(hs, addr+" will be replaced, as requested")
		case plan.ReasonReplaceTriggered:
			hs = append(hs, addr+" will be replaced due to changes in replace_triggered_by")
		default:
			hs = append(hs, addr+" must be replaced")
		}
	case plan.Delete:
		hs = append(hs, addr+" will be destroyed")
	case plan.Forget:
		hs = append(hs, addr+" will no longer be managed by indigo")
	}
	if moved(c) {
		hs = append(hs, "(moved from "+c.PrevAddr.String()+")")
	}
	if c.Importing != nil {
		hs = append(hs, importedFrom(c.Importing))
	}
	if why := r.reason(c); why != "" {
		hs = append(hs, why)
	}
	if c.Site != "" && c.Reason != plan.ReasonPlacementMoved && (c.Action == plan.Create || c.Action.IsReplace()) {
		hs = append(hs, fmt.Sprintf("(on site %s)", c.Site))
	}
	return hs
}

// reason explains, in a "(because ...)" comment, what the action alone
// does not say.
func (r *planRenderer) reason(c *plan.ResourceChange) string {
	switch c.Reason {
	case plan.ReasonNoResourceConfig:
		return fmt.Sprintf("(because %s is not in configuration)", c.Addr.ContainingResource())
	case plan.ReasonNoModule:
		return fmt.Sprintf("(because %s is not in configuration)", c.Addr.Module)
	case plan.ReasonWrongRepetition:
		switch c.Addr.Key.(type) {
		case config.IntKey:
			return "(because resource does not use count)"
		case config.StringKey:
			return "(because resource does not use for_each)"
		}
		return "(because resource uses count or for_each)"
	case plan.ReasonCountIndex:
		return fmt.Sprintf("(because index %s is out of range for count)", config.KeyString(c.Addr.Key))
	case plan.ReasonEachKey:
		return fmt.Sprintf("(because key %s is not in for_each map)", config.KeyString(c.Addr.Key))
	case plan.ReasonReadConfigUnknown:
		return "(config refers to values not yet known)"
	case plan.ReasonReadDependency:
		return "(depends on a resource or a module with changes pending)"
	case plan.ReasonPlacementMoved:
		return r.movedBecause(c)
	case plan.ReasonRefreshDrift:
		if c.Action == plan.Forget {
			return "(because the object no longer exists)"
		}
	}
	if c.DeposedKey != "" && c.Action == plan.Delete {
		return "(left over from a partially-failed replacement of this instance)"
	}
	return ""
}

// movedBecause names the sites a replaced component moves between.
func (r *planRenderer) movedBecause(c *plan.ResourceChange) string {
	pl := placementOf(r.p.Placements, c.Addr.Module)
	if pl == nil {
		if c.Site != "" {
			return fmt.Sprintf("(because the component moved to site %s)", c.Site)
		}
		return "(because the component moved to another site)"
	}
	from := strings.Join(pl.Previous, ", ")
	to := c.Site
	if to == "" {
		to = strings.Join(pl.Sites, ", ")
	}
	if from == "" {
		return fmt.Sprintf("(because %s moved to site %s)", pl.Addr, to)
	}
	return fmt.Sprintf("(because %s moved from site %s to site %s)", pl.Addr, from, to)
}

// placementOf returns the placement whose scope holds module m: a
// deployment's resources live in deployment.NAME, a storage's in
// storage.NAME.
func placementOf(ps []*plan.Placement, m config.ModuleInstance) *plan.Placement {
	var best *plan.Placement
	bestLen := -1
	for _, pl := range ps {
		if pl == nil {
			continue
		}
		var scope config.ModuleInstance
		switch pl.Addr.Kind {
		case config.DeploymentKind:
			scope = pl.Addr.Module.Child(config.DeploymentStep, pl.Addr.Name, config.NoKey)
		case config.StorageKind:
			scope = pl.Addr.Module.Child(config.StorageStep, pl.Addr.Name, config.NoKey)
		default:
			continue
		}
		s := string(scope)
		if (string(m) == s || strings.HasPrefix(string(m), s+".")) && len(s) > bestLen {
			best, bestLen = pl, len(s)
		}
	}
	return best
}

func (r *planRenderer) summary() {
	add, change, destroy, _, imports := r.p.Counts()
	forget := 0
	for _, c := range r.p.Changes {
		if c != nil && c.Action == plan.Forget {
			forget++
		}
	}
	r.b.WriteString("Plan: ")
	if imports > 0 {
		fmt.Fprintf(&r.b, "%d to import, ", imports)
	}
	fmt.Fprintf(&r.b, "%d to add, %d to change, %d to destroy", add, change, destroy)
	if forget > 0 {
		fmt.Fprintf(&r.b, ", %d to forget", forget)
	}
	r.b.WriteString(".\n")
}

func (r *planRenderer) noChanges(drifted bool) {
	switch {
	case r.p.Mode == plan.RefreshOnlyMode && drifted:
		r.prose("\nThis is a refresh-only plan, so indigo will not take any actions to undo these. If you were expecting these changes then you can apply this plan to record the updated values in the indigo state without changing any remote objects.\n")
	case r.p.Mode == plan.RefreshOnlyMode:
		r.prose("\nNo changes. Your infrastructure still matches the configuration.\n\nindigo has checked that the real remote objects still match the result of your most recent changes, and found no differences.\n")
		r.identitiesFound()
	case r.p.Mode == plan.DestroyMode:
		r.prose("\nNo changes. No objects need to be destroyed.\n\nEither you have not created any objects yet or the existing objects were already deleted outside of indigo.\n")
	default:
		r.prose("\nNo changes. Your infrastructure matches the configuration.\n\nindigo has compared your real infrastructure against your configuration and found no differences, so no changes are needed.\n")
	}
}

// identitiesFound says which objects' identities the reads of a
// refresh-only plan found that the state does not record yet.
func (r *planRenderer) identitiesFound() {
	if len(r.p.Identities) == 0 {
		return
	}
	var addrs []string
	for _, id := range r.p.Identities {
		a := id.Addr.String()
		if id.DeposedKey != "" {
			a += " (deposed object " + id.DeposedKey + ")"
		}
		addrs = append(addrs, a)
	}
	what, it := "the identity of 1 object", "it"
	if len(addrs) > 1 {
		what, it = fmt.Sprintf("the identities of %d objects", len(addrs)), "them"
	}
	r.prose(fmt.Sprintf("\nThe reads found %s that the state does not record yet: %s. Applying this plan records %s in the state and changes nothing else.\n", what, strings.Join(addrs, ", "), it))
}

func (r *planRenderer) drift(drift []*plan.ResourceChange) {
	r.b.WriteString("\nNote: Objects have changed outside of indigo\n\n")
	r.prose("indigo detected the following changes made outside of indigo since the last \"indigo apply\" which may have affected this plan:\n")
	for _, c := range drift {
		r.b.WriteByte('\n')
		r.change(c, true)
	}
	if r.p.Mode == plan.RefreshOnlyMode {
		// What a refresh-only plan does with them follows (noChanges),
		// after two blank lines, as Terraform writes it.
		r.b.WriteString("\n")
		return
	}
	r.prose("\nUnless you have made equivalent changes to your configuration, or ignored the relevant attributes using ignore_changes, the following plan may include actions to undo or respond to these changes.\n")
	r.b.WriteString("\n" + Rule + "\n")
}

// outputs writes the outputs that change; their names are aligned with
// those of every output of the plan, the unchanged ones too, as Terraform
// aligns them.
func (r *planRenderer) outputs(outputs, all []*plan.OutputChange) {
	r.b.WriteString("\nChanges to Outputs:\n")
	// An output's value is shown whole, its unchanged parts too, as
	// Terraform shows it.
	vw := &valueWriter{b: &r.b, verbose: true, output: true}
	labels := make([]string, len(outputs))
	for i, o := range outputs {
		labels[i] = keyLabel(o.Name, false)
	}
	width := maxWidth(labels)
	for _, o := range all {
		width = max(width, len(keyLabel(o.Name, false)))
	}
	for i, o := range outputs {
		before, after := o.Before, o.After
		if o.Sensitive {
			before, after = markSensitive(before), markSensitive(after)
		}
		vw.node(0, pad(labels[i], width)+" = ", "", before, after, nil, true)
	}
}

// placements writes the placement section: for each placed component, the
// chosen site, the runners-up with their scores and each rejected site's
// reasons.
func (r *planRenderer) placements(ps []*plan.Placement) {
	r.b.WriteString("\nPlacement:\n")
	for _, pl := range ps {
		r.b.WriteByte('\n')
		for _, h := range placementHeaders(pl) {
			fmt.Fprintf(&r.b, "  # %s\n", h)
		}
		rankingTable(&r.b, pl.Ranking, "    ")
	}
}

func placementHeaders(pl *plan.Placement) []string {
	addr := pl.Addr.String()
	sites := siteList(pl.Sites)
	var hs []string
	switch {
	case len(pl.Sites) == 0:
		hs = append(hs, addr+" cannot be placed: no candidate site can take it")
	case len(pl.Previous) == 0:
		hs = append(hs, addr+" will be placed on "+sites)
	case sameStrings(pl.Sites, pl.Previous):
		hs = append(hs, addr+" stays on "+sites)
	default:
		hs = append(hs, addr+" moves from "+siteList(pl.Previous)+" to "+sites)
	}
	if pl.Ranking.Reason != "" {
		hs = append(hs, "("+pl.Ranking.Reason+")")
	}
	if pl.Fallback && len(pl.Sites) > 0 {
		hs = append(hs, "(if creating it there fails, apply moves it to the next-ranked site)")
	}
	return hs
}

func siteList(sites []string) string {
	if len(sites) == 1 {
		return "site " + sites[0]
	}
	return "sites " + strings.Join(sites, ", ")
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (r *planRenderer) notes() {
	notes := append([]plan.Note(nil), r.p.Notes...)
	sort.SliceStable(notes, func(i, j int) bool { return notes[i].Subject < notes[j].Subject })
	if len(r.p.Targets) > 0 {
		targets := append([]string(nil), r.p.Targets...)
		sort.Strings(targets)
		notes = append(notes, plan.Note{
			Summary: "Resource targeting is in effect: -target " + strings.Join(targets, ", -target "),
			Detail:  "This plan may not include every change the configuration asks for. -target is for exceptional situations, such as recovering from a mistake; run a plan without it afterwards.",
		})
	}
	if len(r.p.Excludes) > 0 {
		excludes := append([]string(nil), r.p.Excludes...)
		sort.Strings(excludes)
		notes = append(notes, plan.Note{
			Summary: "Resource exclusion is in effect: -exclude " + strings.Join(excludes, ", -exclude "),
			Detail:  "This plan leaves out the excluded objects and what depends on them. -exclude is for exceptional situations; run a plan without it afterwards.",
		})
	}
	if len(notes) == 0 {
		return
	}
	r.b.WriteString("\nNotes:\n")
	for _, n := range notes {
		text := n.Summary
		if n.Subject != "" && !strings.HasPrefix(text, n.Subject) {
			text = n.Subject + ": " + text
		}
		r.b.WriteString("\n  - " + text + "\n")
		if n.Detail != "" {
			for _, l := range strings.Split(wrap(n.Detail, 74), "\n") {
				r.b.WriteString("    " + l + "\n")
			}
		}
	}
}

// markSensitive marks v as sensitive as a whole (an output declared
// sensitive).
func markSensitive(v cty.Value) cty.Value {
	if v == cty.NilVal || isNull(v) {
		return v
	}
	return v.Mark(marks.Sensitive)
}

// RankingTable writes the ranking of one placed component as a compact
// table: one row per candidate site with its score and each criterion's
// contribution to it, the chosen site(s) starred, rejected sites with why,
// then what the ranking could not use. `indigo rank ADDRESS` prints it and
// the plan's placement section embeds it.
func RankingTable(w io.Writer, r rank.Ranking) error {
	var b strings.Builder
	rankingTable(&b, r, "")
	_, err := io.WriteString(w, b.String())
	return err
}

// importedFrom says what an import looks for: its id, or its identity.
func importedFrom(im *plan.Importing) string {
	if im.Identity != cty.NilVal && !im.Identity.IsNull() {
		v, _ := im.Identity.UnmarkDeep()
		if b, err := ctyjson.Marshal(v, v.Type()); err == nil {
			return "(imported by identity " + string(b) + ")"
		}
	}
	return fmt.Sprintf("(imported from %s)", quote(im.ID))
}
