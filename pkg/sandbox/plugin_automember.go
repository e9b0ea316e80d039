package sandbox

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
)

// Auto Membership: add, modify and the rebuild task.

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
