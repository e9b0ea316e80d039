// Package audit compares one snapshot of the directory with the site conventions and
// lists every departure as a finding: clusters, automember rules, offboarding residue,
// IDs, role accounts and sudoto rules, rules naming users directly, sudo without login,
// replication conflicts and service bind DNs. It reads nothing itself: the snapshot is
// one paged search (pkg/access.Read) or an LDIF file, with identical results.
package audit

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/accessctl/accessctl/pkg/access"
	"github.com/accessctl/accessctl/pkg/automember"
	"github.com/accessctl/accessctl/pkg/cluster"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/finding"
	"github.com/accessctl/accessctl/pkg/hostgroups"
	"github.com/accessctl/accessctl/pkg/idrange"
	"github.com/accessctl/accessctl/pkg/ids"
	"github.com/accessctl/accessctl/pkg/roles"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// Severities, lowest first (the one definition is pkg/finding's).
const (
	Info    = finding.Info
	Warning = finding.Warning
	Error   = finding.Error
)

// Rank orders severities; unknown names rank -1.
func Rank(sev string) int { return finding.Rank(sev) }

// Finding is one departure from the conventions.
type Finding = finding.Finding

// Report is the audit's output.
type Report = finding.Report

type auditor struct {
	snap *access.Snapshot
	conv *siteconv.Conventions
	out  []Finding
}

func (a *auditor) add(id, sev, fix, msg string, objects ...string) {
	a.out = append(a.out, finding.New(id, sev, fix, msg, objects...))
}

// clean is the snapshot without replication conflict entries, which are reported on
// their own and take no part in the other checks.
func (a *auditor) clean() []*directory.Entry {
	out := make([]*directory.Entry, 0, len(a.snap.Entries))
	for _, e := range a.snap.Entries {
		if len(e.Get("nsds5ReplConflict")) == 0 {
			out = append(out, e)
		}
	}
	return out
}

// Run runs every check on the snapshot.
func Run(snap *access.Snapshot, conv *siteconv.Conventions) (*Report, error) {
	a := &auditor{snap: snap, conv: conv}
	a.clusters()
	if err := a.automember(); err != nil {
		return nil, err
	}
	a.offboarding()
	a.ids()
	a.roles()
	a.directUsers()
	a.sudoWithoutLogin()
	a.conflicts()
	a.bindDNs()
	return finding.NewReport(a.out), nil
}

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

// ids: the ID rules of pkg/ids (the same findings as `id check`), over the snapshot.
func (a *auditor) ids() {
	var ipaRanges []idrange.Range
	for _, e := range a.snap.Entries {
		if !e.HasObjectClass("ipaIDrange") {
			continue
		}
		b, err1 := strconv.Atoi(e.First("ipaBaseID"))
		n, err2 := strconv.Atoi(e.First("ipaIDRangeSize"))
		if err1 == nil && err2 == nil {
			ipaRanges = append(ipaRanges, idrange.FromIPA(e.First("cn"), b, n))
		}
	}
	a.out = append(a.out, ids.Check(ids.HoldersFrom(a.clean(), a.snap.Suffix), ipaRanges, a.conv)...)
}

// sudotoPattern turns the conventions' sudoto rule pattern into a regexp capturing the
// hostgroup and the role.
func sudotoPattern(conv *siteconv.Conventions) *regexp.Regexp {
	p := regexp.QuoteMeta(conv.Role.SudotoRule)
	p = strings.Replace(p, regexp.QuoteMeta("{hostgroup}"), "(?P<hostgroup>.+)", 1)
	p = strings.Replace(p, regexp.QuoteMeta("{role}"), "(?P<role>.+)", 1)
	return regexp.MustCompile("^" + p + "$")
}

// roles: role accounts (users some sudo rule runs as) with a password, SSH keys or an
// HBAC rule naming them directly; sudoto rules without the role options or running as
// more than the role.
func (a *auditor) roles() {
	runAs := map[*access.User]bool{}
	for _, r := range a.snap.Sudo {
		for _, m := range r.Entry.Get("ipaSudoRunAs") {
			if u := a.snap.UserByDN(m); u != nil {
				runAs[u] = true
			}
		}
	}
	for _, u := range a.snap.Users {
		uid, _ := strconv.Atoi(u.Entry.First("uidNumber"))
		if !roles.IsRoleAccount(a.conv, u.UID, uid, runAs[u]) {
			continue
		}
		// The judgements are pkg/roles' (the same as `role check`), on the snapshot's facts.
		r := &roles.Role{Name: u.UID, SSHKeys: len(u.Entry.Get("ipaSshPubKey")),
			HasPassword: len(u.Entry.Get("userPassword")) > 0 || len(u.Entry.Get("krbPrincipalKey")) > 0}
		for _, h := range a.snap.HBAC {
			if slices.Contains(h.Users, u) {
				r.HBACRules = append(r.HBACRules, h.Name)
			}
		}
		a.out = append(a.out, r.Findings()...)
	}
	re := sudotoPattern(a.conv)
	ri := re.SubexpIndex("role")
	for _, r := range a.snap.Sudo {
		m := re.FindStringSubmatch(r.Name)
		if m == nil {
			continue
		}
		role := m[ri]
		var missing []string
		for _, o := range a.conv.Role.SudoOptions {
			if !r.Entry.Has("ipaSudoOpt", o) {
				missing = append(missing, o)
			}
		}
		if len(missing) > 0 {
			a.add("sudoto-options", Error, "", fmt.Sprintf("sudoto rule %s lacks option(s) %s", r.Name, strings.Join(missing, ", ")), "sudorule:"+r.Name)
		}
		var more []string
		if r.RunAsUserAll {
			more = append(more, "any user")
		}
		if r.RunAsGroupAll {
			more = append(more, "any group")
		}
		for _, x := range r.RunAsUsers {
			if x != role {
				more = append(more, "user "+x)
			}
		}
		for _, x := range r.RunAsGroups {
			if x != role {
				more = append(more, "group "+x)
			}
		}
		if len(more) > 0 {
			a.add("sudoto-runas", Error, "", fmt.Sprintf("sudoto rule %s runs as more than role %s: %s", r.Name, role, strings.Join(more, ", ")), "sudorule:"+r.Name)
		}
	}
}

// directUsers: rules naming users directly instead of groups (ITTN-010 §3); a role account
// named by an HBAC rule is reported as role-hbac-direct instead.
func (a *auditor) directUsers() {
	roles := map[*access.User]bool{}
	for _, r := range a.snap.Sudo {
		for _, m := range r.Entry.Get("ipaSudoRunAs") {
			if u := a.snap.UserByDN(m); u != nil {
				roles[u] = true
			}
		}
	}
	for _, r := range a.snap.Rules {
		for _, u := range r.Users {
			if r.Kind == "hbac" && roles[u] {
				continue
			}
			if u.Disabled {
				continue // reported as offboard-rule
			}
			a.add("rule-direct-user", Warning, "", fmt.Sprintf("%s rule %s names user %s directly; grant access through a group", r.Kind, r.Name, u.UID), r.Kind+"rule:"+r.Name, "user:"+u.UID)
		}
	}
}

// sudoWithoutLogin: users who may sudo on hosts where no HBAC rule lets them log in. Users
// and hosts are grouped by the set of rules that reach them, so the comparison is made
// once per pair of classes rather than per user and host.
func (a *auditor) sudoWithoutLogin() {
	s := a.snap
	nH := len(s.HBAC)
	type class struct {
		bits  access.Bits
		users []*access.User
		hosts []*access.Host
	}
	uclass := map[string]*class{}
	var uorder []*class
	for _, u := range s.Users {
		if u.Disabled {
			continue
		}
		b := s.UserRuleBits(u)
		k := b.Key()
		c := uclass[k]
		if c == nil {
			c = &class{bits: b}
			uclass[k] = c
			uorder = append(uorder, c)
		}
		c.users = append(c.users, u)
	}
	hclass := map[string]*class{}
	var horder []*class
	for _, h := range s.Hosts {
		b := s.HostRuleBits(h)
		k := b.Key()
		c := hclass[k]
		if c == nil {
			c = &class{bits: b}
			hclass[k] = c
			horder = append(horder, c)
		}
		c.hosts = append(c.hosts, h)
	}
	type key struct {
		u    *access.User
		rule int
	}
	hits := map[key][]string{}
	var keys []key
	for _, uc := range uorder {
		for _, hc := range horder {
			login, sudo := false, -1
			for i := range uc.bits {
				w := uc.bits[i] & hc.bits[i]
				if w == 0 {
					continue
				}
				for bit := 0; bit < 64; bit++ {
					if w&(1<<uint(bit)) == 0 {
						continue
					}
					idx := i*64 + bit
					if idx < nH {
						login = true
					} else if sudo < 0 {
						sudo = idx
					}
				}
			}
			if login || sudo < 0 {
				continue
			}
			// every sudo rule shared by the pair
			for i := range uc.bits {
				w := uc.bits[i] & hc.bits[i]
				for bit := 0; bit < 64 && w != 0; bit++ {
					if w&(1<<uint(bit)) == 0 {
						continue
					}
					idx := i*64 + bit
					for _, u := range uc.users {
						k := key{u, idx}
						if _, ok := hits[k]; !ok {
							keys = append(keys, k)
						}
						for _, h := range hc.hosts {
							hits[k] = append(hits[k], h.FQDN)
						}
					}
				}
			}
		}
	}
	for _, k := range keys {
		hosts := hits[k]
		sort.Strings(hosts)
		r := s.Rules[k.rule]
		sample := hosts
		if len(sample) > 3 {
			sample = sample[:3]
		}
		objs := []string{"user:" + k.u.UID, "sudorule:" + r.Name}
		for _, h := range sample {
			objs = append(objs, "host:"+h)
		}
		msg := fmt.Sprintf("user %s may sudo through rule %s on %d host(s) where no HBAC rule lets them log in (%s)", k.u.UID, r.Name, len(hosts), strings.Join(sample, ", "))
		if len(hosts) > 3 {
			msg = strings.TrimSuffix(msg, ")") + fmt.Sprintf(", and %d more)", len(hosts)-3)
		}
		a.add("sudo-without-login", Warning, "", msg, objs...)
	}
}

// conflicts: replication conflict entries.
func (a *auditor) conflicts() {
	for _, e := range a.snap.Entries {
		if v := e.First("nsds5ReplConflict"); v != "" {
			a.add("replication-conflict", Error, "", fmt.Sprintf("replication conflict entry %s (%s); resolve it by hand", e.DN, v), "entry:"+e.DN)
		}
	}
}

// bindDNs: entries under cn=sysaccounts,cn=etc not made the way ITTN-010 §7.3 makes
// service bind DNs.
func (a *auditor) bindDNs() {
	c := directory.In(directory.SysAccounts, a.snap.Suffix)
	for _, e := range a.snap.Entries {
		if !(e.HasObjectClass("simpleSecurityObject") || e.HasObjectClass("account")) ||
			!directory.EqualDN(directory.Parent(e.DN), c) || len(e.Get("nsds5ReplConflict")) > 0 {
			continue
		}
		var bad []string
		for _, oc := range []string{"account", "simpleSecurityObject"} {
			if !e.HasObjectClass(oc) {
				bad = append(bad, "objectClass "+oc)
			}
		}
		if e.First("passwordExpirationTime") != "20380119031407Z" {
			bad = append(bad, "passwordExpirationTime 20380119031407Z")
		}
		if e.First("nsIdleTimeout") != "0" {
			bad = append(bad, "nsIdleTimeout 0")
		}
		if uid := e.First("uid"); uid == "" || !directory.EqualDN(e.DN, a.conv.BindDN(uid, a.snap.Suffix)) {
			bad = append(bad, "uid RDN")
		}
		if len(bad) > 0 {
			name := directory.RDNValue(e.DN)
			a.add("service-binddn", Warning, "", fmt.Sprintf("service bind DN %s was not made by convention: lacks %s", name, strings.Join(bad, ", ")), "binddn:"+name)
		}
	}
}
