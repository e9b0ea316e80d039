// Package access evaluates who may log in to and sudo on which host from one snapshot of
// the directory (users, groups, hosts, hostgroups, HBAC and sudo rules), like
// `ipa hbactest` but offline, for sudo too, and indexed so that whole-site questions
// (`access who`, `audit`) stay fast at FreeIPA's perf-test scale.
package access

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/accessctl/accessctl/pkg/cluster"
	"github.com/accessctl/accessctl/pkg/directory"
)

// Attrs are the attributes the snapshot reads: everything access evaluation and the audit
// checks look at.
var Attrs = func() []string {
	own := []string{
		"uid", "fqdn", "nsAccountLock", "uidNumber", "userPassword", "krbPrincipalKey", "ipaSshPubKey",
		"nsds5ReplConflict", "passwordExpirationTime", "nsIdleTimeout", "memberDenyCmd",
		"ipaSudoRunAsExtUser", "ipaSudoRunAsExtGroup", "externalHost", "ipaNTSecurityIdentifier",
	}
	seen := map[string]bool{}
	var out []string
	for _, a := range append(append([]string(nil), cluster.Attrs...), own...) {
		if !seen[strings.ToLower(a)] {
			seen[strings.ToLower(a)] = true
			out = append(out, a)
		}
	}
	return out
}()

// Filter selects every object the snapshot needs in one subtree search. Replication
// conflict entries are ldapSubEntry entries in 389-ds and must be asked for by name.
const Filter = "(|(objectClass=posixAccount)(objectClass=ipausergroup)(objectClass=posixGroup)(objectClass=ipahost)" +
	"(objectClass=ipahostgroup)(objectClass=ipahbacrule)(objectClass=ipasudorule)(objectClass=automemberregexrule)" +
	"(objectClass=ipaIDrange)(objectClass=simpleSecurityObject)(objectClass=ipaNISNetgroup)(nsds5ReplConflict=*)" +
	"(&(objectClass=ldapSubEntry)(nsds5ReplConflict=*)))"

// Read makes the one paged search of the snapshot.
func Read(ctx context.Context, dir directory.Client) (*Snapshot, error) {
	entries, err := dir.Search(ctx, directory.SearchRequest{BaseDN: dir.Suffix(), Scope: directory.ScopeSub, Filter: Filter, Attributes: Attrs})
	if err != nil {
		return nil, fmt.Errorf("read directory snapshot: %w", err)
	}
	// The same selection as for a file: compat and ou=sudoers views are left out, so
	// that a live read and an LDIF dump of the same data give the same snapshot.
	return New(dir.Suffix(), Select(dir.Suffix(), entries)), nil
}

// SuffixOf guesses the suffix of an LDIF dump: the part after cn=accounts, or else the
// shortest dc= DN.
func SuffixOf(entries []*directory.Entry) string {
	best := ""
	for _, e := range entries {
		n := strings.ToLower(e.DN)
		if i := strings.Index(n, "cn=accounts,"); i >= 0 && (i == 0 || n[i-1] == ',') {
			return norm(e.DN[i+len("cn=accounts,"):])
		}
		if strings.HasPrefix(n, "dc=") && (best == "" || len(e.DN) < len(best)) {
			best = e.DN
		}
	}
	return norm(best)
}

// Select keeps the entries the live search would return (for LDIF files holding more), and
// copies only the attributes the live search asks for, so offline and live results agree.
func Select(suffix string, entries []*directory.Entry) []*directory.Entry {
	want := map[string]bool{}
	for _, a := range Attrs {
		want[strings.ToLower(a)] = true
	}
	want["objectclass"] = true
	compat := norm(directory.In("cn=compat", suffix))
	sudoers := norm(directory.In("ou=sudoers", suffix))
	classes := []string{"posixAccount", "ipausergroup", "posixGroup", "ipahost", "ipahostgroup", "ipahbacrule", "ipasudorule",
		"automemberregexrule", "ipaIDrange", "simpleSecurityObject", "ipaNISNetgroup"}
	var out []*directory.Entry
	for _, e := range entries {
		if !directory.IsUnder(e.DN, suffix) || directory.IsUnder(e.DN, compat) || directory.IsUnder(e.DN, sudoers) {
			continue
		}
		ok := len(e.Get("nsds5ReplConflict")) > 0
		for _, c := range classes {
			ok = ok || e.HasObjectClass(c)
		}
		if !ok {
			continue
		}
		c := &directory.Entry{DN: e.DN}
		for _, a := range e.Attributes {
			if want[strings.ToLower(a.Name)] {
				c.Attributes = append(c.Attributes, a)
			}
		}
		out = append(out, c)
	}
	return out
}

// User is one user account.
type User struct {
	UID      string
	DN       string
	Entry    *directory.Entry
	Disabled bool
	// Groups are the groups that list the user as a direct member.
	Groups []*Group
	idx    int
}

// Group is one user group.
type Group struct {
	Name     string
	DN       string
	Entry    *directory.Entry
	Users    []*User
	Children []*Group // groups that are members of this one
	Parents  []*Group // groups this one is a member of
	idx      int
}

// Host is one host.
type Host struct {
	FQDN       string
	DN         string
	Entry      *directory.Entry
	Hostgroups []*Hostgroup // direct
	idx        int
}

// Hostgroup is one hostgroup.
type Hostgroup struct {
	Name     string
	DN       string
	Entry    *directory.Entry
	Hosts    []*Host
	Children []*Hostgroup
	Parents  []*Hostgroup
	idx      int
}

// Rule is one HBAC or sudo rule with its references resolved.
type Rule struct {
	Kind    string // "hbac" or "sudo"
	Name    string
	DN      string
	Entry   *directory.Entry
	Enabled bool

	UserAll    bool
	Users      []*User
	Groups     []*Group
	HostAll    bool
	Hosts      []*Host
	Hostgroups []*Hostgroup

	ServiceAll bool
	Services   []string

	CmdAll        bool
	Commands      []string
	RunAsUserAll  bool
	RunAsUsers    []string // uid or %group
	RunAsGroupAll bool
	RunAsGroups   []string
	Options       []string

	idx int // position in Snapshot.Rules
}

// Snapshot is the indexed form of one read.
type Snapshot struct {
	Suffix     string
	Entries    []*directory.Entry
	Users      []*User // sorted by uid
	Groups     []*Group
	Hosts      []*Host // sorted by fqdn
	Hostgroups []*Hostgroup
	HBAC       []*Rule // sorted by name
	Sudo       []*Rule
	Rules      []*Rule // HBAC then sudo

	userByDN  map[string]*User
	userByUID map[string]*User
	groupByDN map[string]*Group
	groupName map[string]*Group
	hostByDN  map[string]*Host
	hostName  map[string]*Host
	hgByDN    map[string]*Hostgroup
	hgName    map[string]*Hostgroup

	// lazily built bit indexes
	groupBits []bitset // rules whose user side a group reaches (self + ancestors)
	hgBits    []bitset // rules whose host side a hostgroup reaches
	userAll   bitset
	hostAll   bitset
}

// New indexes entries (no directory access).
func New(suffix string, entries []*directory.Entry) *Snapshot {
	s := &Snapshot{Suffix: suffix, Entries: entries,
		userByDN: map[string]*User{}, userByUID: map[string]*User{}, groupByDN: map[string]*Group{}, groupName: map[string]*Group{},
		hostByDN: map[string]*Host{}, hostName: map[string]*Host{}, hgByDN: map[string]*Hostgroup{}, hgName: map[string]*Hostgroup{}}
	usersC := norm(directory.In(directory.Users, suffix))
	groupsC := norm(directory.In(directory.Groups, suffix))
	hostsC := norm(directory.In(directory.Computers, suffix))
	hgC := norm(directory.In(directory.Hostgroups, suffix))
	hbacC := norm(directory.In(directory.HBAC, suffix))
	sudoC := norm(directory.In(directory.SudoRules, suffix))
	var memberOwners []*directory.Entry
	for _, e := range entries {
		if len(e.Get("nsds5ReplConflict")) > 0 {
			continue // conflict entries take no part in access
		}
		ndn := norm(e.DN)
		parent := norm(directory.Parent(e.DN))
		switch {
		case parent == usersC && e.HasObjectClass("posixAccount"):
			u := &User{UID: e.First("uid"), DN: e.DN, Entry: e, Disabled: strings.EqualFold(e.First("nsAccountLock"), "TRUE")}
			s.Users = append(s.Users, u)
			s.userByDN[ndn] = u
			s.userByUID[strings.ToLower(u.UID)] = u
		case parent == groupsC && e.HasObjectClass("ipausergroup"):
			g := &Group{Name: e.First("cn"), DN: e.DN, Entry: e}
			s.Groups = append(s.Groups, g)
			s.groupByDN[ndn] = g
			s.groupName[strings.ToLower(g.Name)] = g
			memberOwners = append(memberOwners, e)
		case parent == hostsC && e.HasObjectClass("ipahost"):
			f := strings.ToLower(e.First("fqdn"))
			if f == "" {
				f = strings.ToLower(directory.RDNValue(e.DN))
			}
			h := &Host{FQDN: f, DN: e.DN, Entry: e}
			s.Hosts = append(s.Hosts, h)
			s.hostByDN[ndn] = h
			s.hostName[f] = h
		case parent == hgC && e.HasObjectClass("ipahostgroup"):
			g := &Hostgroup{Name: e.First("cn"), DN: e.DN, Entry: e}
			s.Hostgroups = append(s.Hostgroups, g)
			s.hgByDN[ndn] = g
			s.hgName[strings.ToLower(g.Name)] = g
			memberOwners = append(memberOwners, e)
		case parent == hbacC && e.HasObjectClass("ipahbacrule"):
			s.HBAC = append(s.HBAC, &Rule{Kind: "hbac", Name: e.First("cn"), DN: e.DN, Entry: e})
		case parent == sudoC && e.HasObjectClass("ipasudorule"):
			s.Sudo = append(s.Sudo, &Rule{Kind: "sudo", Name: e.First("cn"), DN: e.DN, Entry: e})
		}
	}
	sort.Slice(s.Users, func(i, j int) bool { return s.Users[i].UID < s.Users[j].UID })
	sort.Slice(s.Groups, func(i, j int) bool { return s.Groups[i].Name < s.Groups[j].Name })
	sort.Slice(s.Hosts, func(i, j int) bool { return s.Hosts[i].FQDN < s.Hosts[j].FQDN })
	sort.Slice(s.Hostgroups, func(i, j int) bool { return s.Hostgroups[i].Name < s.Hostgroups[j].Name })
	for i, u := range s.Users {
		u.idx = i
	}
	for i, g := range s.Groups {
		g.idx = i
	}
	for i, h := range s.Hosts {
		h.idx = i
	}
	for i, g := range s.Hostgroups {
		g.idx = i
	}
	// Membership edges from the member attribute (memberOf is derived; member is the truth).
	for _, e := range memberOwners {
		ndn := norm(e.DN)
		if g := s.groupByDN[ndn]; g != nil {
			for _, m := range e.Get("member") {
				nm := norm(m)
				if u := s.userByDN[nm]; u != nil {
					g.Users = append(g.Users, u)
					u.Groups = append(u.Groups, g)
				} else if c := s.groupByDN[nm]; c != nil && c != g {
					g.Children = append(g.Children, c)
					c.Parents = append(c.Parents, g)
				}
			}
			continue
		}
		if g := s.hgByDN[ndn]; g != nil {
			for _, m := range e.Get("member") {
				nm := norm(m)
				if h := s.hostByDN[nm]; h != nil {
					g.Hosts = append(g.Hosts, h)
					h.Hostgroups = append(h.Hostgroups, g)
				} else if c := s.hgByDN[nm]; c != nil && c != g {
					g.Children = append(g.Children, c)
					c.Parents = append(c.Parents, g)
				}
			}
		}
	}
	sort.Slice(s.HBAC, func(i, j int) bool { return s.HBAC[i].Name < s.HBAC[j].Name })
	sort.Slice(s.Sudo, func(i, j int) bool { return s.Sudo[i].Name < s.Sudo[j].Name })
	s.Rules = append(append([]*Rule(nil), s.HBAC...), s.Sudo...)
	for i, r := range s.Rules {
		r.idx = i
		s.resolve(r)
	}
	return s
}

func isAll(e *directory.Entry, attr string) bool { return strings.EqualFold(e.First(attr), "all") }

func (s *Snapshot) resolve(r *Rule) {
	e := r.Entry
	r.Enabled = !strings.EqualFold(e.First("ipaEnabledFlag"), "FALSE")
	if r.Kind == "hbac" && strings.EqualFold(e.First("accessRuleType"), "deny") {
		r.Enabled = false
	}
	r.UserAll, r.HostAll = isAll(e, "userCategory"), isAll(e, "hostCategory")
	for _, m := range e.Get("memberUser") {
		nm := norm(m)
		if u := s.userByDN[nm]; u != nil {
			r.Users = append(r.Users, u)
		} else if g := s.groupByDN[nm]; g != nil {
			r.Groups = append(r.Groups, g)
		}
	}
	for _, m := range e.Get("memberHost") {
		nm := norm(m)
		if h := s.hostByDN[nm]; h != nil {
			r.Hosts = append(r.Hosts, h)
		} else if g := s.hgByDN[nm]; g != nil {
			r.Hostgroups = append(r.Hostgroups, g)
		}
	}
	if r.Kind == "hbac" {
		r.ServiceAll = isAll(e, "serviceCategory")
		for _, m := range e.Get("memberService") {
			r.Services = append(r.Services, directory.RDNValue(m))
		}
		sort.Strings(r.Services)
		return
	}
	r.CmdAll = isAll(e, "cmdCategory")
	for _, m := range e.Get("memberAllowCmd") {
		r.Commands = append(r.Commands, directory.RDNValue(m))
	}
	for _, m := range e.Get("memberDenyCmd") {
		r.Commands = append(r.Commands, "!"+directory.RDNValue(m))
	}
	r.RunAsUserAll = isAll(e, "ipaSudoRunAsUserCategory")
	r.RunAsGroupAll = isAll(e, "ipaSudoRunAsGroupCategory")
	for _, m := range e.Get("ipaSudoRunAs") {
		nm := norm(m)
		if u := s.userByDN[nm]; u != nil {
			r.RunAsUsers = append(r.RunAsUsers, u.UID)
		} else if g := s.groupByDN[nm]; g != nil {
			r.RunAsUsers = append(r.RunAsUsers, "%"+g.Name)
		} else {
			r.RunAsUsers = append(r.RunAsUsers, directory.RDNValue(m))
		}
	}
	r.RunAsUsers = append(r.RunAsUsers, e.Get("ipaSudoRunAsExtUser")...)
	for _, m := range e.Get("ipaSudoRunAsGroup") {
		r.RunAsGroups = append(r.RunAsGroups, directory.RDNValue(m))
	}
	r.RunAsGroups = append(r.RunAsGroups, e.Get("ipaSudoRunAsExtGroup")...)
	r.Options = append(r.Options, e.Get("ipaSudoOpt")...)
}

// User finds a user by login (case-insensitive).
func (s *Snapshot) User(uid string) *User { return s.userByUID[strings.ToLower(uid)] }

// UserByDN finds a user by DN.
func (s *Snapshot) UserByDN(dn string) *User { return s.userByDN[norm(dn)] }

// GroupByDN finds a group by DN.
func (s *Snapshot) GroupByDN(dn string) *Group { return s.groupByDN[norm(dn)] }

// Host finds a host by FQDN (case-insensitive).
func (s *Snapshot) Host(fqdn string) *Host { return s.hostName[strings.ToLower(fqdn)] }

// Hostgroup finds a hostgroup by name.
func (s *Snapshot) Hostgroup(name string) *Hostgroup { return s.hgName[strings.ToLower(name)] }

// norm is directory.NormalizeDN without allocating for DNs that are already normal (no
// spaces, no upper case), which most member values are.
func norm(dn string) string {
	upper := false
	for i := 0; i < len(dn); i++ {
		c := dn[i]
		if c == ' ' {
			return directory.NormalizeDN(dn)
		}
		if c >= 'A' && c <= 'Z' {
			upper = true
		}
	}
	if !upper {
		return dn
	}
	b := []byte(dn)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
