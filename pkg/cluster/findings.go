package cluster

import (
	"fmt"
	"strings"

	"github.com/accessctl/accessctl/pkg/automember"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/finding"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// Findings are the cluster rules' findings, as both `cluster check` and `audit` report
// them: cluster-half (missing pieces, with the --fix command), cluster-rule-disabled,
// cluster-category, cluster-members and cluster-shape (misshaped pieces), and
// cluster-description.
func (s *State) Findings(conv *siteconv.Conventions) []finding.Finding {
	var out []finding.Finding
	base := s.Names.Base
	fix := "accessctl cluster create " + base + " --desc TEXT --fix"
	if s.Group != nil {
		if _, ok := GroupDescriptionBase(conv, s.Group.First("description")); ok {
			fix = "accessctl cluster create " + base + " --fix" // the text is read from the group
		}
	}
	var missing []string
	for _, m := range []struct {
		e          *directory.Entry
		kind, name string
	}{{s.Group, "group", s.Names.Group}, {s.SudoGroup, "group", s.Names.SudoGroup},
		{s.Hostgroup, "hostgroup", s.Names.Hostgroup}, {s.HBACRule, "hbacrule", s.Names.HBACRule},
		{s.SudoRule, "sudorule", s.Names.SudoRule}} {
		if m.e == nil {
			missing = append(missing, m.kind+":"+m.name)
		}
	}
	if len(missing) > 0 {
		out = append(out, finding.New("cluster-half", finding.Error, fix, fmt.Sprintf("cluster %s is missing %s", base, strings.Join(missing, ", ")),
			append([]string{"cluster:" + base}, missing...)...))
	}
	for _, p := range s.Problems() {
		id, sev := "cluster-shape", finding.Warning
		switch {
		case strings.EqualFold(p.Attr, "ipaEnabledFlag"):
			id, sev = "cluster-rule-disabled", finding.Error
		case strings.Contains(strings.ToLower(p.Attr), "category"):
			id = "cluster-category"
		case strings.EqualFold(p.Attr, "memberUser") || strings.EqualFold(p.Attr, "memberHost"):
			id = "cluster-members"
		}
		f := ""
		if p.Fixable {
			f = fix
		}
		out = append(out, finding.New(id, sev, f, fmt.Sprintf("cluster %s: %s %s %s", base, p.Object, p.Name, p.Message), "cluster:"+base, p.Object+":"+p.Name))
	}
	if b, ok := s.DescriptionBase(conv); !ok {
		out = append(out, finding.New("cluster-description", finding.Info, "", fmt.Sprintf("cluster %s: descriptions do not follow the templates with one shared base text%s", base, b), "cluster:"+base))
	}
	return out
}

// HostFindings are the members of the cluster's hostgroup that its automember rule does
// not match (or that it holds without a rule), with the id, message and fix `automember
// lint` and `audit` give them (automember-unmatched-member).
func (s *State) HostFindings(conv *siteconv.Conventions) []finding.Finding {
	if s.Hostgroup == nil {
		return nil
	}
	hg := s.Names.Hostgroup
	var rule *automember.Rule
	if s.Automember != nil {
		r := RuleOf(s.Automember)
		rule = &r
	}
	var out []finding.Finding
	for _, m := range s.Hostgroup.Get("member") {
		if !strings.HasPrefix(strings.ToLower(m), "fqdn=") {
			continue
		}
		h := directory.RDNValue(m)
		msg := fmt.Sprintf("host %s is a member of %s, which has no automember rule", h, hg)
		if rule != nil {
			if ok, _, _ := automember.Match(*rule, map[string][]string{conv.Automember.Key: {h}}); ok {
				continue
			}
			msg = fmt.Sprintf("host %s is a member of %s but its rule does not match it", h, hg)
		}
		out = append(out, finding.New("automember-unmatched-member", finding.Warning, "accessctl automember rebuild --hostgroup "+hg, msg,
			"hostgroup:"+hg, "host:"+h))
	}
	return out
}
