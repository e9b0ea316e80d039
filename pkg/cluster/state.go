// Package cluster knows what a cluster is (ITTN-010 §3.3-3.5): five directory objects
// named from one base name that exist together and agree. It reads their state in one
// search, compares them with the convention, and builds plans to create, repair or
// delete them.
package cluster

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// Attrs read for every cluster object: enough to judge shape and membership.
var Attrs = []string{
	"objectClass", "cn", "description", "gidNumber", "member", "memberManager", "memberOf",
	"memberUser", "memberHost", "memberService", "userCategory", "hostCategory", "serviceCategory",
	"cmdCategory", "ipaSudoRunAsUserCategory", "ipaSudoRunAsGroupCategory", "ipaSudoRunAs",
	"ipaSudoRunAsGroup", "ipaSudoOpt", "ipaEnabledFlag", "accessRuleType", "memberAllowCmd",
	"automemberTargetGroup", "automemberInclusiveRegex", "automemberExclusiveRegex",
	"mepManagedBy", "ipaBaseID", "ipaIDRangeSize", "ipaRangeType", "nsds5ReplConflict",
}

// State is what the directory holds for one cluster's names.
type State struct {
	Names      siteconv.ClusterNames
	Suffix     string
	Group      *directory.Entry
	SudoGroup  *directory.Entry
	Hostgroup  *directory.Entry
	HBACRule   *directory.Entry
	SudoRule   *directory.Entry
	Automember *directory.Entry
	// Netgroup is a NIS netgroup of the hostgroup's name (shared namespace).
	Netgroup *directory.Entry
	// IDRanges are FreeIPA's ID ranges (cn=ranges,cn=etc).
	IDRanges []*directory.Entry
	// Duplicates names rules that exist more than once under one name.
	Duplicates []string
}

// Read fetches the state of one cluster with a single subtree search.
func Read(ctx context.Context, dir directory.Client, conv *siteconv.Conventions, base string) (*State, error) {
	n := conv.ClusterNames(base)
	suffix := dir.Suffix()
	names := map[string]bool{n.Group: true, n.SudoGroup: true, n.Hostgroup: true, n.HBACRule: true, n.SudoRule: true}
	var terms []string
	for _, nm := range sortedKeys(names) {
		terms = append(terms, "(cn="+directory.EscapeFilterValue(nm)+")")
	}
	filter := "(|" + strings.Join(terms, "") + "(objectClass=ipaIDrange))"
	entries, err := dir.Search(ctx, directory.SearchRequest{BaseDN: suffix, Scope: directory.ScopeSub, Filter: filter, Attributes: Attrs})
	if err != nil {
		return nil, fmt.Errorf("read cluster %s: %w", base, err)
	}
	s := &State{Names: n, Suffix: suffix}
	s.classify(entries)
	return s, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (s *State) classify(entries []*directory.Entry) {
	in := func(e *directory.Entry, container string) bool {
		return directory.EqualDN(directory.Parent(e.DN), directory.In(container, s.Suffix))
	}
	eq := strings.EqualFold
	for _, e := range entries {
		cn := e.First("cn")
		switch {
		case in(e, directory.Ranges):
			s.IDRanges = append(s.IDRanges, e)
		case in(e, directory.Groups) && eq(cn, s.Names.Group):
			s.Group = e
		case in(e, directory.Groups) && eq(cn, s.Names.SudoGroup):
			s.SudoGroup = e
		case in(e, directory.Hostgroups) && eq(cn, s.Names.Hostgroup):
			s.Hostgroup = e
		case in(e, directory.HBAC) && e.HasObjectClass("ipahbacrule") && eq(cn, s.Names.HBACRule):
			if s.HBACRule != nil {
				s.Duplicates = append(s.Duplicates, "hbacrule "+cn)
			}
			s.HBACRule = e
		case in(e, directory.SudoRules) && eq(cn, s.Names.SudoRule):
			if s.SudoRule != nil {
				s.Duplicates = append(s.Duplicates, "sudorule "+cn)
			}
			s.SudoRule = e
		case in(e, directory.AutomemberHG) && eq(cn, s.Names.Hostgroup):
			s.Automember = e
		case in(e, directory.Netgroups) && eq(cn, s.Names.Hostgroup) && !e.HasObjectClass("mepManagedEntry"):
			s.Netgroup = e
		}
	}
}

// Exists reports whether any of the five objects exists.
func (s *State) Exists() bool {
	return s.Group != nil || s.SudoGroup != nil || s.Hostgroup != nil || s.HBACRule != nil || s.SudoRule != nil
}

// Complete reports whether all five exist.
func (s *State) Complete() bool {
	return s.Group != nil && s.SudoGroup != nil && s.Hostgroup != nil && s.HBACRule != nil && s.SudoRule != nil
}

// DNs of the cluster's named objects.
func (s *State) GroupDN() string     { return ipa.GroupDN(s.Names.Group, s.Suffix) }
func (s *State) SudoGroupDN() string { return ipa.GroupDN(s.Names.SudoGroup, s.Suffix) }
func (s *State) HostgroupDN() string { return ipa.HostgroupDN(s.Names.Hostgroup, s.Suffix) }
