package cluster

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/siteconv"
	"github.com/accessctl/accessctl/templates"
)

// CreateOptions is what `cluster create` asks for.
type CreateOptions struct {
	Base string
	// Desc is the shared base text of the descriptions ("Summit HVAC").
	Desc string
	// HostRegex are fqdn regexes for the hostgroup's automember rule (validated by caller).
	HostRegex []string
	Fix       bool
	// GIDs are the two group IDs to use: {"-1","-1"} for DNA, or explicit numbers.
	GIDs [2]string
}

var descTemplates = template.Must(template.ParseFS(templates.FS, "descriptions.tmpl"))

// Description renders the description template name for base text.
func Description(name, base string) (string, error) {
	var b bytes.Buffer
	if err := descTemplates.ExecuteTemplate(&b, name, struct{ Base string }{base}); err != nil {
		return "", fmt.Errorf("render description %q: %w", name, err)
	}
	return strings.TrimSpace(b.String()), nil
}

// Descriptions returns the three descriptions of a cluster.
func Descriptions(conv *siteconv.Conventions, base string) (group, sudo, hostgroup string, err error) {
	if group, err = Description(conv.Cluster.Descriptions.Group, base); err != nil {
		return
	}
	if sudo, err = Description(conv.Cluster.Descriptions.SudoGroup, base); err != nil {
		return
	}
	hostgroup, err = Description(conv.Cluster.Descriptions.Hostgroup, base)
	return
}

// PlanCreate builds the plan that makes the cluster exist with the right shape. The user
// group comes first: its unique DN is the lock against a concurrent create.
func PlanCreate(s *State, conv *siteconv.Conventions, o CreateOptions) (*plan.Plan, error) {
	if err := s.Manageable(); err != nil {
		return nil, err
	}
	p := &plan.Plan{Title: "create cluster " + o.Base}
	dGroup, dSudo, dHG, err := Descriptions(conv, o.Desc)
	if err != nil {
		return nil, err
	}
	n, suffix := s.Names, s.Suffix
	key := conv.Automember.Key

	groupChange := func(name string, cur *directory.Entry, desc, gid string) {
		if cur == nil {
			e := ipa.PosixGroup(name, desc, gid, suffix)
			args := []string{"group-add", name, "--desc=" + desc}
			if gid != ipa.DNAMagic {
				args = append(args, "--gid="+gid)
			}
			p.Add(plan.Change{Action: plan.Create, Kind: "group", Name: name, DN: e.DN, Entry: e, IPA: []string{ipa.Command(args...)}})
			return
		}
		p.Add(adopt("group", name, cur, GroupProblems(name, cur), false))
	}
	groupChange(n.Group, s.Group, dGroup, o.GIDs[0])
	groupChange(n.SudoGroup, s.SudoGroup, dSudo, o.GIDs[1])

	if s.Hostgroup == nil {
		if s.Netgroup != nil {
			return nil, fmt.Errorf("cannot create hostgroup %q: a netgroup of that name exists (hostgroups and netgroups share a namespace)", n.Hostgroup)
		}
		e := ipa.Hostgroup(n.Hostgroup, dHG, suffix)
		p.Add(plan.Change{Action: plan.Create, Kind: "hostgroup", Name: n.Hostgroup, DN: e.DN, Entry: e,
			IPA: []string{ipa.Command("hostgroup-add", n.Hostgroup, "--desc="+dHG)}})
	} else {
		p.Add(adopt("hostgroup", n.Hostgroup, s.Hostgroup, HostgroupProblems(n.Hostgroup, s.Hostgroup), false))
	}

	if len(o.HostRegex) > 0 {
		p.Add(automemberChange(s, o.HostRegex, key))
	}

	if s.HBACRule == nil {
		e := ipa.HBACRule(n.HBACRule, []string{s.GroupDN()}, []string{s.HostgroupDN()}, suffix)
		p.Add(plan.Change{Action: plan.Create, Kind: "hbacrule", Name: n.HBACRule, DN: e.DN, Entry: e,
			LookupFilter: ipa.RuleFilter("ipahbacrule", n.HBACRule),
			IPA: []string{
				ipa.Command("hbacrule-add", n.HBACRule, "--servicecat=all"),
				ipa.Command("hbacrule-add-host", n.HBACRule, "--hostgroups="+n.Hostgroup),
				ipa.Command("hbacrule-add-user", n.HBACRule, "--groups="+n.Group),
			}})
	} else {
		p.Add(adopt("hbacrule", n.HBACRule, s.HBACRule, s.HBACProblems(), o.Fix))
	}

	if s.SudoRule == nil {
		e := ipa.SudoRule(ipa.SudoRuleSpec{Name: n.SudoRule, CmdAll: true, RunAsUserAll: true, RunAsGroupAll: true,
			UserDNs: []string{s.SudoGroupDN()}, HostDNs: []string{s.HostgroupDN()}}, suffix)
		p.Add(plan.Change{Action: plan.Create, Kind: "sudorule", Name: n.SudoRule, DN: e.DN, Entry: e,
			LookupFilter: ipa.RuleFilter("ipasudorule", n.SudoRule),
			IPA: []string{
				ipa.Command("sudorule-add", n.SudoRule, "--cmdcat=all", "--runasusercat=all", "--runasgroupcat=all"),
				ipa.Command("sudorule-add-user", n.SudoRule, "--groups="+n.SudoGroup),
				ipa.Command("sudorule-add-host", n.SudoRule, "--hostgroups="+n.Hostgroup),
			}})
	} else {
		p.Add(adopt("sudorule", n.SudoRule, s.SudoRule, s.SudoProblems(), o.Fix))
	}
	for _, d := range s.Duplicates {
		p.Warn(d + " exists more than once; remove the extra rule by hand")
	}
	return p, nil
}

// automemberChange creates the hostgroup's automember rule, or adds missing conditions.
func automemberChange(s *State, regexes []string, key string) plan.Change {
	hg := s.Names.Hostgroup
	if s.Automember == nil {
		e := ipa.AutomemberHostgroupRule(hg, regexes, nil, key, s.Suffix)
		cmds := []string{ipa.Command("automember-add", hg, "--type=hostgroup")}
		for _, r := range regexes {
			cmds = append(cmds, ipa.Command("automember-add-condition", hg, "--type=hostgroup", "--key="+key, "--inclusive-regex="+r))
		}
		return plan.Change{Action: plan.Create, Kind: "automember", Name: hg, DN: e.DN, Entry: e, IPA: cmds}
	}
	var add []string
	var cmds []string
	for _, r := range regexes {
		v := key + "=" + r
		if !s.Automember.Has("automemberInclusiveRegex", v) {
			add = append(add, v)
			cmds = append(cmds, ipa.Command("automember-add-condition", hg, "--type=hostgroup", "--key="+key, "--inclusive-regex="+r))
		}
	}
	if len(add) == 0 {
		return plan.Change{Action: plan.Unchanged, Kind: "automember", Name: hg, DN: s.Automember.DN}
	}
	return plan.Change{Action: plan.Modify, Kind: "automember", Name: hg, DN: s.Automember.DN,
		Mods: []directory.Mod{{Op: directory.ModAdd, Attr: "automemberInclusiveRegex", Values: add}}, IPA: cmds}
}

// adopt turns an existing object into Unchanged, Differs, or (with fix) a Modify that
// repairs every fixable problem.
func adopt(kind, name string, cur *directory.Entry, problems []Problem, fix bool) plan.Change {
	c := plan.Change{Kind: kind, Name: name, DN: cur.DN}
	if len(problems) == 0 {
		c.Action = plan.Unchanged
		return c
	}
	for _, pr := range problems {
		c.Notes = append(c.Notes, pr.Message)
	}
	if !fix {
		c.Action = plan.Differs
		return c
	}
	c.Before = map[string][]string{}
	for _, pr := range problems {
		if !pr.Fixable {
			c.Action = plan.Differs
			c.Mods = nil
			return c
		}
		c.Before[strings.ToLower(pr.Attr)] = cur.Get(pr.Attr)
		if pr.Want == nil {
			c.Mods = append(c.Mods, directory.Mod{Op: directory.ModDelete, Attr: pr.Attr})
			c.Removes = true
			continue
		}
		mods := plan.ModsFor(cur, pr.Attr, pr.Want)
		for _, m := range mods {
			if m.Op == directory.ModDelete {
				c.Removes = true
			}
		}
		c.Mods = append(c.Mods, mods...)
	}
	c.Action = plan.Modify
	return c
}
