package audit

import (
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
		a.out = append(a.out, st.Findings(a.conv)...)
	}
}
