package roles

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/finding"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// Role is one role account as `role list` shows it.
type Role struct {
	Name         string   `json:"name" yaml:"name"`
	DN           string   `json:"dn" yaml:"dn"`
	UID          string   `json:"uid" yaml:"uid"`
	GID          string   `json:"gid" yaml:"gid"`
	Range        string   `json:"range" yaml:"range"`
	Hostgroups   []string `json:"hostgroups" yaml:"hostgroups"`
	SudoRules    []string `json:"sudo_rules" yaml:"sudo_rules"`
	SudotoGroups []string `json:"sudoto_groups" yaml:"sudoto_groups"`
	HasPassword  bool     `json:"has_password" yaml:"has_password"`
	SSHKeys      int      `json:"ssh_keys" yaml:"ssh_keys"`
	HBACRules    []string `json:"hbac_rules_naming_it" yaml:"hbac_rules_naming_it"`
}

// Audit is the state `role list` and `role check` read: role accounts, the sudo rules
// that run as them and the HBAC rules naming them directly.
type Audit struct {
	Roles []*Role
}

// roleRanges are the ranges role accounts come from: the default role range and every
// range named "*-role".
func roleRanges(conv *siteconv.Conventions) []siteconv.Range {
	var out []siteconv.Range
	for _, r := range conv.IDs.Ranges {
		if r.Name == conv.Role.DefaultRange || strings.HasSuffix(r.Name, "-role") {
			out = append(out, r)
		}
	}
	return out
}

// ReadAudit finds role accounts: users whose UID lies in a role range, users that a sudo
// rule runs as (ipaSudoRunAs), and users whose name is reserved. Four searches: sudo
// rules with a run-as user, users, users with a password (presence only), HBAC rules.
func ReadAudit(ctx context.Context, dir directory.Client, conv *siteconv.Conventions) (*Audit, error) {
	suffix := dir.Suffix()
	rules, err := dir.Search(ctx, directory.SearchRequest{BaseDN: directory.In(directory.SudoRules, suffix), Scope: directory.ScopeOne,
		Filter: "(&(objectClass=ipaSudoRule)(ipaSudoRunAs=*))", Attributes: []string{"cn", "ipaSudoRunAs", "memberUser", "memberHost", "hostCategory"}})
	if err != nil {
		return nil, fmt.Errorf("read sudo rules: %w", err)
	}
	usersDN := directory.In(directory.Users, suffix)
	var f strings.Builder
	f.WriteString("(&(objectClass=posixAccount)(|")
	for _, r := range roleRanges(conv) {
		f.WriteString(ipa.IDRangeFilter("uidNumber", r.Min, r.Max))
	}
	for _, r := range conv.IDs.Reservations {
		if r.Name != "" {
			fmt.Fprintf(&f, "(uid=%s)", directory.EscapeFilterValue(r.Name))
		}
	}
	runAs := map[string]bool{}
	for _, r := range rules {
		for _, dn := range r.Get("ipaSudoRunAs") {
			if directory.EqualDN(directory.Parent(dn), usersDN) && !runAs[directory.NormalizeDN(dn)] {
				runAs[directory.NormalizeDN(dn)] = true
				fmt.Fprintf(&f, "(uid=%s)", directory.EscapeFilterValue(directory.RDNValue(dn)))
			}
		}
	}
	f.WriteString("))")
	filter := f.String()
	users, err := dir.Search(ctx, directory.SearchRequest{BaseDN: usersDN, Scope: directory.ScopeOne, Filter: filter,
		Attributes: []string{"uid", "uidNumber", "gidNumber", "ipaSshPubKey"}})
	if err != nil {
		return nil, fmt.Errorf("read role accounts: %w", err)
	}
	// Passwords are usually unreadable; a presence filter still tells.
	withPw, err := dir.Search(ctx, directory.SearchRequest{BaseDN: usersDN, Scope: directory.ScopeOne,
		Filter: "(&" + filter + "(|(userPassword=*)(krbPrincipalKey=*)))", Attributes: []string{"uid"}})
	if err != nil {
		return nil, fmt.Errorf("read role account passwords: %w", err)
	}
	hbac, err := dir.Search(ctx, directory.SearchRequest{BaseDN: directory.In(directory.HBAC, suffix), Scope: directory.ScopeOne,
		Filter: "(&(objectClass=ipaHbacRule)(memberUser=*))", Attributes: []string{"cn", "memberUser"}})
	if err != nil {
		return nil, fmt.Errorf("read hbac rules: %w", err)
	}
	pw := map[string]bool{}
	for _, e := range withPw {
		pw[directory.NormalizeDN(e.DN)] = true
	}
	a := &Audit{}
	byDN := map[string]*Role{}
	for _, u := range users {
		uid, _ := strconv.Atoi(u.First("uidNumber"))
		if !IsRoleAccount(conv, u.First("uid"), uid, runAs[directory.NormalizeDN(u.DN)]) {
			continue
		}
		r := &Role{Name: u.First("uid"), DN: u.DN, UID: u.First("uidNumber"), GID: u.First("gidNumber"),
			HasPassword: pw[directory.NormalizeDN(u.DN)], SSHKeys: len(u.Get("ipaSshPubKey")),
			Hostgroups: []string{}, SudoRules: []string{}, SudotoGroups: []string{}, HBACRules: []string{}}
		for _, rg := range conv.IDs.Ranges {
			var n int
			fmt.Sscan(r.UID, &n)
			if n >= rg.Min && n <= rg.Max {
				r.Range = rg.Name
			}
		}
		byDN[directory.NormalizeDN(u.DN)] = r
		a.Roles = append(a.Roles, r)
	}
	for _, rule := range rules {
		for _, dn := range rule.Get("ipaSudoRunAs") {
			r := byDN[directory.NormalizeDN(dn)]
			if r == nil {
				continue
			}
			r.SudoRules = appendOnce(r.SudoRules, rule.First("cn"))
			for _, h := range rule.Get("memberHost") {
				r.Hostgroups = appendOnce(r.Hostgroups, directory.RDNValue(h))
			}
			if strings.EqualFold(rule.First("hostCategory"), "all") {
				r.Hostgroups = appendOnce(r.Hostgroups, "(all hosts)")
			}
			for _, g := range rule.Get("memberUser") {
				r.SudotoGroups = appendOnce(r.SudotoGroups, directory.RDNValue(g))
			}
		}
	}
	for _, rule := range hbac {
		for _, dn := range rule.Get("memberUser") {
			if r := byDN[directory.NormalizeDN(dn)]; r != nil {
				r.HBACRules = appendOnce(r.HBACRules, rule.First("cn"))
			}
		}
	}
	sort.Slice(a.Roles, func(i, j int) bool { return a.Roles[i].Name < a.Roles[j].Name })
	return a, nil
}

func appendOnce(s []string, v string) []string {
	for _, x := range s {
		if strings.EqualFold(x, v) {
			return s
		}
	}
	return append(s, v)
}

// Check judges every role account (Role.Findings), sorted as audit sorts.
func (a *Audit) Check() []finding.Finding {
	var out []finding.Finding
	for _, r := range a.Roles {
		out = append(out, r.Findings()...)
	}
	finding.Sort(out)
	return out
}

// Path is one way a person can become a role.
type Path struct {
	User       string   `json:"user" yaml:"user"`
	Via        string   `json:"via" yaml:"via"` // the group, or "(direct)"
	Rule       string   `json:"sudo_rule" yaml:"sudo_rule"`
	Hostgroups []string `json:"hostgroups" yaml:"hostgroups"`
	Passphrase bool     `json:"passphrase" yaml:"passphrase"`
	Enabled    bool     `json:"enabled" yaml:"enabled"`
}

// Who lists who can become role, on which hostgroups, through which groups (ITTN-010
// §7.2's audit trail). Two searches: the sudo rules running as the role, then the users
// in their groups (memberOf covers nested groups).
func Who(ctx context.Context, dir directory.Client, role string) ([]Path, bool, error) {
	suffix := dir.Suffix()
	roleDN := directory.Join("uid", role, directory.Users, suffix)
	rules, err := dir.Search(ctx, directory.SearchRequest{BaseDN: suffix, Scope: directory.ScopeSub,
		Filter: fmt.Sprintf("(|(&(objectClass=ipaSudoRule)(ipaSudoRunAs=%s))(&(objectClass=posixAccount)(uid=%s)))",
			directory.EscapeFilterValue(roleDN), directory.EscapeFilterValue(role)),
		Attributes: []string{"cn", "uid", "objectClass", "memberUser", "memberHost", "hostCategory", "userCategory", "ipaSudoOpt", "ipaEnabledFlag"}})
	if err != nil {
		return nil, false, fmt.Errorf("read sudo rules for %s: %w", role, err)
	}
	exists := false
	groupsDN := directory.In(directory.Groups, suffix)
	usersDN := directory.In(directory.Users, suffix)
	var sudo []*directory.Entry
	var groupFilter strings.Builder
	for _, e := range rules {
		if e.HasObjectClass("posixAccount") {
			exists = exists || directory.EqualDN(e.DN, roleDN)
			continue
		}
		sudo = append(sudo, e)
		for _, m := range e.Get("memberUser") {
			if directory.EqualDN(directory.Parent(m), groupsDN) {
				fmt.Fprintf(&groupFilter, "(memberOf=%s)", directory.EscapeFilterValue(m))
			}
		}
	}
	var members []*directory.Entry
	if groupFilter.Len() > 0 {
		members, err = dir.Search(ctx, directory.SearchRequest{BaseDN: usersDN, Scope: directory.ScopeOne,
			Filter: "(&(objectClass=posixAccount)(|" + groupFilter.String() + "))", Attributes: []string{"uid", "memberOf"}})
		if err != nil {
			return nil, exists, fmt.Errorf("read members: %w", err)
		}
	}
	var out []Path
	for _, r := range sudo {
		p := Path{Rule: r.First("cn"), Passphrase: true, Enabled: !strings.EqualFold(r.First("ipaEnabledFlag"), "FALSE"), Hostgroups: []string{}}
		for _, o := range r.Get("ipaSudoOpt") {
			if strings.TrimSpace(o) == "!authenticate" {
				p.Passphrase = false
			}
		}
		for _, h := range r.Get("memberHost") {
			p.Hostgroups = append(p.Hostgroups, directory.RDNValue(h))
		}
		if strings.EqualFold(r.First("hostCategory"), "all") {
			p.Hostgroups = append(p.Hostgroups, "(all hosts)")
		}
		if strings.EqualFold(r.First("userCategory"), "all") {
			q := p
			q.User, q.Via = "(everyone)", "(user category all)"
			out = append(out, q)
		}
		for _, m := range r.Get("memberUser") {
			switch {
			case directory.EqualDN(directory.Parent(m), usersDN):
				q := p
				q.User, q.Via = directory.RDNValue(m), "(direct)"
				out = append(out, q)
			case directory.EqualDN(directory.Parent(m), groupsDN):
				n := 0
				for _, u := range members {
					if directory.HasDN(u.Get("memberOf"), m) {
						q := p
						q.User, q.Via = u.First("uid"), directory.RDNValue(m)
						q.Hostgroups = append([]string(nil), p.Hostgroups...)
						out = append(out, q)
						n++
					}
				}
				if n == 0 {
					q := p
					q.User, q.Via = "(nobody)", directory.RDNValue(m)
					out = append(out, q)
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].User != out[j].User {
			return out[i].User < out[j].User
		}
		return out[i].Rule < out[j].Rule
	})
	return out, exists, nil
}
