package hostgroups

import (
	"fmt"
	"sort"
	"strings"

	"github.com/accessctl/accessctl/pkg/automember"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/plan"
)

// Preview is what a hostgroup's rule does to its members: the hosts that join, those that
// are evicted, and how many stay.
type Preview struct {
	Hostgroup  string   `json:"hostgroup" yaml:"hostgroup"`
	RuleExists bool     `json:"rule_exists" yaml:"rule_exists"`
	Inclusive  []string `json:"inclusive" yaml:"inclusive"`
	Exclusive  []string `json:"exclusive" yaml:"exclusive"`
	Join       []string `json:"join" yaml:"join"`
	Evict      []string `json:"evict" yaml:"evict"`
	Stay       int      `json:"stay" yaml:"stay"`
	// Expected is every host the rule matches, sorted.
	Expected []string `json:"-" yaml:"-"`
	// By maps a joining host to the condition that admits it.
	By map[string]string `json:"-" yaml:"-"`
}

// Changes reports whether the preview joins or evicts any host.
func (p *Preview) Changes() bool { return len(p.Join) > 0 || len(p.Evict) > 0 }

// Edit is a change to a hostgroup's rule: conditions added and removed (regexes of the
// conventions' key attribute).
type Edit struct {
	AddInclusive    []string
	AddExclusive    []string
	RemoveInclusive []string
	RemoveExclusive []string
}

// Validate refuses any regex outside the common PCRE2/RE2 subset, naming the pattern and
// position; nothing reaches the directory.
func (e Edit) Validate() error {
	for _, l := range [][]string{e.AddInclusive, e.AddExclusive, e.RemoveInclusive, e.RemoveExclusive} {
		for _, re := range l {
			if err := automember.Validate(re); err != nil {
				return err
			}
		}
	}
	return nil
}

// Apply returns the rule of hostgroup hg after the edit (the current rule, or an empty one
// when none exists). Removing a condition the rule does not hold is an error; adding one it
// holds is ignored (as ipa automember-add-condition does).
func (st *State) ApplyEdit(hg string, key string, e Edit) (automember.Rule, error) {
	r := automember.Rule{Name: hg}
	if err := ipa.CheckManageable(ipa.KindHostgroup, hg, nil); err != nil {
		return r, err
	}
	if cur := st.Rules[hg]; cur != nil {
		r.Inclusive = append([]automember.Condition(nil), cur.Inclusive...)
		r.Exclusive = append([]automember.Condition(nil), cur.Exclusive...)
	}
	var err error
	if r.Inclusive, err = removeConds(hg, "inclusive", r.Inclusive, key, e.RemoveInclusive); err != nil {
		return r, err
	}
	if r.Exclusive, err = removeConds(hg, "exclusive", r.Exclusive, key, e.RemoveExclusive); err != nil {
		return r, err
	}
	r.Inclusive = addConds(r.Inclusive, key, e.AddInclusive)
	r.Exclusive = addConds(r.Exclusive, key, e.AddExclusive)
	return r, nil
}

func addConds(cs []automember.Condition, key string, res []string) []automember.Condition {
	for _, re := range res {
		c := automember.Condition{Attr: key, Regex: re}
		if !hasCond(cs, c) {
			cs = append(cs, c)
		}
	}
	return cs
}

func hasCond(cs []automember.Condition, c automember.Condition) bool {
	for _, x := range cs {
		if strings.EqualFold(x.Attr, c.Attr) && x.Regex == c.Regex {
			return true
		}
	}
	return false
}

func removeConds(hg, kind string, cs []automember.Condition, key string, res []string) ([]automember.Condition, error) {
	for _, re := range res {
		c := automember.Condition{Attr: key, Regex: re}
		if !hasCond(cs, c) {
			return nil, &NotFoundError{fmt.Sprintf("rule %s has no %s condition %q", hg, kind, c.String())}
		}
		out := cs[:0:0]
		for _, x := range cs {
			if !(strings.EqualFold(x.Attr, c.Attr) && x.Regex == c.Regex) {
				out = append(out, x)
			}
		}
		cs = out
	}
	return cs, nil
}

// NotFoundError is a missing hostgroup, rule or condition named on the command line.
type NotFoundError struct{ Msg string }

func (e *NotFoundError) Error() string { return e.Msg }

// Preview computes the joins and evictions rule makes in its hostgroup (rule.Name).
func (st *State) Preview(rule automember.Rule) (*Preview, error) {
	m, err := automember.NewMatcher([]automember.Rule{rule})
	if err != nil {
		return nil, err
	}
	matched := map[string]automember.MatchResult{}
	for _, h := range st.Hosts {
		if res := m.Hostgroups(h.FQDN); len(res) > 0 {
			matched[h.FQDN] = res[0]
		}
	}
	return st.previewFrom(rule, matched), nil
}

// previewFrom diffs the hosts a rule matches (fqdn → result) with its hostgroup's members.
func (st *State) previewFrom(rule automember.Rule, matched map[string]automember.MatchResult) *Preview {
	p := &Preview{Hostgroup: rule.Name, RuleExists: st.Rules[rule.Name] != nil, By: map[string]string{}, Join: []string{}, Evict: []string{}}
	for _, c := range rule.Inclusive {
		p.Inclusive = append(p.Inclusive, c.String())
	}
	for _, c := range rule.Exclusive {
		p.Exclusive = append(p.Exclusive, c.String())
	}
	var members map[string]string
	if g := st.Hostgroups[rule.Name]; g != nil {
		members = g.MemberDNs
	}
	for f := range matched {
		p.Expected = append(p.Expected, f)
	}
	sort.Strings(p.Expected)
	for _, f := range p.Expected {
		if _, ok := members[f]; ok {
			p.Stay++
			continue
		}
		p.Join = append(p.Join, f)
		if by := matched[f].By; by != nil {
			p.By[f] = by.String()
		}
	}
	for f := range members {
		if _, ok := matched[f]; !ok {
			p.Evict = append(p.Evict, f)
		}
	}
	sort.Strings(p.Evict)
	return p
}

// previews computes the previews of the named rules with one matcher over all of them.
func (st *State) previews(names []string) (map[string]*Preview, error) {
	var rules []automember.Rule
	for _, n := range names {
		rules = append(rules, st.Rules[n].Rule)
	}
	m, err := automember.NewMatcher(rules)
	if err != nil {
		return nil, err
	}
	matched := map[string]map[string]automember.MatchResult{}
	for _, n := range names {
		matched[n] = map[string]automember.MatchResult{}
	}
	for _, h := range st.Hosts {
		for _, res := range m.Hostgroups(h.FQDN) {
			matched[res.Hostgroup][h.FQDN] = res
		}
	}
	out := map[string]*Preview{}
	for _, r := range rules {
		out[r.Name] = st.previewFrom(r, matched[r.Name])
	}
	return out, nil
}

// RuleEntry renders rule as the entry FreeIPA stores for `ipa automember-add --type=hostgroup`.
func (st *State) RuleEntry(rule automember.Rule) *directory.Entry {
	e := ipa.AutomemberHostgroupRule(rule.Name, nil, nil, "", st.Suffix)
	e.Set("automemberInclusiveRegex", condStrings(rule.Inclusive)...)
	e.Set("automemberExclusiveRegex", condStrings(rule.Exclusive)...)
	return e
}

func condStrings(cs []automember.Condition) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.String())
	}
	return out
}

// RuleChange is the plan change that stores rule (create, modify or unchanged).
func (st *State) RuleChange(rule automember.Rule) plan.Change {
	hg := rule.Name
	cur := st.Rules[hg]
	if cur == nil {
		e := st.RuleEntry(rule)
		c := plan.Change{Action: plan.Create, Kind: "automember", Name: hg, DN: e.DN, Entry: e,
			IPA: []string{ipa.Command("automember-add", hg, "--type=hostgroup")}}
		c.IPA = append(c.IPA, condIPA("automember-add-condition", hg, rule.Inclusive, rule.Exclusive)...)
		return c
	}
	old := directory.NewEntry(cur.DN)
	old.Set("automemberInclusiveRegex", condStrings(cur.Inclusive)...)
	old.Set("automemberExclusiveRegex", condStrings(cur.Exclusive)...)
	var mods []directory.Mod
	mods = append(mods, plan.ModsForExact(old, "automemberInclusiveRegex", condStrings(rule.Inclusive))...)
	mods = append(mods, plan.ModsForExact(old, "automemberExclusiveRegex", condStrings(rule.Exclusive))...)
	if len(mods) == 0 {
		return plan.Change{Action: plan.Unchanged, Kind: "automember", Name: hg, DN: cur.DN}
	}
	var addI, addE, delI, delE []automember.Condition
	for _, c := range rule.Inclusive {
		if !hasCond(cur.Inclusive, c) {
			addI = append(addI, c)
		}
	}
	for _, c := range rule.Exclusive {
		if !hasCond(cur.Exclusive, c) {
			addE = append(addE, c)
		}
	}
	for _, c := range cur.Inclusive {
		if !hasCond(rule.Inclusive, c) {
			delI = append(delI, c)
		}
	}
	for _, c := range cur.Exclusive {
		if !hasCond(rule.Exclusive, c) {
			delE = append(delE, c)
		}
	}
	c := plan.Change{Action: plan.Modify, Kind: "automember", Name: hg, DN: cur.DN, Mods: mods}
	c.IPA = append(c.IPA, condIPA("automember-remove-condition", hg, delI, delE)...)
	c.IPA = append(c.IPA, condIPA("automember-add-condition", hg, addI, addE)...)
	return c
}

func condIPA(verb, hg string, inc, exc []automember.Condition) []string {
	var out []string
	for _, c := range inc {
		out = append(out, ipa.Command(verb, hg, "--type=hostgroup", "--key="+c.Attr, "--inclusive-regex="+c.Regex))
	}
	for _, c := range exc {
		out = append(out, ipa.Command(verb, hg, "--type=hostgroup", "--key="+c.Attr, "--exclusive-regex="+c.Regex))
	}
	return out
}

// MemberChange is the plan change that makes the hostgroup's host members exactly the
// preview's expected set: a modify deleting the evicted members' stored values and adding
// the joining hosts' DNs. It removes access when it evicts.
func (st *State) MemberChange(p *Preview) plan.Change {
	g := st.Hostgroups[p.Hostgroup]
	c := plan.Change{Kind: "hostgroup", Name: p.Hostgroup}
	if g == nil {
		c.Action = plan.Unchanged
		return c
	}
	c.DN = g.DN
	if !p.Changes() {
		c.Action = plan.Unchanged
		c.Notes = []string{fmt.Sprintf("members already match the rule (%d host(s))", p.Stay)}
		return c
	}
	c.Action = plan.Modify
	if len(p.Evict) > 0 {
		vals := make([]string, len(p.Evict))
		for i, f := range p.Evict {
			vals[i] = g.MemberDNs[f]
		}
		c.Mods = append(c.Mods, directory.Mod{Op: directory.ModDelete, Attr: "member", Values: vals})
		c.Removes = true
		c.IPA = append(c.IPA, ipa.Command("hostgroup-remove-member", p.Hostgroup, "--hosts="+strings.Join(p.Evict, ",")))
	}
	if len(p.Join) > 0 {
		vals := make([]string, len(p.Join))
		for i, f := range p.Join {
			vals[i] = st.HostDN(f)
		}
		c.Mods = append(c.Mods, directory.Mod{Op: directory.ModAdd, Attr: "member", Values: vals})
		c.IPA = append(c.IPA, ipa.Command("hostgroup-add-member", p.Hostgroup, "--hosts="+strings.Join(p.Join, ",")))
	}
	c.Notes = []string{fmt.Sprintf("%d join, %d evicted, %d stay", len(p.Join), len(p.Evict), p.Stay)}
	return c
}

// RulePlan is the plan that stores rule and enforces it on its hostgroup (all or nothing:
// hosts that do not match are evicted). The hostgroup must exist.
func (st *State) RulePlan(title string, rule automember.Rule) (*plan.Plan, *Preview, error) {
	if err := ipa.CheckManageable(ipa.KindHostgroup, rule.Name, nil); err != nil {
		return nil, nil, err
	}
	if st.Hostgroups[rule.Name] == nil {
		return nil, nil, &NotFoundError{fmt.Sprintf("hostgroup %s does not exist", rule.Name)}
	}
	if len(rule.Inclusive) == 0 && st.Rules[rule.Name] == nil {
		return nil, nil, &NotFoundError{fmt.Sprintf("hostgroup %s has no automember rule", rule.Name)}
	}
	pv, err := st.Preview(rule)
	if err != nil {
		return nil, nil, err
	}
	p := &plan.Plan{Title: title}
	p.Add(st.RuleChange(rule))
	p.Add(st.MemberChange(pv))
	p.Info = PreviewInfo(pv)
	if len(rule.Inclusive) == 0 {
		p.Warn(fmt.Sprintf("rule %s has no inclusive condition left: it matches no host", rule.Name))
	}
	return p, pv, nil
}

// DeletePlan is the plan that deletes hostgroup hg's automember rule and, unless
// keepMembers, evicts the hosts it admitted (hosts join only through rules).
func (st *State) DeletePlan(hg string, keepMembers bool) (*plan.Plan, error) {
	if err := ipa.CheckManageable(ipa.KindHostgroup, hg, nil); err != nil {
		return nil, err
	}
	r := st.Rules[hg]
	if r == nil {
		return nil, &NotFoundError{fmt.Sprintf("hostgroup %s has no automember rule", hg)}
	}
	before := st.RuleEntry(r.Rule)
	before.DN = r.DN
	if r.Description != "" {
		before.Set("description", r.Description)
	}
	if r.TargetDN != "" {
		before.Set("automemberTargetGroup", r.TargetDN)
	}
	p := &plan.Plan{Title: "delete automember rule " + hg}
	p.Add(plan.Change{Action: plan.Delete, Kind: "automember", Name: hg, DN: r.DN, Entry: before, Removes: true,
		IPA: []string{ipa.Command("automember-del", hg, "--type=hostgroup")}})
	if !keepMembers && st.Hostgroups[hg] != nil {
		pv, err := st.Preview(automember.Rule{Name: hg})
		if err != nil {
			return nil, err
		}
		p.Add(st.MemberChange(pv))
		p.Info = PreviewInfo(pv)
	}
	return p, nil
}

// PreviewInfo renders a preview as plan info lines.
func PreviewInfo(pv *Preview) []string {
	var out []string
	for _, f := range pv.Join {
		out = append(out, fmt.Sprintf("joins %s: %s (%s)", pv.Hostgroup, f, pv.By[f]))
	}
	for _, f := range pv.Evict {
		out = append(out, fmt.Sprintf("evicted from %s: %s (no condition matches)", pv.Hostgroup, f))
	}
	out = append(out, fmt.Sprintf("hostgroup %s: %d join, %d evicted, %d stay", pv.Hostgroup, len(pv.Join), len(pv.Evict), pv.Stay))
	return out
}

// EnforcePlan is the plan that makes every named hostgroup's host members exactly what
// its rule matches (all hostgroups with a rule when names is empty). Rules with invalid
// conditions and rules whose hostgroup is missing are skipped with a warning.
func (st *State) EnforcePlan(title string, names []string) (*plan.Plan, []*Preview, error) {
	every := len(names) == 0
	if every {
		names = st.RuleNames()
	}
	p := &plan.Plan{Title: title}
	var ok []string
	for _, n := range names {
		r := st.Rules[n]
		if err := ipa.CheckManageable(ipa.KindHostgroup, n, nil); err != nil {
			if !every {
				return nil, nil, err
			}
			// A rule someone put on FreeIPA's own hostgroup is never enforced here.
			p.Warn(fmt.Sprintf("skipped %s: %v", n, err))
			continue
		}
		switch {
		case r == nil:
			return nil, nil, &NotFoundError{fmt.Sprintf("hostgroup %s has no automember rule", n)}
		case r.Err != nil:
			p.Warn(fmt.Sprintf("skipped %s: %v", n, r.Err))
			continue
		case st.Hostgroups[n] == nil:
			p.Warn(fmt.Sprintf("skipped %s: the rule's hostgroup does not exist", n))
			continue
		}
		ok = append(ok, n)
	}
	all, err := st.previews(ok)
	if err != nil {
		return nil, nil, err
	}
	var pvs []*Preview
	for _, n := range ok {
		pv := all[n]
		pvs = append(pvs, pv)
		p.Add(st.MemberChange(pv))
		if pv.Changes() {
			p.Info = append(p.Info, PreviewInfo(pv)...)
		}
	}
	return p, pvs, nil
}

// Mismatch is a hostgroup whose members differ from what its rule matches.
type Mismatch struct {
	Hostgroup string   `json:"hostgroup" yaml:"hostgroup"`
	Missing   []string `json:"missing" yaml:"missing"`
	Extra     []string `json:"extra" yaml:"extra"`
}

// Verify compares the named hostgroups' members with their rules (every rule when names
// is empty).
func (st *State) Verify(names []string) ([]Mismatch, error) {
	if len(names) == 0 {
		names = st.RuleNames()
	}
	var ok []string
	for _, n := range names {
		if r := st.Rules[n]; r != nil && r.Err == nil && st.Hostgroups[n] != nil {
			ok = append(ok, n)
		}
	}
	all, err := st.previews(ok)
	if err != nil {
		return nil, err
	}
	var out []Mismatch
	for _, n := range ok {
		if pv := all[n]; pv.Changes() {
			out = append(out, Mismatch{Hostgroup: n, Missing: pv.Join, Extra: pv.Evict})
		}
	}
	return out, nil
}
