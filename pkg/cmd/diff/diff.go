// Package diff implements `accessctl diff -f FILE|DIR`: the plan `apply` would carry out to
// make the directory what a Site document (pkg/site) says, built from the imperative
// commands' plan builders, and exit 5 when there is anything to do.
package diff

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/access"
	"github.com/accessctl/accessctl/pkg/cluster"
	"github.com/accessctl/accessctl/pkg/cmd/cluster/create"
	"github.com/accessctl/accessctl/pkg/cmd/export"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/hostgroups"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/roles"
	"github.com/accessctl/accessctl/pkg/site"
	"github.com/accessctl/accessctl/pkg/sysaccounts"
)

// NewCmdDiff builds `accessctl diff`.
func NewCmdDiff(f *cmdutil.Factory) *cobra.Command {
	var file string
	var prune bool
	var pf cmdutil.PlanFlags
	cmd := &cobra.Command{
		Use:   "diff -f FILE|DIR",
		Short: "Show the plan that would make the directory what a Site document says (exit 5 on drift)",
		Long: `Compare the directory with a Site document (one file, or every *.yaml file under DIR; see
docs/site-as-code.md) and print the plan that would make the directory match it, in the
plan rendering every command has (-o json|yaml, --emit ipa|ldif). Nothing is changed.

The plan is made by the builders of the imperative commands (cluster create, add-user,
remove-user, member-manager, automember add/remove, role create/grant/revoke, service
binddn create, role delete for a hostgroup a listed role no longer has); a change no
command makes yet is shown as "differs" with a note. Objects the file does not list are
left alone; with --prune the plan also holds what 'apply --prune' deletes.

Exit 0 when the directory matches the file, 5 when it differs (in every output mode, so
a CI job can fail on drift), 2 for a bad file or a file of another site.`,
		Example: `  accessctl export --dir site/
  accessctl diff -f site/
  accessctl diff -f site/ -o json | jq '.changes[] | select(.action != "unchanged")'`,
		Args:    cobra.NoArgs,
		GroupID: "setup",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := pf.Validate(cmd); err != nil {
				return err
			}
			if file == "" {
				return cmdutil.FlagErrorf("-f FILE|DIR is required")
			}
			return run(cmd.Context(), f, file, prune, &pf)
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "the Site document: a file, or a directory of *.yaml files")
	cmd.Flags().BoolVar(&prune, "prune", false, "also plan the deletion of conforming clusters, role rules and service bind DNs the file does not list")
	cmdutil.AddPlanFlags(cmd, &pf, plan.IPA, plan.LDIF)
	// diff never applies: --dry-run is implied and --yes means nothing.
	_ = cmd.Flags().MarkHidden("dry-run")
	_ = cmd.Flags().MarkHidden("yes")
	return cmd
}

func run(ctx context.Context, f *cmdutil.Factory, path string, prune bool, pf *cmdutil.PlanFlags) error {
	set, err := site.Load(path)
	if err != nil {
		return cmdutil.InputError(err)
	}
	p, cur, err := BuildSet(ctx, f, set, path)
	if err != nil {
		return err
	}
	if prune {
		for _, u := range UnlistedObjects(set, cur) {
			sub, err := PrunePlan(ctx, cur.Dir, cur.Conv, u)
			if err != nil {
				return err
			}
			AddPruned(p, sub, u)
		}
	}
	pf.DryRun = true
	if _, err := cmdutil.RunPlan(ctx, f, cur.Dir, p, pf); err != nil {
		return err
	}
	if n := differences(p); n > 0 {
		fmt.Fprintf(f.IO.ErrOut, "accessctl: the directory differs from %s: %d change(s)\n", path, n)
		return &cmdutil.SilentError{Code: cmdutil.ExitFindings}
	}
	return nil
}

// Build loads the Site document at path, reads the directory (one paged search) and
// returns the plan that makes the directory what the document says. A bad document or a
// document of another site is bad input.
func Build(ctx context.Context, f *cmdutil.Factory, path string) (*plan.Plan, *export.Current, error) {
	set, err := site.Load(path)
	if err != nil {
		return nil, nil, cmdutil.InputError(err)
	}
	return BuildSet(ctx, f, set, path)
}

// BuildSet is Build for a document already loaded (or a part of one: apply plans each
// object again right before applying it).
func BuildSet(ctx context.Context, f *cmdutil.Factory, set *site.Set, path string) (*plan.Plan, *export.Current, error) {
	cur, err := export.Read(ctx, f, nil, set.HasUsers)
	if err != nil {
		return nil, nil, err
	}
	if !directory.EqualDN(set.Site.Suffix, cur.Dir.Suffix()) || !strings.EqualFold(set.Site.Realm, cur.Realm) {
		return nil, nil, cmdutil.InputErrorf("%s: site: the file is for %s (%s), the directory is %s (%s)",
			set.SitePos, set.Site.Suffix, set.Site.Realm, cur.Dir.Suffix(), cur.Realm)
	}
	p, err := Plan(ctx, f, set, cur, path)
	if err != nil {
		return nil, nil, err
	}
	return p, cur, nil
}

func differences(p *plan.Plan) int {
	n := 0
	for _, c := range p.Changes {
		if c.Action != plan.Unchanged {
			n++
		}
	}
	return n
}

// planner composes one plan out of the builders' plans.
type planner struct {
	ctx    context.Context
	f      *cmdutil.Factory
	cur    *export.Current
	p      *plan.Plan
	groups map[string]*access.Group
	hg     *hostgroups.State
}

// Plan is the plan that makes the directory what set says about the objects it lists.
func Plan(ctx context.Context, f *cmdutil.Factory, set *site.Set, cur *export.Current, path string) (*plan.Plan, error) {
	pl := &planner{ctx: ctx, f: f, cur: cur, p: &plan.Plan{Title: "apply " + path, Changes: []plan.Change{}}, groups: map[string]*access.Group{}}
	for _, g := range cur.Snap.Groups {
		pl.groups[strings.ToLower(g.Name)] = g
	}
	steps := []func(*site.Set) error{pl.clusters, pl.roles, pl.services, pl.users}
	for _, step := range steps {
		if err := step(set); err != nil {
			return nil, err
		}
	}
	return pl.p, nil
}

// merge adds a builder's plan: its changes (those with something to do), warnings and
// info lines.
func (pl *planner) merge(sub *plan.Plan, notes ...string) {
	for _, c := range sub.Changes {
		if c.Action == plan.Unchanged {
			continue
		}
		c.Notes = append(c.Notes, notes...)
		pl.p.Add(c)
	}
	pl.p.Warnings = append(pl.p.Warnings, sub.Warnings...)
	pl.p.Info = append(pl.p.Info, sub.Info...)
}

func (pl *planner) add(c plan.Change) {
	if c.Action != plan.Unchanged {
		pl.p.Add(c)
	}
}

// differs records a difference no builder can plan yet.
func (pl *planner) differs(kind, name string, notes ...string) {
	pl.p.Add(plan.Change{Action: plan.Differs, Kind: kind, Name: name, Notes: notes})
}

// leftOut reports the audit findings that kept an object out of the export.
func (pl *planner) leftOut(what string) []string {
	var out []string
	for _, l := range pl.cur.Left {
		if l.Object == what {
			out = append(out, l.Finding.Message+" ["+l.Finding.ID+"]")
		}
	}
	return out
}

// group is the entry of a user group: from the snapshot, or an empty entry of the DN a
// plan is about to create.
func (pl *planner) group(name string) *directory.Entry {
	if g := pl.groups[strings.ToLower(name)]; g != nil {
		return g.Entry
	}
	return directory.NewEntry(ipa.GroupDN(name, pl.cur.Snap.Suffix))
}

// principals makes the entry's attr hold exactly want's users and groups (people only:
// other values are left alone), with the builder of add-user/remove-user (users) and
// member-manager (managers). Unknown users and groups cannot be planned: noted instead.
func (pl *planner) principals(e *directory.Entry, attr string, want site.Principals, manager bool, what string) {
	name := directory.RDNValue(e.DN)
	snap := pl.cur.Snap
	wantDN := map[string]bool{}
	var addUsers, addGroups []string
	for _, u := range want.Users {
		x := snap.User(u)
		if x == nil {
			pl.differs("group", name, fmt.Sprintf("%s: user %s does not exist (create it first: accessctl user create)", what, u))
			continue
		}
		wantDN[directory.NormalizeDN(x.DN)] = true
		if !directory.HasDN(e.Get(attr), x.DN) {
			if x.Disabled && !manager {
				pl.differs("group", name, fmt.Sprintf("%s: user %s is disabled (offboarded) and is not added", what, u))
				continue
			}
			addUsers = append(addUsers, x.DN)
		}
	}
	for _, g := range want.Groups {
		x := pl.groups[strings.ToLower(g)]
		if x == nil {
			pl.differs("group", name, fmt.Sprintf("%s: group %s does not exist", what, g))
			continue
		}
		wantDN[directory.NormalizeDN(x.DN)] = true
		if !directory.HasDN(e.Get(attr), x.DN) {
			addGroups = append(addGroups, x.DN)
		}
	}
	var delUsers, delGroups []string
	for _, v := range e.Get(attr) {
		if wantDN[directory.NormalizeDN(v)] {
			continue
		}
		if snap.UserByDN(v) != nil {
			delUsers = append(delUsers, v)
		} else if snap.GroupByDN(v) != nil {
			delGroups = append(delGroups, v)
		}
	}
	verb := func(remove bool) string {
		switch {
		case manager && remove:
			return "group-remove-member-manager"
		case manager:
			return "group-add-member-manager"
		case remove:
			return "group-remove-member"
		}
		return "group-add-member"
	}
	change := func(dns []string, remove bool, flag string, notes ...string) {
		if len(dns) == 0 {
			return
		}
		c := cluster.MemberChange(name, e, attr, dns, remove, func(_ string, v []string) string {
			return ipa.Command(verb(remove), name, flag+strings.Join(v, ","))
		})
		c.Notes = append(c.Notes, what)
		c.Notes = append(c.Notes, notes...)
		pl.add(c)
	}
	change(addUsers, false, "--users=")
	change(delUsers, true, "--users=")
	change(addGroups, false, "--groups=")
	change(delGroups, true, "--groups=")
}

func (pl *planner) clusters(set *site.Set) error {
	have := map[string]site.Cluster{}
	for _, c := range pl.cur.Doc.Clusters {
		have[c.Name] = c
	}
	conv := pl.cur.Conv
	for _, c := range set.Clusters {
		n := conv.ClusterNames(c.Name)
		h, ok := have[c.Name]
		if !ok {
			if why := pl.leftOut("cluster " + c.Name); len(why) > 0 {
				pl.differs("cluster", c.Name, append(why, "does not follow the conventions: repair it (accessctl cluster create "+c.Name+" --desc TEXT --fix) before it can be compared")...)
				continue
			}
			sub, err := create.Plan(pl.ctx, pl.f, pl.cur.Dir, &create.Options{Name: c.Name, Desc: c.Description, HostRegex: c.HostRegexes, Range: "general"})
			if err != nil {
				return fmt.Errorf("cluster %s: %w", c.Name, err)
			}
			pl.merge(sub)
			h = site.Cluster{Name: c.Name, Description: c.Description, HostRegexes: c.HostRegexes}
		}
		if h.Description != c.Description {
			pl.differs("cluster", c.Name, fmt.Sprintf("description base text is %q, the file says %q; no command changes it yet", h.Description, c.Description))
		}
		if err := pl.regexes(n.Hostgroup, h.HostRegexes, c.HostRegexes); err != nil {
			return err
		}
		pl.principals(pl.group(n.Group), "member", c.Members, false, "cluster "+c.Name+" members")
		pl.principals(pl.group(n.SudoGroup), "member", c.Sudo, false, "cluster "+c.Name+" sudo")
		pl.principals(pl.group(n.Group), "memberManager", c.MemberManagers, true, "cluster "+c.Name+" member managers")
		pl.principals(pl.group(n.SudoGroup), "memberManager", c.MemberManagers, true, "cluster "+c.Name+" member managers")
	}
	return nil
}

// regexes plans the automember edit (automember add/remove's builder, with its preview of
// the hosts that join and leave).
func (pl *planner) regexes(hg string, have, want []string) error {
	add, remove := setDiff(want, have), setDiff(have, want)
	if len(add) == 0 && len(remove) == 0 {
		return nil
	}
	if pl.hg == nil {
		st, err := hostgroups.Read(pl.ctx, pl.cur.Dir)
		if err != nil {
			return err
		}
		pl.hg = st
	}
	if pl.hg.Hostgroups[hg] == nil {
		return nil // a new cluster: its create plan holds the rule and the hosts it pulls in
	}
	rule, err := pl.hg.ApplyEdit(hg, pl.cur.Conv.Automember.Key, hostgroups.Edit{AddInclusive: add, RemoveInclusive: remove})
	if err != nil {
		return cmdutil.InputError(err)
	}
	sub, _, err := pl.hg.RulePlan("automember "+hg, rule)
	if err != nil {
		return cmdutil.InputError(err)
	}
	pl.merge(sub)
	return nil
}

func setDiff(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	return out
}

func (pl *planner) roles(set *site.Set) error {
	have := map[string]site.Role{}
	for _, r := range pl.cur.Doc.Roles {
		have[r.Name] = r
	}
	conv := pl.cur.Conv
	for _, r := range set.Roles {
		h, ok := have[r.Name]
		if !ok {
			if why := pl.leftOut("role " + r.Name); len(why) > 0 {
				pl.differs("role", r.Name, append(why, "does not follow the conventions: repair it (accessctl role check) before it can be compared")...)
				continue
			}
			h = site.Role{Name: r.Name, Range: r.Range, UID: r.UID}
		} else {
			if r.Range != h.Range {
				pl.differs("user", r.Name, fmt.Sprintf("role %s is in range %s, the file says %s; no command moves a role", r.Name, h.Range, r.Range))
			}
			if r.UID != 0 && r.UID != h.UID {
				pl.differs("user", r.Name, fmt.Sprintf("role %s has uid %d, the file says %d; no command renumbers a role", r.Name, h.UID, r.UID))
			}
		}
		cur := map[string]site.Principals{}
		for _, s := range h.Sudo {
			cur[s.Hostgroup] = s.Holders
		}
		want := map[string]bool{}
		for _, s := range r.Sudo {
			want[s.Hostgroup] = true
			holders, exists := cur[s.Hostgroup]
			if !exists {
				st, err := roles.Read(pl.ctx, pl.cur.Dir, conv, r.Name, s.Hostgroup)
				if err != nil {
					return err
				}
				sub, err := roles.PlanCreate(st, conv, roles.CreateOptions{Range: r.Range, RangeGiven: true, ID: r.UID})
				if err != nil {
					pl.differs("role", r.Name, fmt.Sprintf("role create %s --hostgroup %s cannot be planned: %s", r.Name, s.Hostgroup, roles.Msg(err)))
					continue
				}
				pl.merge(sub)
				holders = site.Principals{}
			}
			pl.holders(r.Name, s.Hostgroup, holders, s.Holders)
		}
		for _, s := range h.Sudo {
			if !want[s.Hostgroup] {
				sub, err := roleDelete(pl.ctx, pl.cur.Dir, conv, r.Name, s.Hostgroup)
				if err != nil {
					return err
				}
				pl.merge(sub, "the file does not list hostgroup "+s.Hostgroup+" for role "+r.Name+" (role delete)")
			}
		}
	}
	return nil
}

// holders plans role grant/revoke (users) and the sudoto group's group members.
func (pl *planner) holders(role, hg string, have, want site.Principals) {
	group, _ := pl.cur.Conv.SudotoNames(hg, role)
	e := pl.group(group)
	st := &roles.MemberState{Group: e, Users: map[string]*directory.Entry{}}
	for _, u := range pl.cur.Snap.Users {
		st.Users[strings.ToLower(u.UID)] = u.Entry
	}
	for _, x := range []struct {
		users []string
		add   bool
	}{{setDiff(want.Users, have.Users), true}, {setDiff(have.Users, want.Users), false}} {
		if len(x.users) == 0 {
			continue
		}
		for _, u := range x.users {
			if st.Users[strings.ToLower(u)] == nil {
				st.Missing = append(st.Missing, u)
			}
		}
		sub, err := roles.PlanMembers(st, pl.cur.Conv, role, hg, x.users, x.add)
		if err != nil {
			pl.differs("group", group, "role "+role+" on "+hg+": "+roles.Msg(err))
			st.Missing = nil
			continue
		}
		pl.merge(sub)
	}
	// Group holders: role grant/revoke --group's builder.
	gh := &roles.GroupHolders{Group: e, Groups: map[string]*directory.Entry{}}
	for k, g := range pl.groups {
		gh.Groups[k] = g.Entry
	}
	var haveGroups, wantGroups []string
	for _, v := range e.Get("member") {
		if g := pl.cur.Snap.GroupByDN(v); g != nil {
			haveGroups = append(haveGroups, g.Name)
		}
	}
	what := "role " + role + " on " + hg + " holders"
	for _, g := range want.Groups {
		if pl.groups[strings.ToLower(g)] == nil {
			pl.differs("group", group, fmt.Sprintf("%s: group %s does not exist", what, g))
			continue
		}
		wantGroups = append(wantGroups, g)
	}
	for _, x := range []struct {
		groups []string
		add    bool
	}{{setDiff(wantGroups, haveGroups), true}, {setDiff(haveGroups, want.Groups), false}} {
		if len(x.groups) == 0 {
			continue
		}
		sub, err := roles.PlanGroupHolders(gh, pl.cur.Conv, role, hg, x.groups, x.add, pl.cur.Snap.Suffix)
		if err != nil {
			pl.differs("group", group, what+": "+roles.Msg(err))
			continue
		}
		pl.merge(sub, what)
	}
}

func (pl *planner) services(set *site.Set) error {
	have := map[string]site.Service{}
	for _, s := range pl.cur.Doc.Services {
		have[s.Name] = s
	}
	for _, s := range set.Services {
		h, ok := have[s.Name]
		if !ok {
			if why := pl.leftOut("service " + s.Name); len(why) > 0 {
				pl.differs("binddn", s.Name, append(why, "does not follow the conventions (accessctl audit)")...)
				continue
			}
			dn := pl.cur.Conv.BindDN(s.Name, pl.cur.Snap.Suffix)
			sub := sysaccounts.PlanCreate(dn, s.Name, nil)
			for _, c := range sub.Changes {
				if c.Entry != nil && s.Description != "" {
					c.Entry.Set("description", s.Description)
				}
			}
			pl.merge(sub, "a new bind DN needs a password: apply writes it to --password-dir DIR (a new 0600 file named "+s.Name+")")
			continue
		}
		if h.Description != s.Description {
			pl.differs("binddn", s.Name, fmt.Sprintf("description is %q, the file says %q; no command changes it yet", h.Description, s.Description))
		}
	}
	return nil
}

func (pl *planner) users(set *site.Set) error {
	have := map[string]site.User{}
	for _, u := range pl.cur.Doc.Users {
		have[u.Login] = u
	}
	for _, u := range set.Users {
		h, ok := have[u.Login]
		switch {
		case !ok:
			if why := pl.leftOut("user " + u.Login); len(why) > 0 {
				pl.differs("user", u.Login, why...)
				continue
			}
			pl.differs("user", u.Login, fmt.Sprintf("user %s does not exist: accessctl user create %s --first %s --last %s (not planned here yet)", u.Login, u.Login, u.First, u.Last))
		case h.State != u.State && u.State == site.StateOffboarded:
			pl.differs("user", u.Login, fmt.Sprintf("user %s is active, the file says offboarded: accessctl user offboard %s (not planned here yet)", u.Login, u.Login))
		case h.State != u.State:
			pl.differs("user", u.Login, fmt.Sprintf("user %s is offboarded, the file says active: apply never reactivates; use accessctl user reinstate --from RECORD", u.Login))
		case h.First != u.First || h.Last != u.Last:
			pl.differs("user", u.Login, fmt.Sprintf("user %s is named %q %q, the file says %q %q; no command renames yet", u.Login, h.First, h.Last, u.First, u.Last))
		}
	}
	return nil
}
