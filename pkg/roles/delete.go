package roles

import (
	"fmt"
	"strings"

	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// PlanDelete plans `role delete ROLE --hostgroup HG`: the sudoto rule first, so the sudo
// access is gone before the group it named, then the sudoto group. The role user, its
// ID and its membership of HG's user group (a cluster membership) stay. A rule that is
// not in the ITTN-010 §5 shape is not this role's to delete: refused, nothing planned.
func PlanDelete(s *State, conv *siteconv.Conventions) (*plan.Plan, error) {
	if err := ipa.CheckManageable(ipa.KindSudoRule, s.SudotoRule, s.SudoRuleE); err != nil {
		return nil, err
	}
	if err := ipa.CheckManageable(ipa.KindGroup, s.SudotoGroup, s.SudotoGroupE); err != nil {
		return nil, err
	}
	if s.SudoRuleE != nil {
		if d := sudoRuleDiffs(s.SudoRuleE, SudoRuleEntry(conv, s.Role, s.Hostgroup, s.Suffix)); len(d) > 0 {
			return nil, inputf("sudo rule %s is not in the shape role create makes (%s): not deleted; remove it by hand if it is no longer wanted", s.SudotoRule, strings.Join(d, "; "))
		}
	}
	p := &plan.Plan{Title: "delete role " + s.Role + " on " + s.Hostgroup}
	if s.SudoRuleE != nil {
		p.Add(plan.Change{Action: plan.Delete, Kind: "sudorule", Name: s.SudotoRule, DN: s.SudoRuleE.DN, Entry: s.SudoRuleE, Removes: true,
			IPA:   []string{ipa.Command("sudorule-del", s.SudotoRule)},
			Notes: []string{fmt.Sprintf("sudo to %s on the hosts of %s ends", s.Role, s.Hostgroup)}})
	}
	if s.SudotoGroupE != nil {
		c := plan.Change{Action: plan.Delete, Kind: "group", Name: s.SudotoGroup, DN: s.SudotoGroupE.DN, Entry: s.SudotoGroupE, Removes: true,
			IPA: []string{ipa.Command("group-del", s.SudotoGroup)}}
		if n := len(s.SudotoGroupE.Get("member")); n > 0 {
			c.Notes = append(c.Notes, fmt.Sprintf("%d member(s) lose this membership", n))
		}
		p.Add(c)
	}
	if p.Empty() {
		p.Add(plan.Change{Action: plan.Unchanged, Kind: "group", Name: s.SudotoGroup,
			Notes: []string{fmt.Sprintf("role %s has no sudoto group or rule on %s", s.Role, s.Hostgroup)}})
	}
	note := fmt.Sprintf("the role user %s stays (its ID and its other rules too)", s.Role)
	p.Info = append(p.Info, note)
	return p, nil
}
