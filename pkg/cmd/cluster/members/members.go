// Package members implements `accessctl cluster add-user|remove-user|member-manager|delete`.
package members

import (
	"context"
	"errors"
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
	if err := s.Manageable(); err != nil {
		return nil, nil, err // FreeIPA's own object or a foreign shape: the real reason first
	}
	if !s.Exists() {
		return nil, nil, cmdutil.InputErrorf("cluster %q not found", base)
	}
	return dir, s, nil
}

// checkNames refuses FreeIPA's own objects by name before --yes is asked for (the real
// reason first); the planners check again with the entries read.
func checkNames(f *cmdutil.Factory, base string) error {
	conv, err := f.Conventions()
	if err != nil {
		return err
	}
	return cluster.CheckNames(conv, base)
}

// planErr maps the cluster planners' errors: a missing group is bad input (exit 2), as
// is a refusal (ipa.UnmanagedError, mapped by cmdutil).
func planErr(err error) error {
	var me *cluster.MissingError
	if errors.As(err, &me) {
		return cmdutil.InputError(err)
	}
	return err
}

type userOpts struct {
	sudo   bool
	groups []string
	pf     cmdutil.PlanFlags
}

// NewCmdAddUser builds `cluster add-user`.
func NewCmdAddUser(f *cmdutil.Factory) *cobra.Command { return userCmd(f, false) }

// NewCmdRemoveUser builds `cluster remove-user`.
func NewCmdRemoveUser(f *cmdutil.Factory) *cobra.Command { return userCmd(f, true) }

func userCmd(f *cmdutil.Factory, remove bool) *cobra.Command {
	o := &userOpts{}
	use, short := "add-user NAME [USER...] [--group G]...", "Give users (or the members of groups) login access to a cluster (--sudo: also sudo)"
	if remove {
		use, short = "remove-user NAME [USER...] [--group G]...", "Take login (and with --sudo, only sudo) access away from users or groups"
	}
	cmd := &cobra.Command{
		Use: use, Short: short, Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.pf.Validate(cmd); err != nil {
				return err
			}
			base, users := args[0], args[1:]
			if len(users) == 0 && len(o.groups) == 0 {
				return cmdutil.FlagErrorf("name at least one USER or --group")
			}
			if err := names.Cluster(base); err != nil {
				return err
			}
			if err := validateUsers(users); err != nil {
				return err
			}
			for _, g := range o.groups {
				if err := names.Group(g); err != nil {
					return err
				}
			}
			if err := checkNames(f, base); err != nil {
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
			var dns []string
			if len(users) > 0 {
				found, err := readUsers(ctx, dir, users, remove)
				if err != nil {
					return err
				}
				for _, u := range users {
					if e, ok := found[u]; ok {
						dns = append(dns, e.DN)
					}
				}
			}
			isGroup := map[string]bool{}
			for _, g := range o.groups {
				if strings.EqualFold(g, s.Names.Group) || strings.EqualFold(g, s.Names.SudoGroup) {
					return cmdutil.InputErrorf("group %q is one of cluster %s's own groups: it cannot be a member of them", g, base)
				}
				dns = append(dns, ipa.GroupDN(g, dir.Suffix()))
				isGroup[strings.ToLower(g)] = true
			}
			if len(o.groups) > 0 && !remove {
				if err := requireGroups(ctx, dir, o.groups); err != nil {
					return err
				}
			}
			verb := map[bool]string{false: "group-add-member", true: "group-remove-member"}[remove]
			// Removing login access also removes sudo (ITTN-010: sudo goes with login); --sudo
			// on remove-user removes only sudo.
			groups := []string{s.Names.Group}
			if o.sudo {
				groups = []string{s.Names.SudoGroup}
				if !remove {
					groups = []string{s.Names.Group, s.Names.SudoGroup}
				}
			} else if remove {
				groups = []string{s.Names.Group, s.Names.SudoGroup}
			}
			p, err := s.PlanGroupEdit(cluster.GroupEdit{
				Title:  fmt.Sprintf("%s users of cluster %s", map[bool]string{false: "add", true: "remove"}[remove], base),
				Groups: groups, Attr: "member", DNs: dns, Remove: remove,
				IPA: func(g string, rdns []string) string {
					var us, gs []string
					for _, v := range rdns {
						if isGroup[strings.ToLower(v)] {
							gs = append(gs, v)
						} else {
							us = append(us, v)
						}
					}
					args := []string{verb, g}
					if len(us) > 0 {
						args = append(args, "--users="+strings.Join(us, ","))
					}
					if len(gs) > 0 {
						args = append(args, "--groups="+strings.Join(gs, ","))
					}
					return ipa.Command(args...)
				},
			})
			if err != nil {
				return planErr(err)
			}
			_, err = cmdutil.RunPlan(ctx, f, dir, p, &o.pf)
			return err
		},
	}
	cmd.Flags().BoolVar(&o.sudo, "sudo", false, "add: also sudo access; remove: only sudo access")
	cmd.Flags().StringArrayVar(&o.groups, "group", nil, "a user group whose members get (lose) the access, as a nested member (repeatable)")
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
			if err := checkNames(f, base); err != nil {
				return err
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
			verb := "group-" + action + "-member-manager"
			p, err := s.PlanGroupEdit(cluster.GroupEdit{
				Title:  fmt.Sprintf("%s member managers of cluster %s", action, base),
				Groups: []string{s.Names.Group, s.Names.SudoGroup}, Attr: "memberManager", DNs: dns, Remove: remove,
				SkipMissing: true,
				IPA: func(g string, _ []string) string {
					args := []string{verb, g}
					if len(users) > 0 {
						args = append(args, "--users="+strings.Join(users, ","))
					}
					if len(groups) > 0 {
						args = append(args, "--groups="+strings.Join(groups, ","))
					}
					return ipa.Command(args...)
				},
			})
			if err != nil {
				return planErr(err)
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
			if err := checkNames(f, args[0]); err != nil {
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
			p, err := cluster.PlanDelete(s)
			if err != nil {
				return planErr(err)
			}
			_, err = cmdutil.RunPlan(ctx, f, dir, p, &pf)
			return err
		},
	}
	cmdutil.AddPlanFlags(cmd, &pf, plan.IPA, plan.LDIF)
	cmd.ValidArgsFunction = completion.Positional(completion.Clusters(f), nil)
	return cmd
}
