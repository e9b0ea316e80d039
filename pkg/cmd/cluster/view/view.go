// Package view implements `accessctl cluster show|list|check`.
package view

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/automember"
	"github.com/accessctl/accessctl/pkg/cluster"
	"github.com/accessctl/accessctl/pkg/cmd/cluster/create"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/finding"
	"github.com/accessctl/accessctl/pkg/names"
	"github.com/accessctl/accessctl/pkg/output"
)

// Object is one of a cluster's objects in show output.
type Object struct {
	Kind        string   `json:"kind" yaml:"kind"`
	Name        string   `json:"name" yaml:"name"`
	DN          string   `json:"dn,omitempty" yaml:"dn,omitempty"`
	Exists      bool     `json:"exists" yaml:"exists"`
	Description string   `json:"description,omitempty" yaml:"description,omitempty"`
	GID         string   `json:"gid,omitempty" yaml:"gid,omitempty"`
	Enabled     *bool    `json:"enabled,omitempty" yaml:"enabled,omitempty"`
	Managers    []string `json:"member_managers,omitempty" yaml:"member_managers,omitempty"`
}

// Member is a user with access through the cluster.
type Member struct {
	User   string `json:"user" yaml:"user"`
	Group  string `json:"group" yaml:"group"`
	Direct bool   `json:"direct" yaml:"direct"`
}

// Host is a hostgroup member with the condition that put it there.
type Host struct {
	FQDN      string `json:"fqdn" yaml:"fqdn"`
	Condition string `json:"condition,omitempty" yaml:"condition,omitempty"`
}

// ShowResult is `cluster show -o json`.
type ShowResult struct {
	Name       string            `json:"name" yaml:"name"`
	Objects    []Object          `json:"objects" yaml:"objects"`
	Members    []Member          `json:"members" yaml:"members"`
	Hosts      []Host            `json:"hosts" yaml:"hosts"`
	Conditions []string          `json:"conditions" yaml:"conditions"`
	Drift      []cluster.Finding `json:"drift" yaml:"drift"`
}

// NewCmdShow builds `cluster show`.
func NewCmdShow(f *cmdutil.Factory) *cobra.Command {
	var out cmdutil.OutputFlag
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a cluster's objects, members (direct and nested), hosts and drift",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.Validate(); err != nil {
				return err
			}
			if err := names.Cluster(args[0]); err != nil {
				return err
			}
			res, err := show(cmd.Context(), f, args[0])
			if err != nil {
				return err
			}
			return output.Print(f.IO, out.Value, res, func(w io.Writer) error { return printShow(f, w, res) })
		},
	}
	cmdutil.AddOutputFlag(cmd, &out)
	cmd.ValidArgsFunction = completion.Positional(completion.Clusters(f), nil)
	return cmd
}

func show(ctx context.Context, f *cmdutil.Factory, base string) (*ShowResult, error) {
	conv, err := f.Conventions()
	if err != nil {
		return nil, err
	}
	dir, err := f.Directory(ctx)
	if err != nil {
		return nil, err
	}
	s, err := cluster.Read(ctx, dir, conv, base)
	if err != nil {
		return nil, err
	}
	if !s.Exists() {
		return nil, cmdutil.InputErrorf("cluster %q not found: none of its objects exist", base)
	}
	res := &ShowResult{Name: base, Members: []Member{}, Hosts: []Host{}, Conditions: []string{}, Drift: s.Check(conv)}
	if res.Drift == nil {
		res.Drift = []cluster.Finding{}
	}
	obj := func(kind, name string, e *directory.Entry) {
		o := Object{Kind: kind, Name: name, Exists: e != nil}
		if e != nil {
			o.DN, o.Description, o.GID = e.DN, e.First("description"), e.First("gidNumber")
			if fl := e.First("ipaEnabledFlag"); fl != "" {
				b := strings.EqualFold(fl, "TRUE")
				o.Enabled = &b
			}
			for _, m := range e.Get("memberManager") {
				o.Managers = append(o.Managers, directory.RDNValue(m))
			}
		}
		res.Objects = append(res.Objects, o)
	}
	n := s.Names
	obj("group", n.Group, s.Group)
	obj("group", n.SudoGroup, s.SudoGroup)
	obj("hostgroup", n.Hostgroup, s.Hostgroup)
	obj("hbacrule", n.HBACRule, s.HBACRule)
	obj("sudorule", n.SudoRule, s.SudoRule)

	// Users with access: memberOf covers nesting; one search for both groups.
	var groups []*directory.Entry
	for _, g := range []*directory.Entry{s.Group, s.SudoGroup} {
		if g != nil {
			groups = append(groups, g)
		}
	}
	if len(groups) > 0 {
		var terms []string
		for _, g := range groups {
			terms = append(terms, "(memberOf="+directory.EscapeFilterValue(g.DN)+")")
		}
		users, err := dir.Search(ctx, directory.SearchRequest{BaseDN: directory.In(directory.Users, dir.Suffix()), Scope: directory.ScopeOne,
			Filter: "(&(objectClass=posixAccount)(|" + strings.Join(terms, "") + "))", Attributes: []string{"uid", "memberOf"}})
		if err != nil {
			return nil, fmt.Errorf("read cluster members: %w", err)
		}
		for _, g := range groups {
			for _, u := range users {
				if !directory.HasDN(u.Get("memberOf"), g.DN) {
					continue
				}
				res.Members = append(res.Members, Member{User: u.First("uid"), Group: g.First("cn"), Direct: directory.HasDN(g.Get("member"), u.DN)})
			}
		}
	}
	if s.Automember != nil {
		rule := cluster.RuleOf(s.Automember)
		for _, c := range rule.Inclusive {
			res.Conditions = append(res.Conditions, "include "+c.String())
		}
		for _, c := range rule.Exclusive {
			res.Conditions = append(res.Conditions, "exclude "+c.String())
		}
	}
	if s.Hostgroup != nil {
		var rule *automember.Rule
		if s.Automember != nil {
			r := cluster.RuleOf(s.Automember)
			rule = &r
		}
		for _, m := range s.Hostgroup.Get("member") {
			if !strings.HasPrefix(strings.ToLower(m), "fqdn=") {
				continue
			}
			h := Host{FQDN: directory.RDNValue(m)}
			if rule != nil {
				if ok, by, _ := automember.Match(*rule, map[string][]string{conv.Automember.Key: {h.FQDN}}); ok && by != nil {
					h.Condition = by.String()
				}
			}
			res.Hosts = append(res.Hosts, h)
		}
	}
	return res, nil
}

func printShow(f *cmdutil.Factory, w io.Writer, r *ShowResult) error {
	fmt.Fprintf(w, "Cluster %s\n\n", r.Name)
	t := output.Table{Headers: []string{"kind", "name", "status", "description"}}
	for _, o := range r.Objects {
		st := "missing"
		if o.Exists {
			st = "present"
			if o.Enabled != nil && !*o.Enabled {
				st = "DISABLED"
			}
		}
		t.AddRow(o.Kind, o.Name, st, o.Description)
	}
	if err := t.Render(f.IO, w); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nMembers:")
	if len(r.Members) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	for _, m := range r.Members {
		via := "direct"
		if !m.Direct {
			via = "nested"
		}
		fmt.Fprintf(w, "  %-20s %-20s %s\n", m.User, m.Group, via)
	}
	for _, o := range r.Objects {
		if len(o.Managers) > 0 {
			fmt.Fprintf(w, "Member managers of %s: %s\n", o.Name, strings.Join(o.Managers, ", "))
		}
	}
	fmt.Fprintln(w, "\nHosts:")
	if len(r.Hosts) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	for _, h := range r.Hosts {
		c := h.Condition
		if c == "" {
			c = "(no automember condition matches)"
		}
		fmt.Fprintf(w, "  %-40s %s\n", h.FQDN, c)
	}
	if len(r.Conditions) > 0 {
		fmt.Fprintf(w, "\nAutomember conditions:\n  %s\n", strings.Join(r.Conditions, "\n  "))
	}
	fmt.Fprintln(w, "\nDrift:")
	if len(r.Drift) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, d := range r.Drift {
		fmt.Fprint(w, output.Wrap(fmt.Sprintf("%s %s: %s", d.Object, d.Name, d.Message), "  ", output.LineWidth(f.IO)))
	}
	return nil
}

// ListItem is one row of `cluster list`.
type ListItem struct {
	Name    string   `json:"name" yaml:"name"`
	Health  string   `json:"health" yaml:"health"` // ok, drift, half
	Members int      `json:"members" yaml:"members"`
	Sudoers int      `json:"sudo_members" yaml:"sudo_members"`
	Hosts   int      `json:"hosts" yaml:"hosts"`
	Missing []string `json:"missing,omitempty" yaml:"missing,omitempty"`
}

// NewCmdList builds `cluster list`.
func NewCmdList(f *cmdutil.Factory) *cobra.Command {
	var out cmdutil.OutputFlag
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List clusters found by convention, with counts, health and half clusters",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.Validate(); err != nil {
				return err
			}
			conv, err := f.Conventions()
			if err != nil {
				return err
			}
			dir, err := f.Directory(cmd.Context())
			if err != nil {
				return err
			}
			sn, err := cluster.ReadAll(cmd.Context(), dir)
			if err != nil {
				return err
			}
			items := []ListItem{}
			for _, b := range sn.Bases(conv) {
				s := sn.State(conv, b)
				it := ListItem{Name: b, Health: "ok"}
				if s.Group != nil {
					it.Members = len(s.Group.Get("member"))
				}
				if s.SudoGroup != nil {
					it.Sudoers = len(s.SudoGroup.Get("member"))
				}
				if s.Hostgroup != nil {
					it.Hosts = len(s.Hostgroup.Get("member"))
				}
				for _, fd := range s.Check(conv) {
					if fd.Message == "is missing" {
						it.Missing = append(it.Missing, fd.Object+" "+fd.Name)
					}
					it.Health = "drift"
				}
				if !s.Complete() {
					it.Health = "half"
				}
				items = append(items, it)
			}
			return output.Print(f.IO, out.Value, items, func(w io.Writer) error {
				t := output.Table{Headers: []string{"cluster", "health", "members", "sudo", "hosts", "missing"}}
				for _, it := range items {
					t.AddRow(it.Name, it.Health, strconv.Itoa(it.Members), strconv.Itoa(it.Sudoers), strconv.Itoa(it.Hosts), strings.Join(it.Missing, ", "))
				}
				return t.Render(f.IO, w)
			})
		},
	}
	cmdutil.AddOutputFlag(cmd, &out)
	cmd.ValidArgsFunction = completion.NoFiles
	return cmd
}

// NewCmdCheck builds `cluster check`.
func NewCmdCheck(f *cmdutil.Factory) *cobra.Command {
	var out cmdutil.OutputFlag
	var fix bool
	var pf cmdutil.PlanFlags
	cmd := &cobra.Command{
		Use:   "check [NAME...]",
		Short: "Report drift of clusters from the convention (exit 5 on findings); --fix repairs",
		Long: `Report every drift of the named clusters (all clusters found by convention when none is
named): a missing object, a wrong category, a disabled rule, a rule pointing at other or
more groups/hostgroups, hosts in the hostgroup its automember rule does not match, and
descriptions that do not follow the templates with one shared base text.
Exits 5 when anything is found. --fix repairs what can be repaired, through a plan.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.Validate(); err != nil {
				return err
			}
			for _, a := range args {
				if err := names.Cluster(a); err != nil {
					return err
				}
			}
			conv, err := f.Conventions()
			if err != nil {
				return err
			}
			dir, err := f.Directory(cmd.Context())
			if err != nil {
				return err
			}
			sn, err := cluster.ReadAll(cmd.Context(), dir)
			if err != nil {
				return err
			}
			bases := args
			if len(bases) == 0 {
				bases = sn.Bases(conv)
			}
			sort.Strings(bases)
			// The findings audit reports for these clusters (pkg/cluster), and the host
			// members their rules do not match, as automember lint reports them.
			var findings []finding.Finding
			for _, b := range bases {
				st := sn.State(conv, b)
				findings = append(append(findings, st.Findings(conv)...), st.HostFindings(conv)...)
			}
			if fix {
				return fixAll(cmd, f, bases, &pf)
			}
			rep := finding.NewReport(findings)
			if err := cmdutil.PrintFindings(f, out.Value, rep, fmt.Sprintf("%d cluster(s) checked: no drift", len(bases))); err != nil {
				return err
			}
			if len(findings) > 0 {
				return &cmdutil.FindingsError{Count: len(findings)}
			}
			return nil
		},
	}
	cmdutil.AddOutputFlag(cmd, &out)
	cmd.Flags().BoolVar(&fix, "fix", false, "repair the drift through a plan (as `cluster create --fix`)")
	cmd.Flags().BoolVar(&pf.DryRun, "dry-run", false, "with --fix: print the plan and change nothing")
	cmd.Flags().BoolVarP(&pf.Yes, "yes", "y", false, "with --fix: apply without asking")
	cmd.ValidArgsFunction = completion.Clusters(f)
	return cmd
}

// fixAll repairs each cluster with the create planner in --fix mode, keeping the
// description base text found in the directory.
func fixAll(cmd *cobra.Command, f *cmdutil.Factory, bases []string, pf *cmdutil.PlanFlags) error {
	conv, err := f.Conventions()
	if err != nil {
		return err
	}
	dir, err := f.Directory(cmd.Context())
	if err != nil {
		return err
	}
	// Refuse FreeIPA's own objects and foreign shapes before fixing anything.
	states := map[string]*cluster.State{}
	for _, b := range bases {
		s, err := cluster.Read(cmd.Context(), dir, conv, b)
		if err != nil {
			return err
		}
		if err := s.Manageable(); err != nil {
			return err
		}
		states[b] = s
	}
	for _, b := range bases {
		desc, ok := states[b].DescriptionBase(conv)
		if !ok || desc == "" {
			desc = b
		}
		o := &create.Options{F: f, Name: b, Desc: desc, Fix: true, Range: "general", Plan: cmdutil.PlanFlags{DryRun: pf.DryRun, Yes: pf.Yes, Output: "text"}}
		if err := create.Run(cmd.Context(), o); err != nil {
			return fmt.Errorf("fix cluster %s: %w", b, err)
		}
	}
	return nil
}
