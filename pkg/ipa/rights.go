package ipa

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
)

// Rights is what a bind identity may change, as FreeIPA's ACIs grant it: everything as a
// member of admins, else the membership of the groups it is a member manager of
// (memberManager naming it, or a group it belongs to).
type Rights struct {
	Admin   bool     `json:"admin" yaml:"admin"`
	Manages []string `json:"manages" yaml:"manages"` // group names, sorted
}

// ReadRights reads identity's rights in two searches: its own memberOf, then the groups
// whose memberManager names it or one of its groups.
func ReadRights(ctx context.Context, dir directory.Client, identity string) (Rights, error) {
	r := Rights{Manages: []string{}}
	if identity == "" {
		return r, nil
	}
	me, err := dir.Search(ctx, directory.SearchRequest{BaseDN: identity, Scope: directory.ScopeBase,
		Filter: "(objectClass=*)", Attributes: []string{"memberOf"}})
	if err != nil && !directory.IsNotFound(err) { // cn=Directory Manager has no entry
		return r, fmt.Errorf("read the rights of %s: %w", identity, err)
	}
	holders := []string{identity}
	if len(me) == 1 {
		for _, g := range me[0].Get("memberOf") {
			if directory.EqualDN(g, GroupDN("admins", dir.Suffix())) {
				r.Admin = true
			}
			if directory.IsUnder(g, directory.In(directory.Groups, dir.Suffix())) {
				holders = append(holders, g)
			}
		}
	}
	var f strings.Builder
	f.WriteString("(&(objectClass=ipausergroup)(|")
	for _, h := range holders {
		f.WriteString("(memberManager=" + directory.EscapeFilterValue(h) + ")")
	}
	f.WriteString("))")
	groups, err := dir.Search(ctx, directory.SearchRequest{BaseDN: directory.In(directory.Groups, dir.Suffix()),
		Scope: directory.ScopeOne, Filter: f.String(), Attributes: []string{"cn"}})
	if err != nil {
		return r, fmt.Errorf("read the groups %s manages: %w", identity, err)
	}
	for _, g := range groups {
		r.Manages = append(r.Manages, g.First("cn"))
	}
	sort.Strings(r.Manages)
	return r, nil
}

// String says it for a person: "admin (member of admins)", "manages the membership of:
// hvac, hvac-sudo", or "no administrative rights".
func (r Rights) String() string {
	switch {
	case r.Admin:
		return "admin (member of admins): may change everything accessctl manages"
	case len(r.Manages) > 0:
		return "member manager of: " + strings.Join(r.Manages, ", ") + " (may change their membership only)"
	}
	return "no administrative rights (not in admins, member manager of no group)"
}
