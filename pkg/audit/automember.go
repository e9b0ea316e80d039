package audit

import (
	"fmt"
	"sort"
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/hostgroups"
)

// automember: the lint of pkg/hostgroups over the snapshot's hosts, hostgroups and rules,
// and hosts in no hostgroup that no rule matches.
func (a *auditor) automember() error {
	var hosts []*hostgroups.Host
	for _, h := range a.snap.Hosts {
		hh := &hostgroups.Host{FQDN: h.FQDN, DN: h.DN}
		for _, g := range h.Hostgroups {
			hh.MemberOf = append(hh.MemberOf, strings.ToLower(g.Name))
		}
		hosts = append(hosts, hh)
	}
	var groups []*hostgroups.Hostgroup
	for _, g := range a.snap.Hostgroups {
		hg := &hostgroups.Hostgroup{Name: strings.ToLower(g.Name), DN: g.DN, MemberDNs: map[string]string{}}
		for _, h := range g.Hosts {
			if _, dup := hg.MemberDNs[h.FQDN]; !dup {
				hg.Members = append(hg.Members, h.FQDN)
			}
			hg.MemberDNs[h.FQDN] = h.DN
		}
		sort.Strings(hg.Members)
		groups = append(groups, hg)
	}
	amBase := directory.In(directory.AutomemberHG, a.snap.Suffix)
	var rules []*hostgroups.Rule
	for _, e := range a.clean() {
		if e.HasObjectClass("automemberregexrule") && directory.EqualDN(directory.Parent(e.DN), amBase) {
			rules = append(rules, hostgroups.ParseRule(e))
		}
	}
	st := hostgroups.New(a.snap.Suffix, hosts, groups, rules)
	fs, err := st.Lint(hostgroups.LintOptions{IntendedOverlap: a.conv.IntendedOverlap})
	if err != nil {
		return fmt.Errorf("automember lint: %w", err)
	}
	a.out = append(a.out, st.Findings(fs)...)
	return nil
}
