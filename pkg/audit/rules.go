package audit

import (
	"fmt"
	"sort"
	"strings"

	"github.com/accessctl/accessctl/pkg/access"
)

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
