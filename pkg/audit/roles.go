package audit

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/accessctl/accessctl/pkg/access"
	"github.com/accessctl/accessctl/pkg/roles"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

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
