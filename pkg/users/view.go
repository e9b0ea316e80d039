package users

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
)

// Status names an account's state.
func Status(e *directory.Entry) string {
	if strings.EqualFold(e.First("nsAccountLock"), "TRUE") {
		return "disabled"
	}
	return "active"
}

// RuleView is one HBAC or sudo rule reaching a user.
type RuleView struct {
	Name       string   `json:"name" yaml:"name"`
	Enabled    bool     `json:"enabled" yaml:"enabled"`
	Via        string   `json:"via" yaml:"via"`
	Hostgroups []string `json:"hostgroups" yaml:"hostgroups"`
	Hosts      []string `json:"hosts,omitempty" yaml:"hosts,omitempty"`
	AllHosts   bool     `json:"all_hosts,omitempty" yaml:"all_hosts,omitempty"`
	RunAs      []string `json:"run_as,omitempty" yaml:"run_as,omitempty"`
}

// View is `user show`.
type View struct {
	Login        string     `json:"login" yaml:"login"`
	DN           string     `json:"dn" yaml:"dn"`
	Name         string     `json:"name" yaml:"name"`
	Status       string     `json:"status" yaml:"status"`
	UIDNumber    string     `json:"uidnumber" yaml:"uidnumber"`
	GIDNumber    string     `json:"gidnumber" yaml:"gidnumber"`
	Mail         string     `json:"mail,omitempty" yaml:"mail,omitempty"`
	SSHKeys      int        `json:"ssh_keys" yaml:"ssh_keys"`
	GroupsDirect []string   `json:"groups_direct" yaml:"groups_direct"`
	GroupsNested []string   `json:"groups_nested" yaml:"groups_nested"`
	HBACRules    []RuleView `json:"hbac_rules" yaml:"hbac_rules"`
	SudoRules    []RuleView `json:"sudo_rules" yaml:"sudo_rules"`
	// CanBecome lists the accounts sudo rules reaching the user let them run as.
	CanBecome []string `json:"can_become" yaml:"can_become"`
	// Roles are the IPA RBAC roles the user belongs to (directly or through groups).
	Roles []string `json:"roles" yaml:"roles"`
	// Manages lists the groups and hostgroups whose members the user may manage.
	Manages []string `json:"manages" yaml:"manages"`
}

// ReadView builds `user show` from one search: the user entry, every entry naming the
// user in member or memberManager, and every HBAC and sudo rule.
func ReadView(ctx context.Context, dir directory.Client, login string) (*View, error) {
	suffix := dir.Suffix()
	dn := ipa.UserDN(login, suffix)
	fdn := directory.EscapeFilterValue(dn)
	filter := "(|(&(objectClass=posixAccount)(uid=" + directory.EscapeFilterValue(login) + "))(member=" + fdn +
		")(memberManager=" + fdn + ")(objectClass=ipaHBACRule)(objectClass=ipaSudoRule))"
	es, err := dir.Search(ctx, directory.SearchRequest{BaseDN: suffix, Scope: directory.ScopeSub, Filter: filter,
		Attributes: []string{"objectClass", "cn", "uid", "memberOf", "nsAccountLock", "uidNumber", "gidNumber", "mail",
			"ipaSshPubKey", "member", "memberManager", "memberUser", "memberHost", "userCategory", "hostCategory",
			"ipaEnabledFlag", "ipaSudoRunAs", "ipaSudoRunAsExtUser", "ipaSudoRunAsUserCategory"}})
	if err != nil {
		return nil, fmt.Errorf("read user %s: %w", login, err)
	}
	var user *directory.Entry
	for _, e := range es {
		if directory.EqualDN(e.DN, dn) {
			user = e
		}
	}
	if user == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, login)
	}
	v := &View{Login: login, DN: user.DN, Name: user.First("cn"), Status: Status(user),
		UIDNumber: user.First("uidNumber"), GIDNumber: user.First("gidNumber"), Mail: user.First("mail"),
		SSHKeys: len(user.Get("ipaSshPubKey")), GroupsDirect: []string{}, GroupsNested: []string{},
		HBACRules: []RuleView{}, SudoRules: []RuleView{}, CanBecome: []string{}, Roles: []string{}, Manages: []string{}}
	memberOf := map[string]bool{}
	for _, m := range user.Get("memberOf") {
		memberOf[directory.NormalizeDN(m)] = true
		switch KindOf(m, suffix) {
		case "role":
			v.Roles = append(v.Roles, directory.RDNValue(m))
		}
	}
	direct := map[string]bool{}
	for _, e := range es {
		if e == user {
			continue
		}
		kind := KindOf(e.DN, suffix)
		if holds(e, "member", dn) && kind == "group" {
			direct[directory.NormalizeDN(e.DN)] = true
		}
		if holds(e, "memberManager", dn) {
			v.Manages = append(v.Manages, kind+" "+NameOf(e))
		}
	}
	groupsOf := map[string]bool{} // normalized DNs of the user's groups, direct or nested
	for _, m := range user.Get("memberOf") {
		if KindOf(m, suffix) != "group" {
			continue
		}
		groupsOf[directory.NormalizeDN(m)] = true
		if direct[directory.NormalizeDN(m)] {
			v.GroupsDirect = append(v.GroupsDirect, directory.RDNValue(m))
		} else {
			v.GroupsNested = append(v.GroupsNested, directory.RDNValue(m))
		}
	}
	become := map[string]bool{}
	for _, e := range es {
		isHBAC, isSudo := e.HasObjectClass("ipaHBACRule"), e.HasObjectClass("ipaSudoRule")
		if !isHBAC && !isSudo {
			continue
		}
		via := ""
		switch {
		case strings.EqualFold(e.First("userCategory"), "all"):
			via = "all users"
		case holds(e, "memberUser", dn):
			via = "direct"
		default:
			var gs []string
			for _, mu := range e.Get("memberUser") {
				if groupsOf[directory.NormalizeDN(mu)] {
					gs = append(gs, "group "+directory.RDNValue(mu))
				}
			}
			if len(gs) == 0 && memberOf[directory.NormalizeDN(e.DN)] {
				gs = append(gs, "nested group")
			}
			via = strings.Join(gs, ", ")
		}
		if via == "" {
			continue
		}
		rv := RuleView{Name: NameOf(e), Enabled: !strings.EqualFold(e.First("ipaEnabledFlag"), "FALSE"), Via: via,
			Hostgroups: []string{}, AllHosts: strings.EqualFold(e.First("hostCategory"), "all")}
		for _, h := range e.Get("memberHost") {
			switch KindOf(h, suffix) {
			case "hostgroup":
				rv.Hostgroups = append(rv.Hostgroups, directory.RDNValue(h))
			default:
				rv.Hosts = append(rv.Hosts, directory.RDNValue(h))
			}
		}
		if isSudo {
			for _, r := range e.Get("ipaSudoRunAs") {
				if KindOf(r, suffix) == "user" {
					rv.RunAs = append(rv.RunAs, directory.RDNValue(r))
				}
			}
			rv.RunAs = append(rv.RunAs, e.Get("ipaSudoRunAsExtUser")...)
			if strings.EqualFold(e.First("ipaSudoRunAsUserCategory"), "all") {
				rv.RunAs = append(rv.RunAs, "ALL")
			}
			if rv.Enabled {
				for _, r := range rv.RunAs {
					become[r] = true
				}
			}
			v.SudoRules = append(v.SudoRules, rv)
		} else {
			v.HBACRules = append(v.HBACRules, rv)
		}
	}
	for r := range become {
		v.CanBecome = append(v.CanBecome, r)
	}
	for _, l := range [][]string{v.GroupsDirect, v.GroupsNested, v.CanBecome, v.Roles, v.Manages} {
		sort.Strings(l)
	}
	sort.Slice(v.HBACRules, func(i, j int) bool { return v.HBACRules[i].Name < v.HBACRules[j].Name })
	sort.Slice(v.SudoRules, func(i, j int) bool { return v.SudoRules[i].Name < v.SudoRules[j].Name })
	return v, nil
}

// ListItem is one row of `user list`.
type ListItem struct {
	Login       string   `json:"login" yaml:"login"`
	Name        string   `json:"name" yaml:"name"`
	UIDNumber   string   `json:"uidnumber" yaml:"uidnumber"`
	GIDNumber   string   `json:"gidnumber" yaml:"gidnumber"`
	Status      string   `json:"status" yaml:"status"`
	Memberships []string `json:"memberships" yaml:"memberships"`
}

// ListOptions filter `user list`.
type ListOptions struct {
	Disabled bool
	// WithMemberships keeps only users that still hold memberships (memberOf).
	WithMemberships bool
}

// List reads the active user tree in one search.
func List(ctx context.Context, dir directory.Client, o ListOptions) ([]ListItem, error) {
	suffix := dir.Suffix()
	filter := "(objectClass=posixAccount)"
	if o.WithMemberships {
		filter = "(&(objectClass=posixAccount)(memberOf=*))"
	}
	es, err := dir.Search(ctx, directory.SearchRequest{BaseDN: directory.In(directory.Users, suffix),
		Scope: directory.ScopeOne, Filter: filter,
		Attributes: []string{"uid", "cn", "uidNumber", "gidNumber", "nsAccountLock", "memberOf"}})
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	out := []ListItem{}
	for _, e := range es {
		st := Status(e)
		if o.Disabled && st != "disabled" {
			continue
		}
		if o.WithMemberships && len(e.Get("memberOf")) == 0 {
			continue
		}
		it := ListItem{Login: e.First("uid"), Name: e.First("cn"), UIDNumber: e.First("uidNumber"),
			GIDNumber: e.First("gidNumber"), Status: st, Memberships: []string{}}
		for _, m := range e.Get("memberOf") {
			it.Memberships = append(it.Memberships, KindOf(m, suffix)+" "+directory.RDNValue(m))
		}
		sort.Strings(it.Memberships)
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Login < out[j].Login })
	return out, nil
}
