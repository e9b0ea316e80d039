package audit

import (
	"fmt"
	"sort"

	"github.com/accessctl/accessctl/pkg/directory"
)

// offboarding: disabled users who still hold a membership, a rule reference or a
// membership-manager right.
func (a *auditor) offboarding() {
	managers := map[string][]string{} // user ndn -> objects managed
	refs := map[string][]string{}     // user ndn -> rules naming the user
	for _, e := range a.snap.Entries {
		for _, m := range e.Get("memberManager") {
			n := directory.NormalizeDN(m)
			managers[n] = append(managers[n], kindName(a.snap.Suffix, e))
		}
	}
	for _, r := range a.snap.Rules {
		for _, attr := range []string{"memberUser", "ipaSudoRunAs"} {
			for _, m := range r.Entry.Get(attr) {
				n := directory.NormalizeDN(m)
				refs[n] = append(refs[n], r.Kind+"rule:"+r.Name)
			}
		}
	}
	for _, u := range a.snap.Users {
		if !u.Disabled {
			continue
		}
		n := directory.NormalizeDN(u.DN)
		fix := "accessctl user offboard " + u.UID
		var gs []string
		for _, g := range u.Groups {
			gs = append(gs, "group:"+g.Name)
		}
		if len(gs) > 0 {
			sort.Strings(gs)
			a.add("offboard-membership", Warning, fix, fmt.Sprintf("disabled user %s is still a member of %d group(s)", u.UID, len(gs)), append([]string{"user:" + u.UID}, gs...)...)
		}
		if rs := uniq(refs[n]); len(rs) > 0 {
			a.add("offboard-rule", Warning, fix, fmt.Sprintf("disabled user %s is still named by %d rule(s)", u.UID, len(rs)), append([]string{"user:" + u.UID}, rs...)...)
		}
		if ms := uniq(managers[n]); len(ms) > 0 {
			a.add("offboard-manager", Warning, fix, fmt.Sprintf("disabled user %s still manages the members of %d object(s)", u.UID, len(ms)), append([]string{"user:" + u.UID}, ms...)...)
		}
	}
}

func kindName(suffix string, e *directory.Entry) string {
	p := directory.Parent(e.DN)
	switch {
	case directory.EqualDN(p, directory.In(directory.Groups, suffix)):
		return "group:" + e.First("cn")
	case directory.EqualDN(p, directory.In(directory.Hostgroups, suffix)):
		return "hostgroup:" + e.First("cn")
	}
	return "entry:" + e.DN
}

func uniq(xs []string) []string {
	sort.Strings(xs)
	var out []string
	for i, x := range xs {
		if i == 0 || x != xs[i-1] {
			out = append(out, x)
		}
	}
	return out
}
