package roles

import (
	"context"
	"fmt"
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// GroupHolders is what `role grant/revoke --group` need: the sudoto group and the named
// user groups (by lower-case cn).
type GroupHolders struct {
	Group  *directory.Entry
	Groups map[string]*directory.Entry
}

// ReadGroupHolders reads the sudoto group of role on hg and the user groups, in one search.
func ReadGroupHolders(ctx context.Context, dir directory.Client, conv *siteconv.Conventions, role, hg string, groups []string) (*GroupHolders, error) {
	sudoto, _ := conv.SudotoNames(hg, role)
	esc := directory.EscapeFilterValue
	var b strings.Builder
	fmt.Fprintf(&b, "(cn=%s)", esc(sudoto))
	for _, g := range groups {
		fmt.Fprintf(&b, "(cn=%s)", esc(g))
	}
	es, err := dir.Search(ctx, directory.SearchRequest{BaseDN: directory.In(directory.Groups, dir.Suffix()), Scope: directory.ScopeOne,
		Filter: "(&(objectClass=ipaUserGroup)(|" + b.String() + "))", Attributes: []string{"cn", "member", "objectClass", "mepManagedBy"}})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", sudoto, err)
	}
	st := &GroupHolders{Groups: map[string]*directory.Entry{}}
	for _, e := range es {
		cn := strings.ToLower(e.First("cn"))
		if cn == strings.ToLower(sudoto) {
			st.Group = e
		}
		st.Groups[cn] = e
	}
	if err := checkMembers(&MemberState{Group: st.Group}, role, hg, sudoto); err != nil {
		return st, err
	}
	if st.Group == nil {
		return st, inputf("group %s does not exist: create the role first (accessctl role create %s --hostgroup %s)", sudoto, role, hg)
	}
	return st, nil
}

// PlanGroupHolders plans grant (add=true) or revoke of user groups as nested members of
// the sudoto group: their members may (no longer) become role on hg. Granting refuses an
// unknown group and the sudoto group itself; revoking takes a stale value by DN.
func PlanGroupHolders(st *GroupHolders, conv *siteconv.Conventions, role, hg string, groups []string, add bool, suffix string) (*plan.Plan, error) {
	sudoto, _ := conv.SudotoNames(hg, role)
	verb := map[bool]string{true: "grant", false: "revoke"}[add]
	p := &plan.Plan{Title: fmt.Sprintf("%s sudo to %s on %s", verb, role, hg)}
	var change, names, same []string
	for _, g := range groups {
		if strings.EqualFold(g, sudoto) {
			return nil, inputf("group %s is the sudoto group itself", g)
		}
		dn := ipa.GroupDN(g, suffix)
		if e := st.Groups[strings.ToLower(g)]; e != nil {
			dn = e.DN
		} else if add {
			return nil, inputf("no such group: %s", g)
		}
		if directory.HasDN(st.Group.Get("member"), dn) == add {
			same = append(same, g)
			continue
		}
		change, names = append(change, dn), append(names, g)
	}
	if len(change) == 0 {
		p.Add(plan.Change{Action: plan.Unchanged, Kind: "group", Name: sudoto, DN: st.Group.DN,
			Notes: []string{"already as asked: " + strings.Join(same, ", ")}})
		return p, nil
	}
	c := plan.Change{Action: plan.Modify, Kind: "group", Name: sudoto, DN: st.Group.DN}
	if add {
		c.Mods = []directory.Mod{{Op: directory.ModAdd, Attr: "member", Values: change}}
		c.Notes = []string{"the members of " + strings.Join(names, ", ") + " may become " + role + " on " + hg}
		c.IPA = []string{ipa.Command("group-add-member", sudoto, "--groups="+strings.Join(names, ","))}
	} else {
		c.Mods = []directory.Mod{{Op: directory.ModDelete, Attr: "member", Values: change}}
		c.Removes = true
		c.Notes = []string{"the members of " + strings.Join(names, ", ") + " may no longer become " + role + " on " + hg + " through them"}
		c.IPA = []string{ipa.Command("group-remove-member", sudoto, "--groups="+strings.Join(names, ","))}
	}
	p.Add(c)
	return p, nil
}
