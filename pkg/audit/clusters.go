package audit

import (
	"fmt"
	"strings"

	"github.com/accessctl/accessctl/pkg/cluster"
	"github.com/accessctl/accessctl/pkg/directory"
)

// clusters: half clusters, missing pieces, misshaped pieces, disabled rules, wrong
// categories or groups, through pkg/cluster's State built from the snapshot.
func (a *auditor) clusters() {
	// Index the candidate entries by cn so that each cluster's state is built from its
	// own few entries (plus the ID ranges) rather than from the whole snapshot.
	byCN := map[string][]*directory.Entry{}
	var ranges, candidates []*directory.Entry
	rangesC := directory.In(directory.Ranges, a.snap.Suffix)
	for _, e := range a.clean() {
		if e.HasObjectClass("posixAccount") || e.HasObjectClass("ipahost") {
			continue
		}
		candidates = append(candidates, e)
		if e.HasObjectClass("ipaIDrange") || directory.EqualDN(directory.Parent(e.DN), rangesC) {
			ranges = append(ranges, e)
			continue
		}
		cn := strings.ToLower(e.First("cn"))
		byCN[cn] = append(byCN[cn], e)
	}
	all := &cluster.Snapshot{Suffix: a.snap.Suffix, Entries: candidates}
	for _, base := range all.Bases(a.conv) {
		n := a.conv.ClusterNames(base)
		sub := append([]*directory.Entry(nil), ranges...)
		seen := map[*directory.Entry]bool{}
		for _, name := range []string{n.Group, n.SudoGroup, n.Hostgroup, n.HBACRule, n.SudoRule} {
			for _, e := range byCN[strings.ToLower(name)] {
				if !seen[e] {
					seen[e] = true
					sub = append(sub, e)
				}
			}
		}
		st := (&cluster.Snapshot{Suffix: a.snap.Suffix, Entries: sub}).State(a.conv, base)
		fix := "accessctl cluster create " + base + " --desc TEXT --fix"
		if st.Group != nil {
			if _, ok := cluster.GroupDescriptionBase(a.conv, st.Group.First("description")); ok {
				fix = "accessctl cluster create " + base + " --fix" // the text is read from the group
			}
		}
		var missing []string
		for _, m := range []struct {
			e          *directory.Entry
			kind, name string
		}{{st.Group, "group", st.Names.Group}, {st.SudoGroup, "group", st.Names.SudoGroup},
			{st.Hostgroup, "hostgroup", st.Names.Hostgroup}, {st.HBACRule, "hbacrule", st.Names.HBACRule},
			{st.SudoRule, "sudorule", st.Names.SudoRule}} {
			if m.e == nil {
				missing = append(missing, m.kind+":"+m.name)
			}
		}
		if len(missing) > 0 {
			a.add("cluster-half", Error, fix, fmt.Sprintf("cluster %s is missing %s", base, strings.Join(missing, ", ")),
				append([]string{"cluster:" + base}, missing...)...)
		}
		for _, p := range st.Problems() {
			id, sev := "cluster-shape", Warning
			switch {
			case strings.EqualFold(p.Attr, "ipaEnabledFlag"):
				id, sev = "cluster-rule-disabled", Error
			case strings.Contains(strings.ToLower(p.Attr), "category"):
				id = "cluster-category"
			case strings.EqualFold(p.Attr, "memberUser") || strings.EqualFold(p.Attr, "memberHost"):
				id = "cluster-members"
			}
			f := ""
			if p.Fixable {
				f = fix
			}
			a.add(id, sev, f, fmt.Sprintf("cluster %s: %s %s %s", base, p.Object, p.Name, p.Message), "cluster:"+base, p.Object+":"+p.Name)
		}
		if b, ok := st.DescriptionBase(a.conv); !ok {
			a.add("cluster-description", Info, "", fmt.Sprintf("cluster %s: descriptions do not follow the templates with one shared base text%s", base, b), "cluster:"+base)
		}
	}
}
