package cluster

import (
	"fmt"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// Manageable refuses (with *ipa.UnmanagedError, exit 2) a cluster whose names hit one of
// FreeIPA's own objects (cluster admins, ipaservers, ...) or whose existing objects are
// not in the convention's shape (a user private group holding the group's name, a foreign
// entry). Every plan that changes a cluster starts with it, so nothing is written.
func (s *State) Manageable() error {
	n := s.Names
	for _, o := range []struct {
		kind, name string
		e          *directory.Entry
	}{
		{ipa.KindGroup, n.Group, s.Group},
		{ipa.KindGroup, n.SudoGroup, s.SudoGroup},
		{ipa.KindHostgroup, n.Hostgroup, s.Hostgroup},
		{ipa.KindHBACRule, n.HBACRule, s.HBACRule},
		{ipa.KindSudoRule, n.SudoRule, s.SudoRule},
	} {
		if err := ipa.CheckManageable(o.kind, o.name, o.e); err != nil {
			return err
		}
	}
	return nil
}

// CheckNames refuses, by name alone (no directory read), a base whose names hit one of
// FreeIPA's own objects: commands call it before asking for --yes, so the refusal names
// the real reason.
func CheckNames(conv *siteconv.Conventions, base string) error {
	return (&State{Names: conv.ClusterNames(base)}).Manageable()
}

// OwnedByFreeIPA reports whether one of base's names is one of FreeIPA's own objects:
// such a base is never listed (nor completed) as a cluster.
func OwnedByFreeIPA(conv *siteconv.Conventions, base string) bool {
	return CheckNames(conv, base) != nil
}

// PlanDelete plans `cluster delete`: rules first, so access is gone before the groups it
// named, then the automember rule, the hostgroup and the groups. Users and hosts stay.
func PlanDelete(s *State) (*plan.Plan, error) {
	if err := s.Manageable(); err != nil {
		return nil, err
	}
	p := &plan.Plan{Title: "delete cluster " + s.Names.Base}
	del := func(kind, name string, e *directory.Entry, ipaCmd string) {
		if e == nil {
			return
		}
		c := plan.Change{Action: plan.Delete, Kind: kind, Name: name, DN: e.DN, Entry: e, Removes: true, IPA: []string{ipaCmd}}
		if n := len(e.Get("member")); n > 0 {
			c.Notes = append(c.Notes, fmt.Sprintf("%d member(s) lose this membership", n))
		}
		p.Add(c)
	}
	n := s.Names
	del("hbacrule", n.HBACRule, s.HBACRule, ipa.Command("hbacrule-del", n.HBACRule))
	del("sudorule", n.SudoRule, s.SudoRule, ipa.Command("sudorule-del", n.SudoRule))
	del("automember", n.Hostgroup, s.Automember, ipa.Command("automember-del", n.Hostgroup, "--type=hostgroup"))
	del("hostgroup", n.Hostgroup, s.Hostgroup, ipa.Command("hostgroup-del", n.Hostgroup))
	del("group", n.SudoGroup, s.SudoGroup, ipa.Command("group-del", n.SudoGroup))
	del("group", n.Group, s.Group, ipa.Command("group-del", n.Group))
	return p, nil
}

// GroupEdit adds or removes DNs on one attribute (member, memberManager) of some of the
// cluster's user groups.
type GroupEdit struct {
	Title  string
	Groups []string // names among the cluster's user groups
	Attr   string
	DNs    []string
	Remove bool
	// SkipMissing leaves out a named group that does not exist instead of refusing.
	SkipMissing bool
	// IPA renders the equivalent ipa command for one group and the values' RDNs.
	IPA func(group string, rdns []string) string
}

// PlanGroupEdit plans a GroupEdit: one Modify per group, only for the values not already
// so. The cluster must be manageable.
func (s *State) PlanGroupEdit(g GroupEdit) (*plan.Plan, error) {
	if err := s.Manageable(); err != nil {
		return nil, err
	}
	p := &plan.Plan{Title: g.Title}
	for _, name := range g.Groups {
		var e *directory.Entry
		switch name {
		case s.Names.Group:
			e = s.Group
		case s.Names.SudoGroup:
			e = s.SudoGroup
		default:
			return nil, fmt.Errorf("%s is not a group of cluster %s", name, s.Names.Base)
		}
		if e == nil {
			if g.SkipMissing {
				continue
			}
			return nil, &MissingError{Cluster: s.Names.Base, Group: name}
		}
		p.Add(MemberChange(name, e, g.Attr, g.DNs, g.Remove, g.IPA))
	}
	return p, nil
}

// MissingError is a cluster group named by a command that does not exist (bad input).
type MissingError struct{ Cluster, Group string }

func (e *MissingError) Error() string {
	return fmt.Sprintf("cluster %q has no group %q (run cluster check)", e.Cluster, e.Group)
}

// MemberChange adds (or removes) DNs on attr of group e as one Modify, only for the values
// that are not already so.
func MemberChange(name string, e *directory.Entry, attr string, dns []string, remove bool, ipaCmd func(string, []string) string) plan.Change {
	var vals, rdns []string
	for _, d := range dns {
		has := false
		for _, v := range e.Get(attr) {
			has = has || directory.EqualDN(v, d)
		}
		if has == remove {
			vals = append(vals, d)
			rdns = append(rdns, directory.RDNValue(d))
		}
	}
	if len(vals) == 0 {
		return plan.Change{Action: plan.Unchanged, Kind: "group", Name: name, DN: e.DN}
	}
	op := directory.ModAdd
	if remove {
		op = directory.ModDelete
	}
	return plan.Change{Action: plan.Modify, Kind: "group", Name: name, DN: e.DN, Removes: remove,
		Mods: []directory.Mod{{Op: op, Attr: attr, Values: vals}}, IPA: []string{ipaCmd(name, rdns)}}
}
