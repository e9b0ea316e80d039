package role

import (
	"context"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/roles"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// planMembers is grant/revoke's plan: the users' change, then the groups' (--group).
func planMembers(ctx context.Context, o *MembersOptions, dir directory.Client, conv *siteconv.Conventions) (*plan.Plan, error) {
	var p *plan.Plan
	if len(o.Users) > 0 {
		st, err := roles.ReadMembers(ctx, dir, conv, o.Role, o.Hostgroup, o.Users)
		if err != nil {
			return nil, err
		}
		if p, err = roles.PlanMembers(st, conv, o.Role, o.Hostgroup, o.Users, o.Add); err != nil {
			return nil, err
		}
	}
	if len(o.Groups) == 0 {
		return p, nil
	}
	st, err := roles.ReadGroupHolders(ctx, dir, conv, o.Role, o.Hostgroup, o.Groups)
	if err != nil {
		return nil, err
	}
	gp, err := roles.PlanGroupHolders(st, conv, o.Role, o.Hostgroup, o.Groups, o.Add, dir.Suffix())
	if err != nil {
		return nil, err
	}
	if p == nil {
		return gp, nil
	}
	// One group entry, two changes: users first; a user-only "unchanged" line is dropped.
	if p.Empty() {
		p.Changes = nil
	}
	for _, c := range gp.Changes {
		if c.Action != plan.Unchanged || len(p.Changes) == 0 {
			p.Add(c)
		}
	}
	return p, nil
}
