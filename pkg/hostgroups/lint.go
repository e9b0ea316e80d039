package hostgroups

import (
	"fmt"
	"sort"
	"strings"

	"github.com/accessctl/accessctl/pkg/automember"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/plan"
)

// Finding codes of Lint beyond automember's per-regex ones (unanchored, unescaped-dot,
// invalid).
const (
	CodeNoMatch         = "no-match"         // a condition matches no host
	CodeOverlap         = "overlap"          // hosts matched by two hostgroups' rules, not intended
	CodeUnassigned      = "unassigned"       // a host no rule matches
	CodeUnmatchedMember = "unmatched-member" // a member its hostgroup's rule does not match
	CodeMissingMember   = "missing-member"   // a host the rule matches that is not a member
	CodeNoTarget        = "no-target"        // a rule whose hostgroup does not exist
)

// Finding is one lint result.
type Finding struct {
	Code      string `json:"code" yaml:"code"`
	Hostgroup string `json:"hostgroup,omitempty" yaml:"hostgroup,omitempty"`
	// Subject is the condition or host the finding is about.
	Subject string `json:"subject,omitempty" yaml:"subject,omitempty"`
	Message string `json:"message" yaml:"message"`
	// Fix is the suggested regex, when there is one.
	Fix string `json:"fix,omitempty" yaml:"fix,omitempty"`
}

// ConditionCount is the number of hosts one condition matches on its own.
type ConditionCount struct {
	Hostgroup string `json:"hostgroup" yaml:"hostgroup"`
	Type      string `json:"type" yaml:"type"` // inclusive or exclusive
	Condition string `json:"condition" yaml:"condition"`
	// Hosts is -1 when the condition's regex is invalid.
	Hosts int `json:"hosts" yaml:"hosts"`
}

// ConditionCounts counts, for each condition of the named rules (all when names is empty),
// the hosts it matches on its own, with one indexed matcher over all conditions.
func (st *State) ConditionCounts(names []string) ([]ConditionCount, error) {
	if len(names) == 0 {
		names = st.RuleNames()
	}
	var out []ConditionCount
	var rules []automember.Rule
	var idx []int
	for _, n := range names {
		r := st.Rules[n]
		if r == nil {
			continue
		}
		for _, k := range []struct {
			typ string
			cs  []automember.Condition
		}{{"inclusive", r.Inclusive}, {"exclusive", r.Exclusive}} {
			for _, c := range k.cs {
				cc := ConditionCount{Hostgroup: n, Type: k.typ, Condition: c.String()}
				if c.Attr == "" || automember.Validate(c.Regex) != nil {
					cc.Hosts = -1
				} else {
					rules = append(rules, automember.Rule{Name: fmt.Sprintf("%08d", len(out)), Inclusive: []automember.Condition{c}})
					idx = append(idx, len(out))
				}
				out = append(out, cc)
			}
		}
	}
	m, err := automember.NewMatcher(rules)
	if err != nil {
		return nil, err
	}
	pos := make(map[string]int, len(rules))
	for i, r := range rules {
		pos[r.Name] = idx[i]
	}
	for _, h := range st.Hosts {
		for _, res := range m.Hostgroups(h.FQDN) {
			out[pos[res.Hostgroup]].Hosts++
		}
	}
	return out, nil
}

// LintOptions tunes Lint.
type LintOptions struct {
	// Only restricts the findings to one hostgroup ("" = all; hosts matching no rule are
	// then reported too).
	Only string
	// IntendedOverlap reports hostgroup pairs that may share hosts on purpose.
	IntendedOverlap func(a, b string) bool
}

// Lint reports likely mistakes in the rules and where the directory differs from them.
func (st *State) Lint(o LintOptions) ([]Finding, error) {
	var out []Finding
	names := st.RuleNames()
	if o.Only != "" {
		names = []string{o.Only}
	}
	// Per-regex findings and rules without a hostgroup.
	for _, n := range names {
		r := st.Rules[n]
		if r == nil {
			continue
		}
		if st.Hostgroups[n] == nil {
			out = append(out, Finding{Code: CodeNoTarget, Hostgroup: n, Subject: r.TargetDN,
				Message: fmt.Sprintf("rule %s targets hostgroup %s, which does not exist", n, n)})
		}
		for _, c := range append(append([]automember.Condition(nil), r.Inclusive...), r.Exclusive...) {
			for _, f := range automember.Lint(c) {
				out = append(out, Finding{Code: f.Code, Hostgroup: n, Subject: c.String(), Message: f.Message, Fix: f.Fix})
			}
		}
	}
	counts, err := st.ConditionCounts(names)
	if err != nil {
		return nil, err
	}
	for _, cc := range counts {
		if cc.Hosts == 0 {
			out = append(out, Finding{Code: CodeNoMatch, Hostgroup: cc.Hostgroup, Subject: cc.Condition,
				Message: fmt.Sprintf("%s condition %q of %s matches no host", cc.Type, cc.Condition, cc.Hostgroup)})
		}
	}
	// Overlaps and hosts matching no rule, over every valid rule.
	m, err := st.Matcher(nil)
	if err != nil {
		return nil, err
	}
	type pair struct{ a, b string }
	overlaps := map[pair][]string{}
	matched := map[string]map[string]bool{} // hostgroup -> fqdn
	for _, h := range st.Hosts {
		res := m.Hostgroups(h.FQDN)
		if len(res) == 0 && o.Only == "" && !contains(h.MemberOf, SystemHostgroup) {
			out = append(out, Finding{Code: CodeUnassigned, Subject: h.FQDN,
				Message: fmt.Sprintf("host %s matches no automember rule", h.FQDN)})
		}
		for i, r := range res {
			if matched[r.Hostgroup] == nil {
				matched[r.Hostgroup] = map[string]bool{}
			}
			matched[r.Hostgroup][h.FQDN] = true
			for _, r2 := range res[i+1:] {
				if o.Only != "" && r.Hostgroup != o.Only && r2.Hostgroup != o.Only {
					continue
				}
				if o.IntendedOverlap != nil && o.IntendedOverlap(r.Hostgroup, r2.Hostgroup) {
					continue
				}
				k := pair{r.Hostgroup, r2.Hostgroup}
				overlaps[k] = append(overlaps[k], h.FQDN)
			}
		}
	}
	var pairs []pair
	for k := range overlaps {
		pairs = append(pairs, k)
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].a != pairs[j].a {
			return pairs[i].a < pairs[j].a
		}
		return pairs[i].b < pairs[j].b
	})
	for _, k := range pairs {
		hosts := overlaps[k]
		out = append(out, Finding{Code: CodeOverlap, Hostgroup: k.a, Subject: k.a + "," + k.b,
			Message: fmt.Sprintf("%d host(s) match the rules of both %s and %s (%s); list the pair in automember.intended_overlaps if intended",
				len(hosts), k.a, k.b, sample(hosts))})
	}
	// Members the rules do not match, and hosts the rules match that are not members.
	groups := st.HostgroupNames()
	if o.Only != "" {
		groups = []string{o.Only}
	}
	for _, n := range groups {
		g := st.Hostgroups[n]
		if g == nil || (n == SystemHostgroup && st.Rules[n] == nil) {
			continue
		}
		r := st.Rules[n]
		if r != nil && r.Err != nil {
			continue // reported as invalid
		}
		for _, f := range g.Members {
			if matched[n][f] {
				continue
			}
			msg := fmt.Sprintf("host %s is a member of %s but its rule does not match it", f, n)
			if r == nil {
				msg = fmt.Sprintf("host %s is a member of %s, which has no automember rule", f, n)
			}
			out = append(out, Finding{Code: CodeUnmatchedMember, Hostgroup: n, Subject: f, Message: msg})
		}
		var missing []string
		for f := range matched[n] {
			if _, ok := g.MemberDNs[f]; !ok {
				missing = append(missing, f)
			}
		}
		sort.Strings(missing)
		for _, f := range missing {
			out = append(out, Finding{Code: CodeMissingMember, Hostgroup: n, Subject: f,
				Message: fmt.Sprintf("host %s matches the rule of %s but is not a member (run automember rebuild)", f, n)})
		}
	}
	return out, nil
}

// SystemHostgroup is FreeIPA's own hostgroup of IPA servers, maintained by the server
// installer, not by automember: lint leaves it (and its hosts) alone.
const SystemHostgroup = ipa.ServersHostgroup

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func sample(hosts []string) string {
	if len(hosts) <= 3 {
		return strings.Join(hosts, ", ")
	}
	return strings.Join(hosts[:3], ", ") + fmt.Sprintf(", and %d more", len(hosts)-3)
}

// FixEscapesPlan is the plan that escapes the literal dots Lint flags in the named rules'
// conditions (all rules when only is ""), enforcing each changed rule on its hostgroup.
func (st *State) FixEscapesPlan(only string) (*plan.Plan, error) {
	names := st.RuleNames()
	if only != "" {
		names = []string{only}
	}
	p := &plan.Plan{Title: "escape literal dots in automember conditions"}
	for _, n := range names {
		r := st.Rules[n]
		if r == nil || r.Err != nil || st.Hostgroups[n] == nil {
			continue
		}
		if only == "" && ipa.CheckManageable(ipa.KindHostgroup, n, nil) != nil {
			continue // FreeIPA's own hostgroup: never edited (RulePlan refuses it when named)
		}
		nr := automember.Rule{Name: n}
		changed := false
		for _, c := range r.Inclusive {
			fixed := automember.Condition{Attr: c.Attr, Regex: automember.EscapeLiteralDots(c.Regex)}
			changed = changed || fixed != c
			nr.Inclusive = append(nr.Inclusive, fixed)
		}
		for _, c := range r.Exclusive {
			fixed := automember.Condition{Attr: c.Attr, Regex: automember.EscapeLiteralDots(c.Regex)}
			changed = changed || fixed != c
			nr.Exclusive = append(nr.Exclusive, fixed)
		}
		if !changed {
			continue
		}
		rp, _, err := st.RulePlan(p.Title, nr)
		if err != nil {
			return nil, err
		}
		p.Changes = append(p.Changes, rp.Changes...)
		p.Info = append(p.Info, rp.Info...)
		p.Warnings = append(p.Warnings, rp.Warnings...)
	}
	return p, nil
}
