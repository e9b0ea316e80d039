package sandbox

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/accessctl/accessctl/pkg/directory"
)

func (d *Dir) under(ndn, rel string) bool {
	return directory.IsUnder(ndn, directory.In(rel, d.suffix))
}

// ---- IPA UUID ----------------------------------------------------------------------

func (d *Dir) uuidPre(e *entry) {
	if !(e.hasOC("ipaObject") || e.hasOC("ipaAssociation") || d.hasSuperior(e, "ipaAssociation")) {
		return
	}
	if d.suffix != "" && !directory.IsUnder(e.ndn, d.suffix) {
		return
	}
	v := e.get("ipaUniqueID")
	if len(v) > 0 && !strings.EqualFold(v[0], "autogenerate") {
		return
	}
	id, err := uuid.NewUUID()
	if err != nil {
		id = uuid.New()
	}
	u := strings.ToLower(id.String())
	e.set("ipaUniqueID", u)
	avas := rdnAVAsFirst(e.dn)
	if len(avas) == 1 && strings.EqualFold(avas[0][0], "ipaUniqueID") {
		e.dn = avas[0][0] + "=" + u + "," + directory.Parent(e.dn)
		e.ndn = directory.NormalizeDN(e.dn)
	}
}

func (d *Dir) hasSuperior(e *entry, class string) bool {
	for _, o := range e.get("objectClass") {
		for _, s := range d.schema.Superiors(o) {
			if strings.EqualFold(s, class) {
				return true
			}
		}
	}
	return false
}

// ---- DNA ---------------------------------------------------------------------------

const dnaRangeName = "cn=posix ids,cn=distributed numeric assignment plugin,cn=plugins,cn=config"

func (d *Dir) dnaPre(e *entry) error {
	if !(e.hasOC("posixAccount") || e.hasOC("posixGroup") || e.hasOC("ipaIDobject")) {
		return nil
	}
	if d.under(e.ndn, "cn=provisioning") {
		return nil
	}
	var magic []string
	for _, a := range []string{"uidNumber", "gidNumber"} {
		if v := e.get(a); len(v) == 1 && strings.TrimSpace(v[0]) == "-1" {
			magic = append(magic, a)
		}
	}
	if len(magic) == 0 {
		return nil
	}
	base, size, ok := d.idRange()
	if !ok {
		return directory.Errorf(directory.CodeOperationsError, "add", e.dn, "Allocation of a new value for range %s failed! Unable to proceed.", dnaRangeName)
	}
	max := base + size - 1
	n := d.dnaNext
	if n < base {
		n = base
	}
	for ; n <= max; n++ {
		s := strconv.FormatInt(n, 10)
		if len(d.index["uidnumber"][s]) == 0 && len(d.index["gidnumber"][s]) == 0 {
			break
		}
	}
	if n > max {
		return directory.Errorf(directory.CodeOperationsError, "add", e.dn, "Allocation of a new value for range %s failed! Unable to proceed.", dnaRangeName)
	}
	for _, a := range magic {
		e.set(a, strconv.FormatInt(n, 10))
	}
	d.dnaNext = n + 1
	return nil
}

// idRange returns the local IPA ID range (cn=<REALM>_id_range,cn=ranges,cn=etc).
func (d *Dir) idRange() (base, size int64, ok bool) {
	rs, ok2 := d.entries[directory.NormalizeDN(directory.In(directory.Ranges, d.suffix))]
	if !ok2 {
		return 0, 0, false
	}
	var cands []*entry
	for _, c := range rs.children {
		if strings.EqualFold(c.first("ipaRangeType"), "ipa-local") || strings.HasSuffix(strings.ToLower(c.first("cn")), "_id_range") {
			cands = append(cands, c)
		}
	}
	// The realm's <REALM>_id_range first, whatever the order the ranges were added in: on
	// FreeIPA, DNA is configured from it, never from a range added later (issue 18).
	named := func(c *entry) bool { return strings.HasSuffix(strings.ToLower(c.first("cn")), "_id_range") }
	sort.Slice(cands, func(i, j int) bool {
		if named(cands[i]) != named(cands[j]) {
			return named(cands[i])
		}
		return cands[i].id < cands[j].id
	})
	for _, c := range cands {
		b, err1 := strconv.ParseInt(c.first("ipaBaseID"), 10, 64)
		s, err2 := strconv.ParseInt(c.first("ipaIDRangeSize"), 10, 64)
		if err1 == nil && err2 == nil {
			return b, s, true
		}
	}
	return 0, 0, false
}

func (e *entry) first(a string) string {
	if v := e.get(a); len(v) > 0 {
		return v[0]
	}
	return ""
}

// ---- attribute uniqueness -------------------------------------------------------------

func (d *Dir) checkUniqueness(e *entry, op string) error {
	staged := directory.In(directory.StagedUsers, d.suffix)
	conflict := func(attr string, ok func(o *entry) bool) error {
		for _, v := range e.get(attr) {
			for ndn := range d.index[strings.ToLower(attr)][d.m.norm(attr, v)] {
				if ndn == e.ndn {
					continue
				}
				if o := d.entries[ndn]; o != nil && ok(o) {
					return directory.Errorf(directory.CodeConstraintViolation, op, e.dn, "Another entry with the same attribute value already exists (attribute: %q)", attr)
				}
			}
		}
		return nil
	}
	if e.hasOC("posixAccount") && !directory.IsUnder(e.ndn, staged) && !d.under(e.ndn, "cn=compat") {
		if err := conflict("uid", func(o *entry) bool {
			return o.hasOC("posixAccount") && !directory.IsUnder(o.ndn, staged) && !d.under(o.ndn, "cn=compat")
		}); err != nil {
			return err
		}
	}
	for _, c := range []string{directory.SudoRules, directory.Netgroups} {
		if d.under(e.ndn, c) {
			if err := conflict("cn", func(o *entry) bool { return d.under(o.ndn, c) }); err != nil {
				return err
			}
		}
	}
	if !directory.IsUnder(e.ndn, staged) {
		if err := conflict("ipaUniqueID", func(o *entry) bool { return !directory.IsUnder(o.ndn, staged) }); err != nil {
			return err
		}
	}
	return nil
}

// ---- referential integrity ----------------------------------------------------------

// referint replaces (or, for "", removes) references to the moved or deleted DNs.
func (d *Dir) referint(moved map[string]string) {
	sources := map[string]bool{}
	for old := range moved {
		for src := range d.refs[old] {
			sources[src] = true
		}
	}
	for src := range sources {
		cur := d.entries[src]
		if cur == nil {
			continue
		}
		e := cur.clone()
		changed := false
		for i, a := range e.attrs {
			if !isIn(referintAttrs, a.Name) {
				continue
			}
			var nv []string
			for _, v := range a.Values {
				if to, ok := moved[directory.NormalizeDN(v)]; ok {
					changed = true
					if to != "" {
						nv = append(nv, to)
					}
					continue
				}
				nv = append(nv, v)
			}
			e.attrs[i].Values = nv
		}
		if changed {
			var keep []directory.Attribute
			for _, a := range e.attrs {
				if len(a.Values) > 0 {
					keep = append(keep, a)
				}
			}
			e.attrs = keep
			d.put(e)
		}
	}
}

// ---- memberOf ----------------------------------------------------------------------

// members returns the direct grouping-attribute members (ndn) of e.
func (d *Dir) members(e *entry) []string {
	var out []string
	for _, a := range groupingAttrs {
		for _, v := range e.get(a) {
			out = append(out, directory.NormalizeDN(v))
		}
	}
	return out
}

// parents returns the entries that list ndn in a grouping attribute.
func (d *Dir) parents(ndn string) []*entry {
	var out []*entry
	for src := range d.refs[ndn] {
		g := d.entries[src]
		if g == nil {
			continue
		}
		for _, m := range d.members(g) {
			if m == ndn {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

// Bounds of the memberOf update of one operation, so that a pathological nesting (a
// chain of 50,000 groups, where memberOf grows with the square of the depth) fails the
// operation cleanly instead of exhausting time and memory. 389-ds has no such limit; a
// FreeIPA site nests groups a few levels deep.
const (
	// MaxNesting is the deepest group nesting walked up from an entry.
	MaxNesting = 1000
	// maxMemberOfWork bounds the groups visited walking up from every entry below the
	// groups an operation changed (a few per entry on a real site).
	maxMemberOfWork = 4_000_000
)

// errNesting is the refusal for a nesting beyond the bounds.
func errNesting(dn, why string) error {
	return directory.Errorf(directory.CodeUnwillingToPerform, "modify", dn, "group nesting too deep to maintain memberOf: %s", why)
}

// fixMemberOf recomputes memberOf for every entry below a group whose grouping
// attributes changed in this operation (using the state before and after). The walks
// are iterative with visited sets, and bounded (MaxNesting, maxMemberOfWork).
func (d *Dir) fixMemberOf() error {
	if d.txn == nil || len(d.txn.changed) == 0 {
		return nil
	}
	dirty := map[string]bool{}
	down := func(start string, get func(string) *entry) {
		stack := []string{start}
		for len(stack) > 0 {
			g := get(stack[len(stack)-1])
			stack = stack[:len(stack)-1]
			if g == nil {
				continue
			}
			for _, m := range d.members(g) {
				if !dirty[m] {
					dirty[m] = true
					stack = append(stack, m)
				}
			}
		}
	}
	now := func(ndn string) *entry { return d.entries[ndn] }
	before := func(ndn string) *entry {
		if b, ok := d.txn.before[ndn]; ok {
			return b
		}
		return d.entries[ndn]
	}
	for g := range d.txn.changed {
		dirty[g] = true
		down(g, now)
		down(g, before)
	}
	keys := make([]string, 0, len(dirty))
	for k := range dirty {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	budget := maxMemberOfWork
	for _, ndn := range keys {
		e := d.entries[ndn]
		if e == nil || d.under(ndn, "cn=provisioning") || d.under(ndn, "cn=compat") {
			continue
		}
		if err := d.setMemberOf(e, &budget); err != nil {
			return err
		}
	}
	return nil
}

// setMemberOf sets e's memberOf to every group above it, walking up level by level;
// each group visited costs one unit of budget.
func (d *Dir) setMemberOf(e *entry, budget *int) error {
	seen := map[string]bool{e.ndn: true}
	var groups []*entry
	level := []string{e.ndn}
	for depth := 0; len(level) > 0; depth++ {
		if depth > MaxNesting {
			return errNesting(e.dn, fmt.Sprintf("nested more than %d levels deep", MaxNesting))
		}
		var next []string
		for _, n := range level {
			for _, p := range d.parents(n) {
				if seen[p.ndn] {
					continue
				}
				if *budget--; *budget < 0 {
					return errNesting(e.dn, fmt.Sprintf("more than %d group memberships to recompute in one operation", maxMemberOfWork))
				}
				seen[p.ndn] = true
				groups = append(groups, p)
				next = append(next, p.ndn)
			}
		}
		level = next
	}
	want := map[string]string{}
	for _, g := range groups {
		want[g.ndn] = g.dn
	}
	var nv []string
	have := map[string]bool{}
	for _, v := range e.get("memberOf") {
		n := directory.NormalizeDN(v)
		if dn, ok := want[n]; ok && !have[n] {
			nv = append(nv, dn)
			have[n] = true
		}
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].id < groups[j].id })
	for _, g := range groups {
		if !have[g.ndn] {
			nv = append(nv, g.dn)
			have[g.ndn] = true
		}
	}
	old := e.get("memberOf")
	if strings.Join(old, "\x00") == strings.Join(nv, "\x00") {
		return nil
	}
	x := e.clone()
	x.set("memberOf", nv...)
	if len(nv) > 0 && !d.allows(x, "memberOf") {
		x.set("objectClass", append(append([]string(nil), x.get("objectClass")...), "nsMemberOf")...)
	}
	d.put(x)
	return nil
}

func (d *Dir) allows(e *entry, attr string) bool {
	must, may, ext, _ := d.classSets(e)
	k := d.canon(attr)
	return ext || must[k] || may[k]
}

// ---- Managed Entries ---------------------------------------------------------------

type mepDef struct {
	scope, filter, base string
	tmpl                *entry
}

func (d *Dir) mepDefs() []mepDef {
	defs := d.entries[directory.NormalizeDN("cn=Definitions,cn=Managed Entries,cn=etc,"+d.suffix)]
	if defs == nil {
		return nil
	}
	var out []mepDef
	for _, c := range defs.children {
		t := d.entries[directory.NormalizeDN(c.first("managedTemplate"))]
		if t == nil || c.first("originScope") == "" {
			continue
		}
		out = append(out, mepDef{scope: c.first("originScope"), filter: c.first("originFilter"), base: c.first("managedBase"), tmpl: t})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].scope < out[j].scope })
	return out
}

func (d *Dir) matches(e *entry, f string) bool {
	cf, err := compileFilter(f)
	if err != nil {
		return false
	}
	return d.m.match(cf.p, e)
}

func (d *Dir) mepApplies(def mepDef, e *entry) bool {
	return directory.IsUnder(e.ndn, def.scope) && directory.NormalizeDN(def.scope) != e.ndn && d.matches(e, def.filter)
}

var mapRe = regexp.MustCompile(`\$\$?(\{[A-Za-z0-9;-]+\}|[A-Za-z][A-Za-z0-9;-]*)`)

func (d *Dir) mepMap(s string, origin *entry) string {
	return mapRe.ReplaceAllStringFunc(s, func(m string) string {
		name := strings.Trim(strings.TrimLeft(m, "$"), "{}")
		if strings.EqualFold(name, "dn") {
			return origin.dn
		}
		return origin.first(name)
	})
}

// mepBuild renders the managed entry for origin.
func (d *Dir) mepBuild(def mepDef, origin *entry) *directory.Entry {
	t := def.tmpl
	rdnAttr := t.first("mepRDNAttr")
	me := &directory.Entry{}
	add := func(a, v string) {
		me.Set(a, append(append([]string(nil), me.Get(a)...), v)...)
	}
	for _, s := range t.get("mepStaticAttr") {
		if i := strings.Index(s, ":"); i > 0 {
			add(strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:]))
		}
	}
	add("objectClass", "mepManagedEntry")
	for _, s := range t.get("mepMappedAttr") {
		if i := strings.Index(s, ":"); i > 0 {
			add(strings.TrimSpace(s[:i]), d.mepMap(strings.TrimSpace(s[i+1:]), origin))
		}
	}
	me.Set("mepManagedBy", origin.dn)
	me.DN = rdnAttr + "=" + directory.EscapeDNValue(me.First(rdnAttr)) + "," + def.base
	return me
}

func (d *Dir) mepAdd(e *entry) error {
	for _, def := range d.mepDefs() {
		if !d.mepApplies(def, e) || e.hasOC("mepManagedEntry") && e.first("mepManagedBy") != "" {
			continue
		}
		me := d.mepBuild(def, e)
		if _, err := d.addEntry(me, true); err != nil {
			// 389 rejects the origin's add whatever failed (an existing entry with the
			// managed entry's DN, a schema error), as unwilling to perform.
			return directory.Errorf(directory.CodeUnwillingToPerform, "add", e.dn,
				"Managed Entry Plugin rejected add operation (managed entry %s: %v)", me.DN, err)
		}
		o := d.entries[e.ndn].clone()
		if !o.hasOC("mepOriginEntry") {
			o.set("objectClass", append(append([]string(nil), o.get("objectClass")...), "mepOriginEntry")...)
		}
		o.set("mepManagedEntry", d.entries[directory.NormalizeDN(me.DN)].dn)
		d.put(o)
	}
	return nil
}

func (d *Dir) managedOf(origin *entry) *entry {
	if v := origin.first("mepManagedEntry"); v != "" {
		return d.entries[directory.NormalizeDN(v)]
	}
	return nil
}

func (d *Dir) mepModify(old, nw *entry) error {
	me := d.managedOf(nw)
	if me == nil {
		return nil
	}
	for _, def := range d.mepDefs() {
		if !directory.IsUnder(nw.ndn, def.scope) || !directory.IsUnder(me.ndn, def.base) {
			continue
		}
		want := d.mepBuild(def, nw)
		x := me.clone()
		changed := false
		for _, s := range def.tmpl.get("mepMappedAttr") {
			i := strings.Index(s, ":")
			if i <= 0 {
				continue
			}
			a := strings.TrimSpace(s[:i])
			if strings.EqualFold(a, def.tmpl.first("mepRDNAttr")) {
				continue
			}
			if strings.Join(x.get(a), "\x00") != strings.Join(want.Get(a), "\x00") {
				x.set(a, want.Get(a)...)
				changed = true
			}
		}
		if changed {
			d.put(x)
		}
	}
	return nil
}

func (d *Dir) mepDelete(origin *entry) error {
	if me := d.managedOf(origin); me != nil && directory.EqualDN(me.first("mepManagedBy"), origin.dn) {
		if len(me.children) == 0 {
			d.remove(me)
			d.referint(map[string]string{me.ndn: ""})
		}
	}
	return nil
}

func (d *Dir) mepRename(old, nw *entry) error {
	if nw == nil {
		return nil
	}
	me := d.managedOf(nw)
	if me == nil {
		return nil
	}
	for _, def := range d.mepDefs() {
		if !directory.IsUnder(me.ndn, def.base) {
			continue
		}
		if !d.mepApplies(def, nw) {
			// moved out of scope: remove the managed entry
			d.remove(me)
			d.referint(map[string]string{me.ndn: ""})
			o := nw.clone()
			o.set("mepManagedEntry")
			var ocs []string
			for _, oc := range o.get("objectClass") {
				if !strings.EqualFold(oc, "mepOriginEntry") {
					ocs = append(ocs, oc)
				}
			}
			o.set("objectClass", ocs...)
			d.put(o)
			return nil
		}
		x := me.clone()
		x.set("mepManagedBy", nw.dn)
		d.put(x)
		want := d.mepBuild(def, nw)
		if !directory.EqualDN(want.DN, me.dn) {
			rdn := want.DN[:len(want.DN)-len(def.base)-1]
			if err := d.renameEntry(me.dn, rdn, ""); err != nil {
				return err
			}
			o := d.entries[nw.ndn].clone()
			o.set("mepManagedEntry", want.DN)
			d.put(o)
		}
		return d.mepModify(old, d.entries[nw.ndn])
	}
	return nil
}

// ---- Auto Membership ----------------------------------------------------------------

type amRule struct {
	target    string
	inclusive [][2]string
	exclusive [][2]string
}

type amDef struct {
	scope, filter string
	attr          string // grouping attribute on the group (member)
	valueIsDN     bool
	defaults      []string
	rules         []amRule
}

func splitRegex(v string) ([2]string, bool) {
	i := strings.IndexByte(v, '=')
	if i <= 0 {
		return [2]string{}, false
	}
	return [2]string{strings.TrimSpace(v[:i]), v[i+1:]}, true
}

func (d *Dir) amDefs() []amDef {
	area := d.entries[directory.NormalizeDN(directory.In(directory.Automember, d.suffix))]
	if area == nil {
		return nil
	}
	var out []amDef
	for _, c := range area.children {
		if !c.hasOC("autoMemberDefinition") || strings.EqualFold(c.first("autoMemberDisabled"), "yes") {
			continue
		}
		ga := c.first("autoMemberGroupingAttr")
		def := amDef{scope: c.first("autoMemberScope"), filter: c.first("autoMemberFilter"), attr: "member", valueIsDN: true, defaults: c.get("autoMemberDefaultGroup")}
		if i := strings.IndexByte(ga, ':'); i > 0 {
			def.attr = ga[:i]
			def.valueIsDN = strings.EqualFold(ga[i+1:], "dn")
		}
		var walk func(x *entry)
		walk = func(x *entry) {
			for _, r := range x.children {
				if r.hasOC("autoMemberRegexRule") {
					rule := amRule{target: r.first("autoMemberTargetGroup")}
					for _, v := range r.get("autoMemberInclusiveRegex") {
						if p, ok := splitRegex(v); ok {
							rule.inclusive = append(rule.inclusive, p)
						}
					}
					for _, v := range r.get("autoMemberExclusiveRegex") {
						if p, ok := splitRegex(v); ok {
							rule.exclusive = append(rule.exclusive, p)
						}
					}
					def.rules = append(def.rules, rule)
				}
				walk(r)
			}
		}
		walk(c)
		out = append(out, def)
	}
	return out
}

func (d *Dir) regexMatch(e *entry, conds [][2]string) bool {
	for _, c := range conds {
		re, err := regexp.Compile(c[1])
		if err != nil {
			continue
		}
		for _, v := range e.get(c[0]) {
			if re.MatchString(v) {
				return true
			}
		}
	}
	return false
}

// amTargets returns the groups (ndn → DN) def puts e in, or nil when e is out of scope.
func (d *Dir) amTargets(def amDef, e *entry) map[string]string {
	if e == nil || !directory.IsUnder(e.ndn, def.scope) || !d.matches(e, def.filter) {
		return nil
	}
	excluded := map[string]bool{}
	for _, r := range def.rules {
		if d.regexMatch(e, r.exclusive) {
			excluded[directory.NormalizeDN(r.target)] = true
		}
	}
	out := map[string]string{}
	for _, r := range def.rules {
		t := directory.NormalizeDN(r.target)
		if !excluded[t] && d.regexMatch(e, r.inclusive) {
			out[t] = r.target
		}
	}
	if len(out) == 0 {
		for _, g := range def.defaults {
			out[directory.NormalizeDN(g)] = g
		}
	}
	return out
}

func (d *Dir) amValue(def amDef, e *entry) string {
	if def.valueIsDN {
		return e.dn
	}
	return e.first(def.attr)
}

func (d *Dir) amAddTo(def amDef, e *entry, targets map[string]string) error {
	keys := sortedKeys(targets)
	for _, t := range keys {
		g := d.entries[t]
		if g == nil {
			continue
		}
		val := d.amValue(def, e)
		if d.hasValue(g, def.attr, val) {
			continue
		}
		if err := d.modifyEntry(g.dn, []directory.Mod{{Op: directory.ModAdd, Attr: def.attr, Values: []string{val}}}, false); err != nil {
			return err
		}
	}
	return nil
}

func (d *Dir) amRemoveFrom(def amDef, e *entry, targets map[string]string) error {
	for _, t := range sortedKeys(targets) {
		g := d.entries[t]
		if g == nil {
			continue
		}
		val := d.amValue(def, e)
		if !d.hasValue(g, def.attr, val) {
			continue
		}
		if err := d.modifyEntry(g.dn, []directory.Mod{{Op: directory.ModDelete, Attr: def.attr, Values: []string{val}}}, false); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	k := make([]string, 0, len(m))
	for x := range m {
		k = append(k, x)
	}
	sort.Strings(k)
	return k
}

func (d *Dir) automemberAdd(e *entry) error {
	for _, def := range d.amDefs() {
		if err := d.amAddTo(def, e, d.amTargets(def, e)); err != nil {
			return err
		}
	}
	return nil
}

func (d *Dir) automemberModify(old, nw *entry) error {
	for _, def := range d.amDefs() {
		pre, post := d.amTargets(def, old), d.amTargets(def, nw)
		// 389-ds 2.3.1 (autoMemberProcessModifyOps on) re-evaluates a modified entry only
		// when it still falls under the definition and selects some group (a rule or a
		// default group): it then leaves the groups its previous state selected and its
		// new one does not (not every other target group, unlike rebuild). An entry that
		// leaves the definition's scope or filter, or stops matching every rule, keeps
		// the memberships it had (checked live).
		if len(post) == 0 {
			continue
		}
		stale := map[string]string{}
		for k, v := range pre {
			if _, ok := post[k]; !ok {
				stale[k] = v
			}
		}
		if err := d.amRemoveFrom(def, nw, stale); err != nil {
			return err
		}
		if err := d.amAddTo(def, nw, post); err != nil {
			return err
		}
	}
	return nil
}

// rebuild runs the automember rebuild task over base/scope/filter.
//
// On 389-ds 2.3.1 (the live test directory) the task removes every processed entry (one
// the task's filter selects, under a definition's scope and filter) from the
// definition's target groups its rules no longer select, with or without cleanup: a
// stale, hand-added member the task's filter selects is removed by a plain rebuild too.
// freeipa-ldap.md §2.8 describes newer 389 source, where only cleanup removes. Members
// the task does not process (other entries, nested groups) are kept either way.
func (d *Dir) rebuild(base string, scope directory.Scope, filter string, cleanup bool) (int, error) {
	_ = cleanup // same behaviour on 2.3.1, see above
	f, err := compileFilter(filter)
	if err != nil {
		return 0, directory.Errorf(directory.CodeUnwillingToPerform, "add", base, "invalid filter %q", filter)
	}
	found, err := d.searchEntries(directory.NormalizeDN(base), scope, f)
	if err != nil {
		return 0, err
	}
	defs := d.amDefs()
	for _, e := range found {
		for _, def := range defs {
			targets := d.amTargets(def, e)
			if targets == nil {
				continue
			}
			all := map[string]string{}
			for _, r := range def.rules {
				all[directory.NormalizeDN(r.target)] = r.target
			}
			for _, g := range def.defaults {
				all[directory.NormalizeDN(g)] = g
			}
			for k := range targets {
				delete(all, k)
			}
			if err := d.amRemoveFrom(def, e, all); err != nil {
				return 0, err
			}
			if err := d.amAddTo(def, d.entries[e.ndn], targets); err != nil {
				return 0, err
			}
		}
	}
	return len(found), nil
}

// addTask runs an automember rebuild task entry synchronously (d.mu held); the task
// entry stays searchable in memory.
func (d *Dir) addTask(in *directory.Entry) (string, error) {
	ndn := directory.NormalizeDN(in.DN)
	if _, ok := d.tasks[ndn]; ok {
		return "", directory.Errorf(directory.CodeEntryAlreadyExists, "add", in.DN, "entry already exists")
	}
	base, filter := in.First("basedn"), in.First("filter")
	if base == "" || filter == "" {
		return "", directory.Errorf(directory.CodeUnwillingToPerform, "add", in.DN, "missing basedn or filter")
	}
	scope := directory.ScopeSub
	switch strings.ToLower(in.First("scope")) {
	case "base":
		scope = directory.ScopeBase
	case "one":
		scope = directory.ScopeOne
	}
	cleanup := strings.EqualFold(in.First("cleanup"), "yes")
	d.mu.Unlock()
	var n int
	err := d.mutate(contextBackground(), func() error {
		var err error
		n, err = d.rebuild(base, scope, filter, cleanup)
		return err
	})
	d.mu.Lock()
	t := &entry{dn: in.DN, ndn: ndn, attrs: in.Clone().Attributes}
	code, status := "0", fmt.Sprintf("Automember rebuild task finished. Processed (%d) entries.", n)
	if err != nil {
		code, status = strconv.Itoa(directory.CodeOf(err)), "Automember rebuild task failed: "+err.Error()
	}
	t.set("nsTaskExitCode", code)
	t.set("nsTaskStatus", status)
	t.set("nsTaskLog", status)
	d.tasks[ndn] = t
	return in.DN, nil
}

func (d *Dir) searchTasks(nbase string, scope directory.Scope, f *filter) []*entry {
	var out []*entry
	for ndn, t := range d.tasks {
		ok := false
		switch scope {
		case directory.ScopeBase:
			ok = ndn == nbase
		case directory.ScopeOne:
			ok = directory.Parent(ndn) == nbase
		default:
			ok = directory.IsUnder(ndn, nbase)
		}
		if ok && d.m.match(f.p, t) {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ndn < out[j].ndn })
	return out
}

func contextBackground() context.Context { return context.Background() }
