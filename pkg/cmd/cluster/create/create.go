// Package create implements `accessctl cluster create`.
package create

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/automember"
	"github.com/accessctl/accessctl/pkg/cluster"
	idcmd "github.com/accessctl/accessctl/pkg/cmd/id/shared"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/idrange"
	"github.com/accessctl/accessctl/pkg/ids"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/names"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// Options are the inputs of `cluster create`.
type Options struct {
	F         *cmdutil.Factory
	Name      string
	Desc      string
	HostRegex []string
	Fix       bool
	Range     string
	Plan      cmdutil.PlanFlags
}

// NewCmdCreate builds the command; runF replaces the run function in tests.
func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "create NAME --desc TEXT",
		Short: "Create a cluster's five objects together, or adopt and repair existing ones",
		Long: `Create, together and consistently (ITTN-010 §3.5):
  user group NAME        (description "<desc> users", GID from the general range)
  user group NAME-sudo   (description "<desc> sudo users")
  hostgroup NAME         (description "<desc> servers")
  HBAC rule NAME-users   (all services; group NAME -> hostgroup NAME)
  sudo rule NAME-sudo    (all commands as any user/group; group NAME-sudo -> hostgroup NAME)
and, with --host-regex, the hostgroup's automember rule on fqdn.

Objects that already exist with the right shape are adopted; objects that differ are
reported and left alone unless --fix. A second run changes nothing. If any step
fails, the steps already made are undone.`,
		Example: `  accessctl cluster create hvac --desc "Summit HVAC" --dry-run
  accessctl cluster create hvac --desc "Summit HVAC" --host-regex '^eas-hvac-[0-9]+\.cp\.lsst\.org$' --yes
  accessctl cluster create hvac --desc "Summit HVAC" --emit ipa`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if err := o.Plan.Validate(cmd); err != nil {
				return err
			}
			if err := names.Cluster(o.Name); err != nil {
				return err
			}
			if o.Desc == "" && !o.Fix { // --fix recovers it from an existing user group
				return cmdutil.FlagErrorf("--desc is required: the shared description text, e.g. \"Summit HVAC\"")
			}
			if o.Desc != "" {
				if err := names.Text(names.KindDescription, o.Desc); err != nil {
					return err
				}
			}
			for _, re := range o.HostRegex {
				if err := automember.Validate(re); err != nil {
					return cmdutil.InputError(err)
				}
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return Run(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.Desc, "desc", "", "shared description text (\"Summit HVAC\" gives \"Summit HVAC users\", ...); with --fix, read from the existing user group when left out")
	cmd.Flags().StringArrayVar(&o.HostRegex, "host-regex", nil, "fqdn regex for the hostgroup's automember rule (repeatable)")
	cmd.Flags().BoolVar(&o.Fix, "fix", false, "repair existing objects whose shape differs")
	cmd.Flags().StringVar(&o.Range, "range", "general", "ID range for the groups' GIDs")
	cmdutil.AddPlanFlags(cmd, &o.Plan, plan.IPA, plan.LDIF)
	cmd.ValidArgsFunction = completion.NoFiles
	_ = cmd.RegisterFlagCompletionFunc("range", completion.Ranges(f))
	return cmd
}

// Run reads the state in one search, plans and applies.
func Run(ctx context.Context, o *Options) error {
	f := o.F
	dir, err := f.Directory(ctx)
	if err != nil {
		return err
	}
	p, err := Plan(ctx, f, dir, o)
	if err != nil {
		return err
	}
	_, err = cmdutil.RunPlan(ctx, f, dir, p, &o.Plan)
	// The user group's unique DN is the lock: losing the race on it (or on a name made
	// after it) means another run is creating this cluster; our part was rolled back.
	var ae *plan.ApplyError
	if err = idcmd.ExplainClaimRace(err); errors.As(err, &ae) && ae.Failed.Kind != "idmark" && ae.Failed.Kind != "idalloc" &&
		len(ae.Leftover) == 0 && (directory.IsExists(ae.Err) || directory.IsCode(ae.Err, directory.CodeConstraintViolation)) {
		return fmt.Errorf("cluster %q already exists: created concurrently by another run (nothing changed here; re-run to check it)", o.Name)
	}
	if err == nil && p.HasDiffers() && !o.Fix {
		fmt.Fprintln(f.IO.ErrOut, "accessctl: some objects differ from the convention; re-run with --fix to repair them")
	}
	return err
}

// Plan reads the cluster's state in one search and builds the create plan (GIDs claimed,
// existing hosts the regexes pull in); `diff -f` builds new clusters with it too.
func Plan(ctx context.Context, f *cmdutil.Factory, dir directory.Client, o *Options) (*plan.Plan, error) {
	conv, err := f.Conventions()
	if err != nil {
		return nil, err
	}
	rng, ok := conv.RangeByName(o.Range)
	if !ok {
		return nil, cmdutil.InputErrorf("unknown --range %q: the conventions define %v", o.Range, conv.RangeNames())
	}
	state, err := cluster.Read(ctx, dir, conv, o.Name)
	if err != nil {
		return nil, err
	}
	if err := state.Manageable(); err != nil {
		return nil, err // before the half-cluster guess below: name the real reason
	}
	if names.LooksPlural(o.Name) {
		fmt.Fprintf(f.IO.ErrOut, "accessctl: warning: %q looks plural; ITTN-010 names clusters in the singular\n", o.Name)
	}
	// The user group's unique DN is the lock: a run that creates it owns the creation. A
	// user group without the rest is a half cluster, possibly another run's work in
	// progress, so completing it takes an explicit --fix.
	if state.Group != nil && !state.Complete() && !o.Fix {
		return nil, fmt.Errorf("cluster %q is incomplete (missing %s): another run may be creating it; re-run to check, or complete it with --fix", o.Name, strings.Join(missing(state), ", "))
	}
	desc := o.Desc
	if desc == "" && state.Group != nil {
		// --fix without --desc: the base text of the user group's description, so that an
		// interrupted create is completed as it was started.
		desc, _ = cluster.GroupDescriptionBase(conv, state.Group.First("description"))
	}
	if desc == "" {
		return nil, cmdutil.FlagErrorf("--desc is required: the shared description text, e.g. \"Summit HVAC\" (--fix reads it from the user group's description, and cluster %s has none that follows the template)", o.Name)
	}
	opts := cluster.CreateOptions{Base: o.Name, Desc: desc, HostRegex: o.HostRegex, Fix: o.Fix}
	var marks []plan.Change
	if opts.GIDs, marks, err = gids(ctx, dir, conv, state, rng); err != nil {
		return nil, err
	}
	p, err := cluster.PlanCreate(state, conv, opts)
	if err != nil {
		return nil, cmdutil.InputError(err)
	}
	for _, m := range marks {
		p.Add(m)
	}
	if err := idcmd.CheckClaimServer(f, dir, p, &o.Plan); err != nil {
		return nil, err
	}
	if len(o.HostRegex) > 0 {
		if err := describeHosts(ctx, dir, state, p, o.HostRegex, conv.Automember.Key); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// gids returns "-1" (the server's DNA) when DNA serves the range (ids.ServedByDNA),
// else the next IDs claimed above the range's high-water mark, with the plan changes that
// move the mark (compare-and-swap, rolled back with the rest on failure).
func gids(ctx context.Context, dir directory.Client, conv *siteconv.Conventions, s *cluster.State, sr siteconv.Range) ([2]string, []plan.Change, error) {
	need := 0
	if s.Group == nil {
		need++
	}
	if s.SudoGroup == nil {
		need++
	}
	if need == 0 {
		return [2]string{}, nil, nil
	}
	r := idrange.Range{Name: sr.Name, Min: sr.Min, Max: sr.Max}
	// The realm is not read here: DNA's range is then the one ipa-local *_id_range.
	if useDNA, err := ids.ServedByDNA(ctx, dir, s.IDRanges, "", r); err != nil || useDNA {
		return [2]string{ipa.DNAMagic, ipa.DNAMagic}, nil, err
	}
	got, marks, err := ids.Claim(ctx, dir, conv, r, need)
	if err != nil {
		return [2]string{}, nil, err
	}
	var out [2]string
	i := 0
	if s.Group == nil {
		out[0] = strconv.Itoa(got[i])
		i++
	}
	if s.SudoGroup == nil {
		out[1] = strconv.Itoa(got[i])
	}
	return out, marks, nil
}

// describeHosts lists, in the plan, the existing hosts the new conditions pull in.
func describeHosts(ctx context.Context, dir directory.Client, state *cluster.State, p *plan.Plan, regexes []string, key string) error {
	hosts, err := dir.Search(ctx, directory.SearchRequest{BaseDN: directory.In(directory.Computers, dir.Suffix()),
		Scope: directory.ScopeOne, Filter: hostFilter(regexes, key), Attributes: []string{key}})
	if err != nil {
		return fmt.Errorf("read hosts: %w", err)
	}
	rule := automember.Rule{}
	for _, r := range regexes {
		rule.Inclusive = append(rule.Inclusive, automember.Condition{Attr: key, Regex: r})
	}
	var matched, dns []string
	for _, h := range hosts {
		if ok, _, _ := automember.Match(rule, map[string][]string{key: h.Get(key)}); ok {
			matched = append(matched, h.First(key))
			dns = append(dns, h.DN)
		}
	}
	if len(matched) == 0 {
		p.Info = append(p.Info, "automember: no existing host matches the new conditions")
		return nil
	}
	// The server's automember acts on new hosts only; existing ones join now, in the same
	// all-or-nothing plan (what a rebuild would do).
	joined := false
	for i, c := range p.Changes {
		if c.Kind != "hostgroup" {
			continue
		}
		switch c.Action {
		case plan.Create:
			p.Changes[i].Entry.Set("member", dns...)
			joined = true
		case plan.Unchanged:
			cur := hostgroupMembers(state, c.DN)
			var add []string
			for _, d := range dns {
				if !cur[directory.NormalizeDN(d)] {
					add = append(add, d)
				}
			}
			if len(add) > 0 {
				p.Add(plan.Change{Action: plan.Modify, Kind: "hostgroup", Name: c.Name, DN: c.DN,
					Mods: []directory.Mod{{Op: directory.ModAdd, Attr: "member", Values: add}},
					IPA:  []string{ipa.Command("automember-rebuild", "--type=hostgroup")}})
			}
			joined = true
		}
	}
	verb := "will join"
	if !joined {
		verb = "match (the hostgroup differs and is left alone)"
	}
	p.Info = append(p.Info, fmt.Sprintf("automember: %d existing host(s) %s the hostgroup:", len(matched), verb))
	for _, m := range matched {
		p.Info = append(p.Info, "  "+m)
	}
	return nil
}

// hostFilter asks the server only for the hosts the regexes can match when each has a
// literal prefix (^eas-hvac- → fqdn=eas-hvac-*): at 40,000 hosts reading them all costs
// seconds. The substring match ignores case, so it finds a superset; the regexes then
// decide, case-sensitively, as the server's automember does.
func hostFilter(regexes []string, key string) string {
	var terms []string
	for _, r := range regexes {
		p := automember.LiteralPrefix(r)
		if p == "" {
			return "(objectClass=ipahost)"
		}
		terms = append(terms, "("+key+"="+directory.EscapeFilterValue(p)+"*)")
	}
	return "(&(objectClass=ipahost)(|" + strings.Join(terms, "") + "))"
}

func missing(s *cluster.State) []string {
	var out []string
	n := s.Names
	for _, m := range []struct {
		e    *directory.Entry
		what string
	}{{s.SudoGroup, "group " + n.SudoGroup}, {s.Hostgroup, "hostgroup " + n.Hostgroup}, {s.HBACRule, "HBAC rule " + n.HBACRule}, {s.SudoRule, "sudo rule " + n.SudoRule}} {
		if m.e == nil {
			out = append(out, m.what)
		}
	}
	return out
}

func hostgroupMembers(s *cluster.State, dn string) map[string]bool {
	m := map[string]bool{}
	if s.Hostgroup != nil {
		for _, v := range s.Hostgroup.Get("member") {
			m[directory.NormalizeDN(v)] = true
		}
	}
	return m
}
