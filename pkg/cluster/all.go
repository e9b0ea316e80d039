package cluster

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/names"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// Snapshot holds every object clusters are made of, read with one search per container
// kind (groups, hostgroups, HBAC rules, sudo rules, automember rules, ID ranges) folded
// into a single subtree search.
type Snapshot struct {
	Suffix  string
	Entries []*directory.Entry
}

// ReadAll reads every cluster-shaped object in one subtree search.
func ReadAll(ctx context.Context, dir directory.Client) (*Snapshot, error) {
	filter := "(|(objectClass=ipausergroup)(objectClass=ipahostgroup)(objectClass=ipahbacrule)(objectClass=ipasudorule)(objectClass=automemberregexrule)(objectClass=ipaIDrange))"
	entries, err := dir.Search(ctx, directory.SearchRequest{BaseDN: dir.Suffix(), Scope: directory.ScopeSub, Filter: filter, Attributes: Attrs})
	if err != nil {
		return nil, fmt.Errorf("read clusters: %w", err)
	}
	// Replication conflict entries take no part (audit reports them on their own).
	kept := entries[:0]
	for _, e := range entries {
		if len(e.Get("nsds5ReplConflict")) == 0 {
			kept = append(kept, e)
		}
	}
	return &Snapshot{Suffix: dir.Suffix(), Entries: kept}, nil
}

// State builds the state of one cluster from the snapshot (no directory access).
func (sn *Snapshot) State(conv *siteconv.Conventions, base string) *State {
	s := &State{Names: conv.ClusterNames(base), Suffix: sn.Suffix}
	s.classify(sn.Entries)
	return s
}

// Bases finds every cluster base name by convention: any group, hostgroup or rule whose
// name fits one of the five patterns. A base whose objects do not all exist is a half
// cluster. Groups that merely share a name with nothing else are not clusters, except
// the residue of an interrupted `cluster create` (see interruptedCreate).
func (sn *Snapshot) Bases(conv *siteconv.Conventions) []string {
	count := map[string]int{}
	userGroup := map[string]*directory.Entry{}
	in := func(e *directory.Entry, c string) bool {
		return directory.EqualDN(directory.Parent(e.DN), directory.In(c, sn.Suffix))
	}
	note := func(kind, name string) {
		if b, ok := conv.ClusterBaseFrom(kind, name); ok && b != "" {
			count[b]++
		}
	}
	for _, e := range sn.Entries {
		cn := e.First("cn")
		switch {
		case in(e, directory.Groups) && e.HasObjectClass("ipausergroup"):
			note("sudo_group", cn)
			note("group", cn)
			if b, ok := conv.ClusterBaseFrom("group", cn); ok {
				userGroup[b] = e
			}
		case in(e, directory.Hostgroups):
			note("hostgroup", cn)
		case in(e, directory.HBAC) && e.HasObjectClass("ipahbacrule"):
			note("hbac_rule", cn)
		case in(e, directory.SudoRules):
			note("sudo_rule", cn)
		}
	}
	var out []string
	for b, n := range count {
		// A lone group or hostgroup named b is not a cluster (but for the residue of an
		// interrupted create); two or more pieces are.
		if (n >= 2 || n == 1 && interruptedCreate(conv, b, userGroup[b])) && !strings.Contains(b, "-sudoto-") && !OwnedByFreeIPA(conv, b) {
			out = append(out, b)
		}
	}
	sort.Strings(out)
	// A base "x-sudo" arises from group x-sudo + rule x-sudo of cluster x: drop bases that
	// are another base's derived names.
	derived := map[string]bool{}
	for _, b := range out {
		n := conv.ClusterNames(b)
		for _, d := range []string{n.SudoGroup, n.HBACRule, n.SudoRule} {
			derived[d] = true
		}
	}
	var final []string
	for _, b := range out {
		if !derived[b] {
			final = append(final, b)
		}
	}
	return final
}

// interruptedCreate tells whether g, the only object named for base, is what a
// `cluster create` leaves when it is killed after its first add (the user group, which
// is also its lock): a POSIX user group that is not a user's private group and whose
// description follows the cluster's user-group template.
func interruptedCreate(conv *siteconv.Conventions, base string, g *directory.Entry) bool {
	if g == nil || !g.HasObjectClass("posixGroup") || len(g.Get("mepManagedBy")) > 0 || names.Cluster(base) != nil {
		return false
	}
	_, ok := GroupDescriptionBase(conv, g.First("description"))
	return ok
}
