// Package hostgroups is the domain logic behind `accessctl automember` and `accessctl host`:
// it reads every host, hostgroup and hostgroup automember rule in three searches, computes
// the members each rule calls for with automember.Matcher, previews joins and evictions, and
// lints the rules against the hosts. It makes no writes and prints nothing; commands turn
// its results into plans and tables.
package hostgroups

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/accessctl/accessctl/pkg/automember"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
)

// Host is one host entry.
type Host struct {
	FQDN string // lower case
	DN   string // as stored
	// MemberOf holds the hostgroup names the host's memberOf lists (direct or nested).
	MemberOf []string
	// Description and Locality are shown by `host show`.
	Description string
	Locality    string
}

// Hostgroup is one hostgroup entry.
type Hostgroup struct {
	Name        string
	DN          string
	Description string
	// Members are the lower-case FQDNs of the host members, sorted.
	Members []string
	// MemberDNs maps a member FQDN to the member value as stored (needed to delete it).
	MemberDNs map[string]string
	// OtherMembers are member values that are not known hosts (nested hostgroups, dangling
	// DNs): enforcement leaves them alone.
	OtherMembers []string
}

// Rule is one hostgroup automember rule entry.
type Rule struct {
	automember.Rule
	DN          string
	TargetDN    string
	Description string
	// Err is set when a stored condition fails automember.Validate or does not parse: the
	// rule is then left out of every computation (the server would not apply it as Go does).
	Err error
}

// State is what the automember and host commands read: every host, hostgroup and
// hostgroup automember rule.
type State struct {
	Suffix     string
	Hosts      []*Host // sorted by FQDN
	Hostgroups map[string]*Hostgroup
	Rules      map[string]*Rule // by hostgroup name (lower case)

	byFQDN map[string]*Host
}

// Searches is the number of directory searches Read makes.
const Searches = 3

// Read reads the state in Searches searches.
func Read(ctx context.Context, dir directory.Client) (*State, error) {
	s := dir.Suffix()
	st := &State{Suffix: s, Hostgroups: map[string]*Hostgroup{}, Rules: map[string]*Rule{}, byFQDN: map[string]*Host{}}
	hosts, err := dir.Search(ctx, directory.SearchRequest{
		BaseDN: directory.In(directory.Computers, s), Scope: directory.ScopeSub,
		Filter:     "(objectClass=ipahost)",
		Attributes: []string{"fqdn", "memberOf", "description", "l"},
	})
	if err != nil {
		return nil, fmt.Errorf("read hosts: %w", err)
	}
	byDN := make(map[string]*Host, len(hosts))
	hgBase := directory.NormalizeDN(directory.In(directory.Hostgroups, s))
	for _, e := range hosts {
		h := &Host{FQDN: strings.ToLower(e.First("fqdn")), DN: e.DN, Description: e.First("description"), Locality: e.First("l")}
		if h.FQDN == "" {
			h.FQDN = strings.ToLower(directory.RDNValue(e.DN))
		}
		for _, m := range e.Get("memberOf") {
			if directory.NormalizeDN(directory.Parent(m)) == hgBase {
				h.MemberOf = append(h.MemberOf, strings.ToLower(directory.RDNValue(m)))
			}
		}
		sort.Strings(h.MemberOf)
		st.Hosts = append(st.Hosts, h)
		st.byFQDN[h.FQDN] = h
		byDN[directory.NormalizeDN(e.DN)] = h
	}
	sort.Slice(st.Hosts, func(i, j int) bool { return st.Hosts[i].FQDN < st.Hosts[j].FQDN })

	groups, err := dir.Search(ctx, directory.SearchRequest{
		BaseDN: directory.In(directory.Hostgroups, s), Scope: directory.ScopeOne,
		Filter:     "(objectClass=ipahostgroup)",
		Attributes: []string{"cn", "member", "description"},
	})
	if err != nil {
		return nil, fmt.Errorf("read hostgroups: %w", err)
	}
	for _, e := range groups {
		g := &Hostgroup{Name: strings.ToLower(e.First("cn")), DN: e.DN, Description: e.First("description"), MemberDNs: map[string]string{}}
		for _, m := range e.Get("member") {
			if h := byDN[directory.NormalizeDN(m)]; h != nil {
				if _, dup := g.MemberDNs[h.FQDN]; !dup {
					g.Members = append(g.Members, h.FQDN)
				}
				g.MemberDNs[h.FQDN] = m
				continue
			}
			g.OtherMembers = append(g.OtherMembers, m)
		}
		sort.Strings(g.Members)
		st.Hostgroups[g.Name] = g
	}

	rules, err := dir.Search(ctx, directory.SearchRequest{
		BaseDN: directory.In(directory.AutomemberHG, s), Scope: directory.ScopeSub,
		Filter:     "(objectClass=automemberregexrule)",
		Attributes: []string{"cn", "automemberTargetGroup", "automemberInclusiveRegex", "automemberExclusiveRegex", "description"},
	})
	if err != nil && !directory.IsNotFound(err) {
		return nil, fmt.Errorf("read automember rules: %w", err)
	}
	for _, e := range rules {
		r := ParseRule(e)
		st.Rules[r.Name] = r
	}
	return st, nil
}

// ParseRule turns a rule entry into a Rule; the hostgroup name is the target's RDN (the
// rule's cn when there is no target).
func ParseRule(e *directory.Entry) *Rule {
	r := &Rule{DN: e.DN, TargetDN: e.First("automemberTargetGroup"), Description: e.First("description")}
	r.Name = strings.ToLower(e.First("cn"))
	if r.TargetDN != "" {
		r.Name = strings.ToLower(directory.RDNValue(r.TargetDN))
	}
	parse := func(vals []string) []automember.Condition {
		var out []automember.Condition
		for _, v := range vals {
			c, err := automember.ParseCondition(v)
			if err != nil {
				if r.Err == nil {
					r.Err = fmt.Errorf("rule %s: %w", r.Name, err)
				}
				attr, re, _ := strings.Cut(v, "=")
				c = automember.Condition{Attr: attr, Regex: re}
			}
			out = append(out, c)
		}
		return out
	}
	r.Inclusive = parse(e.Get("automemberInclusiveRegex"))
	r.Exclusive = parse(e.Get("automemberExclusiveRegex"))
	return r
}

// Host returns the host with this FQDN (case-insensitive), or nil.
func (st *State) Host(fqdn string) *Host { return st.byFQDN[strings.ToLower(fqdn)] }

// HostgroupNames returns the hostgroup names, sorted.
func (st *State) HostgroupNames() []string {
	out := make([]string, 0, len(st.Hostgroups))
	for n := range st.Hostgroups {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// RuleNames returns the names of the rules, sorted.
func (st *State) RuleNames() []string {
	out := make([]string, 0, len(st.Rules))
	for n := range st.Rules {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// HostDN is the DN to add to a hostgroup's member for the host.
func (st *State) HostDN(fqdn string) string {
	if h := st.Host(fqdn); h != nil {
		return h.DN
	}
	return ipa.HostDN(strings.ToLower(fqdn), st.Suffix)
}

// Matcher builds a matcher over the valid rules, with override replacing (or adding) the
// rule of override.Name when not nil.
func (st *State) Matcher(override *automember.Rule) (*automember.Matcher, error) {
	var rules []automember.Rule
	for _, n := range st.RuleNames() {
		r := st.Rules[n]
		if override != nil && n == override.Name {
			continue
		}
		if r.Err == nil {
			rules = append(rules, r.Rule)
		}
	}
	if override != nil {
		rules = append(rules, *override)
	}
	return automember.NewMatcher(rules)
}

// Expected returns, for every hostgroup with a valid rule, the sorted FQDNs its rule
// matches, with the condition that admits each host (by hostgroup, then FQDN).
func (st *State) Expected(m *automember.Matcher) map[string]map[string]automember.MatchResult {
	out := map[string]map[string]automember.MatchResult{}
	for _, h := range st.Hosts {
		for _, res := range m.Hostgroups(h.FQDN) {
			g := out[res.Hostgroup]
			if g == nil {
				g = map[string]automember.MatchResult{}
				out[res.Hostgroup] = g
			}
			g[h.FQDN] = res
		}
	}
	return out
}

// New builds a State from values (tests, benchmarks and callers that read elsewhere).
func New(suffix string, hosts []*Host, groups []*Hostgroup, rules []*Rule) *State {
	st := &State{Suffix: suffix, Hostgroups: map[string]*Hostgroup{}, Rules: map[string]*Rule{}, byFQDN: map[string]*Host{}}
	for _, h := range hosts {
		st.Hosts = append(st.Hosts, h)
		st.byFQDN[h.FQDN] = h
	}
	sort.Slice(st.Hosts, func(i, j int) bool { return st.Hosts[i].FQDN < st.Hosts[j].FQDN })
	for _, g := range groups {
		if g.MemberDNs == nil {
			g.MemberDNs = map[string]string{}
			for _, f := range g.Members {
				g.MemberDNs[f] = ipa.HostDN(f, suffix)
			}
		}
		st.Hostgroups[g.Name] = g
	}
	for _, r := range rules {
		st.Rules[r.Name] = r
	}
	return st
}
