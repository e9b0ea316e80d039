package diff

import (
	"context"
	"fmt"

	"github.com/accessctl/accessctl/pkg/cluster"
	"github.com/accessctl/accessctl/pkg/cmd/export"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/roles"
	"github.com/accessctl/accessctl/pkg/site"
	"github.com/accessctl/accessctl/pkg/siteconv"
	"github.com/accessctl/accessctl/pkg/sysaccounts"
)

// Unlisted is an object of the directory that follows the conventions (export lists it)
// and the file does not list: what --prune deletes. Users and hosts are never among them.
type Unlisted struct {
	Kind string // "cluster", "role", "service"
	Name string
	// Hostgroups are a role's sudoto hostgroups.
	Hostgroups []string
}

func (u Unlisted) String() string { return u.Kind + " " + u.Name }

// UnlistedObjects lists the conforming roles, clusters and service bind DNs of cur that
// set does not list: roles first, as their sudoto rules name a cluster's hostgroup.
func UnlistedObjects(set *site.Set, cur *export.Current) []Unlisted {
	listed := map[string]bool{}
	for _, c := range set.Clusters {
		listed["cluster/"+c.Name] = true
	}
	for _, r := range set.Roles {
		listed["role/"+r.Name] = true
	}
	for _, s := range set.Services {
		listed["service/"+s.Name] = true
	}
	var out []Unlisted
	for _, r := range cur.Doc.Roles {
		if listed["role/"+r.Name] || len(r.Sudo) == 0 {
			continue // a role without sudoto rules is only its user, which stays
		}
		u := Unlisted{Kind: "role", Name: r.Name}
		for _, s := range r.Sudo {
			u.Hostgroups = append(u.Hostgroups, s.Hostgroup)
		}
		out = append(out, u)
	}
	for _, c := range cur.Doc.Clusters {
		if !listed["cluster/"+c.Name] {
			out = append(out, Unlisted{Kind: "cluster", Name: c.Name})
		}
	}
	for _, s := range cur.Doc.Services {
		if !listed["service/"+s.Name] {
			out = append(out, Unlisted{Kind: "service", Name: s.Name})
		}
	}
	return out
}

// PrunePlan reads u afresh and plans its deletion with the imperative commands' builders:
// cluster delete, role delete (per hostgroup; the user stays), service binddn delete.
func PrunePlan(ctx context.Context, dir directory.Client, conv *siteconv.Conventions, u Unlisted) (*plan.Plan, error) {
	switch u.Kind {
	case "cluster":
		s, err := cluster.Read(ctx, dir, conv, u.Name)
		if err != nil {
			return nil, err
		}
		p, err := cluster.PlanDelete(s)
		if err != nil {
			return nil, cmdutil.InputError(fmt.Errorf("prune cluster %s: %w", u.Name, err))
		}
		return p, nil
	case "role":
		p := &plan.Plan{Title: "delete role " + u.Name}
		for _, hg := range u.Hostgroups {
			sub, err := roleDelete(ctx, dir, conv, u.Name, hg)
			if err != nil {
				return nil, err
			}
			for _, c := range sub.Changes {
				p.Add(c)
			}
			p.Info = append(p.Info, sub.Info...)
		}
		return p, nil
	case "service":
		e, err := sysaccounts.Get(ctx, dir, conv.BindDN(u.Name, dir.Suffix()))
		if err != nil {
			return nil, err
		}
		if e == nil {
			return &plan.Plan{Title: "delete service bind dn " + u.Name}, nil // gone already
		}
		return sysaccounts.PlanDelete(u.Name, e), nil
	}
	return nil, fmt.Errorf("prune: unknown kind %q", u.Kind)
}

// roleDelete is role delete's plan for one hostgroup, from a fresh read.
func roleDelete(ctx context.Context, dir directory.Client, conv *siteconv.Conventions, role, hg string) (*plan.Plan, error) {
	st, err := roles.Read(ctx, dir, conv, role, hg)
	if err != nil {
		return nil, err
	}
	p, err := roles.PlanDelete(st, conv)
	if err != nil {
		return nil, cmdutil.InputError(fmt.Errorf("role %s on %s: %s", role, hg, roles.Msg(err)))
	}
	return p, nil
}

// AddPruned appends the pending changes of sub, u's prune plan, to p, each noted.
func AddPruned(p, sub *plan.Plan, u Unlisted) {
	for _, c := range sub.Changes {
		if c.Action != plan.Unchanged {
			c.Notes = append(c.Notes, "--prune: "+u.String()+" is not in the file")
			p.Add(c)
		}
	}
	p.Info = append(p.Info, sub.Info...)
}
