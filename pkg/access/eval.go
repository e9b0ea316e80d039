package access

import (
	"fmt"
	"math/bits"
	"sort"
	"strings"
)

type bitset []uint64

func newBits(n int) bitset      { return make(bitset, (n+63)/64) }
func (b bitset) set(i int)      { b[i/64] |= 1 << (uint(i) % 64) }
func (b bitset) has(i int) bool { return b[i/64]&(1<<(uint(i)%64)) != 0 }
func (b bitset) or(o bitset) {
	for i := range b {
		b[i] |= o[i]
	}
}
func (b bitset) each(fn func(int)) {
	for w, x := range b {
		for x != 0 {
			t := bits.TrailingZeros64(x)
			fn(w*64 + t)
			x &= x - 1
		}
	}
}

// index builds the rule bitsets of every group and hostgroup (self and ancestors), once.
func (s *Snapshot) index() {
	if s.groupBits != nil {
		return
	}
	n := len(s.Rules)
	s.userAll, s.hostAll = newBits(n), newBits(n)
	direct := make([]bitset, len(s.Groups))
	hdirect := make([]bitset, len(s.Hostgroups))
	for i := range direct {
		direct[i] = newBits(n)
	}
	for i := range hdirect {
		hdirect[i] = newBits(n)
	}
	for _, r := range s.Rules {
		if !r.Enabled {
			continue
		}
		if r.UserAll {
			s.userAll.set(r.idx)
		}
		if r.HostAll {
			s.hostAll.set(r.idx)
		}
		for _, g := range r.Groups {
			direct[g.idx].set(r.idx)
		}
		for _, g := range r.Hostgroups {
			hdirect[g.idx].set(r.idx)
		}
	}
	s.groupBits = inherit(s.Groups, n, direct, func(g *Group) int { return g.idx }, func(g *Group) []*Group { return g.Parents })
	s.hgBits = inherit(s.Hostgroups, n, hdirect, func(g *Hostgroup) int { return g.idx }, func(g *Hostgroup) []*Hostgroup { return g.Parents })
}

// inherit gives each node the rules that name it or any node above it (its parents,
// transitively): direct bits or-ed up the parents graph once, memoized. A cycle gets the
// partial set reached so far.
func inherit[T any](nodes []T, n int, direct []bitset, idx func(T) int, parents func(T) []T) []bitset {
	bits := make([]bitset, len(nodes))
	state := make([]byte, len(nodes))
	var up func(g T) bitset
	up = func(g T) bitset {
		i := idx(g)
		if state[i] != 0 { // done, or a cycle
			if bits[i] == nil {
				return direct[i]
			}
			return bits[i]
		}
		state[i] = 1
		b := newBits(n)
		b.or(direct[i])
		for _, p := range parents(g) {
			b.or(up(p))
		}
		bits[i], state[i] = b, 2
		return b
	}
	for _, g := range nodes {
		up(g)
	}
	return bits
}

// userRules is the set of enabled rules whose user side includes u.
func (s *Snapshot) userRules(u *User) bitset {
	s.index()
	b := newBits(len(s.Rules))
	b.or(s.userAll)
	for _, g := range u.Groups {
		b.or(s.groupBits[g.idx])
	}
	for _, r := range s.Rules {
		if r.Enabled && containsUser(r.Users, u) {
			b.set(r.idx)
		}
	}
	return b
}

// hostRules is the set of enabled rules whose host side includes h.
func (s *Snapshot) hostRules(h *Host) bitset {
	s.index()
	b := newBits(len(s.Rules))
	b.or(s.hostAll)
	for _, g := range h.Hostgroups {
		b.or(s.hgBits[g.idx])
	}
	for _, r := range s.Rules {
		if r.Enabled && containsHost(r.Hosts, h) {
			b.set(r.idx)
		}
	}
	return b
}

func containsUser(us []*User, u *User) bool {
	for _, x := range us {
		if x == u {
			return true
		}
	}
	return false
}

func containsHost(hs []*Host, h *Host) bool {
	for _, x := range hs {
		if x == h {
			return true
		}
	}
	return false
}

// groupChain finds the shortest chain from u's direct groups up to one of targets:
// [direct group, ..., target]. nil when none is reached.
func groupChain(u *User, targets []*Group) []string {
	return chain(u.Groups, targets, func(g *Group) []*Group { return g.Parents }, func(g *Group) string { return g.Name })
}

// hostgroupChain is groupChain for a host's hostgroups.
func hostgroupChain(h *Host, targets []*Hostgroup) []string {
	return chain(h.Hostgroups, targets, func(g *Hostgroup) []*Hostgroup { return g.Parents }, func(g *Hostgroup) string { return g.Name })
}

// chain is a breadth-first search from start up the parents graph to any of targets; it
// returns the names along the shortest path.
func chain[T comparable](start, targets []T, parents func(T) []T, name func(T) string) []string {
	want := map[T]bool{}
	for _, t := range targets {
		want[t] = true
	}
	type step struct {
		prev T
		root bool
	}
	seen := map[T]step{}
	var queue []T
	for _, g := range start {
		if _, ok := seen[g]; !ok {
			seen[g] = step{root: true}
			queue = append(queue, g)
		}
	}
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		if want[g] {
			var out []string
			for x := g; ; x = seen[x].prev {
				out = append([]string{name(x)}, out...)
				if seen[x].root {
					return out
				}
			}
		}
		for _, p := range parents(g) {
			if _, ok := seen[p]; !ok {
				seen[p] = step{prev: g}
				queue = append(queue, p)
			}
		}
	}
	return nil
}

// Match is one rule granting access, with the paths behind it.
type Match struct {
	Rule string `json:"rule" yaml:"rule"`
	// UserPath: "direct", "category all", or the group chain from the user's own group
	// to the group the rule names.
	UserVia  string   `json:"user_via" yaml:"user_via"`
	UserPath []string `json:"user_path,omitempty" yaml:"user_path,omitempty"`
	HostVia  string   `json:"host_via" yaml:"host_via"`
	HostPath []string `json:"host_path,omitempty" yaml:"host_path,omitempty"`
	Services []string `json:"services,omitempty" yaml:"services,omitempty"`
	Commands []string `json:"commands,omitempty" yaml:"commands,omitempty"`
	RunAs    []string `json:"runas_users,omitempty" yaml:"runas_users,omitempty"`
	RunAsGrp []string `json:"runas_groups,omitempty" yaml:"runas_groups,omitempty"`
	Options  []string `json:"options,omitempty" yaml:"options,omitempty"`
	Enabled  bool     `json:"enabled" yaml:"enabled"`
}

// Side says how a user or a host is reached by a rule.
func (s *Snapshot) userSide(r *Rule, u *User) (via string, path []string, ok bool) {
	if r.UserAll {
		return "category all", nil, true
	}
	if containsUser(r.Users, u) {
		return "direct", nil, true
	}
	if c := groupChain(u, r.Groups); c != nil {
		return "group", c, true
	}
	return "", nil, false
}

func (s *Snapshot) hostSide(r *Rule, h *Host) (via string, path []string, ok bool) {
	if r.HostAll {
		return "category all", nil, true
	}
	if containsHost(r.Hosts, h) {
		return "direct", nil, true
	}
	if c := hostgroupChain(h, r.Hostgroups); c != nil {
		return "hostgroup", c, true
	}
	return "", nil, false
}

func (r *Rule) match(uvia string, up []string, hvia string, hp []string) Match {
	m := Match{Rule: r.Name, UserVia: uvia, UserPath: up, HostVia: hvia, HostPath: hp, Enabled: r.Enabled}
	if r.Kind == "hbac" {
		m.Services = r.Services
		if r.ServiceAll {
			m.Services = []string{"all"}
		}
		return m
	}
	m.Commands = r.Commands
	if r.CmdAll {
		m.Commands = []string{"ALL"}
	}
	m.RunAs = r.RunAsUsers
	if r.RunAsUserAll {
		m.RunAs = []string{"ALL"}
	}
	m.RunAsGrp = r.RunAsGroups
	if r.RunAsGroupAll {
		m.RunAsGrp = []string{"ALL"}
	}
	m.Options = r.Options
	return m
}

// Verdict is the answer for one of login or sudo.
type Verdict struct {
	Allowed bool    `json:"allowed" yaml:"allowed"`
	Rules   []Match `json:"rules" yaml:"rules"`
	// Miss names the closest miss when not allowed.
	Miss string `json:"closest_miss,omitempty" yaml:"closest_miss,omitempty"`
}

// Explanation is `access explain USER HOST`.
type Explanation struct {
	User         string   `json:"user" yaml:"user"`
	Host         string   `json:"host" yaml:"host"`
	UserDisabled bool     `json:"user_disabled" yaml:"user_disabled"`
	Groups       []string `json:"groups" yaml:"groups"`
	Hostgroups   []string `json:"hostgroups" yaml:"hostgroups"`
	Login        bool     `json:"login" yaml:"login"`
	Sudo         bool     `json:"sudo" yaml:"sudo"`
	LoginDetail  Verdict  `json:"login_detail" yaml:"login_detail"`
	SudoDetail   Verdict  `json:"sudo_detail" yaml:"sudo_detail"`
}

// Explain evaluates login (HBAC) and sudo for u on h, independently.
func (s *Snapshot) Explain(u *User, h *Host) *Explanation {
	ex := &Explanation{User: u.UID, Host: h.FQDN, UserDisabled: u.Disabled, Groups: s.UserGroups(u), Hostgroups: s.HostHostgroups(h)}
	ex.LoginDetail = s.verdict(s.HBAC, u, h, "log in")
	ex.SudoDetail = s.verdict(s.Sudo, u, h, "sudo")
	ex.Login, ex.Sudo = ex.LoginDetail.Allowed, ex.SudoDetail.Allowed
	return ex
}

func (s *Snapshot) verdict(rules []*Rule, u *User, h *Host, what string) Verdict {
	v := Verdict{Rules: []Match{}}
	type miss struct {
		score int
		msg   string
	}
	var best miss
	for _, r := range rules {
		uvia, up, uok := s.userSide(r, u)
		hvia, hp, hok := s.hostSide(r, h)
		switch {
		case uok && hok && r.Enabled:
			v.Rules = append(v.Rules, r.match(uvia, up, hvia, hp))
		default:
			// Closest miss: a disabled rule that would apply, then a rule naming the user
			// (or the host) specifically, then one reaching them only by category all.
			score, msg := 0, ""
			switch {
			case uok && hok:
				score, msg = 5, fmt.Sprintf("rule %s would let %s %s on %s but is disabled", r.Name, u.UID, what, h.FQDN)
			case uok:
				score = 4
				if uvia == "category all" {
					score = 2
				}
				msg = fmt.Sprintf("rule %s covers %s (%s) but not host %s (it names %s)", r.Name, u.UID, viaText(uvia, up), h.FQDN, r.hostText())
			case hok:
				score = 3
				if hvia == "category all" {
					score = 1
				}
				msg = fmt.Sprintf("rule %s covers host %s (%s) but not user %s (it names %s)", r.Name, h.FQDN, viaText(hvia, hp), u.UID, r.userText())
			}
			if score > best.score {
				best = miss{score, msg}
			}
		}
	}
	if u.Disabled {
		v.Rules = []Match{}
		v.Miss = fmt.Sprintf("user %s is disabled (nsAccountLock: TRUE)", u.UID)
		return v
	}
	v.Allowed = len(v.Rules) > 0
	if !v.Allowed {
		v.Miss = best.msg
		if v.Miss == "" {
			v.Miss = fmt.Sprintf("no enabled rule names %s or host %s", u.UID, h.FQDN)
		}
	}
	return v
}

func viaText(via string, path []string) string {
	if via == "group" || via == "hostgroup" {
		return "via " + via + " " + strings.Join(path, " > ")
	}
	return via
}

func (r *Rule) hostText() string {
	var parts []string
	for _, g := range r.Hostgroups {
		parts = append(parts, "hostgroup "+g.Name)
	}
	for _, h := range r.Hosts {
		parts = append(parts, "host "+h.FQDN)
	}
	if len(parts) == 0 {
		return "no hosts"
	}
	return strings.Join(parts, ", ")
}

func (r *Rule) userText() string {
	var parts []string
	for _, g := range r.Groups {
		parts = append(parts, "group "+g.Name)
	}
	for _, u := range r.Users {
		parts = append(parts, "user "+u.UID)
	}
	if len(parts) == 0 {
		return "no users"
	}
	return strings.Join(parts, ", ")
}

// UserGroups lists every group u is in, directly or nested, sorted.
func (s *Snapshot) UserGroups(u *User) []string {
	return closure(u.Groups, func(g *Group) []*Group { return g.Parents }, func(g *Group) string { return g.Name })
}

// HostHostgroups lists every hostgroup h is in, directly or nested, sorted.
func (s *Snapshot) HostHostgroups(h *Host) []string {
	return closure(h.Hostgroups, func(g *Hostgroup) []*Hostgroup { return g.Parents }, func(g *Hostgroup) string { return g.Name })
}

// closure returns the sorted names of start and everything above it in the parents graph.
func closure[T comparable](start []T, parents func(T) []T, name func(T) string) []string {
	seen := map[T]bool{}
	var walk func(g T)
	walk = func(g T) {
		if seen[g] {
			return
		}
		seen[g] = true
		for _, p := range parents(g) {
			walk(p)
		}
	}
	for _, g := range start {
		walk(g)
	}
	out := []string{}
	for g := range seen {
		out = append(out, name(g))
	}
	sort.Strings(out)
	return out
}
