package cluster

import (
	"fmt"
	"strings"

	"github.com/accessctl/accessctl/pkg/automember"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// Finding is one drift of a cluster from the convention.
type Finding struct {
	Cluster string `json:"cluster" yaml:"cluster"`
	Object  string `json:"object" yaml:"object"`
	Name    string `json:"name" yaml:"name"`
	Message string `json:"message" yaml:"message"`
	Fixable bool   `json:"fixable" yaml:"fixable"`
}

// Check lists every drift of one cluster: missing objects, shape problems, hosts in the
// hostgroup that its automember rule does not match, and descriptions that do not follow
// the templates with one shared base text.
func (s *State) Check(conv *siteconv.Conventions) []Finding {
	var out []Finding
	add := func(obj, name, msg string, fixable bool) {
		out = append(out, Finding{Cluster: s.Names.Base, Object: obj, Name: name, Message: msg, Fixable: fixable})
	}
	missing := []struct {
		e          *directory.Entry
		kind, name string
	}{
		{s.Group, "group", s.Names.Group}, {s.SudoGroup, "group", s.Names.SudoGroup},
		{s.Hostgroup, "hostgroup", s.Names.Hostgroup}, {s.HBACRule, "hbacrule", s.Names.HBACRule},
		{s.SudoRule, "sudorule", s.Names.SudoRule},
	}
	for _, m := range missing {
		if m.e == nil {
			add(m.kind, m.name, "is missing", true)
		}
	}
	for _, p := range s.Problems() {
		add(p.Object, p.Name, p.Message, p.Fixable)
	}
	if s.Hostgroup != nil {
		out = append(out, s.hostFindings(conv)...)
	}
	if base, ok := s.DescriptionBase(conv); !ok {
		add("cluster", s.Names.Base, "descriptions do not follow the templates with one shared base text"+base, false)
	}
	return out
}

// hostFindings: members of the hostgroup its automember rule does not match (they would
// be evicted by an enforced rebuild), and members when there is no rule at all.
func (s *State) hostFindings(conv *siteconv.Conventions) []Finding {
	var out []Finding
	members := s.Hostgroup.Get("member")
	var hosts []string
	for _, m := range members {
		if strings.HasPrefix(strings.ToLower(m), "fqdn=") {
			hosts = append(hosts, directory.RDNValue(m))
		}
	}
	if len(hosts) == 0 {
		return nil
	}
	if s.Automember == nil {
		return []Finding{{Cluster: s.Names.Base, Object: "hostgroup", Name: s.Names.Hostgroup,
			Message: fmt.Sprintf("has %d host(s) but no automember rule (ITTN-010 §3.2: membership only by rule)", len(hosts))}}
	}
	rule := RuleOf(s.Automember)
	key := conv.Automember.Key
	for _, h := range hosts {
		if ok, _, _ := automember.Match(rule, map[string][]string{key: {h}}); !ok {
			out = append(out, Finding{Cluster: s.Names.Base, Object: "hostgroup", Name: s.Names.Hostgroup,
				Message: fmt.Sprintf("host %s is a member but its automember rule does not match it", h)})
		}
	}
	return out
}

// RuleOf parses an automember rule entry; unparsable conditions are skipped.
func RuleOf(e *directory.Entry) automember.Rule {
	r := automember.Rule{Name: e.First("cn")}
	for _, v := range e.Get("automemberInclusiveRegex") {
		if c, err := automember.ParseCondition(v); err == nil {
			r.Inclusive = append(r.Inclusive, c)
		}
	}
	for _, v := range e.Get("automemberExclusiveRegex") {
		if c, err := automember.ParseCondition(v); err == nil {
			r.Exclusive = append(r.Exclusive, c)
		}
	}
	return r
}

// GroupDescriptionBase recovers the shared base text from a user group's description
// ("Summit HVAC users" gives "Summit HVAC"): false when d does not follow the template.
func GroupDescriptionBase(conv *siteconv.Conventions, d string) (string, bool) {
	// Templates are "<base> users" etc.: render the template around a marker.
	const marker = "\x00"
	tmpl, err := Description(conv.Cluster.Descriptions.Group, marker)
	if err != nil {
		return "", false
	}
	pre, post, _ := strings.Cut(tmpl, marker)
	if !strings.HasPrefix(d, pre) || !strings.HasSuffix(d, post) || len(d) <= len(pre)+len(post) {
		return "", false
	}
	return d[len(pre) : len(d)-len(post)], true
}

// DescriptionBase recovers the shared base text from the descriptions and reports
// whether all three descriptions follow the templates with it.
func (s *State) DescriptionBase(conv *siteconv.Conventions) (string, bool) {
	if s.Group == nil || s.SudoGroup == nil || s.Hostgroup == nil {
		return "", true // missing objects are reported on their own
	}
	d := s.Group.First("description")
	base, ok := GroupDescriptionBase(conv, d)
	if !ok {
		return fmt.Sprintf(" (group %q has %q)", s.Names.Group, d), false
	}
	g, sg, hg, err := Descriptions(conv, base)
	if err != nil {
		return "", false
	}
	got := [3]string{s.Group.First("description"), s.SudoGroup.First("description"), s.Hostgroup.First("description")}
	want := [3]string{g, sg, hg}
	if got != want {
		return fmt.Sprintf(" (want %q, %q, %q; have %q, %q, %q)", want[0], want[1], want[2], got[0], got[1], got[2]), false
	}
	return base, true
}
