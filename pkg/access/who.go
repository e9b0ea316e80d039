package access

import (
	"sort"
	"strings"
)

// Path is one way a set of users reaches a host: a rule, how the rule names them and how
// it names the host.
type Path struct {
	Rule     string   `json:"rule" yaml:"rule"`
	UserVia  string   `json:"user_via" yaml:"user_via"`
	UserPath []string `json:"user_path,omitempty" yaml:"user_path,omitempty"`
	HostVia  string   `json:"host_via" yaml:"host_via"`
	HostPath []string `json:"host_path,omitempty" yaml:"host_path,omitempty"`
	Users    []string `json:"users" yaml:"users"`
}

// WhoResult is `access who HOST`.
type WhoResult struct {
	Host       string   `json:"host" yaml:"host"`
	Hostgroups []string `json:"hostgroups" yaml:"hostgroups"`
	Login      []Path   `json:"login" yaml:"login"`
	Sudo       []Path   `json:"sudo" yaml:"sudo"`
	LoginUsers []string `json:"login_users" yaml:"login_users"`
	SudoUsers  []string `json:"sudo_users" yaml:"sudo_users"`
}

// Who lists the enabled users who may log in to and sudo on h, grouped by path.
func (s *Snapshot) Who(h *Host) *WhoResult {
	res := &WhoResult{Host: h.FQDN, Hostgroups: s.HostHostgroups(h), Login: []Path{}, Sudo: []Path{}}
	bits := s.hostRules(h)
	loginSet, sudoSet := map[*User]bool{}, map[*User]bool{}
	bits.each(func(i int) {
		r := s.Rules[i]
		hvia, hp, _ := s.hostSide(r, h)
		paths := s.usersOf(r)
		for _, p := range paths {
			p.HostVia, p.HostPath = hvia, hp
			names := make([]string, 0, len(p.users))
			for _, u := range p.users {
				names = append(names, u.UID)
				if r.Kind == "hbac" {
					loginSet[u] = true
				} else {
					sudoSet[u] = true
				}
			}
			sort.Strings(names)
			p.Path.Users = names
			if r.Kind == "hbac" {
				res.Login = append(res.Login, p.Path)
			} else {
				res.Sudo = append(res.Sudo, p.Path)
			}
		}
	})
	res.LoginUsers, res.SudoUsers = uidsOf(loginSet), uidsOf(sudoSet)
	return res
}

func uidsOf(m map[*User]bool) []string {
	out := make([]string, 0, len(m))
	for u := range m {
		out = append(out, u.UID)
	}
	sort.Strings(out)
	return out
}

type userPath struct {
	Path
	users []*User
}

// usersOf expands a rule's user side downwards: category all, direct users, and every
// group chain from a named group down to the group that holds the user (listed from the
// user's own group to the named group, as explain does). Disabled users are left out; a
// user reached twice by one rule is listed on the first (shortest) path only.
func (s *Snapshot) usersOf(r *Rule) []userPath {
	var out []userPath
	if r.UserAll {
		var us []*User
		for _, u := range s.Users {
			if !u.Disabled {
				us = append(us, u)
			}
		}
		return []userPath{{Path: Path{Rule: r.Name, UserVia: "category all"}, users: us}}
	}
	seen := map[*User]bool{}
	var direct []*User
	for _, u := range r.Users {
		if !u.Disabled && !seen[u] {
			seen[u] = true
			direct = append(direct, u)
		}
	}
	if len(direct) > 0 {
		out = append(out, userPath{Path: Path{Rule: r.Name, UserVia: "direct"}, users: direct})
	}
	type item struct {
		g     *Group
		chain []string // named group first
	}
	visited := map[*Group]bool{}
	var queue []item
	for _, g := range r.Groups {
		if !visited[g] {
			visited[g] = true
			queue = append(queue, item{g, []string{g.Name}})
		}
	}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		var us []*User
		for _, u := range it.g.Users {
			if !u.Disabled && !seen[u] {
				seen[u] = true
				us = append(us, u)
			}
		}
		if len(us) > 0 {
			chain := make([]string, len(it.chain))
			for i, n := range it.chain {
				chain[len(chain)-1-i] = n
			}
			out = append(out, userPath{Path: Path{Rule: r.Name, UserVia: "group", UserPath: chain}, users: us})
		}
		for _, c := range it.g.Children {
			if !visited[c] {
				visited[c] = true
				queue = append(queue, item{c, append(append([]string(nil), it.chain...), c.Name)})
			}
		}
	}
	return out
}

// Reach is one rule through which a user reaches hosts.
type Reach struct {
	Rule       string   `json:"rule" yaml:"rule"`
	UserVia    string   `json:"user_via" yaml:"user_via"`
	UserPath   []string `json:"user_path,omitempty" yaml:"user_path,omitempty"`
	AllHosts   bool     `json:"all_hosts" yaml:"all_hosts"`
	Hostgroups []string `json:"hostgroups" yaml:"hostgroups"`
	Hosts      []string `json:"hosts" yaml:"hosts"`
}

// WhereResult is `access where USER`.
type WhereResult struct {
	User       string   `json:"user" yaml:"user"`
	Disabled   bool     `json:"disabled" yaml:"disabled"`
	Groups     []string `json:"groups" yaml:"groups"`
	Login      []Reach  `json:"login" yaml:"login"`
	Sudo       []Reach  `json:"sudo" yaml:"sudo"`
	LoginHosts []string `json:"login_hosts" yaml:"login_hosts"`
	SudoHosts  []string `json:"sudo_hosts" yaml:"sudo_hosts"`
}

// Where lists the hosts and hostgroups u reaches for login and sudo. A disabled user
// reaches nothing; the rules that would apply are still listed under the user's name.
func (s *Snapshot) Where(u *User) *WhereResult {
	res := &WhereResult{User: u.UID, Disabled: u.Disabled, Groups: s.UserGroups(u), Login: []Reach{}, Sudo: []Reach{},
		LoginHosts: []string{}, SudoHosts: []string{}}
	if u.Disabled {
		return res
	}
	loginSet, sudoSet := map[*Host]bool{}, map[*Host]bool{}
	s.userRules(u).each(func(i int) {
		r := s.Rules[i]
		uvia, up, _ := s.userSide(r, u)
		rc := Reach{Rule: r.Name, UserVia: uvia, UserPath: up, AllHosts: r.HostAll, Hostgroups: []string{}, Hosts: []string{}}
		set := loginSet
		if r.Kind == "sudo" {
			set = sudoSet
		}
		hosts := map[*Host]bool{}
		if r.HostAll {
			for _, h := range s.Hosts {
				hosts[h] = true
			}
		}
		for _, h := range r.Hosts {
			hosts[h] = true
		}
		seen := map[*Hostgroup]bool{}
		var walk func(g *Hostgroup)
		walk = func(g *Hostgroup) {
			if seen[g] {
				return
			}
			seen[g] = true
			rc.Hostgroups = append(rc.Hostgroups, g.Name)
			for _, h := range g.Hosts {
				hosts[h] = true
			}
			for _, c := range g.Children {
				walk(c)
			}
		}
		for _, g := range r.Hostgroups {
			walk(g)
		}
		sort.Strings(rc.Hostgroups)
		for h := range hosts {
			set[h] = true
			if !r.HostAll {
				rc.Hosts = append(rc.Hosts, h.FQDN)
			}
		}
		sort.Strings(rc.Hosts)
		if r.Kind == "hbac" {
			res.Login = append(res.Login, rc)
		} else {
			res.Sudo = append(res.Sudo, rc)
		}
	})
	res.LoginHosts, res.SudoHosts = fqdnsOf(loginSet), fqdnsOf(sudoSet)
	return res
}

func fqdnsOf(m map[*Host]bool) []string {
	out := make([]string, 0, len(m))
	for h := range m {
		out = append(out, h.FQDN)
	}
	sort.Strings(out)
	return out
}

// UserRuleBits and HostRuleBits expose the indexes to the audit: the enabled rules whose
// user (host) side covers u (h).
func (s *Snapshot) UserRuleBits(u *User) Bits { return Bits(s.userRules(u)) }

// HostRuleBits is the host side of UserRuleBits.
func (s *Snapshot) HostRuleBits(h *Host) Bits { return Bits(s.hostRules(h)) }

// Bits is a set of rule positions in Snapshot.Rules.
type Bits []uint64

// Key is a map key for the set.
func (b Bits) Key() string {
	var sb strings.Builder
	for _, w := range b {
		for i := 0; i < 8; i++ {
			sb.WriteByte(byte(w >> (8 * i)))
		}
	}
	return sb.String()
}

// Has reports whether rule i is in the set.
func (b Bits) Has(i int) bool { return bitset(b).has(i) }

// Each calls fn for every rule position in the set.
func (b Bits) Each(fn func(int)) { bitset(b).each(fn) }

// Index is a rule's position in Snapshot.Rules.
func (r *Rule) Index() int { return r.idx }
