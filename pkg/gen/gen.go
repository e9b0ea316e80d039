// Package gen generates FreeIPA-shaped directories of a chosen size for benchmarks and
// load tests: users with private groups, user groups nested two deep, hosts, hostgroups
// (with their managed netgroups) filled by automember rules, ITTN-010 clusters, HBAC and
// sudo rules. Every entry goes through the sandbox's own add (sandbox.Bulk), so what
// the server's plugins would write is there — memberOf, private groups, netgroups,
// ipaUniqueIDs, DNA-assigned IDs — and an offline import (ldif2db, which skips the
// plugins) of the output gives the same directory as adding the entries one by one.
package gen

import (
	_ "embed"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/sandbox"
)

// Size is a directory's shape.
type Size struct {
	Name       string
	Users      int
	Hosts      int
	Groups     int // user groups (besides private groups, ipausers and cluster groups), nested two deep
	Hostgroups int // plain hostgroups (besides cluster hostgroups), each with an automember rule
	Clusters   int // ITTN-010 clusters: group, -sudo group, hostgroup, HBAC and sudo rule, automember rule
	HBAC, Sudo int // HBAC and sudo rules in all (clusters' included)
	// Offboard users each belong directly to OffboardGroups groups (for the offboard benchmark).
	Offboard, OffboardGroups int
	// IDStart/IDSize: the realm's ID range (and DNA range).
	IDStart, IDSize int64
	// Conventions: a conventions file to use with this size ("" = built-in ITTN-010).
	Conventions string
}

//go:embed perf-conventions.yaml
var perfConventions string

// PerfConventions is the conventions file of the perf size: ITTN-010 with a
// 200,000-wide general range (FreeIPA's installer default realm range).
func PerfConventions() string { return perfConventions }

// Sizes are the three standard shapes.
var Sizes = map[string]Size{
	"small": {Name: "small", Users: 200, Hosts: 300, Groups: 210, Hostgroups: 12, Clusters: 3, HBAC: 6, Sudo: 6,
		Offboard: 8, OffboardGroups: 200, IDStart: 70000, IDSize: 10000},
	"medium": {Name: "medium", Users: 5000, Hosts: 4000, Groups: 300, Hostgroups: 100, Clusters: 20, HBAC: 40, Sudo: 40,
		Offboard: 8, OffboardGroups: 200, IDStart: 70000, IDSize: 10000},
	"perf": {Name: "perf", Users: 50000, Hosts: 40000, Groups: 1000, Hostgroups: 980, Clusters: 20, HBAC: 100, Sudo: 100,
		Offboard: 8, OffboardGroups: 200, IDStart: 70000, IDSize: 200000, Conventions: "perf-conventions.yaml"},
}

// Options names the generated directory.
type Options struct {
	Suffix, Realm string
	Seed          uint64
}

// Info describes what was generated (names the benchmarks use).
type Info struct {
	Size      Size
	Domain    string
	Users     []string // regular users
	Offboard  []string // users in OffboardGroups groups each
	Clusters  []string
	Hosts     []string
	Entries   int
	DNANext   int64 // the next free ID after the generated ones
	LastLevel []string
}

// User is the user entry `ipa user-add` writes (uid/gid from DNA).
func User(uid, first, last, realm, domain, suffix string) *directory.Entry {
	A := directory.A
	return directory.NewEntry(ipa.UserDN(uid, suffix),
		A("objectClass", "top", "person", "organizationalperson", "inetorgperson", "inetuser", "posixaccount",
			"krbprincipalaux", "krbticketpolicyaux", "ipaobject", "ipasshuser"),
		A("uid", uid), A("givenName", first), A("sn", last), A("cn", first+" "+last),
		A("displayName", first+" "+last), A("initials", first[:1]+last[:1]), A("gecos", first+" "+last),
		A("homeDirectory", "/home/"+uid), A("loginShell", "/bin/bash"),
		A("uidNumber", ipa.DNAMagic), A("gidNumber", ipa.DNAMagic),
		A("krbPrincipalName", uid+"@"+realm), A("krbCanonicalName", uid+"@"+realm),
		A("mail", uid+"@"+domain), A("ipaUniqueID", ipa.Autogenerate))
}

// Host is the host entry `ipa host-add` writes.
func Host(fqdn, realm, suffix string) *directory.Entry {
	A := directory.A
	dn := ipa.HostDN(fqdn, suffix)
	return directory.NewEntry(dn,
		A("objectClass", "ipaobject", "nshost", "ipahost", "pkiuser", "ipaservice", "ieee802device",
			"ipasshhost", "krbprincipalaux", "krbprincipal"),
		A("fqdn", fqdn), A("cn", fqdn), A("serverHostName", strings.SplitN(fqdn, ".", 2)[0]),
		A("krbPrincipalName", "host/"+fqdn+"@"+realm), A("krbCanonicalName", "host/"+fqdn+"@"+realm),
		A("managedBy", dn), A("ipaUniqueID", ipa.Autogenerate))
}

var firsts = []string{"Ada", "Bob", "Cai", "Dee", "Eve", "Fay", "Gus", "Hal", "Ivy", "Jo", "Kim", "Lou", "Max", "Ned", "Oz", "Pat"}
var lasts = []string{"Abel", "Baker", "Chen", "Diaz", "Evans", "Fox", "Gray", "Hill", "Ito", "Jones", "King", "Lee", "Moss", "Nash", "Ortiz", "Park"}

// Generate builds the directory of size s in memory.
func Generate(s Size, o Options) (*sandbox.Bulk, *Info, error) {
	if o.Suffix == "" {
		o.Suffix = "dc=example,dc=test"
	}
	b, err := sandbox.NewBulk(sandbox.BulkOptions{Suffix: o.Suffix, Realm: o.Realm, IDStart: s.IDStart, IDSize: s.IDSize})
	if err != nil {
		return nil, nil, err
	}
	var domain []string
	for _, p := range strings.Split(o.Suffix, ",") {
		if k, v, ok := strings.Cut(p, "="); ok && strings.EqualFold(strings.TrimSpace(k), "dc") {
			domain = append(domain, strings.ToLower(v))
		}
	}
	info := &Info{Size: s, Domain: strings.Join(domain, ".")}
	if o.Realm == "" {
		o.Realm = strings.ToUpper(info.Domain)
	}
	suffix := o.Suffix
	rng := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	add := func(e *directory.Entry) error {
		if _, err := b.Add(e); err != nil {
			return fmt.Errorf("generate %s: %w", e.DN, err)
		}
		info.Entries++
		return nil
	}

	// The bind user of the live test directory (testdata/ds/up adds it) comes first so
	// that it gets the same ID there and here.
	if err := add(User("delegate", "Del", "Egate", o.Realm, info.Domain, suffix)); err != nil {
		return nil, nil, err
	}
	allUsers := []string{"delegate"}
	for i := 1; i <= s.Users; i++ {
		uid := fmt.Sprintf("u%05d", i)
		if err := add(User(uid, firsts[i%len(firsts)], lasts[(i/len(firsts))%len(lasts)], o.Realm, info.Domain, suffix)); err != nil {
			return nil, nil, err
		}
		info.Users = append(info.Users, uid)
		allUsers = append(allUsers, uid)
	}
	for i := 1; i <= s.Offboard; i++ {
		uid := fmt.Sprintf("leaver%02d", i)
		if err := add(User(uid, "Lea", "Ver", o.Realm, info.Domain, suffix)); err != nil {
			return nil, nil, err
		}
		info.Offboard = append(info.Offboard, uid)
		allUsers = append(allUsers, uid)
	}

	// Hosts, then hostgroups with their members, then the automember rules that
	// select exactly those members (added last, so the rules' evaluation is not
	// repeated per host: the result is the same as the server's on add).
	type hg struct {
		name, desc string
		hosts      []string
	}
	var hgs []hg
	for i := 1; i <= s.Clusters; i++ {
		n := fmt.Sprintf("cl%03d", i)
		info.Clusters = append(info.Clusters, n)
		hgs = append(hgs, hg{name: n, desc: n + " servers"})
	}
	for i := 1; i <= s.Hostgroups; i++ {
		hgs = append(hgs, hg{name: fmt.Sprintf("hg%04d", i), desc: "hostgroup " + fmt.Sprint(i)})
	}
	if len(hgs) == 0 {
		return nil, nil, fmt.Errorf("generate: a size needs hostgroups")
	}
	for i := 0; i < s.Hosts; i++ {
		g := &hgs[i%len(hgs)]
		fqdn := fmt.Sprintf("%s-%05d.%s", g.name, len(g.hosts)+1, info.Domain)
		if err := add(Host(fqdn, o.Realm, suffix)); err != nil {
			return nil, nil, err
		}
		g.hosts = append(g.hosts, ipa.HostDN(fqdn, suffix))
		info.Hosts = append(info.Hosts, fqdn)
	}
	for _, g := range hgs {
		e := ipa.Hostgroup(g.name, g.desc, suffix)
		e.Set("member", g.hosts...)
		if err := add(e); err != nil {
			return nil, nil, err
		}
	}

	// User groups nested two deep: 10% top level, 30% in a top-level group, 60% in a
	// second-level group; every user is in two or three bottom-level groups.
	members := map[string][]string{}
	var names, top, mid, low []string
	for i := 1; i <= s.Groups; i++ {
		n := fmt.Sprintf("grp%04d", i)
		names = append(names, n)
		switch {
		case i <= max(1, s.Groups/10):
			top = append(top, n)
		case i <= max(2, s.Groups*4/10):
			mid = append(mid, n)
			p := top[rng.IntN(len(top))]
			members[p] = append(members[p], ipa.GroupDN(n, suffix))
		default:
			low = append(low, n)
			if len(mid) > 0 {
				p := mid[rng.IntN(len(mid))]
				members[p] = append(members[p], ipa.GroupDN(n, suffix))
			}
		}
	}
	if len(low) == 0 {
		low = names
	}
	info.LastLevel = low
	for _, u := range info.Users {
		k := 2 + rng.IntN(2)
		seen := map[string]bool{}
		for j := 0; j < k && len(low) > 0; j++ {
			g := low[rng.IntN(len(low))]
			if !seen[g] {
				seen[g] = true
				members[g] = append(members[g], ipa.UserDN(u, suffix))
			}
		}
	}
	for _, u := range info.Offboard {
		for j := 0; j < s.OffboardGroups && j < len(names); j++ {
			g := names[j]
			members[g] = append(members[g], ipa.UserDN(u, suffix))
		}
	}
	// Clusters: group (its users), -sudo group, hostgroup (above), HBAC and sudo rules.
	for ci, c := range info.Clusters {
		var us, sudo []string
		for j := 0; j < 5 && len(info.Users) > 0; j++ {
			u := info.Users[(ci*7+j*13)%len(info.Users)]
			us = append(us, ipa.UserDN(u, suffix))
			if j < 2 {
				sudo = append(sudo, ipa.UserDN(u, suffix))
			}
		}
		members[c] = append(members[c], us...)
		members[c+"-sudo"] = append(members[c+"-sudo"], sudo...)
		names = append(names, c, c+"-sudo")
	}
	// Groups go in members-first order (bottom level before the level above).
	order := append(append(append([]string(nil), low...), mid...), top...)
	for _, c := range info.Clusters {
		order = append(order, c, c+"-sudo")
	}
	for _, n := range order {
		desc := "group " + n
		if strings.HasPrefix(n, "cl") {
			desc = n + " users"
			if strings.HasSuffix(n, "-sudo") {
				desc = strings.TrimSuffix(n, "-sudo") + " sudo users"
			}
		}
		e := ipa.PosixGroup(n, desc, ipa.DNAMagic, suffix)
		e.Set("member", dedupe(members[n])...)
		if err := add(e); err != nil {
			return nil, nil, err
		}
	}
	// Every user is in ipausers (one replace: the sandbox checks values one by one on add).
	ipausers := ipa.GroupDN("ipausers", suffix)
	if cur := b.Get(ipausers); cur != nil {
		vals := cur.Get("member")
		for _, u := range allUsers {
			vals = append(vals, ipa.UserDN(u, suffix))
		}
		if err := b.Modify(ipausers, []directory.Mod{{Op: directory.ModReplace, Attr: "member", Values: dedupe(vals)}}); err != nil {
			return nil, nil, fmt.Errorf("generate ipausers: %w", err)
		}
	}

	for _, g := range hgs {
		re := fmt.Sprintf(`^%s-[0-9]+\.%s$`, g.name, strings.ReplaceAll(info.Domain, ".", `\.`))
		if err := add(ipa.AutomemberHostgroupRule(g.name, []string{re}, nil, "fqdn", suffix)); err != nil {
			return nil, nil, err
		}
	}
	hbac, sudo := 0, 0
	for _, c := range info.Clusters {
		if err := add(ipa.HBACRule(c+"-users", []string{ipa.GroupDN(c, suffix)}, []string{ipa.HostgroupDN(c, suffix)}, suffix)); err != nil {
			return nil, nil, err
		}
		if err := add(ipa.SudoRule(ipa.SudoRuleSpec{Name: c + "-sudo", CmdAll: true, RunAsUserAll: true, RunAsGroupAll: true,
			UserDNs: []string{ipa.GroupDN(c+"-sudo", suffix)}, HostDNs: []string{ipa.HostgroupDN(c, suffix)}}, suffix)); err != nil {
			return nil, nil, err
		}
		hbac++
		sudo++
	}
	plain := hgs[len(info.Clusters):]
	for i := 0; hbac < s.HBAC && len(plain) > 0 && len(names) > 0; i++ {
		h := plain[i%len(plain)].name
		if err := add(ipa.HBACRule(fmt.Sprintf("allow-%s", h), []string{ipa.GroupDN(names[rng.IntN(len(names))], suffix)},
			[]string{ipa.HostgroupDN(h, suffix)}, suffix)); err != nil {
			return nil, nil, err
		}
		hbac++
	}
	for i := 0; sudo < s.Sudo && len(plain) > 0 && len(names) > 0; i++ {
		h := plain[i%len(plain)].name
		if err := add(ipa.SudoRule(ipa.SudoRuleSpec{Name: fmt.Sprintf("admins-%s", h), CmdAll: true, RunAsUserAll: true,
			RunAsGroupAll: true, UserDNs: []string{ipa.GroupDN(names[rng.IntN(len(names))], suffix)},
			HostDNs: []string{ipa.HostgroupDN(h, suffix)}}, suffix)); err != nil {
			return nil, nil, err
		}
		sudo++
	}
	info.DNANext = b.DNANext()
	return b, info, nil
}

// WriteImport writes the generated entries below the suffix as LDIF for an offline
// import (ldif2db), merged into base: the server's own export of the freshly built
// tree (db2ldif), whose entries keep their operational attributes, ACIs and passwords
// and get the generated members and memberOf values. Entries of base the generator
// also made (the tree template) are taken from base; the generated attributes listed
// in mergeAttrs are merged in.
func WriteImport(w io.Writer, base []*directory.Entry, b *sandbox.Bulk) error {
	gen := b.Entries()
	byDN := map[string]*directory.Entry{}
	for _, e := range gen {
		byDN[directory.NormalizeDN(e.DN)] = e
	}
	seen := map[string]bool{}
	var out []*directory.Entry
	for _, e := range base {
		n := directory.NormalizeDN(e.DN)
		seen[n] = true
		if g := byDN[n]; g != nil {
			e = e.Clone()
			for _, a := range mergeAttrs {
				vals := dedupeFold(append(append([]string(nil), e.Get(a)...), g.Get(a)...))
				if len(vals) > 0 {
					e.Set(a, vals...)
				}
			}
		}
		out = append(out, e)
	}
	for _, e := range gen {
		if !seen[directory.NormalizeDN(e.DN)] {
			out = append(out, e)
		}
	}
	return sandbox.WriteLDIF(w, out)
}

var mergeAttrs = []string{"objectClass", "member", "memberOf", "memberUser", "memberHost"}

func dedupe(v []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range v {
		k := directory.NormalizeDN(x)
		if !seen[k] {
			seen[k] = true
			out = append(out, x)
		}
	}
	return out
}

func dedupeFold(v []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range v {
		k := strings.ToLower(x)
		if strings.Contains(x, "=") {
			k = directory.NormalizeDN(x)
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, x)
		}
	}
	return out
}
