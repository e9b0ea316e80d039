// Package members implements `accessctl cluster add-user|remove-user|member-manager|delete`.
package members

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cluster"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/names"
	"github.com/accessctl/accessctl/pkg/plan"
)

// readUsers resolves user logins to entries with one search. Granting refuses unknown
// and disabled users before any change; removing takes whoever is found, disabled or not
// (offboarding is the usual case), and refuses only names that are not users at all.
func readUsers(ctx context.Context, dir directory.Client, logins []string, remove bool) (map[string]*directory.Entry, error) {
	var terms []string
	for _, l := range logins {
		terms = append(terms, "(uid="+directory.EscapeFilterValue(l)+")")
	}
	entries, err := dir.Search(ctx, directory.SearchRequest{BaseDN: directory.In(directory.Users, dir.Suffix()), Scope: directory.ScopeOne,
		Filter: "(&(objectClass=posixAccount)(|" + strings.Join(terms, "") + "))", Attributes: []string{"uid", "nsAccountLock"}})
	if err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	out := map[string]*directory.Entry{}
	for _, e := range entries {
		out[strings.ToLower(e.First("uid"))] = e
	}
	for _, l := range logins {
		e, ok := out[l]
		switch {
		case !ok:
			return nil, cmdutil.InputErrorf("unknown user %q", l)
		case !remove && strings.EqualFold(e.First("nsAccountLock"), "TRUE"):
			return nil, cmdutil.InputErrorf("user %q is disabled", l)
		}
	}
	return out, nil
}

func validateUsers(users []string) error {
	for _, u := range users {
		if err := names.User(u); err != nil {
			return err
		}
	}
	return nil
}

func readCluster(ctx context.Context, f *cmdutil.Factory, base string) (directory.Client, *cluster.State, error) {
	conv, err := f.Conventions()
	if err != nil {
		return nil, nil, err
	}
	dir, err := f.Directory(ctx)
	if err != nil {
		return nil, nil, err
	}
	s, err := cluster.Read(ctx, dir, conv, base)
	if err != nil {
		return nil, nil, err
	}
	if !s.Exists() {
		return nil, nil, cmdutil.InputErrorf("cluster %q not found", base)
	}
	return dir, s, nil
}

// memberChange adds (or removes) DNs on attr of entry e as one Modify, only for the values
// that are not already so.
func memberChange(kind, name string, e *directory.Entry, attr string, dns []string, remove bool, ipaCmd func([]string) string) plan.Change {
	var vals, rdns []string
	for _, d := range dns {
		has := false
		for _, v := range e.Get(attr) {
			has = has || directory.EqualDN(v, d)
		}
		if has == remove {
			vals = append(vals, d)
			rdns = append(rdns, directory.RDNValue(d))
		}
	}
	if len(vals) == 0 {
		return plan.Change{Action: plan.Unchanged, Kind: kind, Name: name, DN: e.DN}
	}
	op := directory.ModAdd
	if remove {
		op = directory.ModDelete
	}
	return plan.Change{Action: plan.Modify, Kind: kind, Name: name, DN: e.DN, Removes: remove,
		Mods: []directory.Mod{{Op: op, Attr: attr, Values: vals}}, IPA: []string{ipaCmd(rdns)}}
}

type userOpts struct {
	sudo bool
	pf   cmdutil.PlanFlags
}

// NewCmdAddUser builds `cluster add-user`.
func NewCmdAddUser(f *cmdutil.Factory) *cobra.Command { return userCmd(f, false) }

// NewCmdRemoveUser builds `cluster remove-user`.
func NewCmdRemoveUser(f *cmdutil.Factory) *cobra.Command { return userCmd(f, true) }

func userCmd(f *cmdutil.Factory, remove bool) *cobra.Command {
	o := &userOpts{}
	use, short := "add-user NAME USER...", "Give users login access to a cluster (--sudo: also sudo)"
	if remove {
		use, short = "remove-user NAME USER...", "Take login (and with --sudo, only sudo) access away from users"
	}
	cmd := &cobra.Command{
		Use: use, Short: short, Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.pf.Validate(cmd); err != nil {
				return err
			}
			base, users := args[0], args[1:]
			if err := names.Cluster(base); err != nil {
				return err
			}
			if err := validateUsers(users); err != nil {
				return err
			}
			if remove {
				if err := cmdutil.RequireYesOffTerminal(f, &o.pf); err != nil {
					return err
				}
			}
			ctx := cmd.Context()
			dir, s, err := readCluster(ctx, f, base)
			if err != nil {
				return err
			}
			found, err := readUsers(ctx, dir, users, remove)
			if err != nil {
				return err
			}
			var dns []string
			for _, u := range users {
				if e, ok := found[u]; ok {
					dns = append(dns, e.DN)
				}
			}
			p := &plan.Plan{Title: fmt.Sprintf("%s users of cluster %s", map[bool]string{false: "add", true: "remove"}[remove], base)}
			verb := map[bool]string{false: "group-add-member", true: "group-remove-member"}[remove]
			// Removing login access also removes sudo (ITTN-010: sudo goes with login); --sudo
			// on remove-user removes only sudo.
			targets := []*directory.Entry{s.Group}
			names := []string{s.Names.Group}
			if o.sudo {
				targets, names = []*directory.Entry{s.SudoGroup}, []string{s.Names.SudoGroup}
				if !remove {
					targets, names = []*directory.Entry{s.Group, s.SudoGroup}, []string{s.Names.Group, s.Names.SudoGroup}
				}
			} else if remove {
				targets, names = []*directory.Entry{s.Group, s.SudoGroup}, []string{s.Names.Group, s.Names.SudoGroup}
			}
			for i, t := range targets {
				if t == nil {
					return cmdutil.InputErrorf("cluster %q has no group %q (run cluster check)", base, names[i])
				}
				g := names[i]
				p.Add(memberChange("group", g, t, "member", dns, remove, func(u []string) string {
					return ipa.Command(verb, g, "--users="+strings.Join(u, ","))
				}))
			}
			_, err = cmdutil.RunPlan(ctx, f, dir, p, &o.pf)
			return err
		},
	}
	cmd.Flags().BoolVar(&o.sudo, "sudo", false, "add: also sudo access; remove: only sudo access")
	cmdutil.AddPlanFlags(cmd, &o.pf, plan.IPA, plan.LDIF)
	cmd.ValidArgsFunction = completion.Positional(completion.Clusters(f), completion.Users(f))
	return cmd
}

// NewCmdMemberManager builds `cluster member-manager NAME add|remove (USER...|--group G)`.
func NewCmdMemberManager(f *cmdutil.Factory) *cobra.Command {
	var pf cmdutil.PlanFlags
	var groups []string
	cmd := &cobra.Command{
		Use:   "member-manager NAME add|remove [USER...] [--group G]...",
		Short: "Delegate membership management of the cluster's groups (FreeIPA memberManager)",
		Long: `Let users (or the members of a group) manage who is in the cluster's user groups
(NAME and NAME-sudo), as ITTN-010 §3.1 delegates it: FreeIPA's memberManager, honoured
by the "Allow member managers to modify members of user groups" ACI.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := pf.Validate(cmd); err != nil {
				return err
			}
			base, action, users := args[0], args[1], args[2:]
			if action != "add" && action != "remove" {
				return cmdutil.FlagErrorf("invalid action %q: want add or remove", action)
			}
			if len(users) == 0 && len(groups) == 0 {
				return cmdutil.FlagErrorf("name at least one USER or --group")
			}
			if err := names.Cluster(base); err != nil {
				return err
			}
			if err := validateUsers(users); err != nil {
				return err
			}
			for _, g := range groups {
				if err := names.Group(g); err != nil {
					return err
				}
			}
			remove := action == "remove"
			if remove {
				if err := cmdutil.RequireYesOffTerminal(f, &pf); err != nil {
					return err
				}
			}
			ctx := cmd.Context()
			dir, s, err := readCluster(ctx, f, base)
			if err != nil {
				return err
			}
			var dns []string
			if remove {
				// A stale memberManager value must stay removable, even for a user
				// that no longer exists: name it by DN.
				for _, u := range users {
					dns = append(dns, ipa.UserDN(u, dir.Suffix()))
				}
			} else if len(users) > 0 {
				found, err := readUsers(ctx, dir, users, false)
				if err != nil {
					return err
				}
				for _, u := range users {
					dns = append(dns, found[u].DN)
				}
			}
			for _, g := range groups {
				dns = append(dns, ipa.GroupDN(g, dir.Suffix()))
			}
			if len(groups) > 0 && !remove {
				if err := requireGroups(ctx, dir, groups); err != nil {
					return err
				}
			}
			p := &plan.Plan{Title: fmt.Sprintf("%s member managers of cluster %s", action, base)}
			verb := "group-" + action + "-member-manager"
			for _, t := range []*directory.Entry{s.Group, s.SudoGroup} {
				if t == nil {
					continue
				}
				g := t.First("cn")
				p.Add(memberChange("group", g, t, "memberManager", dns, remove, func(v []string) string {
					args := []string{verb, g}
					if len(users) > 0 {
						args = append(args, "--users="+strings.Join(users, ","))
					}
					if len(groups) > 0 {
						args = append(args, "--groups="+strings.Join(groups, ","))
					}
					return ipa.Command(args...)
				}))
			}
			_, err = cmdutil.RunPlan(ctx, f, dir, p, &pf)
			return err
		},
	}
	cmd.Flags().StringArrayVar(&groups, "group", nil, "a user group whose members become member managers (repeatable)")
	cmdutil.AddPlanFlags(cmd, &pf, plan.IPA, plan.LDIF)
	cmd.ValidArgsFunction = completion.Positional(completion.Clusters(f), completion.Fixed("add", "remove"), completion.Users(f))
	return cmd
}

func requireGroups(ctx context.Context, dir directory.Client, groups []string) error {
	var terms []string
	for _, g := range groups {
		terms = append(terms, "(cn="+directory.EscapeFilterValue(g)+")")
	}
	es, err := dir.Search(ctx, directory.SearchRequest{BaseDN: directory.In(directory.Groups, dir.Suffix()), Scope: directory.ScopeOne,
		Filter: "(&(objectClass=ipausergroup)(|" + strings.Join(terms, "") + "))", Attributes: []string{"cn"}})
	if err != nil {
		return fmt.Errorf("read groups: %w", err)
	}
	have := map[string]bool{}
	for _, e := range es {
		have[strings.ToLower(e.First("cn"))] = true
	}
	for _, g := range groups {
		if !have[g] {
			return cmdutil.InputErrorf("unknown group %q", g)
		}
	}
	return nil
}

// NewCmdDelete builds `cluster delete`.
func NewCmdDelete(f *cmdutil.Factory) *cobra.Command {
	var pf cmdutil.PlanFlags
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a cluster's objects (never users or hosts)",
		Long: `Delete the cluster's HBAC rule, sudo rule, automember rule, hostgroup and user groups.
Users and hosts are never deleted; they lose the access the cluster gave. This removes
access: off a terminal it needs --yes.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := pf.Validate(cmd); err != nil {
				return err
			}
			if err := names.Cluster(args[0]); err != nil {
				return err
			}
			if err := cmdutil.RequireYesOffTerminal(f, &pf); err != nil {
				return err
			}
			ctx := cmd.Context()
			dir, s, err := readCluster(ctx, f, args[0])
			if err != nil {
				return err
			}
			p := &plan.Plan{Title: "delete cluster " + args[0]}
			del := func(kind, name string, e *directory.Entry, ipaCmd string) {
				if e == nil {
					return
				}
				c := plan.Change{Action: plan.Delete, Kind: kind, Name: name, DN: e.DN, Entry: e, Removes: true, IPA: []string{ipaCmd}}
				if n := len(e.Get("member")); n > 0 {
					c.Notes = append(c.Notes, fmt.Sprintf("%d member(s) lose this membership", n))
				}
				p.Add(c)
			}
			n := s.Names
			// Rules first, so access is gone before the groups it named.
			del("hbacrule", n.HBACRule, s.HBACRule, ipa.Command("hbacrule-del", n.HBACRule))
			del("sudorule", n.SudoRule, s.SudoRule, ipa.Command("sudorule-del", n.SudoRule))
			del("automember", n.Hostgroup, s.Automember, ipa.Command("automember-del", n.Hostgroup, "--type=hostgroup"))
			del("hostgroup", n.Hostgroup, s.Hostgroup, ipa.Command("hostgroup-del", n.Hostgroup))
			del("group", n.SudoGroup, s.SudoGroup, ipa.Command("group-del", n.SudoGroup))
			del("group", n.Group, s.Group, ipa.Command("group-del", n.Group))
			_, err = cmdutil.RunPlan(ctx, f, dir, p, &pf)
			return err
		},
	}
	cmdutil.AddPlanFlags(cmd, &pf, plan.IPA, plan.LDIF)
	cmd.ValidArgsFunction = completion.Positional(completion.Clusters(f), nil)
	return cmd
}

// MemberChange is the change add-user, remove-user and member-manager make on one group:
// `diff -f` builds its membership changes with it.
func MemberChange(kind, name string, e *directory.Entry, attr string, dns []string, remove bool, ipaCmd func([]string) string) plan.Change {
	return memberChange(kind, name, e, attr, dns, remove, ipaCmd)
}
