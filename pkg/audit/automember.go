package audit

import (
	"fmt"
	"sort"
	"strings"

	"github.com/accessctl/accessctl/pkg/automember"
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
	for _, f := range fs {
		objs := []string{}
		if f.Hostgroup != "" {
			objs = append(objs, "hostgroup:"+f.Hostgroup)
		}
		sev, fix := Warning, ""
		switch f.Code {
		case hostgroups.CodeUnassigned:
			h := a.snap.Host(f.Subject)
			if h != nil && len(h.Hostgroups) == 0 {
				a.add("host-no-hostgroup", Warning, "", fmt.Sprintf("host %s is in no hostgroup and matches no automember rule", f.Subject), "host:"+f.Subject)
			}
			continue // a member of some hostgroup is reported as unmatched-member
		case automember.CodeUnescapedDot:
			fix = "accessctl automember lint " + f.Hostgroup + " --fix-escapes"
		case hostgroups.CodeMissingMember, hostgroups.CodeUnmatchedMember:
			fix = "accessctl automember rebuild --hostgroup " + f.Hostgroup
			objs = append(objs, "host:"+f.Subject)
		case hostgroups.CodeOverlap:
			objs = nil
			for _, n := range strings.Split(f.Subject, ",") {
				objs = append(objs, "hostgroup:"+n)
			}
		case automember.CodeInvalid, hostgroups.CodeNoTarget:
			sev = Error
		}
		if f.Code != hostgroups.CodeOverlap && f.Code != hostgroups.CodeMissingMember && f.Code != hostgroups.CodeUnmatchedMember && f.Subject != "" {
			objs = append(objs, "condition:"+f.Subject)
		}
		a.add("automember-"+f.Code, sev, fix, f.Message, objs...)
	}
	return nil
}
