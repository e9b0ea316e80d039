package completion

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/accessctl/accessctl/pkg/cluster"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/roles"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// Searches the fetcher makes, one per container.
const (
	searchUsers      = "users"
	searchGroups     = "groups"
	searchHostgroups = "hostgroups"
	searchHosts      = "hosts"
	searchServices   = "sysaccounts"
)

// requires lists the searches each kind is computed from.
var requires = map[string][]string{
	KindUsers:      {searchUsers},
	KindHosts:      {searchHosts},
	KindHostgroups: {searchHostgroups},
	KindClusters:   {searchGroups, searchHostgroups},
	KindRoles:      {searchUsers, searchGroups},
	KindServices:   {searchServices},
}

// fetcher runs each search at most once and derives the kinds from the results.
type fetcher struct {
	dir  directory.Client
	conv *siteconv.Conventions
	memo map[string][]*directory.Entry
}

func newFetcher(dir directory.Client, conv *siteconv.Conventions) *fetcher {
	return &fetcher{dir: dir, conv: conv, memo: map[string][]*directory.Entry{}}
}

// covers reports whether kind can be computed without another search.
func (fe *fetcher) covers(kind string) bool {
	for _, s := range requires[kind] {
		if _, ok := fe.memo[s]; !ok {
			return false
		}
	}
	return true
}

func (fe *fetcher) search(ctx context.Context, which string) ([]*directory.Entry, error) {
	if es, ok := fe.memo[which]; ok {
		return es, nil
	}
	suffix := fe.dir.Suffix()
	var req directory.SearchRequest
	switch which {
	case searchUsers:
		req = directory.SearchRequest{BaseDN: directory.In(directory.Users, suffix), Filter: "(uid=*)", Attributes: []string{"uid", "cn", "uidNumber", "nsAccountLock"}}
	case searchGroups:
		req = directory.SearchRequest{BaseDN: directory.In(directory.Groups, suffix), Filter: "(cn=*)", Attributes: []string{"cn", "description"}}
	case searchHostgroups:
		req = directory.SearchRequest{BaseDN: directory.In(directory.Hostgroups, suffix), Filter: "(cn=*)", Attributes: []string{"cn", "description"}}
	case searchHosts:
		req = directory.SearchRequest{BaseDN: directory.In(directory.Computers, suffix), Filter: "(fqdn=*)", Attributes: []string{"fqdn", "description"}}
	case searchServices:
		req = directory.SearchRequest{BaseDN: directory.In(directory.SysAccounts, suffix), Filter: "(uid=*)", Attributes: []string{"uid"}}
	default:
		return nil, fmt.Errorf("unknown search %q", which)
	}
	req.Scope = directory.ScopeOne
	es, err := fe.dir.Search(ctx, req)
	if err != nil {
		if directory.IsNotFound(err) {
			es, err = nil, nil
		} else {
			return nil, fmt.Errorf("search %s: %w", which, err)
		}
	}
	fe.memo[which] = es
	return es, nil
}

// kind computes the candidates of one kind, sorted by name.
func (fe *fetcher) kind(ctx context.Context, kind string) ([]Item, error) {
	for _, s := range requires[kind] {
		if _, err := fe.search(ctx, s); err != nil {
			return nil, err
		}
	}
	var items []Item
	switch kind {
	case KindUsers:
		for _, e := range fe.memo[searchUsers] {
			desc := e.First("cn")
			if strings.EqualFold(e.First("nsAccountLock"), "true") {
				desc = strings.TrimSpace(desc + " (disabled)")
			}
			items = append(items, Item{Name: e.First("uid"), Desc: desc})
		}
	case KindHosts:
		for _, e := range fe.memo[searchHosts] {
			items = append(items, Item{Name: e.First("fqdn"), Desc: e.First("description")})
		}
	case KindHostgroups:
		for _, e := range fe.memo[searchHostgroups] {
			items = append(items, Item{Name: e.First("cn"), Desc: e.First("description")})
		}
	case KindClusters:
		items = fe.clusters()
	case KindRoles:
		items = fe.roles()
	case KindServices:
		for _, e := range fe.memo[searchServices] {
			if _, own := ipa.System(ipa.KindBindDN, e.First("uid")); !own {
				items = append(items, Item{Name: e.First("uid"), Desc: e.DN})
			}
		}
	default:
		return nil, fmt.Errorf("unknown kind %q", kind)
	}
	var out []Item
	for _, it := range items {
		if it.Name != "" {
			out = append(out, it)
		}
	}
	return sortItems(out), nil
}

// clusters: a base name N is a cluster where the conventions' user group for N and
// hostgroup for N both exist.
func (fe *fetcher) clusters() []Item {
	hostgroups := map[string]bool{}
	for _, e := range fe.memo[searchHostgroups] {
		if base, ok := fe.conv.ClusterBaseFrom("hostgroup", e.First("cn")); ok {
			hostgroups[strings.ToLower(base)] = true
		}
	}
	var items []Item
	for _, e := range fe.memo[searchGroups] {
		base, ok := fe.conv.ClusterBaseFrom("group", e.First("cn"))
		if !ok || !hostgroups[strings.ToLower(base)] {
			continue
		}
		// The base's own name must round-trip: "hvac-sudo" is hvac's sudo group, not a
		// cluster, unless its hostgroup exists too.
		if fe.conv.ClusterNames(base).Group != e.First("cn") || cluster.OwnedByFreeIPA(fe.conv, base) {
			continue
		}
		items = append(items, Item{Name: base, Desc: strings.TrimSuffix(e.First("description"), " users")})
	}
	return items
}

// roles: role accounts by roles.IsRoleAccount (a UID in a role range, or a name the
// conventions reserve an ID for), and the roles named by sudoto groups (the run-as side).
func (fe *fetcher) roles() []Item {
	var items []Item
	for _, e := range fe.memo[searchUsers] {
		n, err := strconv.Atoi(e.First("uidNumber"))
		if err != nil || !roles.IsRoleAccount(fe.conv, e.First("uid"), n, false) {
			continue
		}
		items = append(items, Item{Name: e.First("uid"), Desc: roles.RoleRange(fe.conv, n)})
	}
	pre, sep, post, ok := sudotoParts(fe.conv.Role.SudotoGroup)
	if ok {
		for _, e := range fe.memo[searchGroups] {
			cn := e.First("cn")
			if !strings.HasPrefix(cn, pre) || !strings.HasSuffix(cn, post) {
				continue
			}
			mid := cn[len(pre) : len(cn)-len(post)]
			if i := strings.LastIndex(mid, sep); i > 0 && i+len(sep) < len(mid) {
				items = append(items, Item{Name: mid[i+len(sep):]})
			}
		}
	}
	return items
}

// sudotoParts splits a pattern "PRE{hostgroup}SEP{role}POST" into its literal parts.
func sudotoParts(p string) (pre, sep, post string, ok bool) {
	h := strings.Index(p, "{hostgroup}")
	r := strings.Index(p, "{role}")
	if h < 0 || r < 0 || r < h+len("{hostgroup}") {
		return "", "", "", false
	}
	pre = p[:h]
	sep = p[h+len("{hostgroup}") : r]
	post = p[r+len("{role}"):]
	return pre, sep, post, sep != ""
}
